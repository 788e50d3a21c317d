/**
 * Regression ("the embedded broker holds under attack, faults and load", item 16):
 * DeleteRecords held the partition's append lock while it waited for the log's
 * maintenance queue, so a compaction pass in progress stalled every produce to
 * the partition until it ended.
 *
 * Now only the move of the log start offset happens under the lock; the
 * deletion of the segments below it waits its turn without it. The compaction
 * pass is held at the fdatasync of its `.cleaned` segment (io-faults.ts) for as
 * long as the test needs.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { storageFaults } from '../../src/broker/log/io-faults.js';
import { DataDirBroker, captureLogger } from '../support/broker-faults.js';
import { eventually } from '../support/eventually.js';
import { within } from '../support/within.js';

const HOUR = 60 * 60 * 1000;

describe('DeleteRecords while the log compacts', () => {
  const brokers: DataDirBroker[] = [];
  afterEach(async () => {
    storageFaults.clearAll();
    for (const b of brokers.splice(0)) await b.dispose();
  });

  it('does not hold up produce to the partition, and answers once the log start offset is durable', async () => {
    // The cleaner runs when the test says (runLogMaintenance), not on its timer.
    const b = new DataDirBroker(captureLogger(), { 'log.cleaner.backoff.ms': HOUR, 'log.retention.check.interval.ms': HOUR });
    brokers.push(b);
    await b.start();
    const kafka = new Kafka({ clientId: 'delete-records-lock', brokers: [b.running.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50 } });
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect()]);
    let maintenance: Promise<void> | undefined;
    let release: () => void = () => undefined;
    try {
      await admin.createTopics({
        topics: [{ topic: 'compacted', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'segment.bytes', value: '300' }] }],
      });
      for (let i = 0; i < 30; i++) await producer.send({ topic: 'compacted', messages: [{ key: `k${i % 5}`, value: `v${i}` }] });
      await admin.fetchTopicMetadata({ topics: ['compacted'] }); // deleteTopicRecords looks the leader up in the admin's metadata
      const log = b.running.broker.topics.get('compacted')!.partitions[0]!.log;
      assert.ok(log.segmentBaseOffsets.length > 3, `several segments: ${log.segmentBaseOffsets}`);

      const held = storageFaults.inject({
        path: (p) => p.startsWith(join(b.logDir, 'compacted-0')) && p.endsWith('.cleaned'),
        operations: ['sync'],
        hold: new Promise<void>((resolve) => (release = resolve)),
        times: 1,
      });
      maintenance = b.running.broker.runLogMaintenance();
      await within('the compaction pass reaching its fdatasync', held.hit, 30_000);

      const deleted = admin.deleteTopicRecords({ topic: 'compacted', partitions: [{ partition: 0, offset: '10' }] });
      deleted.catch(() => undefined); // awaited below; a failed assertion before must not leave it unhandled
      await eventually('DeleteRecords to move the log start offset', () => (log.logStartOffset === 10 ? true : undefined), 30_000);
      // The compaction pass is still held: neither of these may wait for it.
      await within('a produce while DeleteRecords waits behind the compaction pass', producer.send({ topic: 'compacted', messages: [{ key: 'k0', value: 'during' }] }), 30_000);
      await within('DeleteRecords while the compaction pass is held', deleted, 30_000);
      assert.equal(log.logStartOffset, 10);

      release();
      await maintenance;
      await eventually('the segments below the log start offset to go', () => (log.segmentBaseOffsets[1]! > 10 ? true : undefined), 30_000);
    } finally {
      release();
      await maintenance?.catch(() => undefined);
      await Promise.all([admin.disconnect(), producer.disconnect()]);
    }
  });
});
