/**
 * Regression (issue 11, item 12's follow-up): a topic's `flush.ms` was honoured
 * only when the broker's own flush timer ran (`log.flush.interval.ms` set); on a
 * broker with Kafka's default flush settings the override was accepted, described,
 * and never acted on. As Kafka's LogManager does, a flush check now runs every
 * `log.flush.scheduler.interval.ms` and flushes each log whose own `flush.ms`
 * elapsed since its last flush.
 *
 * The fdatasyncs of the partition's files are counted at the storage layer
 * (io-faults.ts, a hold that is already released), so the test sees the disk
 * being asked, not a flag.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { storageFaults } from '../../src/broker/log/io-faults.js';
import { DataDirBroker, captureLogger } from '../support/broker-faults.js';
import { eventually } from '../support/eventually.js';

describe('a topic flush.ms override', () => {
  const brokers: DataDirBroker[] = [];
  afterEach(async () => {
    storageFaults.clearAll();
    for (const b of brokers.splice(0)) await b.dispose();
  });

  it('fsyncs the topic’s appends on a broker with the default flush settings', async () => {
    const logger = captureLogger();
    const b = new DataDirBroker(logger);
    brokers.push(b);
    await b.start();
    const kafka = new Kafka({ clientId: 'broker-20-flush', brokers: [b.running.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect()]);
    try {
      await admin.createTopics({ topics: [{ topic: 'flushed', numPartitions: 1, configEntries: [{ name: 'flush.ms', value: '200' }] }] });
      await admin.createTopics({ topics: [{ topic: 'unflushed', numPartitions: 1 }] });
      const syncs = (dir: string) =>
        storageFaults.inject({ path: (p) => p.startsWith(join(b.logDir, dir) + '/') || p === join(b.logDir, dir), operations: ['sync'], hold: Promise.resolve() });
      const flushed = syncs('flushed-0');
      const unflushed = syncs('unflushed-0');
      // acks=1: nothing in the Produce path itself asks for durability.
      await producer.send({ topic: 'flushed', acks: 1, messages: [{ value: 'a' }] });
      await producer.send({ topic: 'unflushed', acks: 1, messages: [{ value: 'a' }] });
      await eventually('an fdatasync of flushed-0', () => (flushed.hits > 0 ? true : undefined), 20_000);
      // A later append is flushed too: the check keeps running.
      const before = flushed.hits;
      await producer.send({ topic: 'flushed', acks: 1, messages: [{ value: 'b' }] });
      await eventually('a second fdatasync of flushed-0', () => (flushed.hits > before ? true : undefined), 20_000);
      // A topic without the override keeps Kafka's default: the OS decides.
      assert.equal(unflushed.hits, 0, 'a topic with no flush.ms override is not fsynced by the flush check');
      assert.equal(logger.text('error'), '');
    } finally {
      await Promise.all([admin.disconnect(), producer.disconnect()]);
    }
  });
});
