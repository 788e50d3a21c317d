/**
 * The in-memory log directory against a plain Buffer holding the same bytes:
 * appends of odd sizes that cross its 1 MiB chunks, reads and copies that span
 * chunks, truncation, and a crash that drops what was not synced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryLogDirectory } from '../../../src/broker/log/memory-storage.js';

/** Deterministic bytes: byte i of the stream is a function of i. */
function bytesAt(start: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = ((start + i) * 2654435761) >>> 24;
  return b;
}

describe('MemoryLogDirectory', () => {
  it('holds a file of several MiB appended in odd sizes, and reads any range back, across chunks', () => {
    const dir = new MemoryLogDirectory();
    const file = dir.open('00000000000000000000.log', true);
    let size = 0;
    for (const length of [1, 4095, 4097, 700_000, 1_048_576, 3, 1_500_001, 123_456]) {
      file.append(bytesAt(size, length));
      size += length;
    }
    assert.equal(file.size, size);
    const expected = bytesAt(0, size);
    for (const [position, length] of [
      [0, 10],
      [1_048_570, 20],
      [1_048_576, 1],
      [2_097_000, 1_200_000],
      [size - 5, 100],
    ] as const) {
      assert.deepEqual(file.read(position, length), expected.subarray(position, Math.min(size, position + length)), `read(${position}, ${length})`);
      const target = Buffer.alloc(length + 7, 0xee);
      const n = file.readInto(target, 7, length, position);
      assert.equal(n, Math.min(size, position + length) - position);
      assert.deepEqual(target.subarray(7, 7 + n), expected.subarray(position, position + n), `readInto(${position}, ${length})`);
    }
    assert.deepEqual(dir.readFile('00000000000000000000.log'), expected);
  });

  it('truncates across a chunk boundary and appends after the cut; a crash keeps only synced bytes', async () => {
    const dir = new MemoryLogDirectory();
    const file = dir.open('a.log', true);
    file.append(bytesAt(0, 2_500_000));
    await file.sync();
    file.truncate(1_000_000);
    file.append(bytesAt(1_000_000, 100_000));
    assert.equal(file.size, 1_100_000);
    assert.deepEqual(file.read(0, 2_000_000), bytesAt(0, 1_100_000));
    await file.sync();
    file.append(Buffer.alloc(50_000, 1));
    const after = dir.crash().open('a.log', false);
    assert.equal(after.size, 1_100_000, 'the unsynced append is gone');
    assert.deepEqual(after.read(0, 2_000_000), bytesAt(0, 1_100_000));
  });
});
