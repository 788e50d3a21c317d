/**
 * SCRAM credentials changed at run time (KIP-554): a user our admin creates
 * authenticates at once with kcat (librdkafka) and KafkaJS, a wrong password is
 * still refused, a deleted user is refused afterwards, and a session that
 * authenticated before a deletion keeps working. The changes survive a restart
 * of a broker with a log directory.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kafka as KafkaJS, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { type Admin } from '../../../src/admin/admin.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { logLevel } from '../../../src/client/logger.js';
import { Kafka } from '../../../src/kafka.js';
import { runKcat, skipWithoutKcat } from '../../support/kcat.js';

const SASL_PROPERTIES = { listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.users': 'admin:admin-secret', 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 };

function ourAdmin(running: RunningBroker, username = 'admin', password = 'admin-secret'): Admin {
  return new Kafka({ clientId: 'scram-admin', brokers: [running.bootstrap], logLevel: logLevel.NOTHING, sasl: { mechanism: 'scram-sha-256', username, password } }).admin({ retry: { retries: 0 } });
}

/** `kcat -L` as `username`; a failing run waits out its metadata timeout, so that is shorter (yet long enough for the SASL error on a loaded machine). */
function kcatList(running: RunningBroker, mechanism: string, username: string, password: string, metadataTimeoutSeconds = 20) {
  return runKcat(
    ['-b', running.bootstrap, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', `sasl.mechanisms=${mechanism}`, '-X', `sasl.username=${username}`, '-X', `sasl.password=${password}`, '-m', String(metadataTimeoutSeconds), '-L'],
    { timeoutMs: 40_000 },
  );
}

/** Connect a KafkaJS admin as `username` and list topics: resolves or rejects with KafkaJS's error. */
async function kafkajsLogin(running: RunningBroker, mechanism: 'scram-sha-256' | 'scram-sha-512', username: string, password: string): Promise<void> {
  const admin = new KafkaJS({ clientId: 'peer', brokers: [running.bootstrap], logLevel: kafkaJsLogLevel.NOTHING, retry: { retries: 0 }, sasl: mechanism === 'scram-sha-256' ? { mechanism, username, password } : { mechanism, username, password } }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

describe('SCRAM credentials altered at run time', () => {
  let running: RunningBroker;
  let admin: Admin;

  before(async () => {
    running = await startBroker({ inMemory: true, logLevel: 'nothing', properties: SASL_PROPERTIES });
    admin = ourAdmin(running);
    await admin.connect();
  });

  after(async () => {
    await admin.disconnect();
    await running.close();
  });

  it('a new user authenticates with kcat at once; a wrong password is refused', { skip: skipWithoutKcat }, async () => {
    await admin.alterUserScramCredentials({ upsertions: [{ user: 'carol', mechanism: 'SCRAM-SHA-256', iterations: 8192, password: 'carol-secret' }] });
    const ok = await kcatList(running, 'SCRAM-SHA-256', 'carol', 'carol-secret');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`broker ${running.config.nodeId} at ${running.bootstrap}`));
    const wrong = await kcatList(running, 'SCRAM-SHA-256', 'carol', 'not-carol', 5);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /invalid credentials with SASL mechanism SCRAM-SHA-256/);
    // Only SCRAM-SHA-256 was set: SCRAM-SHA-512 has no credential for carol.
    const other = await kcatList(running, 'SCRAM-SHA-512', 'carol', 'carol-secret', 5);
    assert.notEqual(other.code, 0);
  });

  it('a new user authenticates with KafkaJS (SCRAM-SHA-512); after deletion it is refused, a live session stays', async () => {
    await admin.alterUserScramCredentials({ upsertions: [{ user: 'dave', mechanism: 'SCRAM-SHA-512', password: 'dave-secret' }] });
    await kafkajsLogin(running, 'scram-sha-512', 'dave', 'dave-secret');
    await assert.rejects(kafkajsLogin(running, 'scram-sha-512', 'dave', 'wrong'), /SASL SCRAM SHA512 authentication failed/);

    const live = new KafkaJS({ clientId: 'live', brokers: [running.bootstrap], logLevel: kafkaJsLogLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'scram-sha-512', username: 'dave', password: 'dave-secret' } }).admin();
    await live.connect();
    try {
      await live.listTopics();
      await admin.alterUserScramCredentials({ deletions: [{ user: 'dave', mechanism: 'SCRAM-SHA-512' }] });
      await assert.rejects(kafkajsLogin(running, 'scram-sha-512', 'dave', 'dave-secret'), /SASL SCRAM SHA512 authentication failed/);
      // Existing sessions are not affected (Kafka: a credential is checked at authentication only).
      assert.ok(Array.isArray(await live.listTopics()));
    } finally {
      await live.disconnect();
    }
  });

  it('a deleted user is refused by kcat afterwards', { skip: skipWithoutKcat }, async () => {
    await admin.alterUserScramCredentials({ upsertions: [{ user: 'erin', mechanism: 'SCRAM-SHA-256', password: 'erin-secret' }] });
    assert.equal((await kcatList(running, 'SCRAM-SHA-256', 'erin', 'erin-secret')).code, 0);
    await admin.alterUserScramCredentials({ deletions: [{ user: 'erin', mechanism: 'SCRAM-SHA-256' }] });
    const refused = await kcatList(running, 'SCRAM-SHA-256', 'erin', 'erin-secret', 5);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /SASL authentication error/);
  });

  it('a changed password takes effect for the next login', async () => {
    await admin.alterUserScramCredentials({ upsertions: [{ user: 'frank', mechanism: 'SCRAM-SHA-256', password: 'one' }] });
    await kafkajsLogin(running, 'scram-sha-256', 'frank', 'one');
    await admin.alterUserScramCredentials({ upsertions: [{ user: 'frank', mechanism: 'SCRAM-SHA-256', password: 'two' }] });
    await assert.rejects(kafkajsLogin(running, 'scram-sha-256', 'frank', 'one'), /authentication failed/);
    await kafkajsLogin(running, 'scram-sha-256', 'frank', 'two');
  });
});

describe('SCRAM credentials in a log directory', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tskafka-scram-'));
  });

  after(() => rm(dir, { recursive: true, force: true }));

  it('survive a restart, deletions of configured users included', async () => {
    const properties = { ...SASL_PROPERTIES, 'log.dirs': dir };
    let running = await startBroker({ logLevel: 'nothing', properties });
    let admin = ourAdmin(running);
    try {
      await admin.connect();
      await admin.alterUserScramCredentials({
        upsertions: [{ user: 'gina', mechanism: 'SCRAM-SHA-256', iterations: 4096, password: 'gina-secret' }],
        deletions: [{ user: 'admin', mechanism: 'SCRAM-SHA-512' }],
      });
    } finally {
      await admin.disconnect();
      await running.close();
    }
    running = await startBroker({ logLevel: 'nothing', properties });
    admin = ourAdmin(running, 'gina', 'gina-secret');
    try {
      await admin.connect();
      const described = await admin.describeUserScramCredentials({ users: ['admin', 'gina'] });
      assert.deepEqual(described, [
        { user: 'admin', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] },
        { user: 'gina', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] },
      ]);
    } finally {
      await admin.disconnect();
      await running.close();
    }
  });
});
