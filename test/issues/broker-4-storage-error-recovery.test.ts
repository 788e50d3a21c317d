/**
 * Regression ("the embedded broker holds under attack, faults and load", item 4):
 * a transient I/O error took a partition offline until restart, unlogged: after
 * ENOSPC (space then freed) or EMFILE, the partition refused every later write
 * (113,100 in one run), still reporting the first error.
 *
 * Now the failure is logged when it happens, Produce answers
 * KAFKA_STORAGE_ERROR (retriable) while the partition is offline, and the log
 * is reopened from its files once the cause is gone, keeping every
 * acknowledged record. The faults are injected in the file storage (io-faults.ts).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { storageFaults } from '../../src/broker/log/io-faults.js';
import { DataDirBroker, captureLogger, kafkaErrorTypes } from '../support/broker-faults.js';
import { eventually } from '../support/eventually.js';
import { recordsOf } from '../support/partition-log.js';

/** Each send is one attempt: the test sees every answer the broker gives. */
function kafkaOf(bootstrap: string): Kafka {
  return new Kafka({ clientId: 'storage-recovery', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
}

describe('a partition after a transient I/O error', () => {
  const brokers: DataDirBroker[] = [];
  afterEach(async () => {
    storageFaults.clearAll();
    for (const b of brokers.splice(0)) await b.dispose();
  });

  /** Sends one record; its value when acknowledged, else the Kafka error types of the failure. */
  const sendOne = async (producer: Producer, topic: string, value: string): Promise<{ ok: true } | { ok: false; types: string[] }> =>
    producer.send({ topic, messages: [{ value }] }).then(
      () => ({ ok: true as const }),
      (e: unknown) => ({ ok: false as const, types: kafkaErrorTypes(e) }),
    );

  it('after ENOSPC (a torn write) it answers KAFKA_STORAGE_ERROR, logs the failure once, and is back when space is freed, with every acknowledged record', async () => {
    const logger = captureLogger();
    const b = new DataDirBroker(logger);
    brokers.push(b);
    await b.start();
    const kafka = kafkaOf(b.running.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'full', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const acknowledged: string[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(await sendOne(producer, 'full', `before-${i}`), { ok: true });
        acknowledged.push(`before-${i}`);
      }
      const full = storageFaults.inject({ path: join(b.logDir, 'full-0'), operations: ['write'], code: 'ENOSPC', tornWrite: true });
      for (let i = 0; i < 5; i++) {
        const r = await sendOne(producer, 'full', `refused-${i}`);
        assert.equal(r.ok, false, `send ${i} while the disk is full`);
        assert.ok(!r.ok && r.types.includes('KAFKA_STORAGE_ERROR'), JSON.stringify(r));
      }
      const errors = logger.lines.filter((l) => l.level === 'error' && l.message.includes('full-0'));
      assert.equal(errors.length, 1, `the failure is logged once, when it happens:\n${logger.text()}`);
      assert.equal(errors[0]!.fields?.['code'], 'ENOSPC');

      full.clear();
      await eventually('the partition to take writes again', async () => ((await sendOne(producer, 'full', 'first-after')).ok ? true : undefined), 60_000, 100);
      acknowledged.push('first-after');
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(await sendOne(producer, 'full', `after-${i}`), { ok: true });
        acknowledged.push(`after-${i}`);
      }
      assert.match(logger.text('info'), /full-0.*back online/);
    } finally {
      await producer.disconnect();
    }
    await b.stop();
    await b.start();
    assert.deepEqual((await recordsOf(b.running, 'full', 0)).map((r) => r.value?.toString()), acknowledged, 'after a restart: every acknowledged record, in order, and nothing of the torn writes');
  });

  it('after EMFILE at a segment roll it comes back once descriptors are free, and a later failure reports its own cause', async () => {
    const logger = captureLogger();
    const b = new DataDirBroker(logger);
    brokers.push(b);
    await b.start();
    const kafka = kafkaOf(b.running.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    // Tiny segments: every batch rolls a new segment, which opens a file.
    await admin.createTopics({ topics: [{ topic: 'roll', numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '100' }] }] });
    await admin.disconnect();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const acknowledged: string[] = [];
    const log = () => b.running.broker.topics.get('roll')!.partitions[0]!.log;
    try {
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(await sendOne(producer, 'roll', `before-${i}`), { ok: true });
        acknowledged.push(`before-${i}`);
      }
      // First a full disk, freed again.
      const full = storageFaults.inject({ path: join(b.logDir, 'roll-0'), operations: ['write'], code: 'ENOSPC' });
      assert.equal((await sendOne(producer, 'roll', 'refused-full')).ok, false);
      full.clear();
      await eventually('recovery from ENOSPC', async () => ((await sendOne(producer, 'roll', 'after-full')).ok ? true : undefined), 60_000, 100);
      acknowledged.push('after-full');

      // Then no file descriptors: the roll cannot open its segment, nor a reopen its files, until they are free.
      const noFiles = storageFaults.inject({ path: join(b.logDir, 'roll-0'), operations: ['open'], code: 'EMFILE' });
      const refused = await sendOne(producer, 'roll', 'refused-emfile');
      assert.ok(!refused.ok && refused.types.includes('KAFKA_STORAGE_ERROR'), JSON.stringify(refused));
      // The partition retries in the background: wait for its failure to be the new one, not the earlier ENOSPC.
      await eventually('the failure to name the current cause (EMFILE), not the earlier ENOSPC', () => (/EMFILE/.test(log().failure?.message ?? '') ? true : undefined), 60_000, 10);
      await eventually('a reopen attempt to fail while descriptors are short', () => (noFiles.hits > 1 ? true : undefined), 60_000);
      await eventually('a warning that the partition is still offline', () => (/roll-0.*still offline/.test(logger.text('warn')) ? true : undefined), 60_000, 10);
      noFiles.clear();
      await eventually('recovery from EMFILE', async () => ((await sendOne(producer, 'roll', 'after-emfile')).ok ? true : undefined), 60_000, 100);
      acknowledged.push('after-emfile');
      const errors = logger.lines.filter((l) => l.level === 'error' && l.message.includes('roll-0')).map((l) => l.fields?.['code']);
      assert.deepEqual(errors, ['ENOSPC', 'EMFILE'], 'each failure logged once, with its own cause');
    } finally {
      await producer.disconnect();
    }
    await b.stop();
    await b.start();
    assert.deepEqual((await recordsOf(b.running, 'roll', 0)).map((r) => r.value?.toString()), acknowledged);
  });
});
