/**
 * The base of the per-file test fixtures (producer-fixture.ts,
 * consumer/consumer-fixture.ts): one in-memory embedded broker for a describe
 * block and a Kafka client on it, made before the block's tests; after them the
 * fixture's own clean-up runs, then the broker closes.
 */
import { after, before } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { type KafkaConfig } from '../../src/client/client-options.js';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';

/** The broker and the client. */
export interface BrokerAndClient {
  readonly running: RunningBroker;
  readonly kafka: Kafka;
}

/** What {@link useBrokerAndClient} starts, and what it runs before closing the broker. */
export interface BrokerAndClientOptions {
  /** The client is `<prefix>-test`. */
  readonly prefix: string;
  /** Broker properties (server.properties names). */
  readonly properties: Readonly<Record<string, string | number>>;
  /** Client options past clientId, brokers and logLevel. */
  readonly client?: Partial<KafkaConfig>;
  /** Runs after the block's tests, before the broker closes (disconnect clients). */
  readonly cleanUp?: () => Promise<void>;
}

/** Register before/after hooks for the current suite: a broker and a client on it. */
export function useBrokerAndClient(options: BrokerAndClientOptions): BrokerAndClient {
  let running: RunningBroker | undefined;
  let kafka: Kafka | undefined;
  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { ...options.properties } });
    kafka = new Kafka({ ...options.client, clientId: `${options.prefix}-test`, brokers: [running.bootstrap], logLevel: logLevel.NOTHING });
  });
  after(async () => {
    await options.cleanUp?.();
    await running?.close();
  });
  return {
    get running() {
      if (!running) throw new Error('the broker starts in before()');
      return running;
    },
    get kafka() {
      if (!kafka) throw new Error('the client is made in before()');
      return kafka;
    },
  };
}
