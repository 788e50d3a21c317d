/**
 * Configuration from the environment, only when asked: `Kafka.fromEnv()` reads
 * KAFKA_BROKERS, KAFKA_CLIENT_ID, KAFKA_USERNAME, KAFKA_PASSWORD and
 * KAFKA_SASL_MECHANISM and reaches a SASL_PLAINTEXT listener with SCRAM-SHA-512;
 * `new Kafka({})` takes only KAFKA_BROKERS from the same environment and sends no
 * credentials (the broker refuses it); a wrong password from the environment is
 * refused by the broker as it would be from the config; PLAIN from the
 * environment over plaintext needs `allowPlainTextSasl: true`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { KafkaJSConfigurationError, KafkaJSConnectionError, KafkaJSSASLAuthenticationError } from '../../src/errors/errors.js';
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

  const setEnv = (password: string, mechanism = 'scram-sha-512'): void => {
    process.env.KAFKA_BROKERS = running.bootstrap;
    process.env.KAFKA_CLIENT_ID = 'env-configured';
    process.env.KAFKA_USERNAME = 'alice';
    process.env.KAFKA_PASSWORD = password;
    process.env.KAFKA_SASL_MECHANISM = mechanism;
    delete process.env.KAFKA_SSL;
  };

  /** Produces one record to `topic` and checks the broker's log has it. */
  const produceOne = async (kafka: Kafka, topic: string): Promise<void> => {
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      const [result] = await producer.send({ topic, messages: [{ key: 'k', value: 'v' }] });
      assert.equal(result!.errorCode, 0);
      assert.equal(running.broker.topics.get(topic)!.partitions[0]!.log.logEndOffset, 1);
    } finally {
      await producer.disconnect();
    }
  };

  /** Asserts `connect()` fails with the broker's SASL authentication error (directly or as the cause). */
  const refusedByBroker = (e: unknown): boolean => {
    const error = e as Error & { cause?: unknown; originalError?: unknown };
    const found = [error, error.cause, error.originalError].some((x) => x instanceof KafkaJSSASLAuthenticationError);
    assert.ok(found, `expected a SASL authentication error, got ${error.name}: ${error.message}`);
    return true;
  };

  it('Kafka.fromEnv() authenticates with the SASL credentials of the environment and produces', async () => {
    setEnv('secret');
    await produceOne(Kafka.fromEnv({ logLevel: logLevel.NOTHING }), 'env-config');
  });

  it('new Kafka({}) takes the brokers from the environment but never its credentials', async () => {
    setEnv('secret');
    // The listener wants SASL; a client that sends none is cut off, never authenticated.
    const producer = new Kafka({ logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3000, requestTimeout: 5000 }).producer();
    await assert.rejects(producer.connect(), (e: unknown) => {
      // Reaching the broker shows the brokers came from KAFKA_BROKERS; being cut off before any
      // SASL exchange (the same credentials authenticate through fromEnv) shows none were sent.
      const cause = (e as { originalError?: unknown }).originalError ?? e;
      assert.ok(cause instanceof KafkaJSConnectionError && /closed by the broker/.test(cause.message), `expected the broker to close the connection, got ${String(e)}`);
      return true;
    });
    await producer.disconnect().catch(() => undefined);
  });

  it("a wrong KAFKA_PASSWORD fails connect() with the broker's authentication error", async () => {
    setEnv('wrong');
    const producer = Kafka.fromEnv({ logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer();
    await assert.rejects(producer.connect(), refusedByBroker);
  });

  it('PLAIN from the environment over plaintext is refused unless allowPlainTextSasl is true', async () => {
    setEnv('secret', 'plain');
    assert.throws(
      () => Kafka.fromEnv({ logLevel: logLevel.NOTHING }),
      (e: unknown) => e instanceof KafkaJSConfigurationError && /allowPlainTextSasl: true/.test(e.message),
    );
    await produceOne(Kafka.fromEnv({ logLevel: logLevel.NOTHING, allowPlainTextSasl: true }), 'env-config-plain');
  });

  it('options given to fromEnv win over the environment', async () => {
    setEnv('wrong');
    await produceOne(Kafka.fromEnv({ logLevel: logLevel.NOTHING, sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'secret' } }), 'env-config-override');
  });
});
