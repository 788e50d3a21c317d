/**
 * The requests of one connection: correlation ids, encoding, the in-flight
 * window, the queue behind it, response matching and request timeouts. The
 * connection owns the socket; this owns what travels on it.
 *
 * Requests are written in the order they are made. Up to `maxInFlight` wait
 * for a response at once; the rest queue in order and are written as
 * responses (or timeouts) free the window (Java's
 * `max.in.flight.requests.per.connection`, KafkaJS's request queue). Kafka
 * answers a connection's requests in order, but responses are matched by
 * correlation id, so an answer to a request that already timed out is
 * recognized and dropped.
 *
 * An answer carrying a quota throttle (KIP-219, see throttle.ts) holds the
 * queue: nothing more is written on the connection until the throttle ends.
 *
 * A request's clock starts when it is written, not while it queues (KafkaJS).
 * One timer, armed for the earliest deadline, serves every request: a request
 * costs its promise and one small record, no closure or timer of its own.
 * Each request is encoded into one reused Writer and copied once into its own
 * frame, which the socket keeps until written.
 */
import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSRequestTimeoutError } from '../errors/errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { parseResponse, writeRequestFrame } from '../protocol/framing.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { type Input, type MessageCodec } from '../protocol/primitives/message.js';
import { Writer } from '../protocol/primitives/writer.js';
import { apiName } from './api-versions.js';
import { clientThrottleMs } from './throttle.js';
import { type NetworkEvent, type NetworkInstrumentation, type NetworkLogger } from './instrumentation.js';

/** A request in the queue or in flight. One object per request; its promise is its only closure. */
class PendingRequest {
  resolve!: (body: unknown) => void;
  reject!: (error: Error) => void;
  readonly promise: Promise<unknown>;
  /** The encoded frame while queued; dropped once written. */
  frame: Buffer | undefined;
  sentAt = 0;
  deadline = Infinity;

  constructor(
    readonly correlationId: number,
    readonly apiKey: number,
    readonly apiVersion: number,
    readonly responseCodec: MessageCodec<unknown>,
    readonly expectResponse: boolean,
    readonly timeout: number,
    readonly createdAt: number,
  ) {
    this.promise = new Promise<unknown>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/** What a request queue needs from its connection. */
export interface RequestQueueOptions {
  /** The broker as `host:port`, for errors and events. */
  readonly broker: string;
  readonly clientId: string;
  /** Requests awaiting a response at once (Infinity for no limit). */
  readonly maxInFlight: number;
  /** The connection's default request timeout, ms. */
  readonly requestTimeout: number;
  readonly enforceRequestTimeout: boolean;
  readonly logger: NetworkLogger;
  readonly instrumentation: NetworkInstrumentation | undefined;
  /** Write one frame to the socket; false when there is no socket to write to. */
  readonly write: (frame: Buffer) => boolean;
  /** The broker sent nothing for two request timeouts: the connection should be broken with `error`. */
  readonly onSilence: (error: KafkaJSConnectionError) => void;
}

/** The requests of one connection, queued or in flight. */
export class RequestQueue {
  readonly #o: RequestQueueOptions;
  readonly #writer = new Writer(16 * 1024);
  #nextCorrelationId = 0;
  readonly #inFlight = new Map<number, PendingRequest>();
  /** Requests waiting for a window slot; `#head` indexes the first, so dequeuing is O(1). */
  #queue: (PendingRequest | undefined)[] = [];
  #head = 0;
  #lastReadAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  /** Nothing is written before this time: the broker throttled the connection (KIP-219). */
  #throttledUntil = 0;
  #throttleTimer: NodeJS.Timeout | undefined;

  constructor(options: RequestQueueOptions) {
    this.#o = options;
  }

  /** Requests written and awaiting a response. */
  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** Requests waiting for a window slot. */
  get queueSize(): number {
    return this.#queue.length - this.#head;
  }

  /** A new socket: the silence clock starts now. */
  start(now = Date.now()): void {
    this.#lastReadAt = now;
  }

  /** Bytes arrived from the broker: it is alive, whatever they are. */
  markRead(now: number): void {
    this.#lastReadAt = now;
  }

  /**
   * Encode a request with the next correlation id, then write it now or queue
   * it behind the window. Resolves with the decoded response body, or with
   * undefined once written when no response is expected (Produce acks=0).
   * Throws synchronously when the body cannot be encoded at `version`.
   */
  request<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, body: Input<Req>, version: number, expectResponse: boolean, timeout: number): Promise<Res> {
    const correlationId = this.#nextCorrelationId;
    const w = this.#writer.reset();
    writeRequestFrame(w, { apiKey: request.apiKey, apiVersion: version, correlationId, clientId: this.#o.clientId }, request, body);
    // Correlation ids are int32; wrap before overflowing into negatives.
    this.#nextCorrelationId = correlationId === 0x7fffffff ? 0 : correlationId + 1;
    const frame = w.toBuffer();
    const pending = new PendingRequest(correlationId, request.apiKey, version, response as MessageCodec<unknown>, expectResponse, timeout, Date.now());
    if (this.queueSize === 0 && this.#inFlight.size < this.#o.maxInFlight && !this.#throttled()) {
      this.#write(pending, frame);
    } else {
      pending.frame = frame;
      this.#queue.push(pending);
      this.#emitQueueSize();
    }
    return pending.promise as Promise<Res>;
  }

  /** One response frame (size prefix removed, at least 4 bytes): settle the request it answers. */
  receive(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const pending = this.#inFlight.get(correlationId);
    if (!pending) {
      // Most likely the answer to a request that timed out: the broker was slow, not wrong.
      this.#o.logger.debug('Response without a pending request (timed out earlier?)', { broker: this.#o.broker, correlationId });
      return;
    }
    this.#inFlight.delete(correlationId);
    let version = pending.apiVersion;
    // An ApiVersions version the broker does not know is answered with a v0 body (KIP-511); the error code leads every version's body.
    if (pending.apiKey === ApiKey.ApiVersions && frame.length >= 6 && frame.readInt16BE(4) === ErrorCode.UNSUPPORTED_VERSION) version = 0;
    let body: unknown;
    try {
      body = parseResponse(frame, pending.apiKey, version, pending.responseCodec).body;
    } catch (e) {
      // Frames stay aligned, so only this request fails; a broker sending bytes we cannot read is not worth retrying.
      pending.reject(
        new KafkaJSNonRetriableError(`Cannot decode the ${apiName(pending.apiKey)} v${version} response from ${this.#o.broker}: ${e instanceof Error ? e.message : String(e)}`, { cause: e }),
      );
      return;
    }
    const throttle = clientThrottleMs(pending.apiKey, version, body);
    if (throttle > 0) this.#throttle(throttle);
    pending.resolve(body);
    this.#emitRequest(pending, frame.length + 4, Date.now());
  }

  /** The broker throttled this connection for `ms`: write nothing more until then. */
  #throttle(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.#throttledUntil) return;
    this.#throttledUntil = until;
    this.#o.logger.debug('Throttled by the broker (quota)', { broker: this.#o.broker, throttleTimeMs: ms });
    clearTimeout(this.#throttleTimer);
    this.#throttleTimer = setTimeout(this.#onThrottleEnd, ms);
    // Pending requests keep the process alive through their socket; the timer need not.
    this.#throttleTimer.unref();
  }

  /** Whether a throttle is still running; clears it once over. */
  #throttled(): boolean {
    if (this.#throttledUntil === 0) return false;
    if (Date.now() < this.#throttledUntil) return true;
    this.#throttledUntil = 0;
    return false;
  }

  readonly #onThrottleEnd = (): void => {
    this.#throttleTimer = undefined;
    // A timer may fire a millisecond early by Date.now(): write then anyway.
    this.#throttledUntil = 0;
    this.drain();
  };

  /** Write queued requests while the window has room. */
  drain(): void {
    const before = this.queueSize;
    if (before === 0 || this.#throttled()) return;
    while (this.#head < this.#queue.length && this.#inFlight.size < this.#o.maxInFlight) {
      const pending = this.#queue[this.#head]!;
      // Release the slot so a long queue does not pin requests already written.
      this.#queue[this.#head++] = undefined;
      const frame = pending.frame!;
      pending.frame = undefined;
      if (!this.#write(pending, frame)) break;
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.queueSize !== before) this.#emitQueueSize();
  }

  /** Fail every request, in flight or queued, with `error`. */
  failAll(error: Error): void {
    this.#clearTimer();
    clearTimeout(this.#throttleTimer);
    this.#throttleTimer = undefined;
    this.#throttledUntil = 0;
    const inFlight = [...this.#inFlight.values()];
    this.#inFlight.clear();
    const queued = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    for (const pending of inFlight) pending.reject(error);
    for (const pending of queued) pending?.reject(error);
    if (queued.length > 0) this.#emitQueueSize();
  }

  #write(pending: PendingRequest, frame: Buffer): boolean {
    pending.sentAt = Date.now();
    if (!this.#o.write(frame)) {
      pending.reject(new KafkaJSConnectionError(`Not connected to ${this.#o.broker}`, { broker: this.#o.broker }));
      return false;
    }
    if (!pending.expectResponse) {
      // Nothing will come back (Produce acks=0): done once handed to the socket, as KafkaJS.
      pending.resolve(undefined);
      this.#emitRequest(pending, 0, pending.sentAt);
      return true;
    }
    this.#inFlight.set(pending.correlationId, pending);
    if (this.#o.enforceRequestTimeout) {
      pending.deadline = pending.sentAt + pending.timeout;
      this.#armTimer(pending.deadline);
    }
    return true;
  }

  // ---- timeouts ----

  #armTimer(deadline: number): void {
    if (this.#timer !== undefined && this.#timerAt <= deadline) return;
    clearTimeout(this.#timer);
    this.#timerAt = deadline;
    this.#timer = setTimeout(this.#onTimer, Math.max(0, deadline - Date.now()));
    // The socket keeps the process alive while requests are pending; the timer need not.
    this.#timer.unref();
  }

  #clearTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  /**
   * Expire requests past their deadline. A timeout alone keeps the connection
   * (KafkaJS): the broker may only be slow. But when nothing at all has arrived
   * for two request timeouts, the connection is presumed half-open (a NAT or
   * firewall forgot it, the host vanished) and `onSilence` breaks it, so the
   * next request reconnects; Java closes at the first timeout.
   */
  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    let silent = false;
    for (const pending of this.#inFlight.values()) {
      if (pending.deadline > now) {
        next = Math.min(next, pending.deadline);
        continue;
      }
      this.#inFlight.delete(pending.correlationId);
      const name = apiName(pending.apiKey);
      this.#o.logger.warn('Request timed out', { broker: this.#o.broker, apiName: name, correlationId: pending.correlationId, timeout: pending.timeout });
      if (this.#wants('network.request_timeout')) this.#emit({ type: 'network.request_timeout', payload: this.#eventBase(pending) });
      pending.reject(
        new KafkaJSRequestTimeoutError(`Request ${name}(key: ${pending.apiKey}, version: ${pending.apiVersion}) timed out`, {
          broker: this.#o.broker,
          correlationId: pending.correlationId,
          createdAt: pending.createdAt,
          sentAt: pending.sentAt,
          pendingDuration: pending.sentAt - pending.createdAt,
        }),
      );
      if (now - this.#lastReadAt >= 2 * Math.max(pending.timeout, this.#o.requestTimeout)) silent = true;
    }
    if (silent) {
      this.#o.onSilence(
        new KafkaJSConnectionError(`Connection to ${this.#o.broker} presumed dead: nothing received for ${now - this.#lastReadAt} ms, two request timeouts`, { broker: this.#o.broker }),
      );
      return;
    }
    if (next !== Infinity) this.#armTimer(next);
    this.drain();
  };

  // ---- instrumentation ----

  #eventBase(pending: PendingRequest) {
    return {
      broker: this.#o.broker,
      clientId: this.#o.clientId,
      apiKey: pending.apiKey,
      apiName: apiName(pending.apiKey),
      apiVersion: pending.apiVersion,
      correlationId: pending.correlationId,
      createdAt: pending.createdAt,
      sentAt: pending.sentAt,
      pendingDuration: pending.sentAt - pending.createdAt,
    };
  }

  /** Whether anyone wants events of this type. */
  #wants(type: NetworkEvent['type']): boolean {
    const instrumentation = this.#o.instrumentation;
    return instrumentation !== undefined && (instrumentation.listening === undefined || instrumentation.listening(type));
  }

  #emitRequest(pending: PendingRequest, size: number, at: number): void {
    if (!this.#wants('network.request')) return;
    this.#emit({ type: 'network.request', payload: { ...this.#eventBase(pending), size, duration: at - pending.createdAt } });
  }

  #emitQueueSize(): void {
    if (!this.#wants('network.request_queue_size')) return;
    this.#emit({ type: 'network.request_queue_size', payload: { broker: this.#o.broker, clientId: this.#o.clientId, queueSize: this.queueSize } });
  }

  #emit(event: NetworkEvent): void {
    if (!this.#o.instrumentation) return;
    try {
      this.#o.instrumentation(event);
    } catch (e) {
      // A listener's bug must not corrupt the bookkeeping; it is logged, not swallowed.
      this.#o.logger.error('Instrumentation listener threw', { broker: this.#o.broker, event: event.type, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
