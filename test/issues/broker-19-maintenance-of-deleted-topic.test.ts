/**
 * Regression (issue 11, found by the fuzz corpus seeded from KafkaJS's captured
 * DeleteTopics and CreateTopics of a compacted topic): the log cleaner and the
 * retention pass walk a snapshot of the topics, one partition after another; a
 * topic deleted meanwhile left logs that were closing in that snapshot, and the
 * pass over them threw KAFKA_STORAGE_ERROR "the log ... is closed", which the
 * broker logged as "log cleaner failed" (or "log retention failed") and which
 * ended the pass for every partition still to come.
 *
 * As Kafka aborts the cleaning of a partition it deletes, a closing log is now
 * skipped, whether it was closing when the pass reached it or started closing
 * while the pass waited its turn. The pass over partition 0 is held at the
 * fdatasync of its `.cleaned` segment (io-faults.ts) while the topic is deleted.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { storageFaults } from '../../src/broker/log/io-faults.js';
import { DataDirBroker, captureLogger } from '../support/broker-faults.js';
import { within } from '../support/within.js';

const HOUR = 60 * 60 * 1000;

describe('log maintenance while a topic is deleted', () => {
  const brokers: DataDirBroker[] = [];
  afterEach(async () => {
    storageFaults.clearAll();
    for (const b of brokers.splice(0)) await b.dispose();
  });

  it('skips the deleted topic’s closing logs, without an error, and goes on with the other topics', async () => {
    const logger = captureLogger();
    // The passes run when the test says (runLogMaintenance), not on their timers.
    const b = new DataDirBroker(logger, { 'log.cleaner.backoff.ms': HOUR, 'log.retention.check.interval.ms': HOUR });
    brokers.push(b);
    await b.start();
    const kafka = new Kafka({ clientId: 'broker-19', brokers: [b.running.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50 } });
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect()]);
    let release: () => void = () => undefined;
    try {
      const configEntries = [
        { name: 'cleanup.policy', value: 'compact,delete' },
        { name: 'segment.bytes', value: '300' },
      ];
      await admin.createTopics({ topics: ['doomed', 'survivor'].map((topic) => ({ topic, numPartitions: 2, configEntries })) });
      for (let i = 0; i < 30; i++) {
        for (const topic of ['doomed', 'survivor']) {
          await producer.send({ topic, messages: [0, 1].map((partition) => ({ partition, key: `k${i % 5}`, value: `v${i}` })) });
        }
      }
      const doomed = b.running.broker.topics.get('doomed')!;
      const survivor = b.running.broker.topics.get('survivor')!.partitions[1]!.log;
      assert.ok(survivor.segmentBaseOffsets.length > 3, `several segments: ${survivor.segmentBaseOffsets}`);
      const dirtyBytes = survivor.sizeInBytes;

      // The pass over doomed-0 is held; doomed-1 and survivor come after it in the pass
      // (topics in creation order), unless the pass were to stop at doomed-1.
      assert.deepEqual(b.running.broker.topics.list().map((t) => t.name).slice(0, 2), ['doomed', 'survivor']);
      const held = storageFaults.inject({
        path: (p) => p.startsWith(join(b.logDir, 'doomed-0')) && p.endsWith('.cleaned'),
        operations: ['sync'],
        hold: new Promise<void>((resolve) => (release = resolve)),
        times: 1,
      });
      const maintenance = b.running.broker.runLogMaintenance();
      maintenance.catch(() => undefined); // awaited below; a failed assertion before must not leave it unhandled
      await within('the compaction of doomed-0 reaching its fdatasync', held.hit, 30_000);

      await admin.deleteTopics({ topics: ['doomed'] });
      assert.ok(
        doomed.partitions.every((p) => p.log.isClosing),
        'the deleted topic’s logs are closing',
      );
      release();
      await within('the maintenance pass', maintenance, 30_000);
      assert.ok(survivor.sizeInBytes < dirtyBytes, `survivor-1 was compacted after the deleted topic: ${survivor.sizeInBytes} bytes, ${dirtyBytes} before`);
      assert.equal(logger.text('error'), '');
    } finally {
      release();
      await Promise.all([admin.disconnect(), producer.disconnect()]);
    }
  });
});
