/**
 * `tskafka` against a broker that requires SASL: SCRAM-SHA-256 with the password
 * read from an environment variable named on the command line (never read from
 * the environment unasked), PLAIN refused without TLS unless allowed (a usage
 * error, 2), and wrong credentials a runtime failure (1). kcat, with the same
 * credentials, sees the topic the command created.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { runKcat, skipWithoutKcat } from '../support/kcat.js';
import { runCli } from './cli-process.js';

describe('tskafka with SASL', { skip: skipWithoutKcat }, () => {
  let running: RunningBroker;
  before(async () => {
    running = await startBroker({ inMemory: true, logLevel: 'nothing', properties: { listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.users': 'alice:alice-secret', 'num.partitions': 1 } });
  });
  after(async () => {
    await running.close();
  });

  it('authenticates with SCRAM and a password from --password-env, refuses PLAIN without TLS, and fails on a wrong password', async () => {
    const scram = ['--brokers', running.bootstrap, '--sasl-mechanism', 'scram-sha-256', '--username', 'alice'];
    const created = await runCli(['topics', 'create', 'cli-sasl', ...scram, '--password-env', 'CLI_TEST_PASSWORD'], { env: { CLI_TEST_PASSWORD: 'alice-secret', KAFKA_PASSWORD: 'not-read' } });
    assert.equal(created.code, 0, created.stderr);
    const kcat = await runKcat(['-b', running.bootstrap, '-L', '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', 'sasl.username=alice', '-X', 'sasl.password=alice-secret']);
    assert.equal(kcat.code, 0, kcat.stderr);
    assert.match(kcat.stdout, /topic "cli-sasl" with 1 partitions/);

    const [plain, wrong] = await Promise.all([
      runCli(['topics', 'list', '--brokers', running.bootstrap, '--username', 'alice', '--password', 'alice-secret']),
      runCli(['topics', 'list', ...scram, '--password', 'wrong']),
    ]);
    assert.equal(plain.code, 2, plain.stderr);
    assert.match(plain.stderr, /SASL PLAIN over a connection without TLS/);
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /^tskafka: error: SASL SCRAM-SHA-256 authentication failed/);
  });
});
