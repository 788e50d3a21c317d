/**
 * Retention and compaction on a real data directory, seen from the outside: a
 * KafkaJS consumer reading from the beginning, KafkaJS admin's log start
 * offsets, and the segment files in the partition directory.
 *
 * Segments are small (segment.bytes=1024) so a few dozen records span several
 * of them; the background cleaner and retention timers are pushed out of the
 * way and `runLogMaintenance` runs them when the test says so.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Admin, Kafka, type Producer, logLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { eventually } from '../../support/eventually.js';

const SEGMENT_BYTES = 1024;
const HOUR = 60 * 60 * 1000;

interface Read {
  readonly offset: number;
  readonly key: string;
  readonly value: string | null;
}

interface SegmentFile {
  readonly baseOffset: number;
  readonly size: number;
}

describe('retention and compaction on disk', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tskafka-retention-'));
  let broker: RunningBroker;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let readers = 0;

  before(async () => {
    broker = await startBroker({
      port: 0,
      logLevel: 'error',
      properties: { 'log.dirs': logDir, 'log.retention.check.interval.ms': HOUR, 'log.cleaner.backoff.ms': HOUR },
    });
    kafka = new Kafka({ clientId: 'e2e-retention', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });
  after(async () => {
    await producer.disconnect();
    await admin.disconnect();
    await broker.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  const createTopic = (topic: string, configs: Record<string, string | number>): Promise<boolean> =>
    admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value: String(value) })) }] });

  /** One record per send, so each is its own batch and segments roll at record boundaries. */
  const produce = async (topic: string, key: string, value: string | null, timestamp?: number): Promise<number> => {
    const [meta] = await producer.send({ topic, acks: -1, messages: [{ key, value, ...(timestamp === undefined ? {} : { timestamp: String(timestamp) }) }] });
    return Number(meta!.baseOffset);
  };

  /**
   * The partition's segment files: base offsets and sizes of the .log files, and anything unexpected left around.
   * After maintenance (which waits for the work of earlier rolls) every rolled segment has both index files;
   * the active segment's indexes live in memory until it rolls or the log closes.
   */
  const segmentFiles = (topic: string, afterMaintenance = false): { logs: SegmentFile[]; leftovers: string[] } => {
    const dir = join(logDir, `${topic}-0`);
    const names = readdirSync(dir);
    const logs = names
      .filter((n) => /^\d{20}\.log$/.test(n))
      .map((n) => ({ baseOffset: Number(n.slice(0, 20)), size: statSync(join(dir, n)).size }))
      .sort((a, b) => a.baseOffset - b.baseOffset);
    for (const { baseOffset } of afterMaintenance ? logs.slice(0, -1) : []) {
      const stem = String(baseOffset).padStart(20, '0');
      assert.ok(names.includes(`${stem}.index`) && names.includes(`${stem}.timeindex`), `segment ${stem} has both indexes`);
    }
    return { logs, leftovers: names.filter((n) => /\.(cleaned|swap|deleted)$/.test(n)) };
  };

  /** Everything a fresh consumer group reads from the beginning, up to the log end offset. */
  const readFromStart = async (topic: string): Promise<Read[]> => {
    const [end] = await admin.fetchTopicOffsets(topic);
    const last = Number(end!.high) - 1;
    const read: Read[] = [];
    const consumer = kafka.consumer({ groupId: `reader-${++readers}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => void read.push({ offset: Number(message.offset), key: message.key!.toString(), value: message.value?.toString() ?? null }),
      });
      await eventually(`${topic} up to offset ${last}`, () => (read.at(-1)?.offset === last ? true : undefined), 30_000);
    } finally {
      await consumer.disconnect();
    }
    const offsets = read.map((r) => r.offset);
    assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), 'offsets increase');
    assert.equal(new Set(offsets).size, offsets.length, 'each offset once');
    return read;
  };

  it('compaction keeps the newest value per key, at its offset, and drops tombstones once delete.retention.ms has passed', async () => {
    const topic = 'compacted';
    await createTopic(topic, { 'cleanup.policy': 'compact', 'segment.bytes': SEGMENT_BYTES, 'delete.retention.ms': 0, 'min.compaction.lag.ms': 0 });
    const newest = new Map<string, { offset: number; value: string | null }>();
    const pad = '.'.repeat(60);
    for (let round = 0; round < 5; round++) {
      for (let k = 0; k < 10; k++) {
        const key = `key-${k}`;
        const value = `${key} round ${round} ${pad}`;
        newest.set(key, { offset: await produce(topic, key, value), value });
      }
    }
    for (const key of ['key-0', 'key-1', 'key-2']) newest.set(key, { offset: await produce(topic, key, null), value: null });
    // Two records of almost a segment each: the last one is alone in the active segment, which is never cleaned.
    for (const key of ['end-1', 'end-2']) {
      const value = `${key} ${'#'.repeat(SEGMENT_BYTES - 150)}`;
      newest.set(key, { offset: await produce(topic, key, value), value });
    }

    const before = segmentFiles(topic);
    assert.ok(before.logs.length >= 8, `several segments (${before.logs.length})`);
    const everything = await readFromStart(topic);
    assert.equal(everything.length, 55);

    await broker.broker.runLogMaintenance();
    const firstPass = await readFromStart(topic);
    // KIP-534: the pass that first keeps a tombstone only stamps its delete horizon (now + 0).
    assert.deepEqual(
      firstPass.map((r) => [r.key, r.offset, r.value]),
      [...newest].sort((a, b) => a[1].offset - b[1].offset).map(([key, { offset, value }]) => [key, offset, value]),
      'the newest record per key, tombstones included, each at its original offset',
    );
    const middle = segmentFiles(topic, true);
    const bytes = (files: SegmentFile[]): number => files.reduce((sum, f) => sum + f.size, 0);
    assert.deepEqual(middle.leftovers, [], 'no .cleaned, .swap or .deleted files left behind');
    assert.ok(bytes(middle.logs) < bytes(before.logs) / 2, `less than half the bytes (${bytes(before.logs)} -> ${bytes(middle.logs)})`);
    assert.equal(middle.logs[0]!.baseOffset, 0, 'the cleaned segments keep their base offsets');
    assert.deepEqual(middle.logs.at(-1), before.logs.at(-1), 'the active segment is untouched');
    assert.equal(middle.logs.at(-1)!.baseOffset, newest.get('end-2')!.offset);

    await broker.broker.runLogMaintenance();
    const secondPass = await readFromStart(topic);
    assert.deepEqual(
      secondPass.map((r) => [r.key, r.offset, r.value]),
      [...newest]
        .filter(([, { value }]) => value !== null)
        .sort((a, b) => a[1].offset - b[1].offset)
        .map(([key, { offset, value }]) => [key, offset, value]),
      'tombstones past their horizon are gone, and with them their keys',
    );
    const last = segmentFiles(topic, true);
    assert.deepEqual(last.leftovers, []);
    // The segments the first pass shrank are small enough now to be cleaned together into fewer files.
    assert.ok(last.logs.length < middle.logs.length, `fewer segment files (${middle.logs.length} -> ${last.logs.length})`);
    assert.ok(bytes(last.logs) < bytes(middle.logs));
    const [offsets] = await admin.fetchTopicOffsets(topic);
    assert.equal(offsets!.low, '0', 'compaction does not move the log start offset');
    assert.equal(Number(offsets!.high), newest.get('end-2')!.offset + 1);
  });

  it('a compacted topic refuses a record without a key (INVALID_RECORD, as Kafka) and keeps the keyed ones', async () => {
    const topic = 'compacted-keyless';
    await createTopic(topic, { 'cleanup.policy': 'compact' });
    const error = await producer.send({ topic, acks: -1, messages: [{ value: 'no key' }] }).then(
      () => assert.fail('a keyless record was accepted by a compacted topic'),
      (e: unknown) => e as { type?: string },
    );
    assert.equal(error.type, 'INVALID_RECORD', String(error));
    assert.equal(await produce(topic, 'k', 'keyed'), 0, 'nothing of the refused batch took an offset');
    assert.deepEqual(
      (await readFromStart(topic)).map((r) => [r.key, r.value]),
      [['k', 'keyed']],
    );
  });

  it('retention.bytes deletes the oldest whole segments and moves the log start offset up', async () => {
    const topic = 'bounded-by-bytes';
    const retentionBytes = 3 * SEGMENT_BYTES;
    await createTopic(topic, { 'cleanup.policy': 'delete', 'segment.bytes': SEGMENT_BYTES, 'retention.bytes': retentionBytes });
    const values: string[] = [];
    for (let i = 0; i < 60; i++) {
      values.push(`record ${i} ${'-'.repeat(80)}`);
      assert.equal(await produce(topic, `k${i}`, values[i]!), i);
    }
    const before = segmentFiles(topic);
    const totalBefore = before.logs.reduce((sum, s) => sum + s.size, 0);
    assert.ok(totalBefore > 2 * retentionBytes, `the log (${totalBefore} bytes) is well over retention.bytes`);

    await broker.broker.runLogMaintenance();

    const after = segmentFiles(topic, true);
    assert.deepEqual(after.leftovers, []);
    assert.ok(after.logs.length < before.logs.length, 'segments were deleted');
    // Whole segments, oldest first: what is left is the newest part of the old list.
    assert.deepEqual(after.logs, before.logs.slice(before.logs.length - after.logs.length));
    const total = after.logs.reduce((sum, s) => sum + s.size, 0);
    assert.ok(total >= retentionBytes, `no more than needed was deleted (${total} bytes left)`);
    assert.ok(total - after.logs[0]!.size < retentionBytes, `as much as allowed was deleted (${total} bytes left)`);

    const [offsets] = await admin.fetchTopicOffsets(topic);
    assert.equal(Number(offsets!.low), after.logs[0]!.baseOffset, 'the log start offset is the first remaining segment’s base offset');
    assert.ok(Number(offsets!.low) > 0);
    assert.equal(offsets!.high, '60');
    const read = await readFromStart(topic);
    assert.deepEqual(
      read.map((r) => [r.offset, r.value]),
      values.slice(Number(offsets!.low)).map((v, i) => [Number(offsets!.low) + i, v]),
    );
  });

  it('retention.ms deletes the segments whose records are all older than the limit, by CreateTime', async () => {
    const topic = 'bounded-by-time';
    await createTopic(topic, { 'cleanup.policy': 'delete', 'segment.bytes': SEGMENT_BYTES, 'retention.ms': HOUR });
    const now = Date.now();
    const written: { offset: number; value: string; timestamp: number }[] = [];
    for (let i = 0; i < 50; i++) {
      // The first 30 records were created two hours ago (by their producer's clock), the rest now.
      const timestamp = i < 30 ? now - 2 * HOUR + i : now + i;
      const value = `record ${i} ${'~'.repeat(80)}`;
      written.push({ offset: await produce(topic, `k${i}`, value, timestamp), value, timestamp });
    }
    const before = segmentFiles(topic);
    assert.ok(before.logs.length >= 4, `several segments (${before.logs.length})`);
    // The segment holding the first new record also holds old ones; its newest timestamp is new, so it stays.
    const keptFrom = before.logs.filter((s) => s.baseOffset <= 30).at(-1)!.baseOffset;
    assert.ok(keptFrom > 0, 'some segment holds only old records');

    await broker.broker.runLogMaintenance();

    const after = segmentFiles(topic, true);
    assert.deepEqual(after.leftovers, []);
    assert.deepEqual(
      after.logs.map((s) => s.baseOffset),
      before.logs.filter((s) => s.baseOffset >= keptFrom).map((s) => s.baseOffset),
    );
    const [offsets] = await admin.fetchTopicOffsets(topic);
    assert.equal(Number(offsets!.low), keptFrom);
    assert.equal(offsets!.high, '50');
    const read = await readFromStart(topic);
    assert.deepEqual(
      read.map((r) => [r.offset, r.value]),
      written.slice(keptFrom).map((w) => [w.offset, w.value]),
    );

    // ListOffsets by timestamp sees what is left: an old timestamp, and a negative one that is none of
    // Kafka's special values (-1..-5), both find the first record that remains, as Kafka's lookup does.
    for (const timestamp of [now - 3 * HOUR, -42]) {
      assert.deepEqual(await admin.fetchTopicOffsetsByTimestamp(topic, timestamp), [{ partition: 0, offset: String(keptFrom) }], `timestamp ${timestamp}`);
    }
    assert.deepEqual(await admin.fetchTopicOffsetsByTimestamp(topic, now + 40), [{ partition: 0, offset: '40' }]);

    // Nothing more goes while the rest is young.
    await broker.broker.runLogMaintenance();
    assert.equal((await admin.fetchTopicOffsets(topic))[0]!.low, String(keptFrom));
  });
});
