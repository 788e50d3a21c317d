/**
 * `describeUserScramCredentials` and `alterUserScramCredentials` against our
 * broker (KIP-554): what is set is described (mechanism and iterations only),
 * and each refusal comes back per user with Kafka's code in a
 * KafkaJSAggregateError. Authentication with the new credentials, by kcat and
 * KafkaJS, is test/broker/auth/scram-admin.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Admin } from '../../src/admin/admin.js';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { KafkaJSAggregateError } from '../../src/errors/errors.js';
import { Kafka } from '../../src/kafka.js';

/** The error types of a rejection's aggregated errors. */
async function rejectedTypes(p: Promise<unknown>): Promise<string[]> {
  const e = await p.then(
    () => assert.fail('expected a rejection'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof KafkaJSAggregateError, `expected a KafkaJSAggregateError, got ${String(e)}`);
  return e.errors.map((x) => (x as unknown as { type: string }).type);
}

describe('admin SCRAM credentials', () => {
  let running: RunningBroker;
  let admin: Admin;

  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0, 'sasl.users': 'alice:alice-secret' } });
    admin = new Kafka({ clientId: 'scram', brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).admin({ retry: { retries: 0 } });
    await admin.connect();
  });

  after(async () => {
    await admin.disconnect();
    await running.close();
  });

  it('describes the configured users with both mechanisms at 4096 iterations', async () => {
    assert.deepEqual(await admin.describeUserScramCredentials({ users: ['alice'] }), [
      {
        user: 'alice',
        credentials: [
          { mechanism: 'SCRAM-SHA-256', iterations: 4096 },
          { mechanism: 'SCRAM-SHA-512', iterations: 4096 },
        ],
      },
    ]);
  });

  it('describes what an upsertion set; all users without a list; deletion removes one mechanism', async () => {
    await admin.alterUserScramCredentials({
      upsertions: [
        { user: 'bob', mechanism: 'SCRAM-SHA-512', iterations: 10_000, password: 'b' },
        { user: 'bob', mechanism: 'SCRAM-SHA-256', iterations: 4096, password: 'b', salt: Buffer.from('fixed-salt') },
      ],
    });
    assert.deepEqual(await admin.describeUserScramCredentials({ users: ['bob'] }), [
      {
        user: 'bob',
        credentials: [
          { mechanism: 'SCRAM-SHA-256', iterations: 4096 },
          { mechanism: 'SCRAM-SHA-512', iterations: 10_000 },
        ],
      },
    ]);
    const all = await admin.describeUserScramCredentials();
    assert.deepEqual(all.map((d) => d.user).sort(), ['alice', 'bob']);
    await admin.alterUserScramCredentials({ deletions: [{ user: 'bob', mechanism: 'SCRAM-SHA-512' }] });
    assert.deepEqual(await admin.describeUserScramCredentials({ users: ['bob'] }), [{ user: 'bob', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] }]);
  });

  it('refuses iterations below 4096 and above 16384 with UNACCEPTABLE_CREDENTIAL, changing nothing', async () => {
    assert.deepEqual(await rejectedTypes(admin.alterUserScramCredentials({ upsertions: [{ user: 'carol', mechanism: 'SCRAM-SHA-256', iterations: 4095, password: 'c' }] })), ['UNACCEPTABLE_CREDENTIAL']);
    assert.deepEqual(await rejectedTypes(admin.alterUserScramCredentials({ upsertions: [{ user: 'carol', mechanism: 'SCRAM-SHA-256', iterations: 16_385, password: 'c' }] })), ['UNACCEPTABLE_CREDENTIAL']);
    assert.deepEqual(await rejectedTypes(admin.alterUserScramCredentials({ upsertions: [{ user: '', mechanism: 'SCRAM-SHA-256', password: 'c' }] })), ['UNACCEPTABLE_CREDENTIAL']);
    assert.deepEqual(await rejectedTypes(admin.describeUserScramCredentials({ users: ['carol'] })), ['RESOURCE_NOT_FOUND']);
  });

  it('RESOURCE_NOT_FOUND for describing or deleting an unknown user; the others in the request still answer', async () => {
    assert.deepEqual(await rejectedTypes(admin.describeUserScramCredentials({ users: ['alice', 'nobody'] })), ['RESOURCE_NOT_FOUND']);
    assert.deepEqual(await rejectedTypes(admin.alterUserScramCredentials({ deletions: [{ user: 'nobody', mechanism: 'SCRAM-SHA-256' }] })), ['RESOURCE_NOT_FOUND']);
  });

  it('DUPLICATE_RESOURCE for the same user and mechanism twice; one user failing leaves the others applied', async () => {
    const types = await rejectedTypes(
      admin.alterUserScramCredentials({
        upsertions: [
          { user: 'dan', mechanism: 'SCRAM-SHA-256', password: 'd1' },
          { user: 'eve', mechanism: 'SCRAM-SHA-256', password: 'e' },
        ],
        deletions: [{ user: 'dan', mechanism: 'SCRAM-SHA-256' }],
      }),
    );
    assert.deepEqual(types, ['DUPLICATE_RESOURCE']);
    assert.deepEqual(await rejectedTypes(admin.describeUserScramCredentials({ users: ['dan'] })), ['RESOURCE_NOT_FOUND']);
    assert.equal((await admin.describeUserScramCredentials({ users: ['eve'] }))[0]!.user, 'eve');
    assert.deepEqual(await rejectedTypes(admin.describeUserScramCredentials({ users: ['eve', 'eve'] })), ['DUPLICATE_RESOURCE']);
  });

  it('refuses a mechanism it does not know before sending anything', async () => {
    await assert.rejects(admin.alterUserScramCredentials({ upsertions: [{ user: 'x', mechanism: 'SCRAM-MD5' as 'SCRAM-SHA-256', password: 'x' }] }), /Invalid SCRAM mechanism SCRAM-MD5/);
  });
});

describe('admin SCRAM credentials under ACLs', () => {
  let running: RunningBroker;
  let admin: Admin;

  before(async () => {
    running = await startBroker({
      inMemory: true,
      port: 0,
      logLevel: 'nothing',
      properties: { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'sasl.users': 'alice:alice-secret' },
    });
    admin = new Kafka({ clientId: 'scram-acl', brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).admin({ retry: { retries: 0 } });
    await admin.connect();
  });

  after(async () => {
    await admin.disconnect();
    await running.close();
  });

  it('needs ALTER on the CLUSTER to alter and DESCRIBE on it to describe', async () => {
    assert.deepEqual(await rejectedTypes(admin.alterUserScramCredentials({ upsertions: [{ user: 'x', mechanism: 'SCRAM-SHA-256', password: 'x' }] })), ['CLUSTER_AUTHORIZATION_FAILED']);
    await assert.rejects(admin.describeUserScramCredentials(), { type: 'CLUSTER_AUTHORIZATION_FAILED' });
  });
});
