/**
 * Regression ("the embedded broker holds under attack, faults and load", item 3):
 * a topic re-created while its deletion was still closing the old files opened
 * the old directory (the "new" topic started with the old records), and the
 * deletion then removed the live directory. A CreateTopics for a name being
 * created threw, closing the client's connection.
 *
 * Now a deleted partition's directory takes Kafka's
 * `<topic>-<partition>.<uniqueId>-delete` name in the same synchronous step as
 * the registry's commit, so a new topic of the name starts in a fresh
 * directory; and a name being created or deleted is TOPIC_ALREADY_EXISTS.
 *
 * The deletion is held mid-way by an fdatasync the test holds (io-faults.ts):
 * a produce under `every-write` is waiting on it when the topic is deleted.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { storageFaults } from '../../src/broker/log/io-faults.js';
import { type RequestVersions } from '../../src/network/api-versions.js';
import { Connection } from '../../src/network/connection.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { CreateTopicsRequest } from '../../src/protocol/generated/create-topics-request.js';
import { CreateTopicsResponse } from '../../src/protocol/generated/create-topics-response.js';
import { DataDirBroker, captureLogger } from '../support/broker-faults.js';
import { eventually } from '../support/eventually.js';
import { recordsOf } from '../support/partition-log.js';
import { within } from '../support/within.js';

/** CreateTopics' whole served range, as literal numbers: the broker's handler is under test. */
const CREATE_TOPICS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 7 });

function kafkaOf(bootstrap: string): Kafka {
  return new Kafka({ clientId: 'delete-recreate', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 300 } });
}

/** A promise the test settles: what a held operation waits for. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('deleting and re-creating a topic name', () => {
  const brokers: DataDirBroker[] = [];
  afterEach(async () => {
    storageFaults.clearAll();
    for (const b of brokers.splice(0)) await b.dispose();
  });

  it('a topic re-created while its deletion closes the old files starts empty, in its own directory, which the deletion leaves alone', async () => {
    // every-write: a produce waits on its fdatasync, which the test holds; the deletion must close that file.
    const b = new DataDirBroker(captureLogger(), { 'log.flush.interval.messages': 1 });
    brokers.push(b);
    await b.start();
    const kafka = kafkaOf(b.running.bootstrap);
    const admin = kafka.admin();
    const otherAdmin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await Promise.all([admin.connect(), otherAdmin.connect(), producer.connect()]);
    const release = gate();
    const pending: Promise<unknown>[] = [];
    try {
      await admin.createTopics({ topics: [{ topic: 'race', numPartitions: 1 }] });
      await producer.send({ topic: 'race', messages: [{ value: 'old-0' }, { value: 'old-1' }, { value: 'old-2' }] });
      const oldTopicId = b.running.broker.topics.get('race')!.topicId;

      const held = storageFaults.inject({ path: join(b.logDir, 'race-0') + sep, operations: ['sync'], hold: release.promise, times: 1 });
      pending.push(producer.send({ topic: 'race', messages: [{ value: 'old-3' }] }).catch(() => undefined));
      await within('the produce reaching its fdatasync', held.hit, 30_000);

      const deletion = admin.deleteTopics({ topics: ['race'] });
      pending.push(deletion.catch(() => undefined));
      await eventually('the topic to leave the registry', () => (b.running.broker.topics.get('race') === undefined ? true : undefined), 30_000);

      assert.equal(await within('CreateTopics during the deletion', otherAdmin.createTopics({ topics: [{ topic: 'race', numPartitions: 1 }] }), 30_000), true);
      const created = b.running.broker.topics.get('race')!;
      assert.notEqual(created.topicId, oldTopicId);
      assert.equal(created.partitions[0]!.log.logEndOffset, 0, 'the new topic holds none of the old records');

      release.open();
      await within('the deletion', deletion, 30_000);
      await Promise.all(pending);
      await eventually('the old files to be removed', () => (readdirSync(b.logDir).some((n) => n.startsWith('race-0.')) ? undefined : true), 30_000);
      assert.ok(existsSync(join(b.logDir, 'race-0')), "the new topic's directory is still there");

      await producer.send({ topic: 'race', messages: [{ value: 'new-0' }] });
    } finally {
      // A failed assertion must not leave requests held (their clients' disconnects would wait for them).
      release.open();
      await Promise.all(pending);
      await Promise.all([admin.disconnect(), otherAdmin.disconnect(), producer.disconnect()]);
    }
    await b.stop();
    await b.start();
    assert.deepEqual((await recordsOf(b.running, 'race', 0)).map((r) => r.value?.toString()), ['new-0'], 'after a restart, the new topic has its own records only');
  });

  it('CreateTopics for a name being created or deleted answers TOPIC_ALREADY_EXISTS and keeps the connection', async () => {
    const b = new DataDirBroker(captureLogger());
    brokers.push(b);
    await b.start();
    const connection = new Connection({ host: '127.0.0.1', port: b.running.port });
    const admin = kafkaOf(b.running.bootstrap).admin();
    await admin.connect();
    const create = async (name: string): Promise<{ errorCode: number; errorMessage: string | null }> => {
      const res = await connection.send(CreateTopicsRequest, CreateTopicsResponse, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false }, { versions: CREATE_TOPICS_VERSIONS });
      return res.topics[0]!;
    };
    const release = gate();
    const releaseDelete = gate();
    const pending: Promise<unknown>[] = [];
    try {
      // A creation held at its first fdatasync; a second CreateTopics of the name arrives meanwhile.
      const held = storageFaults.inject({ path: join(b.logDir, 'dup-0'), operations: ['sync'], hold: release.promise, times: 1 });
      const first = admin.createTopics({ topics: [{ topic: 'dup', numPartitions: 1 }] });
      pending.push(first.catch(() => undefined));
      await within('the first creation reaching its fdatasync', held.hit, 30_000);
      const second = await within('the second CreateTopics', create('dup'), 30_000);
      assert.equal(second.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS, second.errorMessage ?? '');
      release.open();
      assert.equal(await within('the first creation', first, 30_000), true);

      // A deletion held while it writes the registry: the topic still exists.
      const heldDelete = storageFaults.inject({ path: join(b.logDir, 'tskafka-topics.json'), operations: ['sync'], hold: releaseDelete.promise, times: 1 });
      const deletion = admin.deleteTopics({ topics: ['dup'] });
      pending.push(deletion.catch(() => undefined));
      await within('the deletion writing the registry', heldDelete.hit, 30_000);
      const during = await within('CreateTopics during the deletion', create('dup'), 30_000);
      assert.equal(during.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS, during.errorMessage ?? '');
      releaseDelete.open();
      await within('the deletion', deletion, 30_000);

      const after = await create('dup');
      assert.equal(after.errorCode, ErrorCode.NONE, 'the same connection creates it once the deletion is done');
    } finally {
      release.open();
      releaseDelete.open();
      await Promise.all(pending);
      await admin.disconnect();
      await connection.disconnect();
    }
  });
});
