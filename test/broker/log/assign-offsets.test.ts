import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CorruptRecordError, RecordBatchField, readRecordBatchHeader, computeRecordBatchCrc } from '../../../src/protocol/records/record-batch.js';
import { assignOffsets } from '../../../src/broker/log/assign-offsets.js';
import { InvalidRecordError, RecordTooLargeError } from '../../../src/broker/log/log-errors.js';
import { batch } from './log-fixtures.js';

describe('assignOffsets', () => {
  it('assigns consecutive offsets to concatenated batches and stamps the leader epoch', () => {
    const input = Buffer.concat([batch([{ value: 'a' }, { value: 'b' }]), batch([{ value: 'c' }])]);
    const assigned = assignOffsets(input, 40, 3, 'CreateTime', 9_999, 1 << 20);
    assert.deepEqual(assigned, { firstOffset: 40, lastOffset: 42, logAppendTime: -1, maxTimestamp: 1_000, batchCount: 2 });
    const first = readRecordBatchHeader(input, 0);
    const second = readRecordBatchHeader(input, 12 + first.batchLength);
    assert.deepEqual([first.baseOffset, first.partitionLeaderEpoch, second.baseOffset, second.partitionLeaderEpoch], [40, 3, 42, 3]);
    assert.equal(computeRecordBatchCrc(input, 0), first.crc, 'CreateTime leaves the CRC alone');
  });

  it('sets LogAppendTime and maxTimestamp, and the new CRC matches', () => {
    const input = batch([{ value: 'a', timestamp: 5 }]);
    const assigned = assignOffsets(input, 0, 0, 'LogAppendTime', 1_700_000_000_123, 1 << 20);
    const header = readRecordBatchHeader(input);
    assert.equal(assigned.logAppendTime, 1_700_000_000_123);
    assert.deepEqual([header.timestampType, header.maxTimestamp], ['LogAppendTime', 1_700_000_000_123]);
    assert.equal(computeRecordBatchCrc(input), header.crc);
  });

  it('checks every batch before touching any', () => {
    const good = batch([{ value: 'a' }]);
    const copy = Buffer.from(good);
    assert.throws(() => assignOffsets(Buffer.concat([good, good.subarray(0, 30)]), 7, 0, 'CreateTime', 0, 1 << 20), CorruptRecordError);
    assert.throws(() => assignOffsets(Buffer.concat([good, batch([{ value: 'x'.repeat(500) }])]), 7, 0, 'CreateTime', 0, 300), RecordTooLargeError);
    const wrongMagic = Buffer.from(good);
    wrongMagic[RecordBatchField.magic] = 1;
    assert.throws(() => assignOffsets(wrongMagic, 7, 0, 'CreateTime', 0, 1 << 20), CorruptRecordError);
    assert.throws(() => assignOffsets(Buffer.alloc(0), 7, 0, 'CreateTime', 0, 1 << 20), InvalidRecordError);
    assert.deepEqual(good, copy);
  });
});
