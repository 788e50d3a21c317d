/**
 * A fault-injecting TCP proxy for client tests: it listens on 127.0.0.1 at a
 * free port, forwards every connection to a broker, and on command breaks the
 * path between them the ways networks break:
 *
 * - `delayResponses(ms)`: responses arrive late, in order (a slow broker or link);
 * - `swallowResponses()`: requests reach the broker, which handles them, but
 *   the client never hears back (a lost ack: seed 000's duplicate timeline);
 * - `dropOnResponse()`: the broker handles the request, then the connection
 *   dies before the response reaches the client;
 * - `dropConnections()`: every proxied connection is cut now;
 * - `refuseConnections(true)`: new connections are accepted and closed at once;
 * - `chaos({ seed, ... })`: random faults drawn from a seed until `stopChaos()`:
 *   per request, cut the connection; per response, drop it with its connection,
 *   swallow it or delay it (see chaos-schedule.ts).
 *
 * Faults can target one API (`{ apiKey: ApiKey.Produce }`): the proxy reads
 * each request's header to learn which API a response answers. Responses are
 * handled frame by frame, so a fault never cuts a response in half; requests are
 * forwarded as they arrive (only chaos's connection cuts may tear one, as a
 * network would: the broker never handles a torn request).
 *
 * ```ts
 * const proxy = await startFaultProxy(running.bootstrap);
 * const kafka = new Kafka({ brokers: [proxy.address] });
 * proxy.swallowResponses({ apiKey: ApiKey.Produce, count: 1 });
 * ```
 *
 * Note that a broker advertises its own address in Metadata: a client that
 * follows Metadata leaves the proxy unless the broker's `advertised.listeners`
 * names the proxy. Start the proxy first with a target function, then the
 * broker with `advertised.listeners=PLAINTEXT://127.0.0.1:<proxy.port>`:
 *
 * ```ts
 * let running: RunningBroker | undefined;
 * const proxy = await startFaultProxy(() => `127.0.0.1:${running!.port}`);
 * running = await startBroker({ inMemory: true, port: 0, properties: { 'advertised.listeners': `PLAINTEXT://${proxy.address}` } });
 * ```
 * (`running.bootstrap` is then the proxy's address and `running.port` the broker's own.)
 */
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { FrameSplitter } from '../../src/protocol/framing.js';
import { type ChaosCounts, type ChaosOptions, ChaosSchedule } from './chaos-schedule.js';

export { type ChaosCounts, type ChaosOptions } from './chaos-schedule.js';

/** Which responses a fault applies to. */
export interface FaultFilter {
  /** Only responses to this API key (all APIs when absent). */
  readonly apiKey?: number;
  /** How many matching responses, then the fault ends by itself (unbounded when absent). */
  readonly count?: number;
}

/** Counters, for assertions. */
export interface FaultProxyStats {
  /** Connections accepted since start. */
  readonly accepted: number;
  /** Connections open now (client side). */
  readonly open: number;
  /** Request frames forwarded to the broker. */
  readonly requests: number;
  /** Response frames delivered to clients. */
  readonly responsesDelivered: number;
  /** Response frames discarded by a fault (chaos included). */
  readonly responsesSwallowed: number;
  /** Faults the chaos mode injected, by kind, since start. */
  readonly chaos: ChaosCounts;
}

/** A running proxy. */
export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  /** `host:port`, for a client's `brokers` list. */
  readonly address: string;
  readonly stats: FaultProxyStats;
  /** Deliver responses `ms` late, still in order; 0 ends the delay. Filters narrow it to one API. */
  delayResponses(ms: number, filter?: Pick<FaultFilter, 'apiKey'>): void;
  /** Forward requests but discard matching responses. */
  swallowResponses(filter?: FaultFilter): void;
  /** Discard the next matching response and cut its connection (the broker did the work, the client saw a disconnect). */
  dropOnResponse(filter?: Pick<FaultFilter, 'apiKey'>): void;
  /** Cut every proxied connection now (both sides). */
  dropConnections(): void;
  /** While on, new connections are accepted and closed at once (a broker that is down). */
  refuseConnections(on: boolean): void;
  /**
   * Random faults from a seeded schedule, on top of any set by the methods above:
   * per matching request, cut the connection; per matching response, drop it with
   * its connection, swallow it, or delay it (in order). Replaces an earlier chaos.
   *
   * @throws RangeError naming the option when a rate or `maxDelayMs` is out of range
   */
  chaos(options: ChaosOptions): void;
  /** No more chaos faults; responses already delayed are still delivered late, in order. */
  stopChaos(): void;
  /** Back to plain forwarding: no delay, nothing swallowed, no chaos, connections accepted. */
  reset(): void;
  /** Stop listening and cut every connection. */
  close(): Promise<void>;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Port to listen on (0 picks a free one; a fixed port lets a broker advertise the proxy). */
  readonly port?: number;
  /**
   * Told each request frame a client sends, verbatim without its size prefix, before it is
   * forwarded (a traffic recorder's tap). The frame is a view of the received bytes: copy it to keep it.
   */
  readonly onRequest?: (frame: Buffer) => void;
}

interface Pair {
  readonly client: Socket;
  readonly broker: Socket;
  /** API key of each request in flight, by correlation id. */
  readonly apiKeys: Map<number, number>;
  /** Responses held back by a delay, in order. */
  readonly delayed: { at: number; bytes: Buffer }[];
  timer: NodeJS.Timeout | undefined;
}

interface ActiveFault {
  readonly apiKey: number | undefined;
  remaining: number;
}

/**
 * Start a proxy in front of `target` (`host:port`). A function is asked for
 * the target at each new connection, so a proxy can start before its broker
 * (whose `advertised.listeners` must name the proxy's port).
 */
export async function startFaultProxy(target: string | (() => string), options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const targetOf = (): { host: string; port: number } => {
    const address = typeof target === 'function' ? target() : target;
    const colon = address.lastIndexOf(':');
    return { host: address.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(address.slice(colon + 1)) };
  };
  const pairs = new Set<Pair>();
  const stats = { accepted: 0, open: 0, requests: 0, responsesDelivered: 0, responsesSwallowed: 0 };
  const chaosCounts = { droppedConnections: 0, droppedOnResponse: 0, swallowed: 0, delayed: 0 };
  let chaos: ChaosSchedule | undefined;
  let delay = { ms: 0, apiKey: undefined as number | undefined };
  let swallow: ActiveFault | undefined;
  let drop: ActiveFault | undefined;
  let refusing = false;

  const matches = (fault: ActiveFault | undefined, apiKey: number | undefined): fault is ActiveFault =>
    fault !== undefined && fault.remaining > 0 && (fault.apiKey === undefined || fault.apiKey === apiKey);

  const cut = (pair: Pair): void => {
    clearTimeout(pair.timer);
    pair.delayed.length = 0;
    pair.client.destroy();
    pair.broker.destroy();
  };

  const deliver = (pair: Pair, bytes: Buffer): void => {
    stats.responsesDelivered++;
    pair.client.write(bytes);
  };

  const releaseDelayed = (pair: Pair): void => {
    pair.timer = undefined;
    const now = Date.now();
    while (pair.delayed.length > 0 && pair.delayed[0]!.at <= now) deliver(pair, pair.delayed.shift()!.bytes);
    if (pair.delayed.length > 0) pair.timer = setTimeout(() => releaseDelayed(pair), pair.delayed[0]!.at - now);
  };

  const onResponse = (pair: Pair, frame: Buffer): void => {
    const correlationId = frame.length >= 4 ? frame.readInt32BE(0) : -1;
    const apiKey = pair.apiKeys.get(correlationId);
    pair.apiKeys.delete(correlationId);
    if (matches(drop, apiKey)) {
      drop.remaining--;
      stats.responsesSwallowed++;
      cut(pair);
      return;
    }
    if (matches(swallow, apiKey)) {
      swallow.remaining--;
      stats.responsesSwallowed++;
      return;
    }
    let delayMs = delay.ms > 0 && (delay.apiKey === undefined || delay.apiKey === apiKey) ? delay.ms : 0;
    const fault = chaos?.onResponse(apiKey);
    if (fault?.kind === 'dropOnResponse') {
      chaosCounts.droppedOnResponse++;
      stats.responsesSwallowed++;
      cut(pair);
      return;
    }
    if (fault?.kind === 'swallow') {
      chaosCounts.swallowed++;
      stats.responsesSwallowed++;
      return;
    }
    if (fault?.kind === 'delay') {
      chaosCounts.delayed++;
      delayMs = Math.max(delayMs, fault.ms);
    }
    const bytes = Buffer.allocUnsafe(4 + frame.length);
    bytes.writeInt32BE(frame.length, 0);
    frame.copy(bytes, 4);
    // A response queued behind a delayed one waits for it: order on a connection is never changed.
    if (delayMs === 0 && pair.delayed.length === 0) {
      deliver(pair, bytes);
      return;
    }
    const last = pair.delayed.at(-1)?.at ?? 0;
    pair.delayed.push({ at: Math.max(last, Date.now() + delayMs), bytes });
    if (pair.timer === undefined) pair.timer = setTimeout(() => releaseDelayed(pair), pair.delayed[0]!.at - Date.now());
  };

  const server: Server = createServer((client) => {
    stats.accepted++;
    if (refusing) {
      client.on('error', () => {});
      client.destroy();
      return;
    }
    stats.open++;
    const broker = connect(targetOf());
    const pair: Pair = { client, broker, apiKeys: new Map(), delayed: [], timer: undefined };
    pairs.add(pair);
    const requests = new FrameSplitter();
    const responses = new FrameSplitter();
    client.setNoDelay(true);
    broker.setNoDelay(true);
    client.on('data', (chunk: Buffer) => {
      let cutAt: number | undefined;
      try {
        for (const frame of requests.push(chunk)) {
          // Request header v1/v2: api key int16, api version int16, correlation id int32.
          const apiKey = frame.length >= 8 ? frame.readInt16BE(0) : undefined;
          if (apiKey !== undefined) pair.apiKeys.set(frame.readInt32BE(4), apiKey);
          options.onRequest?.(frame);
          stats.requests++;
          cutAt ??= chaos?.cutOnRequest(apiKey, chunk.length);
        }
      } catch {
        cut(pair);
        return;
      }
      if (cutAt === undefined) {
        broker.write(chunk);
        return;
      }
      // Requests wholly inside the forwarded prefix reach the broker; their answers die with the connection.
      if (cutAt > 0) broker.write(chunk.subarray(0, cutAt));
      chaosCounts.droppedConnections++;
      cut(pair);
    });
    broker.on('data', (chunk: Buffer) => {
      try {
        for (const frame of responses.push(chunk)) onResponse(pair, frame);
      } catch {
        cut(pair);
      }
    });
    // Either side going away takes the other with it, as a real network path would.
    const close = (): void => {
      if (!pairs.delete(pair)) return;
      stats.open--;
      cut(pair);
    };
    client.on('close', close);
    broker.on('close', close);
    client.on('error', close);
    broker.on('error', close);
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    get stats(): FaultProxyStats {
      return { ...stats, chaos: { ...chaosCounts } };
    },
    delayResponses(ms, filter) {
      delay = { ms, apiKey: filter?.apiKey };
    },
    swallowResponses(filter) {
      swallow = { apiKey: filter?.apiKey, remaining: filter?.count ?? Infinity };
    },
    dropOnResponse(filter) {
      drop = { apiKey: filter?.apiKey, remaining: 1 };
    },
    dropConnections() {
      for (const pair of pairs) cut(pair);
    },
    refuseConnections(on) {
      refusing = on;
    },
    chaos(options) {
      chaos = new ChaosSchedule(options);
    },
    stopChaos() {
      chaos = undefined;
    },
    reset() {
      chaos = undefined;
      delay = { ms: 0, apiKey: undefined };
      swallow = undefined;
      drop = undefined;
      refusing = false;
    },
    close: async () => {
      for (const pair of pairs) cut(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
