/**
 * One in-memory embedded broker per test file, a Kafka client on it, fresh
 * topics on demand, and every producer made through it disconnected at the end.
 */
import { after, before } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { type Producer } from '../../src/producer/producer.js';
import { type ProducerConfig } from '../../src/producer/producer-config.js';

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
  let running: RunningBroker | undefined;
  let kafka: Kafka | undefined;
  const producers: Producer[] = [];
  let topicCount = 0;
  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'num.partitions': 3 } });
    kafka = new Kafka({ clientId: `${prefix}-test`, brokers: [running.bootstrap], logLevel: logLevel.NOTHING });
  });
  after(async () => {
    await Promise.all(producers.map((p) => p.disconnect()));
    await running?.close();
  });
  const fixture: ProducerFixture = {
    get running() {
      if (!running) throw new Error('the broker starts in before()');
      return running;
    },
    get kafka() {
      if (!kafka) throw new Error('the client is made in before()');
      return kafka;
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
