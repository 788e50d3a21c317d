/**
 * One in-memory broker per test file, a client on it, fresh topics and group
 * ids on demand, records produced with our producer, committed offsets read
 * from the broker's group coordinator, and every consumer and producer made
 * here disconnected at the end.
 */
import { type RunningBroker } from '../../src/broker/server.js';
import { type Consumer } from '../../src/consumer/consumer.js';
import { type ConsumerConfig } from '../../src/consumer/consumer-config.js';
import { type Kafka } from '../../src/kafka.js';
import { type Producer } from '../../src/producer/producer.js';
import { useBrokerAndClient } from '../support/broker-fixture.js';
import { within } from '../support/within.js';

/** What a consumer test needs. */
export interface ConsumerFixture {
  readonly running: RunningBroker;
  readonly kafka: Kafka;
  /** A fresh topic `<prefix>-<n>`. */
  newTopic(partitions?: number): Promise<string>;
  /** A fresh group id. */
  newGroup(): string;
  /** A consumer, disconnected after the file's tests. Short timeouts so groups settle fast. */
  consumer(config: Partial<ConsumerConfig> & { groupId: string }): Consumer;
  /** Produce `count` records `<prefix>-<i>` (keys `k<i>`) to `topic`, partition `i % partitions` when `partitions` is given. */
  produce(topic: string, count: number, options?: { partitions?: number; from?: number; prefix?: string }): Promise<void>;
  /** The group's committed offsets of `topic` by partition (missing: none committed). */
  committed(groupId: string, topic: string, partitions: number): Map<number, number>;
}

/** Register before/after hooks for the current suite and return the fixture. */
export function useConsumerFixture(prefix: string): ConsumerFixture {
  let producer: Producer | undefined;
  const consumers: Consumer[] = [];
  let topics = 0;
  let groups = 0;
  const base = useBrokerAndClient({
    prefix,
    properties: { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 },
    client: { retry: { initialRetryTime: 100, retries: 5 } },
    cleanUp: async () => {
      await Promise.all(consumers.map((c) => within('consumer disconnect', c.disconnect(), 30_000).catch(() => undefined)));
      await producer?.disconnect();
    },
  });
  const fixture: ConsumerFixture = {
    get running() {
      return base.running;
    },
    get kafka() {
      return base.kafka;
    },
    async newTopic(partitions = 1) {
      const name = `${prefix}-${++topics}`;
      await fixture.running.broker.topics.create(name, partitions, new Map());
      return name;
    },
    newGroup() {
      return `${prefix}-group-${++groups}`;
    },
    consumer(config) {
      const consumer = fixture.kafka.consumer({ sessionTimeout: 10_000, heartbeatInterval: 500, rebalanceTimeout: 10_000, maxWaitTimeInMs: 100, ...config });
      consumers.push(consumer);
      return consumer;
    },
    async produce(topic, count, { partitions, from = 0, prefix: valuePrefix = 'v' } = {}) {
      if (!producer) {
        producer = fixture.kafka.producer();
        await producer.connect();
      }
      const messages = Array.from({ length: count }, (_, j) => {
        const i = from + j;
        return { key: `k${i}`, value: `${valuePrefix}-${i}`, headers: { n: String(i) }, ...(partitions === undefined ? {} : { partition: i % partitions }) };
      });
      await producer.send({ topic, messages });
    },
    committed(groupId, topic, partitions) {
      const fetched = fixture.running.broker.groups.fetchOffsets(groupId, [{ name: topic, partitions: Array.from({ length: partitions }, (_, i) => i) }]);
      const out = new Map<number, number>();
      for (const p of fetched[0]?.partitions ?? []) if (p.offset >= 0n) out.set(p.partition, Number(p.offset));
      return out;
    },
  };
  return fixture;
}
