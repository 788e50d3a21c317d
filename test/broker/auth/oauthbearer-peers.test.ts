/**
 * The broker's OAUTHBEARER against clients nobody here wrote: kcat
 * (librdkafka 2.0.2's built-in unsecured token, `sasl.oauthbearer.config`)
 * produces and consumes; KafkaJS 2.2.4 with `oauthBearerProvider` is
 * authorized by ACLs as User:<sub> (a super user may create a topic, another
 * principal may not) and gets KafkaJS's SASL error for an expired token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kafka as KafkaJS, logLevel } from 'kafkajs';
import { type RunningBroker } from '../../../src/broker/server.js';
import { runKcat, skipWithoutKcat } from '../../support/kcat.js';
import { startSaslBroker, tokenFor } from './oauthbearer-fixture.js';

describe('OAUTHBEARER with peers', () => {
  let running: RunningBroker;

  before(async () => {
    running = await startSaslBroker({
      'sasl.enabled.mechanisms': 'OAUTHBEARER',
      'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
      'super.users': 'User:admin;User:alice',
      'num.partitions': 1,
    });
  });
  after(() => running.close());

  const kcatSasl = ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=OAUTHBEARER', '-X', 'sasl.oauthbearer.config=principal=alice', '-X', 'enable.sasl.oauthbearer.unsecure.jwt=true'];

  it('kcat produces and consumes with its built-in unsecured token', { skip: skipWithoutKcat }, async () => {
    const produced = await runKcat(['-b', running.bootstrap, ...kcatSasl, '-P', '-t', 'oauth-kcat'], { input: 'one\ntwo\nthree\n' });
    assert.equal(produced.code, 0, produced.stderr);
    const consumed = await runKcat(['-b', running.bootstrap, ...kcatSasl, '-C', '-t', 'oauth-kcat', '-e', '-q']);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.deepEqual(consumed.stdout.trim().split('\n'), ['one', 'two', 'three']);
  });

  const admin = (sub: string, lifetimeMs = 60_000) =>
    new KafkaJS({
      clientId: 'oauth-kafkajs',
      brokers: [running.bootstrap],
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: tokenFor(sub, lifetimeMs) }) },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin();

  it('KafkaJS is authorized as User:<sub>: a super user creates a topic, another principal is refused', async () => {
    const a = admin('admin');
    try {
      await a.connect();
      assert.equal(await a.createTopics({ topics: [{ topic: 'oauth-acl' }] }), true);
    } finally {
      await a.disconnect();
    }
    const m = admin('mallory');
    try {
      await m.connect();
      await assert.rejects(m.createTopics({ topics: [{ topic: 'oauth-acl-2' }] }), (e: Error & { errors?: { type?: string }[] }) => {
        assert.deepEqual(
          e.errors?.map((x) => x.type),
          ['TOPIC_AUTHORIZATION_FAILED'],
        );
        return true;
      });
    } finally {
      await m.disconnect();
    }
  });

  it('KafkaJS with an expired token never gets to send requests', async () => {
    const a = admin('admin', -60_000);
    try {
      // KafkaJS takes the JSON challenge for success and sends on; the broker, still mid-exchange, closes.
      await assert.rejects(a.connect().then(() => a.listTopics()));
    } finally {
      await a.disconnect();
    }
  });
});
