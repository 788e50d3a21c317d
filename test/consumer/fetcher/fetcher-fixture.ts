/**
 * The fetcher on a real in-process broker: a cluster, a subscription state and
 * a fetcher per test, and a `drain` that plays the runner (takes batches, checks
 * they are current, advances positions) so tests read what the fetcher delivers
 * the way the consumer will.
 */
import { after, before } from 'node:test';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { Cluster } from '../../../src/client/cluster.js';
import { createLogger, logLevel } from '../../../src/client/logger.js';
import { type KafkaConfig } from '../../../src/client/client-options.js';
import { type ConsumerMessage } from '../../../src/consumer/consumer-message.js';
import { Fetcher, type FetcherOptions, type FetchedBatch } from '../../../src/consumer/fetcher/index.js';
import { type OffsetResetStrategy, SubscriptionState } from '../../../src/consumer/subscription-state.js';
import { Kafka } from '../../../src/kafka.js';
import { type Producer } from '../../../src/producer/producer.js';
import { within } from '../../support/within.js';

/** Silent unless FETCHER_DEBUG is set: then every log line goes to stderr. */
export const testLogger = createLogger({ level: process.env.FETCHER_DEBUG ? logLevel.DEBUG : logLevel.NOTHING, logCreator: () => (e) => void (process.env.FETCHER_DEBUG && console.error(e.namespace, e.log.message, JSON.stringify(e.log))) });

/** A message with its partition, as drained. */
export interface Drained extends ConsumerMessage {
  partition: number;
}

export interface FetcherHarness {
  readonly cluster: Cluster;
  readonly subscriptions: SubscriptionState;
  readonly fetcher: Fetcher;
  readonly events: { type: string; payload: Record<string, unknown> }[];
  /** Take batches until `count` messages arrived (or `until` holds), advancing positions as a runner does. */
  drain(count: number, options?: { timeoutMs?: number; batches?: FetchedBatch[] }): Promise<Drained[]>;
  close(): Promise<void>;
}

export interface HarnessOptions extends Partial<Omit<FetcherOptions, 'cluster' | 'subscriptions' | 'logger'>> {
  /** Partitions to assign; each is positioned at `positions[p]` or reset by `reset`. */
  readonly partitions: readonly number[];
  readonly positions?: readonly (number | null)[];
  readonly reset?: OffsetResetStrategy;
  readonly clientConfig?: Partial<KafkaConfig>;
  readonly start?: boolean;
}

/** One in-memory broker for the file's tests. */
export function useBroker(prefix: string, properties: Record<string, string | number> = {}): {
  readonly running: RunningBroker;
  newTopic(partitions?: number, configs?: [string, string][]): Promise<string>;
  producer(config?: Parameters<Kafka['producer']>[0]): Promise<Producer>;
  harness(topic: string, options: HarnessOptions): Promise<FetcherHarness>;
} {
  let running: RunningBroker | undefined;
  let count = 0;
  const closers: (() => Promise<void>)[] = [];
  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0, ...properties } });
  });
  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await running?.close();
  });
  const fixture = {
    get running(): RunningBroker {
      if (!running) throw new Error('the broker starts in before()');
      return running;
    },
    async newTopic(partitions = 1, configs: [string, string][] = []): Promise<string> {
      const name = `${prefix}-${++count}`;
      const topics = fixture.running.broker.topics;
      await topics.create(name, partitions, topics.validateConfigs(configs));
      return name;
    },
    async producer(config: Parameters<Kafka['producer']>[0] = {}): Promise<Producer> {
      const kafka = new Kafka({ clientId: `${prefix}-producer`, brokers: [fixture.running.bootstrap], logLevel: logLevel.NOTHING });
      const producer = kafka.producer(config);
      await producer.connect();
      closers.push(() => producer.disconnect());
      return producer;
    },
    async harness(topic: string, options: HarnessOptions): Promise<FetcherHarness> {
      const h = await createHarness(fixture.running.bootstrap, topic, options);
      closers.push(() => h.close());
      return h;
    },
  };
  return fixture;
}

/** A fetcher for `topic` on the broker at `bootstrap`. */
export async function createHarness(bootstrap: string, topic: string, options: HarnessOptions): Promise<FetcherHarness> {
  const cluster = new Cluster({ clientId: 'fetcher-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, maxRetryTime: 500 }, ...options.clientConfig }, { logger: testLogger });
  await cluster.refreshMetadata([topic]);
  const subscriptions = new SubscriptionState(options.reset ?? 'earliest');
  subscriptions.subscribe([topic], options.reset === undefined || options.reset === 'earliest');
  subscriptions.assign(options.partitions.map((partition) => ({ topic, partition })));
  for (const [i, partition] of options.partitions.entries()) {
    const position = options.positions?.[i];
    subscriptions.initializePosition(topic, partition, position ?? null);
  }
  const events: { type: string; payload: Record<string, unknown> }[] = [];
  const fetcher = new Fetcher({
    cluster,
    subscriptions,
    minBytes: options.minBytes ?? 1,
    maxBytes: options.maxBytes ?? 10 * 1024 * 1024,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1024 * 1024,
    maxWaitTimeInMs: options.maxWaitTimeInMs ?? 100,
    isolationLevel: options.isolationLevel ?? 0,
    rackId: options.rackId ?? null,
    ...(options.maxBufferedBytes !== undefined ? { maxBufferedBytes: options.maxBufferedBytes } : {}),
    logger: testLogger,
    instrument: (type, payload) => void events.push({ type, payload: payload as Record<string, unknown> }),
  });
  if (options.start !== false) fetcher.start();
  let closed = false;
  return {
    cluster,
    subscriptions,
    fetcher,
    events,
    async drain(count, { timeoutMs = 20_000, batches: seen } = {}) {
      const out: Drained[] = [];
      const deadline = Date.now() + timeoutMs;
      while (out.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`drained ${out.length} of ${count} messages before the deadline`);
        const batches = await within(`next() with ${out.length} of ${count} messages drained`, fetcher.next(AbortSignal.timeout(left)), left + 5_000);
        for (const b of batches) {
          const cursor = subscriptions.cursor(b.topic, b.partition);
          if (!cursor || cursor.version !== b.version) continue;
          seen?.push(b);
          for (const m of b.messages) out.push({ ...m, partition: b.partition });
          subscriptions.advance(b.topic, b.partition, b.version, b.nextOffset, b.lastLeaderEpoch);
        }
      }
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      await fetcher.stop();
      await cluster.disconnect();
    },
  };
}

/** Text of a Buffer or null. */
export const text = (b: Buffer | null | undefined): string | null => (b == null ? null : b.toString());
