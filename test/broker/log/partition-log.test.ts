import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CompressionCodec } from '../../../src/protocol/records/compression.js';
import { readRecordBatchHeader, computeRecordBatchCrc } from '../../../src/protocol/records/record-batch.js';
import { OffsetOutOfRangeError, RecordTooLargeError } from '../../../src/broker/log/log-errors.js';
import { PartitionLog } from '../../../src/broker/log/partition-log.js';
import { BACKENDS, batch, compressedBatch, config, decode, numbered, removeTempDirs, values } from './log-fixtures.js';

after(removeTempDirs);

for (const backend of BACKENDS) {
  describe(`PartitionLog ${backend.name}`, () => {
    it('assigns offsets from 0 on append and reads the batches back', async () => {
      const log = await PartitionLog.open(backend.make(), config());
      const first = await log.append(batch([{ key: 'a', value: '1' }, { key: 'b', value: '2' }]), 5_000);
      const second = await log.append(batch([{ key: 'c', value: '3' }]), 5_000);
      assert.deepEqual([first.baseOffset, first.lastOffset, first.logAppendTime], [0, 1, -1]);
      assert.deepEqual([second.baseOffset, second.lastOffset], [2, 2]);
      assert.equal(log.logEndOffset, 3);
      assert.equal(log.highWatermark, 3);
      const read = log.read(0, 1 << 20);
      assert.deepEqual(await values(read.records), [
        { offset: 0, key: 'a', value: '1' },
        { offset: 1, key: 'b', value: '2' },
        { offset: 2, key: 'c', value: '3' },
      ]);
      assert.deepEqual([read.highWatermark, read.logStartOffset, read.logEndOffset], [3, 0, 3]);
      await log.close();
    });

    it('rewrites baseOffset and partitionLeaderEpoch of the given buffer in place', async () => {
      const log = await PartitionLog.open(backend.make(), config());
      await log.append(batch([{ value: 'x' }]), 0);
      const b = batch([{ value: 'y' }]);
      await log.append(b, 0, 7);
      const header = readRecordBatchHeader(b);
      assert.equal(header.baseOffset, 1);
      assert.equal(header.partitionLeaderEpoch, 7);
      assert.equal(computeRecordBatchCrc(b), header.crc, 'baseOffset and epoch lie outside the CRC');
      await log.close();
    });

    it('rolls segments at segment.bytes and keeps offsets continuous across them', async () => {
      const log = await PartitionLog.open(backend.make(), config({ segmentBytes: 300 }));
      for (const b of numbered(20)) await log.append(b, 0);
      assert.ok(log.segmentBaseOffsets.length >= 5, `segments: ${log.segmentBaseOffsets.join(',')}`);
      assert.equal(log.segmentBaseOffsets[0], 0);
      const all: number[] = [];
      for (let offset = 0; offset < log.logEndOffset; ) {
        const got = await values(log.read(offset, 1 << 20).records);
        assert.ok(got.length > 0);
        all.push(...got.map((r) => r.offset));
        offset = got[got.length - 1]!.offset + 1;
      }
      assert.deepEqual(all, Array.from({ length: 20 }, (_, i) => i));
      await log.close();
    });

    it('finds the batch holding every offset through the sparse offset index', async () => {
      const log = await PartitionLog.open(backend.make(), config({ segmentBytes: 2_000, indexIntervalBytes: 150 }));
      let value = 0;
      for (let i = 0; i < 60; i++) {
        const n = 1 + (i % 4);
        await log.append(batch(Array.from({ length: n }, () => ({ key: `k${value}`, value: `v${value++}` }))), 0);
      }
      assert.ok(log.segmentBaseOffsets.length > 2);
      for (let offset = 0; offset < log.logEndOffset; offset++) {
        const [first] = await decode(log.read(offset, 1).records);
        assert.ok(first, `a batch for offset ${offset}`);
        assert.ok(first.baseOffset <= offset && offset <= first.baseOffset + first.lastOffsetDelta, `offset ${offset} in batch ${first.baseOffset}`);
        assert.equal(first.records.find((r) => r.offset === offset)?.value?.toString(), `v${offset}`);
      }
      await log.close();
    });

    it('returns the whole first batch even when maxBytes is smaller (KIP-74), and nothing when told not to', async () => {
      const log = await PartitionLog.open(backend.make(), config());
      const big = batch(Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(100) })));
      await log.append(big, 0);
      await log.append(batch([{ value: 'after' }]), 0);
      const read = log.read(10, 100);
      assert.equal(read.records.length, big.length);
      assert.equal((await decode(read.records)).length, 1);
      assert.equal(log.read(10, 100, undefined, false).records.length, 0);
      await log.close();
    });

    it('fills maxBytes with whole batches only', async () => {
      const log = await PartitionLog.open(backend.make(), config());
      const batches = numbered(10);
      for (const b of batches) await log.append(b, 0);
      const size = batches[0]!.length;
      const read = log.read(0, size * 3 + size / 2);
      assert.equal(read.records.length, size * 3);
      assert.deepEqual((await values(read.records)).map((r) => r.offset), [0, 1, 2]);
      await log.close();
    });

    it('never returns batches at or past maxOffset', async () => {
      const log = await PartitionLog.open(backend.make(), config());
      for (const b of numbered(5)) await log.append(b, 0);
      assert.deepEqual((await values(log.read(1, 1 << 20, 3).records)).map((r) => r.offset), [1, 2]);
      assert.equal(log.read(3, 1 << 20, 3).records.length, 0);
      await log.close();
    });

    it('answers OFFSET_OUT_OF_RANGE below the log start offset and past the log end offset, nothing at the end', async () => {
      const log = await PartitionLog.open(backend.make(), config());
      for (const b of numbered(3)) await log.append(b, 0);
      assert.throws(() => log.read(4, 100), OffsetOutOfRangeError);
      assert.throws(() => log.read(-1, 100), OffsetOutOfRangeError);
      assert.equal(log.read(3, 100).records.length, 0);
      await log.close();
    });

    it('moves the high watermark to an every-write append only once it is durable', async () => {
      const log = await PartitionLog.open(backend.make(), config({ flush: { kind: 'every-write' } }));
      await log.append(batch([{ value: 'a' }]), 0);
      const pending = log.write(batch([{ value: 'b' }]), 0);
      assert.equal(log.logEndOffset, 2);
      assert.equal(log.highWatermark, 1, 'not durable yet');
      assert.equal(log.read(1, 100).records.length, 0, 'a fetch does not see it');
      await pending.durable;
      assert.equal(log.highWatermark, 2);
      assert.equal((await values(log.read(1, 100).records))[0]?.value, 'b');
      await log.close();
    });

    it('stamps LogAppendTime batches with the append time, recomputing the CRC', async () => {
      const log = await PartitionLog.open(backend.make(), config({ messageTimestampType: 'LogAppendTime' }));
      const plain = await log.append(batch([{ value: 'a', timestamp: 1 }, { value: 'b', timestamp: 2 }]), 1_700_000_000_000);
      const zipped = await log.append(await compressedBatch(CompressionCodec.GZIP, [{ value: 'c', timestamp: 3 }]), 1_700_000_000_500);
      assert.equal(plain.logAppendTime, 1_700_000_000_000);
      assert.equal(zipped.logAppendTime, 1_700_000_000_500);
      const batches = await decode(log.read(0, 1 << 20).records); // checks every CRC
      assert.deepEqual(
        batches.map((b) => [b.timestampType, b.maxTimestamp]),
        [
          ['LogAppendTime', 1_700_000_000_000],
          ['LogAppendTime', 1_700_000_000_500],
        ],
      );
      assert.deepEqual(
        batches.flatMap((b) => b.records.map((r) => r.timestamp)),
        [1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_500],
      );
      await log.close();
    });

    it('finds the first offset at or after a timestamp, and the record with the largest timestamp', async () => {
      const log = await PartitionLog.open(backend.make(), config({ segmentBytes: 400, indexIntervalBytes: 100 }));
      // Timestamps 1000, 1010, ... with one out-of-order record, across several segments.
      for (let i = 0; i < 30; i++) {
        const ts = i === 17 ? 5_000 : 1_000 + 10 * i;
        await log.append(batch([{ key: `k${i}`, value: `v${i}`, timestamp: ts }]), 0);
      }
      assert.deepEqual(await log.offsetForTimestamp(0), { offset: 0, timestamp: 1_000 });
      assert.deepEqual(await log.offsetForTimestamp(1_050), { offset: 5, timestamp: 1_050 });
      assert.deepEqual(await log.offsetForTimestamp(1_055), { offset: 6, timestamp: 1_060 });
      assert.deepEqual(await log.offsetForTimestamp(1_175), { offset: 17, timestamp: 5_000 }, 'the first record at or after, in offset order');
      assert.deepEqual(await log.offsetForTimestamp(1_290), { offset: 17, timestamp: 5_000 });
      assert.equal(await log.offsetForTimestamp(5_001), null);
      assert.deepEqual(await log.offsetOfMaxTimestamp(), { offset: 17, timestamp: 5_000 });
      await log.close();
    });

    it('finds a timestamp inside a multi-record compressed batch', async () => {
      const log = await PartitionLog.open(backend.make(), config());
      const records = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, timestamp: 2_000 + i }));
      await log.append(batch([{ value: 'first', timestamp: 1_000 }]), 0);
      await log.append(await compressedBatch(CompressionCodec.LZ4, records), 0);
      assert.deepEqual(await log.offsetForTimestamp(2_004), { offset: 5, timestamp: 2_004 });
      await log.close();
    });

    it('deleteRecordsBefore moves the log start offset, deletes whole segments below it, and survives a reopen', async () => {
      const dir = backend.make();
      const log = await PartitionLog.open(dir, config({ segmentBytes: 300 }));
      for (const b of numbered(20)) await log.append(b, 0);
      const before = log.segmentBaseOffsets;
      assert.equal(await log.deleteRecordsBefore(9), 9);
      assert.equal(log.logStartOffset, 9);
      const after = log.segmentBaseOffsets;
      assert.ok(after[0]! <= 9 && after.length < before.length, `${before} -> ${after}`);
      assert.ok(before.filter((b) => b > after[0]!).every((b) => after.includes(b)));
      assert.throws(() => log.read(8, 100), OffsetOutOfRangeError);
      assert.equal((await values(log.read(9, 1 << 20).records)).some((r) => r.offset === 9), true);
      assert.equal(await log.deleteRecordsBefore(3), 9, 'never moves back');
      await assert.rejects(log.deleteRecordsBefore(21), OffsetOutOfRangeError);
      await log.close();
      const reopened = await PartitionLog.open(dir, config({ segmentBytes: 300 }));
      assert.equal(reopened.logStartOffset, 9);
      assert.equal(reopened.logEndOffset, 20);
      await reopened.close();
    });

    it('rejects a batch larger than max.message.bytes and appends nothing', async () => {
      const log = await PartitionLog.open(backend.make(), config({ maxMessageBytes: 200 }));
      assert.throws(() => log.write(batch([{ value: 'x'.repeat(300) }]), 0), RecordTooLargeError);
      assert.equal(log.logEndOffset, 0);
      assert.equal(log.sizeInBytes, 0);
      await log.close();
    });

    it('reopens after a clean close with the same offsets, indexes and timestamps, and appends on', async () => {
      const dir = backend.make();
      const log = await PartitionLog.open(dir, config({ segmentBytes: 500, indexIntervalBytes: 100 }));
      for (const b of numbered(25)) await log.append(b, 0);
      const segments = log.segmentBaseOffsets;
      await log.close();
      const reopened = await PartitionLog.open(dir, config({ segmentBytes: 500, indexIntervalBytes: 100 }));
      assert.deepEqual(reopened.segmentBaseOffsets, segments);
      assert.equal(reopened.logEndOffset, 25);
      assert.equal(reopened.highWatermark, 25);
      for (let offset = 0; offset < 25; offset++) assert.equal((await values(reopened.read(offset, 1).records))[0]?.offset, offset);
      assert.deepEqual(await reopened.offsetForTimestamp(1_013), { offset: 13, timestamp: 1_013 });
      assert.equal((await reopened.append(batch([{ value: 'next' }]), 0)).baseOffset, 25);
      await reopened.close();
    });

    it('lists every batch header for rebuilding producer state', async () => {
      const log = await PartitionLog.open(backend.make(), config({ segmentBytes: 300 }));
      for (let i = 0; i < 12; i++) {
        await log.append(batch([{ value: 'a' }, { value: 'b' }], { producerId: 42, producerEpoch: 3, baseSequence: 2 * i }), 0);
      }
      const headers = [];
      for await (const h of log.batches()) headers.push(h);
      assert.deepEqual(
        headers.map((h) => [h.baseOffset, h.lastOffsetDelta, h.producerId, h.producerEpoch, h.baseSequence]),
        Array.from({ length: 12 }, (_, i) => [2 * i, 1, 42, 3, 2 * i]),
      );
      const fromMiddle = [];
      for await (const h of log.batches(13)) fromMiddle.push(h.baseOffset);
      assert.deepEqual(fromMiddle, [12, 14, 16, 18, 20, 22]);
      await log.close();
    });

    it('rolls when the active segment is older than segment.ms', async () => {
      const log = await PartitionLog.open(backend.make(), config({ segmentMs: 1_000 }));
      await log.append(batch([{ value: 'a', timestamp: 10_000 }]), 10_000);
      await log.append(batch([{ value: 'b', timestamp: 10_500 }]), 10_500);
      await log.append(batch([{ value: 'c', timestamp: 11_001 }]), 11_001);
      assert.deepEqual(log.segmentBaseOffsets, [0, 2]);
      await log.close();
    });

    it('refuses calls after close', async () => {
      const log = await PartitionLog.open(backend.make(), config());
      await log.close();
      assert.throws(() => log.read(0, 1), /closed/);
      assert.throws(() => log.write(batch([{ value: 'a' }]), 0), /closed/);
    });
  });
}
