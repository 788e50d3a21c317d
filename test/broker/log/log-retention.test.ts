import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { OffsetOutOfRangeError } from '../../../src/broker/log/log-errors.js';
import { type LogConfig } from '../../../src/broker/log/log-config.js';
import { PartitionLog } from '../../../src/broker/log/partition-log.js';
import { segmentsToDelete } from '../../../src/broker/log/log-retention.js';
import { BACKENDS, batch, config, numbered, removeTempDirs, values } from './log-fixtures.js';

after(removeTempDirs);

/** 20 single-record batches of 72-74 bytes, timestamps 1000..1019: segments [0, 4, 8, 12, 16] at 300 bytes each. */
async function twentyRecords(dir: ReturnType<(typeof BACKENDS)[number]['make']>, overrides: Partial<LogConfig>): Promise<PartitionLog> {
  const log = await PartitionLog.open(dir, config({ segmentBytes: 300, ...overrides }));
  for (const b of numbered(20)) await log.append(b, 0);
  assert.deepEqual(log.segmentBaseOffsets, [0, 4, 8, 12, 16]);
  return log;
}

for (const backend of BACKENDS) {
  describe(`PartitionLog retention ${backend.name}`, () => {
    it('retention.bytes deletes the oldest whole segments while the rest still reaches the limit', async () => {
      const dir = backend.make();
      const log = await twentyRecords(dir, { retentionBytes: 700, retentionMs: -1 });
      assert.equal(await log.enforceRetention(Date.now()), 2);
      assert.deepEqual(log.segmentBaseOffsets, [8, 12, 16]);
      assert.ok(log.sizeInBytes >= 700);
      assert.equal(log.logStartOffset, 8);
      assert.throws(() => log.read(7, 100), OffsetOutOfRangeError);
      assert.equal((await values(log.read(8, 100).records))[0]?.offset, 8);
      if (typeof dir === 'string') {
        assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.log')).sort(), ['00000000000000000008.log', '00000000000000000012.log', '00000000000000000016.log']);
      }
      assert.equal(await log.enforceRetention(Date.now()), 0, 'nothing more to delete');
      await log.close();
    });

    it('retention.ms deletes segments whose newest timestamp is older than the limit, oldest first', async () => {
      const log = await twentyRecords(backend.make(), { retentionMs: 100 });
      // Segment maxima are 1003, 1007, 1011, ...: at 1110 only the first two are more than 100 ms old.
      assert.equal(await log.enforceRetention(1_110), 2);
      assert.deepEqual(log.segmentBaseOffsets, [8, 12, 16]);
      assert.equal(log.logStartOffset, 8);
      await log.close();
    });

    it('rolls and deletes the active segment too once everything expired, as Kafka does', async () => {
      const log = await twentyRecords(backend.make(), { retentionMs: 100 });
      assert.equal(await log.enforceRetention(10_000), 5);
      assert.deepEqual(log.segmentBaseOffsets, [20]);
      assert.equal(log.logStartOffset, 20);
      assert.equal(log.logEndOffset, 20);
      assert.equal(log.read(20, 100).records.length, 0);
      assert.equal((await log.append(batch([{ value: 'new', timestamp: 9_990 }]), 0)).baseOffset, 20);
      assert.equal(await log.enforceRetention(10_000), 0, 'an empty active segment is never deleted, and fresh data stays');
      await log.close();
    });

    it('ignores retention.ms and retention.bytes when cleanup.policy is compact only', async () => {
      const log = await twentyRecords(backend.make(), { retentionMs: 100, retentionBytes: 10, cleanupPolicy: ['compact'] });
      assert.equal(await log.enforceRetention(10_000), 0);
      assert.equal(log.segmentBaseOffsets.length, 5);
      await log.close();
    });

  });
}

describe('segmentsToDelete', () => {
  const segments = [
    { baseOffset: 0, size: 100, largestTimestamp: 10 },
    { baseOffset: 10, size: 100, largestTimestamp: 20 },
    { baseOffset: 20, size: 100, largestTimestamp: 30 },
  ];
  const policy = { cleanupPolicy: ['delete' as const], retentionMs: 5, retentionBytes: -1 };

  it('never deletes a segment that is not wholly below the high watermark', () => {
    assert.deepEqual(segmentsToDelete(segments, { logStartOffset: 0, logEndOffset: 30, highWatermark: 15 }, policy, 1_000), ['retention.ms']);
    assert.deepEqual(segmentsToDelete(segments, { logStartOffset: 0, logEndOffset: 30, highWatermark: 30 }, policy, 1_000), ['retention.ms', 'retention.ms', 'retention.ms']);
  });

  it('applies the log start offset first, then retention.bytes, then retention.ms', () => {
    const reasons = segmentsToDelete(
      segments,
      { logStartOffset: 12, logEndOffset: 30, highWatermark: 30 },
      { cleanupPolicy: ['delete'], retentionMs: 25, retentionBytes: 100 },
      50,
    );
    assert.deepEqual(reasons, ['log-start-offset', 'retention.bytes']);
  });

  it('deletes below the log start offset even with cleanup.policy=compact, never the active segment for it', () => {
    const compact = { cleanupPolicy: ['compact' as const], retentionMs: 5, retentionBytes: 1 };
    assert.deepEqual(segmentsToDelete(segments, { logStartOffset: 25, logEndOffset: 30, highWatermark: 30 }, compact, 1_000), ['log-start-offset', 'log-start-offset']);
  });
});
