import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OffsetIndex } from '../../../src/broker/log/offset-index.js';
import { TimeIndex } from '../../../src/broker/log/time-index.js';

describe('OffsetIndex', () => {
  it('finds the entry with the largest offset at or below the target, relative to the base offset', () => {
    const index = new OffsetIndex(1_000);
    index.append(1_004, 300);
    index.append(1_009, 700);
    index.append(1_020, 1_500);
    assert.deepEqual(index.lookup(999), { offset: 1_000, position: 0 });
    assert.deepEqual(index.lookup(1_003), { offset: 1_000, position: 0 });
    assert.deepEqual(index.lookup(1_004), { offset: 1_004, position: 300 });
    assert.deepEqual(index.lookup(1_019), { offset: 1_009, position: 700 });
    assert.deepEqual(index.lookup(5_000), { offset: 1_020, position: 1_500 });
    assert.deepEqual([...index.toBuffer()], [0, 0, 0, 4, 0, 0, 1, 44, 0, 0, 0, 9, 0, 0, 2, 188, 0, 0, 0, 20, 0, 0, 5, 220]);
  });

  it('grows past its initial capacity and round-trips through its file bytes', () => {
    const index = new OffsetIndex(0);
    for (let i = 1; i <= 1_000; i++) index.append(i * 3, i * 100);
    const loaded = new OffsetIndex(0, Buffer.from(index.toBuffer()));
    assert.equal(loaded.entries, 1_000);
    assert.deepEqual(loaded.lookup(1_501), { offset: 1_500, position: 50_000 });
    assert.equal(OffsetIndex.problem(index.toBuffer(), 100_001), null);
  });

  it('refuses out-of-order entries, and reports files that do not match their log', () => {
    const index = new OffsetIndex(0);
    index.append(5, 10);
    assert.throws(() => index.append(5, 20), RangeError);
    assert.match(OffsetIndex.problem(Buffer.alloc(7), 100) ?? '', /multiple of 8/);
    assert.match(OffsetIndex.problem(index.toBuffer(), 10) ?? '', /past the log/);
  });
});

describe('TimeIndex', () => {
  it('adds an entry only when the largest timestamp grows', () => {
    const index = new TimeIndex(100);
    index.maybeAppend(-1, 100);
    index.maybeAppend(5_000, 103);
    index.maybeAppend(4_000, 106);
    index.maybeAppend(5_000, 107);
    index.maybeAppend(6_000, 110);
    assert.equal(index.entries, 2);
    assert.deepEqual(index.lastEntry, { timestamp: 6_000, offset: 110 });
  });

  it('finds the last entry strictly older than a timestamp', () => {
    const index = new TimeIndex(0);
    index.maybeAppend(1_000, 4);
    index.maybeAppend(2_000, 9);
    assert.deepEqual(index.lookupBefore(1_000), { timestamp: -1, offset: 0 });
    assert.deepEqual(index.lookupBefore(1_001), { timestamp: 1_000, offset: 4 });
    assert.deepEqual(index.lookupBefore(2_000), { timestamp: 1_000, offset: 4 });
    assert.deepEqual(index.lookupBefore(9_999), { timestamp: 2_000, offset: 9 });
    const loaded = new TimeIndex(0, Buffer.from(index.toBuffer()));
    assert.deepEqual(loaded.lastEntry, { timestamp: 2_000, offset: 9 });
    assert.equal(TimeIndex.problem(index.toBuffer()), null);
    assert.match(TimeIndex.problem(Buffer.concat([index.toBuffer(), index.toBuffer()])) ?? '', /out of order/);
  });
});
