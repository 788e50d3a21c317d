/**
 * One in-memory embedded broker per test file, a Kafka client on it, fresh
 * topics on demand, and every producer made through it disconnected at the end.
 */
import { type RunningBroker } from '../../src/broker/server.js';
import { type Kafka } from '../../src/kafka.js';
import { type Producer } from '../../src/producer/producer.js';
import { type ProducerConfig } from '../../src/producer/producer-config.js';
import { useBrokerAndClient } from './broker-fixture.js';

export interface ProducerFixture {
  readonly running: RunningBroker;
  readonly kafka: Kafka;
  /** A producer, not connected, disconnected after the file's tests. */
  producer(config?: ProducerConfig): Producer;
  /** A connected producer, disconnected after the file's tests. */
  connected(config?: ProducerConfig): Promise<Producer>;
  /** A fresh topic named `<prefix>-<n>`, so every test reads logs only it wrote. */
  newTopic(partitions?: number, configs?: [string, string][]): Promise<string>;
}

/** Register before/after hooks for the current suite and return the fixture. */
export function useProducerFixture(prefix: string): ProducerFixture {
  const producers: Producer[] = [];
  let topicCount = 0;
  const base = useBrokerAndClient({ prefix, properties: { 'num.partitions': 3 }, cleanUp: async () => void (await Promise.all(producers.map((p) => p.disconnect()))) });
  const fixture: ProducerFixture = {
    get running() {
      return base.running;
    },
    get kafka() {
      return base.kafka;
    },
    producer(config = {}) {
      const producer = fixture.kafka.producer(config);
      producers.push(producer);
      return producer;
    },
    async connected(config = {}) {
      const producer = fixture.producer(config);
      await producer.connect();
      return producer;
    },
    async newTopic(partitions = 3, configs = []) {
      const name = `${prefix}-${++topicCount}`;
      const topics = fixture.running.broker.topics;
      await topics.create(name, partitions, topics.validateConfigs(configs));
      return name;
    },
  };
  return fixture;
}
