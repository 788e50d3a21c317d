/**
 * A client configured only by the environment (KAFKA_BROKERS, KAFKA_CLIENT_ID,
 * KAFKA_USERNAME, KAFKA_PASSWORD, KAFKA_SASL_MECHANISM): `new Kafka({})` reaches a
 * SASL_PLAINTEXT listener with SCRAM-SHA-512 and produces; a wrong password from
 * the environment is refused by the broker as it would be from the config.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { KafkaJSSASLAuthenticationError } from '../../src/errors/errors.js';
import { Kafka } from '../../src/kafka.js';
import { logLevel } from '../../src/client/logger.js';

const VARIABLES = ['KAFKA_BROKERS', 'KAFKA_CLIENT_ID', 'KAFKA_SSL', 'KAFKA_USERNAME', 'KAFKA_PASSWORD', 'KAFKA_SASL_MECHANISM'] as const;

describe('configuration from the environment', () => {
  let running: RunningBroker;
  const saved = new Map<string, string | undefined>();

  before(async () => {
    for (const name of VARIABLES) saved.set(name, process.env[name]);
    running = await startBroker({
      inMemory: true,
      logLevel: 'nothing',
      properties: { listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.users': 'alice:secret', 'num.partitions': 1 },
    });
  });
  after(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await running.close();
  });

  const setEnv = (password: string): void => {
    process.env.KAFKA_BROKERS = running.bootstrap;
    process.env.KAFKA_CLIENT_ID = 'env-configured';
    process.env.KAFKA_USERNAME = 'alice';
    process.env.KAFKA_PASSWORD = password;
    process.env.KAFKA_SASL_MECHANISM = 'scram-sha-512';
    delete process.env.KAFKA_SSL;
  };

  it('new Kafka({}) authenticates with the SASL credentials of the environment and produces', async () => {
    setEnv('secret');
    const producer = new Kafka({ logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      const [result] = await producer.send({ topic: 'env-config', messages: [{ key: 'k', value: 'v' }] });
      assert.equal(result!.errorCode, 0);
      assert.equal(running.broker.topics.get('env-config')!.partitions[0]!.log.logEndOffset, 1);
    } finally {
      await producer.disconnect();
    }
  });

  it('a wrong KAFKA_PASSWORD fails connect() with the broker\'s authentication error', async () => {
    setEnv('wrong');
    const producer = new Kafka({ logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer();
    await assert.rejects(producer.connect(), (e: unknown) => {
      const error = e as Error & { cause?: unknown; originalError?: unknown };
      const found = [error, error.cause, error.originalError].some((x) => x instanceof KafkaJSSASLAuthenticationError);
      assert.ok(found, `expected a SASL authentication error, got ${error.name}: ${error.message}`);
      return true;
    });
  });
});
