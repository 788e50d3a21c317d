import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { crc32c } from '../../src/protocol/records/crc32c.js';

const require = createRequire(import.meta.url);
// KafkaJS's CRC-32C (a byte-at-a-time table, written independently of ours): a peer to compare with.
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (buf: Buffer) => number;

/** Deterministic bytes, so a failure reproduces. */
function pseudoRandomBytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('crc32c', () => {
  it('gives the standard check value 0xE3069283 for "123456789"', () => {
    assert.equal(crc32c(Buffer.from('123456789', 'ascii')), 0xe3069283);
  });

  it('matches the RFC 3720 (iSCSI) B.4 test vectors', () => {
    assert.equal(crc32c(Buffer.alloc(32, 0x00)), 0x8a9136aa);
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
    assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c);
  });

  it('is 0 for no bytes', () => {
    assert.equal(crc32c(Buffer.alloc(0)), 0);
  });

  it('returns an unsigned 32-bit number, never a negative int32', () => {
    const crc = crc32c(Buffer.from('123456789', 'ascii')); // 0xE3069283 has the top bit set
    assert.ok(crc > 0x7fffffff && crc <= 0xffffffff);
  });

  it('agrees with KafkaJS on every length 0-300 and on 1 MiB', () => {
    for (let n = 0; n <= 300; n++) {
      const buf = pseudoRandomBytes(n, n + 1);
      assert.equal(crc32c(buf), kafkajsCrc32c(buf), `length ${n}`);
    }
    const big = pseudoRandomBytes(1 << 20, 42);
    assert.equal(crc32c(big), kafkajsCrc32c(big));
  });

  it('covers exactly [start, end), at any alignment', () => {
    const buf = pseudoRandomBytes(200, 7);
    for (let start = 0; start < 20; start++) {
      for (const end of [start, start + 1, start + 7, start + 8, start + 9, 150, 200]) {
        assert.equal(crc32c(buf, start, end), kafkajsCrc32c(buf.subarray(start, end)), `[${start}, ${end})`);
      }
    }
  });

  it('accepts a plain Uint8Array that is a view into a larger ArrayBuffer', () => {
    const backing = pseudoRandomBytes(64, 3);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 5, 40);
    assert.equal(crc32c(view), kafkajsCrc32c(backing.subarray(5, 45)));
  });

  it('rejects a range outside the buffer', () => {
    assert.throws(() => crc32c(Buffer.alloc(4), 0, 5), RangeError);
    assert.throws(() => crc32c(Buffer.alloc(4), 3, 2), RangeError);
    assert.throws(() => crc32c(Buffer.alloc(4), -1), RangeError);
  });
});
