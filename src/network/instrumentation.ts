/**
 * What a connection reports: instrumentation events with KafkaJS's names and
 * payloads (`network.request`, `network.request_timeout`,
 * `network.request_queue_size`), and log lines through a minimal logger
 * interface, so this layer needs nothing from the client layer above it.
 */

/** What an instrumentation listener receives (KafkaJS's InstrumentationEvent): the producer's, consumer's and admin's events alike. */
export interface InstrumentationEvent<T = unknown> {
  id: number;
  type: string;
  timestamp: number;
  payload: T;
}

/** Extra fields of a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** The logger a connection writes to; the client's `Logger` satisfies it. */
export interface NetworkLogger {
  error(message: string, extra?: LogFields): void;
  warn(message: string, extra?: LogFields): void;
  info(message: string, extra?: LogFields): void;
  debug(message: string, extra?: LogFields): void;
}

/** Fields every request event carries. */
interface RequestEventBase {
  /** The broker as `host:port`. */
  readonly broker: string;
  readonly clientId: string;
  readonly apiKey: number;
  /** The API's name, e.g. `Metadata`. */
  readonly apiName: string;
  readonly apiVersion: number;
  readonly correlationId: number;
  /** When `send` was called, ms since the epoch. */
  readonly createdAt: number;
  /** When the request was written to the socket, ms since the epoch. */
  readonly sentAt: number;
  /** Time spent queued behind the in-flight window: `sentAt - createdAt`. */
  readonly pendingDuration: number;
}

/** A request completed: its response arrived (or it was written, when none is expected). */
export interface NetworkRequestEvent {
  readonly type: 'network.request';
  readonly payload: RequestEventBase & {
    /** Bytes of the response frame, size prefix included; 0 when no response is expected. */
    readonly size: number;
    /** From `createdAt` to the response (queueing included). */
    readonly duration: number;
  };
}

/** A request's response did not arrive within its timeout. */
export interface NetworkRequestTimeoutEvent {
  readonly type: 'network.request_timeout';
  readonly payload: RequestEventBase;
}

/** The number of requests waiting for a slot in the in-flight window changed. */
export interface NetworkRequestQueueSizeEvent {
  readonly type: 'network.request_queue_size';
  readonly payload: { readonly broker: string; readonly clientId: string; readonly queueSize: number };
}

/** Every event a connection emits. */
export type NetworkEvent = NetworkRequestEvent | NetworkRequestTimeoutEvent | NetworkRequestQueueSizeEvent;

/**
 * Receives a connection's events; called synchronously, so it must be quick and must
 * not throw. With a `listening` property, events of a type it answers false for are
 * not even built (a `network.request` event per response costs on the hot path).
 */
export type NetworkInstrumentation = ((event: NetworkEvent) => void) & { readonly listening?: (type: NetworkEvent['type']) => boolean };

/** A logger that drops everything. */
export const silentNetworkLogger: NetworkLogger = Object.freeze({
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
});
