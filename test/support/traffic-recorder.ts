/**
 * A traffic recorder: a real in-process broker behind a relay that keeps every
 * request frame third-party clients send, byte for byte, with its API key,
 * version and client id. It is how the broker's fuzz corpus gets frames our own
 * encoders did not write (see scripts/capture-fuzz-seeds.ts).
 *
 * The relay is the fault proxy with its request tap, and nothing else switched on.
 * The broker advertises the relay's address (`advertised.listeners`), so a client
 * that follows Metadata to the partition leaders and the group coordinator stays
 * on the relay and every one of its requests is recorded.
 *
 * ```ts
 * const recorder = await startTrafficRecorder();
 * const kafka = new Kafka({ clientId: 'kafkajs-producer', brokers: [recorder.bootstrap] });
 * // ...
 * for (const r of recorder.requests) console.log(r.clientId, r.apiKey, r.apiVersion, r.frame.length);
 * await recorder.close();
 * ```
 */
import { type RunningBroker, type StartBrokerOptions, startBroker } from '../../src/broker/server.js';
import { parseRequest } from '../../src/protocol/framing.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';

/** One request frame as a client sent it. */
export interface RecordedRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  /** The request header's client id (null when the client sent none). */
  readonly clientId: string | null;
  readonly correlationId: number;
  /** The frame verbatim, its int32 size prefix included. */
  readonly frame: Buffer;
}

/** A running recorder. */
export interface TrafficRecorder {
  /** The relay's `host:port`: the only address clients are given or told about. */
  readonly bootstrap: string;
  /** The broker behind the relay, for setting up topics in this process. */
  readonly broker: RunningBroker;
  /** Every request frame recorded so far, in arrival order (per connection). */
  readonly requests: readonly RecordedRequest[];
  /**
   * Frames whose header did not parse (an unknown API key, a torn header): kept too, since
   * they are exactly what a fuzz corpus wants, but a well-behaved client should send none.
   */
  readonly unparsed: readonly Buffer[];
  /** Close the relay, then the broker. */
  close(): Promise<void>;
}

function withSizePrefix(frame: Buffer): Buffer {
  const out = Buffer.allocUnsafe(frame.length + 4);
  out.writeInt32BE(frame.length, 0);
  frame.copy(out, 4);
  return out;
}

/**
 * Start a broker (in memory unless `options` says otherwise) and a recording relay in front of it.
 *
 * @param options - broker options; `port` and `advertised.listeners` are the recorder's
 */
export async function startTrafficRecorder(options: Omit<StartBrokerOptions, 'port'> = {}): Promise<TrafficRecorder> {
  const requests: RecordedRequest[] = [];
  const unparsed: Buffer[] = [];
  let running: RunningBroker | undefined;
  const proxy: FaultProxy = await startFaultProxy(() => `127.0.0.1:${running!.port}`, {
    onRequest: (view) => {
      const frame = withSizePrefix(view);
      try {
        const { header } = parseRequest(view);
        requests.push({ apiKey: header.apiKey, apiVersion: header.apiVersion, clientId: header.clientId, correlationId: header.correlationId, frame });
      } catch {
        unparsed.push(frame);
      }
    },
  });
  try {
    running = await startBroker({
      inMemory: true,
      ...options,
      port: 0,
      properties: { ...options.properties, 'advertised.listeners': `PLAINTEXT://${proxy.address}` },
    });
  } catch (e) {
    await proxy.close();
    throw e;
  }
  const broker = running;
  return {
    bootstrap: proxy.address,
    broker,
    requests,
    unparsed,
    async close() {
      await proxy.close();
      await broker.close();
    },
  };
}
