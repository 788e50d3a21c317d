import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { murmur2, murmur2Partition, toPositive } from '../../src/protocol/murmur2.js';

const require = createRequire(import.meta.url);
// KafkaJS 2's default (Java-compatible) partitioner and its murmur2, written with a Long
// library rather than Math.imul: a peer implementation nobody here wrote.
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer | string) => number;
const { Partitioners } = require('kafkajs') as {
  Partitioners: {
    DefaultPartitioner: () => (args: {
      topic: string;
      partitionMetadata: { partitionId: number; leader: number }[];
      message: { key: Buffer | string };
    }) => number;
  };
};

/** xorshift32: deterministic keys, so a failure reproduces. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

function randomKeys(count: number, seed: number): Buffer[] {
  const next = prng(seed);
  const keys: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const key = Buffer.allocUnsafe(next() % 70); // 0-69 bytes: every tail length, several chunks
    for (let j = 0; j < key.length; j++) key[j] = next() & 0xff;
    keys.push(key);
  }
  return keys;
}

describe('murmur2', () => {
  it("matches Kafka's UtilsTest.testMurmur2 vectors", () => {
    // apache/kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
    const cases: [Uint8Array, number][] = [
      [Buffer.from('21'), -973932308],
      [Buffer.from('foobar'), -790332482],
      [Buffer.from('a-little-bit-long-string'), -985981536],
      [Buffer.from('a-little-bit-longer-string'), -1486304829],
      [Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
      [new Uint8Array([0x61, 0x62, 0x63]), 479470107], // new byte[] {'a', 'b', 'c'}
    ];
    for (const [key, hash] of cases) assert.equal(murmur2(key), hash, Buffer.from(key).toString());
  });

  it('hashes a string as its UTF-8 bytes', () => {
    assert.equal(murmur2('foobar'), -790332482);
    assert.equal(murmur2('ключ-🔑'), murmur2(Buffer.from('ключ-🔑', 'utf8')));
  });

  it('returns a signed 32-bit integer', () => {
    for (const key of randomKeys(200, 11)) {
      const h = murmur2(key);
      assert.equal(h, h | 0);
    }
  });

  it("agrees with KafkaJS's Java-compatible murmur2 on 1,000 random keys", () => {
    for (const key of randomKeys(1000, 0x9747b28c)) {
      assert.equal(murmur2(key), kafkajsMurmur2(key), key.toString('hex'));
    }
  });

  it('agrees with KafkaJS on non-ASCII string keys', () => {
    for (const key of ['', 'a', 'ab', 'abc', 'é', '日本語のキー', '🔑🔑🔑', 'mixed-ascii-ü-中-🙂']) {
      assert.equal(murmur2(key), kafkajsMurmur2(key), key);
    }
  });
});

describe('toPositive', () => {
  it('clears the sign bit, as Java Utils.toPositive (not Math.abs)', () => {
    assert.equal(toPositive(-2147483648), 0);
    assert.equal(toPositive(-1), 0x7fffffff);
    assert.equal(toPositive(-790332482), 1357151166);
    assert.equal(toPositive(12345), 12345);
  });
});

describe('murmur2Partition', () => {
  it("picks the same partition as KafkaJS's DefaultPartitioner for 1,000 random keys", () => {
    const partitioner = Partitioners.DefaultPartitioner();
    const keys = randomKeys(1000, 20240601);
    for (const numPartitions of [1, 3, 7, 12, 100]) {
      const partitionMetadata = Array.from({ length: numPartitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
      for (const key of keys) {
        const expected = partitioner({ topic: 't', partitionMetadata, message: { key } });
        assert.equal(murmur2Partition(key, numPartitions), expected, `${key.toString('hex')} over ${numPartitions}`);
      }
    }
  });

  it('is toPositive(murmur2(key)) % numPartitions', () => {
    // -790332482 & 0x7fffffff = 1357151166; 1357151166 % 10 = 6.
    assert.equal(murmur2Partition(Buffer.from('foobar'), 10), 6);
    assert.equal(murmur2Partition('foobar', 10), 6);
  });

  it('rejects a partition count that is not a positive integer', () => {
    assert.throws(() => murmur2Partition('k', 0), RangeError);
    assert.throws(() => murmur2Partition('k', 2.5), RangeError);
  });
});
