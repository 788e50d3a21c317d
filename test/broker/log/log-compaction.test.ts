import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { CompressionCodec } from '../../../src/protocol/records/compression.js';
import { type LogConfig } from '../../../src/broker/log/log-config.js';
import { type LogDirectory } from '../../../src/broker/log/storage.js';
import { PartitionLog } from '../../../src/broker/log/partition-log.js';
import { BACKENDS, batch, compressedBatch, config, decode, removeTempDirs, values } from './log-fixtures.js';

after(removeTempDirs);

const compacted = (overrides: Partial<LogConfig> = {}): LogConfig =>
  config({ segmentBytes: 300, cleanupPolicy: ['compact'], deleteRetentionMs: 1_000, retentionMs: -1, ...overrides });

/** Every record from the log start to the high watermark. */
async function everything(log: PartitionLog): Promise<{ offset: number; key: string | null; value: string | null }[]> {
  return values(await allBytes(log));
}

async function allBytes(log: PartitionLog): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let offset = log.logStartOffset; offset < log.highWatermark; ) {
    const { records } = log.read(offset, 1 << 20);
    if (records.length === 0) break;
    parts.push(records);
    const batches = await decode(records);
    const last = batches[batches.length - 1]!;
    offset = last.baseOffset + last.lastOffsetDelta + 1;
  }
  return Buffer.concat(parts);
}

/** Four rounds over keys k0..k4, one record per batch: offset 5 * round + key. Segments [0, 4, 8, 12, 16]. */
async function fourRounds(dir: string | LogDirectory, overrides: Partial<LogConfig> = {}): Promise<PartitionLog> {
  const log = await PartitionLog.open(dir, compacted(overrides));
  for (let round = 0; round < 4; round++) {
    for (let k = 0; k < 5; k++) await log.append(batch([{ key: `k${k}`, value: `k${k}-r${round}`, timestamp: 1_000 + 5 * round + k }]), 0);
  }
  assert.deepEqual(log.segmentBaseOffsets, [0, 4, 8, 12, 16]);
  return log;
}

const AFTER_FIRST_PASS = [
  { offset: 11, key: 'k1', value: 'k1-r2' },
  { offset: 12, key: 'k2', value: 'k2-r2' },
  { offset: 13, key: 'k3', value: 'k3-r2' },
  { offset: 14, key: 'k4', value: 'k4-r2' },
  { offset: 15, key: 'k0', value: 'k0-r3' },
  // The active segment is never cleaned.
  { offset: 16, key: 'k1', value: 'k1-r3' },
  { offset: 17, key: 'k2', value: 'k2-r3' },
  { offset: 18, key: 'k3', value: 'k3-r3' },
  { offset: 19, key: 'k4', value: 'k4-r3' },
];

for (const backend of BACKENDS) {
  describe(`PartitionLog compaction ${backend.name}`, () => {
    it('keeps the newest record per key in the cleanable segments, at its original offset', async () => {
      const log = await fourRounds(backend.make());
      const stats = await log.compact(10_000);
      assert.equal(stats?.segmentsCleaned, 4);
      assert.equal(stats?.recordsRemoved, 11);
      assert.deepEqual(await everything(log), AFTER_FIRST_PASS);
      assert.equal(log.logEndOffset, 20);
      assert.equal(log.logStartOffset, 0);
      assert.equal(await log.compact(10_000), null, 'nothing new to clean');
      // Reading from an offset compaction removed returns the next batch that remains: here the
      // emptied header ending segment [4, 8), which moves the consumer on to 8, then 11.
      const [emptied] = await decode(log.read(5, 1 << 20).records);
      assert.deepEqual([emptied?.baseOffset, emptied?.records.length], [7, 0]);
      assert.equal((await values(log.read(8, 1 << 20).records))[0]?.offset, 11);
      await log.close();
    });

    it('keeps the emptied last batch of each cleaned segment as a header, so offsets ranges stay whole', async () => {
      const log = await fourRounds(backend.make());
      await log.compact(10_000);
      const headers = [];
      for await (const h of log.batches()) headers.push([h.baseOffset, h.lastOffsetDelta, h.recordCount]);
      assert.deepEqual(headers.slice(0, 3), [
        [3, 0, 0],
        [7, 0, 0],
        [11, 0, 1],
      ]);
      await log.close();
    });

    it('merges small cleaned segments on a later pass', async () => {
      const log = await fourRounds(backend.make());
      await log.compact(10_000);
      for (let k = 0; k < 5; k++) await log.append(batch([{ key: `k${k}`, value: `k${k}-r4`, timestamp: 2_000 }]), 0);
      const before = log.segmentBaseOffsets.length;
      await log.compact(10_000);
      assert.ok(log.segmentBaseOffsets.length < before, `${log.segmentBaseOffsets}`);
      const latest = new Map((await everything(log)).map((r) => [r.key, r.value]));
      assert.deepEqual(Object.fromEntries(latest), { k0: 'k0-r4', k1: 'k1-r4', k2: 'k2-r4', k3: 'k3-r4', k4: 'k4-r4' });
      await log.close();
    });

    it('keeps a tombstone until delete.retention.ms after the pass that first saw it, then drops it', async () => {
      const log = await PartitionLog.open(backend.make(), compacted());
      const keys = ['k1', 'k2', 'k1', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8'];
      for (const [i, key] of keys.entries()) await log.append(batch([{ key, value: i === 2 ? null : `${key}@${i}`, timestamp: 1_000 + i }]), 0);
      assert.deepEqual(log.segmentBaseOffsets, [0, 4, 8]);

      await log.compact(10_000);
      const tombstone = (await decode(await allBytes(log))).find((b) => b.baseOffset === 2);
      assert.ok(tombstone, 'the tombstone survives the first pass');
      assert.equal(tombstone.records[0]?.value, null);
      assert.equal(tombstone.hasDeleteHorizon, true);
      assert.equal(tombstone.baseTimestamp, 11_000, 'delete horizon = pass time + delete.retention.ms (KIP-534)');
      assert.equal(tombstone.records[0]?.timestamp, 1_002, 'the record keeps its timestamp');
      assert.equal((await everything(log)).some((r) => r.offset === 0), false, 'the value it deletes is gone');

      assert.equal(await log.compact(10_999), null, 'before the horizon there is nothing to do');
      assert.equal((await everything(log)).some((r) => r.offset === 2), true);
      const stats = await log.compact(11_000);
      assert.equal(stats?.recordsRemoved, 1);
      assert.equal((await everything(log)).some((r) => r.key === 'k1'), false);
      await log.close();
    });

    it('rewrites a compressed batch with its codec, offsets and a valid CRC', async () => {
      const log = await PartitionLog.open(backend.make(), compacted({ segmentBytes: 400 }));
      await log.append(await compressedBatch(CompressionCodec.GZIP, [{ key: 'a', value: 'a1' }, { key: 'b', value: 'b1' }, { key: 'c', value: 'c1' }]), 0);
      await log.append(await compressedBatch(CompressionCodec.GZIP, [{ key: 'b', value: 'b2' }]), 0);
      while (log.segmentBaseOffsets.length < 2) await log.append(batch([{ key: 'filler', value: 'x'.repeat(50) }]), 0);
      await log.compact(10_000);
      const [first] = await decode(log.read(0, 1 << 20).records); // checks the CRC
      assert.ok(first);
      assert.equal(first.compression, CompressionCodec.GZIP);
      assert.deepEqual([first.baseOffset, first.lastOffsetDelta], [0, 2]);
      assert.deepEqual(
        first.records.map((r) => [r.offset, r.key?.toString(), r.value?.toString()]),
        [
          [0, 'a', 'a1'],
          [2, 'c', 'c1'],
        ],
      );
      await log.close();
    });

    it("keeps an idempotent producer's emptied last batch, with its sequence, and drops its older ones", async () => {
      const log = await PartitionLog.open(backend.make(), compacted());
      const producer = { producerId: 7, producerEpoch: 0 };
      await log.append(batch([{ key: 'k1', value: 'p0' }], { ...producer, baseSequence: 0 }), 0);
      await log.append(batch([{ key: 'k1', value: 'p1' }], { ...producer, baseSequence: 1 }), 0);
      await log.append(batch([{ key: 'k1', value: 'plain' }]), 0);
      for (let i = 0; i < 6; i++) await log.append(batch([{ key: `f${i}`, value: 'filler' }]), 0);
      await log.compact(10_000);
      const headers = [];
      for await (const h of log.batches()) headers.push(h);
      assert.equal(headers.some((h) => h.baseOffset === 0), false);
      const kept = headers.find((h) => h.baseOffset === 1);
      assert.ok(kept);
      assert.deepEqual([kept.producerId, kept.baseSequence, kept.lastOffsetDelta, kept.recordCount], [7, 1, 0, 0]);
      assert.equal((await everything(log)).find((r) => r.key === 'k1')?.value, 'plain');
      await log.close();
    });

    it('leaves segments younger than min.compaction.lag.ms alone', async () => {
      const log = await fourRounds(backend.make(), { minCompactionLagMs: 500 });
      assert.equal(await log.compact(1_502), null, 'the first segment holds timestamp 1003 > 1502 - 500');
      assert.equal((await log.compact(1_505))?.segmentsCleaned, 1, 'only the first segment is 500 ms old');
      assert.equal((await log.compact(2_000))?.segmentsCleaned, 4);
      await log.close();
    });

    it('does nothing when cleanup.policy does not include compact', async () => {
      const log = await fourRounds(backend.make(), { cleanupPolicy: ['delete'] });
      assert.equal(await log.compact(10_000), null);
      assert.equal((await everything(log)).length, 20);
      await log.close();
    });

    it('survives a reopen, clean or after a crash, with the same records', async () => {
      const dir = backend.make();
      const log = await fourRounds(dir);
      await log.compact(10_000);
      // No close: as after kill -9.
      const crashed = await PartitionLog.open(dir, compacted());
      assert.deepEqual(await everything(crashed), AFTER_FIRST_PASS);
      await crashed.close();
      const clean = await PartitionLog.open(dir, compacted());
      assert.deepEqual(await everything(clean), AFTER_FIRST_PASS);
      assert.equal((await clean.append(batch([{ key: 'k9', value: 'v' }]), 0)).baseOffset, 20);
      await clean.close();
      if (typeof dir === 'string') {
        const names = readdirSync(dir);
        assert.ok(!names.some((n) => /\.(cleaned|swap|deleted)$/.test(n)), names.join(','));
      }
    });
  });
}
