/**
 * Partition offsets through our admin, checked by KafkaJS 2.2.4 (its producer
 * writes the records, its admin reads the watermarks back): fetchTopicOffsets,
 * fetchTopicOffsetsByTimestamp, listOffsets (specs, isolation levels) and
 * deleteTopicRecords, with KafkaJS's per-partition errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IsolationLevel } from '../../src/admin/admin-types.js';
import { KafkaJSDeleteTopicRecordsError, KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { KafkaJSProtocolError } from '../../src/errors/protocol-errors.js';
import { type AdminFixture, startAdminFixture } from './admin-fixture.js';

const BASE_TIMESTAMP = 1_700_000_000_000;

describe('admin: partition offsets', () => {
  let f: AdminFixture;
  before(async () => {
    f = await startAdminFixture('admin-offsets-test');
    await f.peer.createTopics({ topics: [{ topic: 'events', numPartitions: 2 }, { topic: 'trimmed', numPartitions: 2 }, { topic: 'empty', numPartitions: 1 }] });
    const producer = await f.producer();
    // Partition 0: 10 records at BASE + i s; partition 1: 4 records.
    await producer.send({ topic: 'events', messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `e${i}`, timestamp: String(BASE_TIMESTAMP + i * 1000) })) });
    await producer.send({ topic: 'events', messages: Array.from({ length: 4 }, (_, i) => ({ partition: 1, value: `f${i}`, timestamp: String(BASE_TIMESTAMP + i * 1000) })) });
    await producer.send({ topic: 'trimmed', messages: Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: `t${i}` })) });
  });
  after(async () => {
    await f.close();
  });

  it("fetchTopicOffsets answers what KafkaJS's answers: each partition's low and high watermarks as strings", async () => {
    const ours = await f.admin.fetchTopicOffsets('events');
    assert.deepEqual(ours, [
      { partition: 0, offset: '10', high: '10', low: '0' },
      { partition: 1, offset: '4', high: '4', low: '0' },
    ]);
    const theirs = await f.peer.fetchTopicOffsets('events');
    assert.deepEqual(ours, [...theirs].sort((a, b) => a.partition - b.partition));
    assert.deepEqual(await f.admin.fetchTopicOffsets('empty'), [{ partition: 0, offset: '0', high: '0', low: '0' }]);
  });

  it("fetchTopicOffsetsByTimestamp answers what KafkaJS's answers, the high watermark where no record is that late", async () => {
    for (const timestamp of [BASE_TIMESTAMP - 1, BASE_TIMESTAMP + 2500, BASE_TIMESTAMP + 8000, BASE_TIMESTAMP + 60_000, undefined]) {
      const ours = await f.admin.fetchTopicOffsetsByTimestamp('events', timestamp);
      const theirs = await f.peer.fetchTopicOffsetsByTimestamp('events', timestamp);
      assert.deepEqual(ours, [...theirs].sort((a, b) => a.partition - b.partition), `timestamp ${timestamp}`);
    }
    assert.deepEqual(await f.admin.fetchTopicOffsetsByTimestamp('events', BASE_TIMESTAMP + 2500), [
      { partition: 0, offset: '3' },
      { partition: 1, offset: '3' },
    ]);
    assert.deepEqual(await f.admin.fetchTopicOffsetsByTimestamp('events', BASE_TIMESTAMP + 8000), [
      { partition: 0, offset: '8' },
      { partition: 1, offset: '4' },
    ]);
  });

  it('fetchTopicOffsets of an unknown topic rejects with UNKNOWN_TOPIC_OR_PARTITION after its retries; a bad topic at once', async () => {
    const admin = f.newAdmin({ retry: { retries: 1, initialRetryTime: 10 } });
    await assert.rejects(admin.fetchTopicOffsets('no-such-topic'), (e: unknown) => e instanceof Error && /UNKNOWN_TOPIC_OR_PARTITION/.test(e.message));
    await assert.rejects(admin.fetchTopicOffsets(''), (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'Invalid topic ');
  });

  it('listOffsets finds offsets by spec, with the record timestamp, at either isolation level', async () => {
    const latest = await f.admin.listOffsets({ topics: [{ topic: 'events' }] });
    assert.deepEqual(latest.map((t) => [t.topic, t.partitions.map((p) => [p.partition, p.offset])]), [['events', [[0, '10'], [1, '4']]]]);
    const uncommitted = await f.admin.listOffsets({ topics: [{ topic: 'events', partitions: [1] }], isolationLevel: IsolationLevel.READ_UNCOMMITTED });
    assert.deepEqual(uncommitted[0]!.partitions.map((p) => p.offset), ['4'], 'no transactions: the high watermark either way');
    const earliest = await f.admin.listOffsets({ topics: [{ topic: 'events', partitions: [0] }], spec: 'earliest' });
    assert.equal(earliest[0]!.partitions[0]!.offset, '0');
    const byTime = await f.admin.listOffsets({ topics: [{ topic: 'events', partitions: [0] }], spec: BASE_TIMESTAMP + 4000 });
    assert.deepEqual([byTime[0]!.partitions[0]!.offset, byTime[0]!.partitions[0]!.timestamp], ['4', String(BASE_TIMESTAMP + 4000)]);
    const newest = await f.admin.listOffsets({ topics: [{ topic: 'events', partitions: [0] }], spec: 'max-timestamp' });
    assert.deepEqual([newest[0]!.partitions[0]!.offset, newest[0]!.partitions[0]!.timestamp], ['9', String(BASE_TIMESTAMP + 9000)]);
    await assert.rejects(f.admin.listOffsets({ topics: [{ topic: 'events' }], spec: 'soonest' as never }), KafkaJSNonRetriableError);
  });

  it('deleteTopicRecords moves the low watermark, as KafkaJS sees; -1 deletes up to the high watermark', async () => {
    await f.admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '4' }, { partition: 1, offset: '-1' }] });
    const theirs = [...(await f.peer.fetchTopicOffsets('trimmed'))].sort((a, b) => a.partition - b.partition);
    assert.deepEqual(theirs.map((p) => [p.partition, p.low, p.high]), [
      [0, '4', '10'],
      [1, '10', '10'],
    ]);
  });

  it('deleteTopicRecords beyond the high watermark rejects with KafkaJSDeleteTopicRecordsError naming the partition, OFFSET_OUT_OF_RANGE', async () => {
    await assert.rejects(
      f.admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '6' }, { partition: 1, offset: '1000' }] }),
      (e: unknown) => {
        assert.ok(e instanceof KafkaJSDeleteTopicRecordsError, String(e));
        assert.equal(e.topic, 'trimmed');
        assert.deepEqual(
          e.partitions.map((p) => [p.partition, p.offset, (p.error as KafkaJSProtocolError).type]),
          [[1, '1000', 'OFFSET_OUT_OF_RANGE']],
        );
        assert.equal(e.retriable, false);
        return true;
      },
    );
    const low = [...(await f.peer.fetchTopicOffsets('trimmed'))].find((p) => p.partition === 0)!.low;
    assert.equal(low, '6', 'the partition that could be trimmed was');
  });

  it("deleteTopicRecords refuses bad arguments with KafkaJS's messages", async () => {
    await assert.rejects(f.admin.deleteTopicRecords({ topic: '', partitions: [] }), (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'Invalid topic ""');
    await assert.rejects(f.admin.deleteTopicRecords({ topic: 'trimmed', partitions: [] }), (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'Invalid partitions');
    await assert.rejects(f.admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: 'two' }] }), KafkaJSNonRetriableError);
  });
});
