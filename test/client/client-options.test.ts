/**
 * `new Kafka({...})` options: KafkaJS's defaults, frozen; every invalid value
 * refused once with a KafkaJSConfigurationError naming the option and what is
 * accepted; unknown options refused with the closest known name; the user's
 * object never changed; KAFKA_BROKERS when no brokers, credentials from the
 * environment only through kafkaConfigFromEnv (Kafka.fromEnv); SASL PLAIN
 * without TLS only when allowed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type KafkaConfig, KAFKA_CONFIG_DEFAULTS, kafkaConfigFromEnv, parseBrokerAddress, resolveKafkaConfig } from '../../src/client/client-options.js';
import { logLevel } from '../../src/client/logger.js';
import { KafkaJSConfigurationError } from '../../src/errors/errors.js';

const refuses = (config: unknown, option: string, env: NodeJS.ProcessEnv = {}): void => {
  assert.throws(
    () => resolveKafkaConfig(config as KafkaConfig, env),
    (e: unknown) => e instanceof KafkaJSConfigurationError && e.option === option && e.retriable === false && e.message.includes('Accepted:'),
    `expected an error naming ${option}`,
  );
};

describe('client options', () => {
  it("fills in KafkaJS's defaults and freezes the result", () => {
    const resolved = resolveKafkaConfig({ brokers: ['localhost:9092'] }, {});
    assert.equal(resolved.clientId, 'tskafka');
    assert.equal(resolved.connectionTimeout, 1000);
    assert.equal(resolved.authenticationTimeout, 10_000);
    assert.equal(resolved.requestTimeout, 30_000);
    assert.equal(resolved.enforceRequestTimeout, true);
    assert.equal(resolved.logLevel, logLevel.INFO);
    assert.deepEqual(resolved.retry, { retries: 5, initialRetryTime: 300, maxRetryTime: 30_000, factor: 0.2, multiplier: 2, deadlineMs: undefined });
    assert.deepEqual(resolved.bootstrap, { kind: 'list', addresses: [{ host: 'localhost', port: 9092 }] });
    assert.ok(Object.isFrozen(resolved) && Object.isFrozen(resolved.retry) && Object.isFrozen(KAFKA_CONFIG_DEFAULTS));
    assert.equal(resolveKafkaConfig(resolved), resolved, 'a resolved config is not validated twice');
  });

  it("never changes the user's object", () => {
    const config = {
      clientId: 'app',
      brokers: ['a:1', 'b:2'],
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' },
      retry: { retries: 1 },
    };
    const copy = structuredClone(config);
    const resolved = resolveKafkaConfig(config as KafkaConfig, {});
    assert.deepEqual(config, copy);
    assert.equal(resolved.sasl!.mechanism, 'scram-sha-256', 'mechanisms compare in lower case, as in KafkaJS');
  });

  it('reads KAFKA_BROKERS when brokers are not given, and names the option when neither is', () => {
    const resolved = resolveKafkaConfig({}, { KAFKA_BROKERS: 'k1:9092, [::1]:9093' });
    assert.deepEqual(resolved.bootstrap, { kind: 'list', addresses: [{ host: 'k1', port: 9092 }, { host: '::1', port: 9093 }] });
    refuses({}, 'brokers');
    refuses({}, 'KAFKA_BROKERS[0]', { KAFKA_BROKERS: 'no-port' });
  });

  it('never reads credentials, client id or TLS from the environment for a config without them', () => {
    const env = { KAFKA_BROKERS: 'k1:9092', KAFKA_CLIENT_ID: 'from-env', KAFKA_SSL: 'true', KAFKA_USERNAME: 'alice', KAFKA_PASSWORD: 's3cret', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' };
    const resolved = resolveKafkaConfig({}, env);
    assert.equal(resolved.sasl, undefined, 'KAFKA_USERNAME / KAFKA_PASSWORD are read only when asked (Kafka.fromEnv)');
    assert.equal(resolved.ssl, undefined);
    assert.equal(resolved.clientId, 'tskafka');
  });

  it('kafkaConfigFromEnv reads KAFKA_BROKERS, KAFKA_CLIENT_ID, KAFKA_SSL, KAFKA_USERNAME / KAFKA_PASSWORD / KAFKA_SASL_MECHANISM', () => {
    const env = { KAFKA_BROKERS: 'k1:9092, k2:9093', KAFKA_CLIENT_ID: 'from-env', KAFKA_SSL: 'true', KAFKA_USERNAME: 'alice', KAFKA_PASSWORD: 's3cret', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' };
    const resolved = resolveKafkaConfig(kafkaConfigFromEnv(env), {});
    assert.equal(resolved.clientId, 'from-env');
    assert.equal(resolved.ssl, true);
    assert.deepEqual(resolved.sasl, { mechanism: 'scram-sha-512', username: 'alice', password: 's3cret' });
    assert.deepEqual(resolved.bootstrap, { kind: 'list', addresses: [{ host: 'k1', port: 9092 }, { host: 'k2', port: 9093 }] });
    assert.equal(kafkaConfigFromEnv({ ...env, KAFKA_SSL: '0' }).ssl, false, 'KAFKA_SSL=0 is no TLS');
    const { KAFKA_SASL_MECHANISM: _, ...withoutMechanism } = env;
    assert.equal(kafkaConfigFromEnv(withoutMechanism).sasl!.mechanism, 'plain', 'PLAIN unless KAFKA_SASL_MECHANISM says otherwise');
    assert.deepEqual(kafkaConfigFromEnv({}), {}, 'unset variables leave their options out');
  });

  it('names the environment variable that is wrong', () => {
    const fromEnv = (env: NodeJS.ProcessEnv) => resolveKafkaConfig(kafkaConfigFromEnv(env), {});
    const refusesEnv = (env: NodeJS.ProcessEnv, option: string) =>
      assert.throws(() => fromEnv(env), (e: unknown) => e instanceof KafkaJSConfigurationError && e.option === option, `expected an error naming ${option}`);
    refusesEnv({ KAFKA_BROKERS: 'k1:9092', KAFKA_SSL: 'yes please' }, 'KAFKA_SSL');
    refusesEnv({ KAFKA_BROKERS: 'k1:9092', KAFKA_USERNAME: 'alice' }, 'KAFKA_PASSWORD');
    refusesEnv({ KAFKA_BROKERS: 'k1:9092', KAFKA_PASSWORD: 'pw' }, 'KAFKA_USERNAME');
    refusesEnv({ KAFKA_BROKERS: 'k1:9092', KAFKA_SSL: 'true', KAFKA_USERNAME: 'alice', KAFKA_PASSWORD: 'pw', KAFKA_SASL_MECHANISM: 'gssapi' }, 'sasl.mechanism');
  });

  it('refuses an unknown option, naming it and the known option it is likely a typo of', () => {
    const ok = { brokers: ['localhost:9092'] };
    const error = (config: object): KafkaJSConfigurationError => {
      try {
        resolveKafkaConfig(config as KafkaConfig, {});
      } catch (e) {
        assert.ok(e instanceof KafkaJSConfigurationError, String(e));
        return e;
      }
      assert.fail(`expected ${JSON.stringify(Object.keys(config))} to be refused`);
    };
    const typo = error({ ...ok, conectionTimeout: 5000 });
    assert.equal(typo.option, 'conectionTimeout');
    assert.match(typo.message, /did you mean 'connectionTimeout'\?/);
    assert.match(error({ ...ok, clientID: 'app' }).message, /did you mean 'clientId'\?/, 'case differences count as typos');
    assert.match(error({ ...ok, requestTimeOut: 1 }).message, /did you mean 'requestTimeout'\?/);
    const unrelated = error({ ...ok, compression: 'gzip' });
    assert.doesNotMatch(unrelated.message, /did you mean/, 'no suggestion when nothing is close');
    assert.match(unrelated.message, /unknown option/);
    assert.doesNotMatch(error({ ...ok, sals: { mechanism: 'plain', username: 'u', password: 'hunter2' } }).message, /hunter2/, 'a misplaced option may hold a secret');
    // KafkaJS's own options are known.
    resolveKafkaConfig({ ...ok, reauthenticationThreshold: 10_000 } as KafkaConfig, {});
  });

  it('refuses SASL PLAIN without TLS unless allowPlainTextSasl is true', () => {
    const plain = { brokers: ['localhost:9092'], sasl: { mechanism: 'plain', username: 'u', password: 'p' } } as const;
    assert.throws(
      () => resolveKafkaConfig(plain, {}),
      (e: unknown) => e instanceof KafkaJSConfigurationError && e.option === 'sasl.mechanism' && /in clear/.test(e.message) && /allowPlainTextSasl: true/.test(e.message),
    );
    assert.throws(() => resolveKafkaConfig({ ...plain, ssl: false }, {}), KafkaJSConfigurationError, 'ssl: false is no TLS');
    assert.throws(() => resolveKafkaConfig({ ...plain, sasl: { ...plain.sasl, mechanism: 'PLAIN' as 'plain' } }, {}), KafkaJSConfigurationError, 'any case');
    assert.equal(resolveKafkaConfig({ ...plain, ssl: true }, {}).sasl!.mechanism, 'plain', 'PLAIN over TLS is fine');
    assert.equal(resolveKafkaConfig({ ...plain, allowPlainTextSasl: true }, {}).sasl!.mechanism, 'plain', 'allowed when the user says so');
    assert.equal(resolveKafkaConfig({ ...plain, sasl: { ...plain.sasl, mechanism: 'scram-sha-256' } }, {}).sasl!.mechanism, 'scram-sha-256', 'SCRAM never sends the password');
    refuses({ ...plain, allowPlainTextSasl: 'yes' }, 'allowPlainTextSasl');
    const fromEnv = kafkaConfigFromEnv({ KAFKA_BROKERS: 'k1:9092', KAFKA_USERNAME: 'alice', KAFKA_PASSWORD: 'pw' });
    assert.throws(() => resolveKafkaConfig(fromEnv, {}), KafkaJSConfigurationError, 'the environment gets no exemption');
  });

  it('keeps a brokers function for each bootstrap', () => {
    const brokers = async () => ['x:1'];
    assert.deepEqual(resolveKafkaConfig({ brokers }, {}).bootstrap, { kind: 'function', brokers });
  });

  it('refuses each invalid option by name', () => {
    const ok = { brokers: ['localhost:9092'] };
    refuses({ brokers: [] }, 'brokers');
    refuses({ brokers: ['localhost'] }, 'brokers[0]');
    refuses({ brokers: ['localhost:9092', 'h:70000'] }, 'brokers[1]');
    refuses({ ...ok, clientId: '' }, 'clientId');
    refuses({ ...ok, connectionTimeout: 0 }, 'connectionTimeout');
    refuses({ ...ok, requestTimeout: 'soon' }, 'requestTimeout');
    refuses({ ...ok, authenticationTimeout: Infinity }, 'authenticationTimeout');
    refuses({ ...ok, enforceRequestTimeout: 'yes' }, 'enforceRequestTimeout');
    refuses({ ...ok, logLevel: 3 }, 'logLevel');
    refuses({ ...ok, logCreator: 'console' }, 'logCreator');
    refuses({ ...ok, ssl: 'tls' }, 'ssl');
    refuses({ ...ok, sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }, 'sasl.mechanism');
    refuses({ ...ok, ssl: true, sasl: { mechanism: 'oauthbearer', username: 'u', password: 'p' } }, 'sasl.oauthBearerProvider');
    refuses({ ...ok, sasl: { mechanism: 'plain', password: 'p' } }, 'sasl.username');
    refuses({ ...ok, sasl: { mechanism: 'plain', username: 'u' } }, 'sasl.password');
    refuses({ ...ok, retry: { multiplier: 0.5 } }, 'retry.multiplier');
  });

  it('never shows a password in an error', () => {
    try {
      resolveKafkaConfig({ brokers: ['h:1'], sasl: { mechanism: 'plain', username: 'u', password: 42 as unknown as string } }, {});
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof KafkaJSConfigurationError);
      assert.doesNotMatch(e.message, /42/);
    }
  });

  it('parses host:port, IPv6 in brackets included', () => {
    assert.deepEqual(parseBrokerAddress('kafka-1.example.com:9092'), { host: 'kafka-1.example.com', port: 9092 });
    assert.deepEqual(parseBrokerAddress('[fe80::1]:19092'), { host: 'fe80::1', port: 19092 });
    assert.throws(() => parseBrokerAddress('::1:9092'), KafkaJSConfigurationError);
  });
});
