/**
 * The partitioners, checked against facts from elsewhere: Kafka's own murmur2 vectors
 * (UtilsTest) and Java-generated ones (KafkaJS's Test.java), KafkaJS's partitioners run
 * side by side on the same inputs, go-jump's jump-hash vectors and a BigInt transcription
 * of the paper, and a KafkaJS producer against the embedded broker using ours.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { KafkaJSConfigurationError, KafkaJSError } from '../../src/errors/errors.js';
import { murmur2 } from '../../src/protocol/murmur2.js';
import { encodeRecordBatchSync } from '../../src/protocol/records/record-batch-builder.js';
import { RECORD_BATCH_OVERHEAD } from '../../src/protocol/records/record-batch-header.js';
import {
  createConsistentHashPartitioner,
  createDefaultPartitioner,
  createHeaderPartitioner,
  createLegacyPartitioner,
  createRandomPartitioner,
  createRoundRobinPartitioner,
  createTimeBasedPartitioner,
  DEFAULT_STICKY_BATCH_SIZE,
  DefaultPartitioner,
  estimateRecordSize,
  jumpConsistentHash,
  legacyMurmur2,
  type Partitioner,
  type PartitionerArgs,
  type PartitionerFactory,
  type PartitionMetadata,
  Partitioners,
} from '../../src/producer/partitioners/index.js';

const require = createRequire(import.meta.url);
type KafkaJSPartitioner = (args: { topic: string; partitionMetadata: PartitionMetadata[]; message: { key?: Buffer | string | null; value: Buffer | string | null; partition?: number } }) => number;
// KafkaJS 2.2.4's own partitioners: peers nobody here wrote.
const kafkajs = require('kafkajs') as { Partitioners: { DefaultPartitioner: () => KafkaJSPartitioner; LegacyPartitioner: () => KafkaJSPartitioner } };
const kafkajsLegacyMurmur2 = require('kafkajs/src/producer/partitioners/legacy/murmur2.js') as (key: Buffer | string) => number;

/** xorshift32: deterministic inputs, so a failure reproduces. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** A `RandomSource` in [0, 1) from the xorshift. */
function seededRandom(seed: number): () => number {
  const next = prng(seed);
  return () => next() / 0x1_0000_0000;
}

function randomKeys(count: number, seed: number): Buffer[] {
  const next = prng(seed);
  return Array.from({ length: count }, () => {
    const key = Buffer.allocUnsafe(next() % 70);
    for (let j = 0; j < key.length; j++) key[j] = next() & 0xff;
    return key;
  });
}

/** `n` partitions with leaders, except those listed as leaderless. */
function partitions(n: number, leaderless: readonly number[] = []): PartitionMetadata[] {
  return Array.from({ length: n }, (_, partitionId) => ({
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : partitionId % 3,
    replicas: [partitionId % 3],
    isr: leaderless.includes(partitionId) ? [] : [partitionId % 3],
  }));
}

function args(partitionMetadata: PartitionMetadata[], message: PartitionerArgs['message'], topic = 'orders'): PartitionerArgs {
  return { topic, partitionMetadata, message };
}

/** Java's `Utils.toPositive(hash) % n`, from a hash given as data. */
function javaPartition(hash: number, n: number): number {
  return (hash & 0x7fffffff) % n;
}

// Kafka's UtilsTest.testMurmur2 (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java).
const UTILS_TEST_VECTORS: readonly [string, number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];
// Printed by Java's Utils.murmur2 (kafkajs/src/producer/partitioners/default/Test.java, murmur2.spec.js).
const JAVA_GENERATED_VECTORS: readonly [string, number][] = [
  ['0', 971027396],
  ['1', -1993445489],
  ['128', -326012175],
  ['2187', -1508407203],
  ['16384', -325739742],
  ['78125', -1654490814],
  ['279936', 1462227128],
  ['823543', -2014198330],
  ['2097152', 607668903],
  ['4782969', -1182699775],
  ['10000000', -1830336757],
  ['100:48069', 1009543857],
];

describe('DefaultPartitioner: keyed records', () => {
  it("puts Kafka's UtilsTest and Java-generated keys where Java's toPositive(murmur2(key)) % n does", () => {
    const partitioner = DefaultPartitioner();
    for (const n of [1, 2, 3, 6, 10, 12, 50, 100]) {
      for (const [key, hash] of [...UTILS_TEST_VECTORS, ...JAVA_GENERATED_VECTORS]) {
        const expected = javaPartition(hash, n);
        assert.equal(partitioner(args(partitions(n), { key, value: 'v' })), expected, `"${key}" over ${n}`);
        assert.equal(partitioner(args(partitions(n), { key: Buffer.from(key), value: 'v' })), expected, `Buffer "${key}" over ${n}`);
      }
    }
    // Worked by hand: -790332482 & 0x7fffffff = 1357151166, and 1357151166 % 10 = 6.
    assert.equal(partitioner(args(partitions(10), { key: 'foobar', value: null })), 6);
  });

  it("agrees with KafkaJS 2's DefaultPartitioner on 1,000 random keys over several partition counts", () => {
    const ours = Partitioners.DefaultPartitioner();
    const theirs = kafkajs.Partitioners.DefaultPartitioner();
    const keys = randomKeys(1000, 0xc0ffee);
    for (const n of [1, 2, 3, 5, 6, 8, 12, 64, 100, 1000]) {
      const metadata = partitions(n);
      for (const key of keys) {
        assert.equal(ours(args(metadata, { key, value: 'v' })), theirs({ topic: 'orders', partitionMetadata: metadata, message: { key, value: 'v' } }), `${key.toString('hex')} over ${n}`);
      }
    }
    for (const key of ['', 'user-123', 'ключ', '日本語のキー', '🔑']) {
      const metadata = partitions(7);
      assert.equal(ours(args(metadata, { key, value: 'v' })), theirs({ topic: 'orders', partitionMetadata: metadata, message: { key, value: 'v' } }), key);
    }
  });

  it('hashes over all partitions, leaderless ones included, as Java does for keyed records', () => {
    const partitioner = DefaultPartitioner();
    // "foobar" belongs to partition 6 of 10; it stays there while partition 6 has no leader.
    assert.equal(partitioner(args(partitions(10, [6]), { key: 'foobar', value: 'v' })), 6);
    assert.equal(partitioner(args(partitions(10, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), { key: 'foobar', value: 'v' })), 6);
  });

  it('hashes an empty key (a key, unlike null), as Java and KafkaJS do', () => {
    const partitioner = DefaultPartitioner();
    const theirs = kafkajs.Partitioners.DefaultPartitioner();
    for (const n of [3, 7, 100]) {
      const expected = theirs({ topic: 'orders', partitionMetadata: partitions(n), message: { key: '', value: 'v' } });
      assert.equal(partitioner(args(partitions(n), { key: '', value: 'v' })), expected);
      assert.equal(partitioner(args(partitions(n), { key: Buffer.alloc(0), value: 'v' })), expected);
    }
  });

  it('spreads keyed records like keyless ones with ignoreKeys (Java partitioner.ignore.keys)', () => {
    const partitioner = createDefaultPartitioner({ ignoreKeys: true, batchSize: 1, random: seededRandom(5) });
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) seen.add(partitioner(args(partitions(6), { key: 'same-key', value: 'v' })));
    assert.equal(seen.size, 6);
  });

  it('is JavaCompatiblePartitioner too, as KafkaJS 2 names it', () => {
    assert.equal(Partitioners.JavaCompatiblePartitioner, Partitioners.DefaultPartitioner);
  });
});

describe('explicit partitions', () => {
  const factories = Object.entries(Partitioners) as [string, PartitionerFactory][];
  const withExtras: [string, PartitionerFactory][] = [
    ...factories,
    ['header', () => createHeaderPartitioner({ header: 'region', routes: { north: 0 } })],
    ['time-based', () => createTimeBasedPartitioner()],
  ];

  it('win over keys, headers and time in every built-in partitioner', () => {
    for (const [name, factory] of withExtras) {
      const partitioner = factory();
      for (const partition of [0, 3, 5]) {
        const message = { key: 'foobar', value: 'v', partition, headers: { region: 'north' }, timestamp: '0' };
        assert.equal(partitioner(args(partitions(6), message)), partition, name);
        assert.equal(partitioner(args(partitions(6), { value: null, partition })), partition, `${name} keyless`);
      }
      // A leaderless partition is still the caller's to choose (its records wait for a leader).
      assert.equal(partitioner(args(partitions(6, [2]), { value: 'v', partition: 2 })), 2, name);
    }
  });

  it('that the topic lacks throw a retriable error naming the topic and its partition count', () => {
    for (const [name, factory] of withExtras) {
      const partitioner = factory();
      assert.throws(
        () => partitioner(args(partitions(6), { key: 'k', value: 'v', partition: 6 }, 'payments')),
        (e: unknown) => {
          assert.ok(e instanceof KafkaJSError, name);
          assert.equal(e.retriable, true, 'a metadata refresh may reveal new partitions (Java waitOnMetadata)');
          assert.match(e.message, /partition 6 for topic "payments": the topic has 6 partitions \(0-5\)/);
          return true;
        },
        name,
      );
    }
  });

  it('that are negative or not integers throw a non-retriable error', () => {
    const partitioner = DefaultPartitioner();
    for (const partition of [-1, 1.5, Number.NaN]) {
      assert.throws(
        () => partitioner(args(partitions(6), { value: 'v', partition })),
        (e: unknown) => e instanceof KafkaJSError && !e.retriable && /Invalid partition .* for topic "orders"/.test(e.message),
      );
    }
  });

  it('null means "no explicit partition", as in KafkaJS', () => {
    const partitioner = DefaultPartitioner();
    const message = { key: 'foobar', value: 'v', partition: null } as unknown as PartitionerArgs['message'];
    assert.equal(partitioner(args(partitions(10), message)), 6);
  });

  it('an empty partition list is metadata not loaded yet (retriable)', () => {
    assert.throws(
      () => DefaultPartitioner()(args([], { key: 'k', value: 'v' })),
      (e: unknown) => e instanceof KafkaJSError && e.name === 'KafkaJSTopicMetadataNotLoaded' && e.retriable && e.message.includes('"orders"'),
    );
  });
});

describe('DefaultPartitioner: keyless records, uniform sticky (KIP-794)', () => {
  it("estimates a record's size as the bytes the record batch encoder writes for it", () => {
    const messages: PartitionerArgs['message'][] = [
      { value: 'x'.repeat(100) },
      { value: null },
      { key: 'k', value: Buffer.alloc(300) },
      { value: 'é'.repeat(70), headers: { trace: 'abc', bin: Buffer.from([1, 2]), many: ['a', Buffer.from('bc')], gone: undefined } },
    ];
    for (const message of messages) {
      const record = { key: message.key ?? null, value: message.value, headers: message.headers as Record<string, string | Buffer | (string | Buffer)[] | undefined> };
      const encoded = encodeRecordBatchSync({ records: [record] }); // one record: timestamp and offset deltas 0
      assert.equal(estimateRecordSize(message), encoded.length - RECORD_BATCH_OVERHEAD);
    }
    // length (2) + attributes, timestamp delta, offset delta (3) + null key (1) + value (2 + 100) + header count (1).
    assert.equal(estimateRecordSize({ value: 'x'.repeat(100) }), 109);
  });

  it('sends consecutive small records to one partition until batchSize bytes, then switches', () => {
    const batchSize = 1000;
    const partitioner = createDefaultPartitioner({ batchSize });
    const message = { value: 'x'.repeat(100) }; // 109 bytes: ceil(1000 / 109) = 10 records per run
    const sequence = Array.from({ length: 100 }, () => partitioner(args(partitions(6), message)));
    for (let run = 0; run < 10; run++) {
      const slice = sequence.slice(run * 10, run * 10 + 10);
      assert.deepEqual(new Set(slice).size, 1, `run ${run}: ${slice.join(',')}`);
      if (run > 0) assert.notEqual(slice[0], sequence[run * 10 - 1], `run ${run} switched to another partition`);
    }
  });

  it('uses 16384 bytes, Java batch.size default, when created KafkaJS-style with no arguments', () => {
    assert.equal(DEFAULT_STICKY_BATCH_SIZE, 16384);
    const partitioner = Partitioners.DefaultPartitioner();
    const message = { value: 'x'.repeat(100) };
    const perRun = Math.ceil(16384 / estimateRecordSize(message)); // 151
    const sequence = Array.from({ length: perRun * 3 }, () => partitioner(args(partitions(12), message)));
    for (let run = 0; run < 3; run++) assert.equal(new Set(sequence.slice(run * perRun, (run + 1) * perRun)).size, 1);
    assert.notEqual(sequence[perRun - 1], sequence[perRun]);
  });

  it('spreads keyless records about evenly over many switches', () => {
    const partitioner = createDefaultPartitioner({ batchSize: 500 });
    const counts = new Array<number>(6).fill(0);
    const message = { value: 'x'.repeat(100) }; // 5 records per run
    const total = 60_000;
    for (let i = 0; i < total; i++) counts[partitioner(args(partitions(6), message))]!++;
    for (const [p, count] of counts.entries()) {
      assert.ok(Math.abs(count - total / 6) < total / 6 / 10, `partition ${p}: ${count} of ${total} (${counts.join(', ')})`);
    }
  });

  it('switches only to partitions with a leader, and never back to the same one while others exist', () => {
    const partitioner = createDefaultPartitioner({ batchSize: 1, random: seededRandom(7) });
    let previous = -1;
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const p = partitioner(args(partitions(6, [1, 4]), { value: 'v' }));
      assert.ok(p !== 1 && p !== 4, `chose leaderless partition ${p}`);
      assert.notEqual(p, previous);
      seen.add(p);
      previous = p;
    }
    assert.deepEqual([...seen].sort(), [0, 2, 3, 5]);
  });

  it('stays on the only partition, and still chooses one when no partition has a leader (BuiltInPartitionerTest)', () => {
    const one = createDefaultPartitioner({ batchSize: 1 });
    for (let i = 0; i < 10; i++) assert.equal(one(args(partitions(1), { value: 'v' })), 0);
    const onlyOneLed = createDefaultPartitioner({ batchSize: 1 });
    for (let i = 0; i < 100; i++) assert.equal(onlyOneLed(args(partitions(2, [0]), { value: 'v' })), 1);
    const none = createDefaultPartitioner({ batchSize: 1 });
    for (let i = 0; i < 100; i++) assert.ok([0, 1, 2].includes(none(args(partitions(3, [0, 1, 2]), { value: 'v' }))));
  });

  it('abandons a sticky partition at once when it loses its leader', () => {
    const partitioner = createDefaultPartitioner({ batchSize: 1_000_000 });
    const first = partitioner(args(partitions(6), { value: 'v' }));
    assert.equal(partitioner(args(partitions(6), { value: 'v' })), first);
    const next = partitioner(args(partitions(6, [first]), { value: 'v' }));
    assert.notEqual(next, first);
    assert.equal(partitioner(args(partitions(6, [first]), { value: 'v' })), next, 'then sticks to the new one');
  });

  it('keeps one sticky partition per topic', () => {
    const partitioner = createDefaultPartitioner({ batchSize: 1000, random: seededRandom(3) });
    const a = partitioner(args(partitions(12), { value: 'x'.repeat(100) }, 'a'));
    for (let i = 0; i < 50; i++) partitioner(args(partitions(12), { value: 'x'.repeat(100) }, 'b'));
    assert.equal(partitioner(args(partitions(12), { value: 'x'.repeat(100) }, 'a')), a, "topic b's records did not move topic a");
  });

  it('rejects a batchSize that is not a positive integer, naming the option', () => {
    for (const batchSize of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => createDefaultPartitioner({ batchSize }), (e: unknown) => e instanceof KafkaJSConfigurationError && e.option === 'batchSize');
      assert.throws(() => createConsistentHashPartitioner({ batchSize }), KafkaJSConfigurationError);
    }
  });
});

describe('LegacyPartitioner (KafkaJS 1.x)', () => {
  it("hashes as KafkaJS's legacy murmur2, imprecise float products included", () => {
    // KafkaJS's legacy/murmur2.spec.js vectors.
    assert.equal(legacyMurmur2('0'), 272173970);
    assert.equal(legacyMurmur2(Buffer.from('1')), 1311020360);
    assert.equal(legacyMurmur2('2187'), -2081355488);
    assert.equal(legacyMurmur2('170859375'), 102939717);
    for (const key of randomKeys(1000, 42)) assert.equal(legacyMurmur2(key), kafkajsLegacyMurmur2(key), key.toString('hex'));
    assert.notEqual(legacyMurmur2('0'), 971027396, "and so differs from Java's");
  });

  it("places keyed records as KafkaJS's Partitioners.LegacyPartitioner on 1,000 random keys", () => {
    const ours = Partitioners.LegacyPartitioner();
    const theirs = kafkajs.Partitioners.LegacyPartitioner();
    const keys = randomKeys(1000, 0xbeef);
    for (const n of [1, 3, 6, 10, 100]) {
      for (const key of [...keys, 'user-123', '']) {
        assert.equal(ours(args(partitions(n), { key, value: 'v' })), theirs({ topic: 'orders', partitionMetadata: partitions(n), message: { key, value: 'v' } }));
      }
    }
  });

  it("cycles keyless records over partitions with a leader exactly as KafkaJS does from the same random start", () => {
    // KafkaJS seeds each topic's counter with randomBytes(32).readUInt32BE(0), drawn from
    // globalThis.crypto.getRandomValues: pin those bytes, and give ours the same start.
    const start = 0xfffffff0; // near 2^32, so the counter passes the 32-bit boundary
    const crypto = globalThis.crypto as { getRandomValues: <T extends ArrayBufferView | null>(array: T) => T };
    crypto.getRandomValues = (array) => {
      const bytes = Buffer.from(array!.buffer, array!.byteOffset, array!.byteLength);
      bytes.fill(0);
      bytes.writeUInt32BE(start, 0);
      return array;
    };
    let theirs: KafkaJSPartitioner;
    try {
      theirs = kafkajs.Partitioners.LegacyPartitioner();
      theirs({ topic: 'orders', partitionMetadata: partitions(1), message: { value: 'draws the start' } });
      theirs({ topic: 'other', partitionMetadata: partitions(1), message: { value: 'draws the start' } });
    } finally {
      delete (crypto as { getRandomValues?: unknown }).getRandomValues; // back to the prototype's
    }
    const ours = createLegacyPartitioner({ random: () => start / 0x1_0000_0000 });
    ours(args(partitions(1), { value: 'draws the start' }, 'orders'));
    ours(args(partitions(1), { value: 'draws the start' }, 'other'));
    for (let i = 0; i < 100; i++) {
      for (const [topic, metadata] of [['orders', partitions(5)], ['other', partitions(7, [2, 3])], ['orders', partitions(5, [0, 1, 2, 3, 4])]] as const) {
        const message = { value: 'v' };
        assert.equal(ours(args(metadata, message, topic)), theirs({ topic, partitionMetadata: metadata, message }), `${topic} #${i}`);
      }
    }
  });
});

describe('RoundRobinPartitioner (Java RoundRobinPartitioner)', () => {
  it('cycles through the partitions from 0, keys ignored', () => {
    const partitioner = Partitioners.RoundRobinPartitioner();
    const sequence = Array.from({ length: 9 }, (_, i) => partitioner(args(partitions(3), { key: 'same', value: String(i) })));
    assert.deepEqual(sequence, [0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });

  it('cycles through the partitions with a leader only, one counter per topic', () => {
    const partitioner = createRoundRobinPartitioner();
    const a = Array.from({ length: 6 }, () => partitioner(args(partitions(5, [1, 3]), { value: 'v' }, 'a')));
    assert.deepEqual(a, [0, 2, 4, 0, 2, 4]);
    assert.equal(partitioner(args(partitions(5), { value: 'v' }, 'b')), 0, "topic b's counter starts at 0");
  });

  it('cycles over all partitions when none has a leader', () => {
    const partitioner = createRoundRobinPartitioner();
    const sequence = Array.from({ length: 4 }, () => partitioner(args(partitions(3, [0, 1, 2]), { value: 'v' })));
    assert.deepEqual(sequence, [0, 1, 2, 0]);
  });
});

describe('RandomPartitioner', () => {
  it('picks partitions with a leader about uniformly, keys ignored', () => {
    const partitioner = createRandomPartitioner({ random: seededRandom(11) });
    const counts = new Map<number, number>();
    for (let i = 0; i < 40_000; i++) {
      const p = partitioner(args(partitions(5, [2]), { key: 'same', value: 'v' }));
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), [0, 1, 3, 4]);
    for (const count of counts.values()) assert.ok(Math.abs(count - 10_000) < 500, String([...counts]));
  });
});

/** Jump consistent hash transcribed from the paper with 64-bit BigInt arithmetic. */
function jumpReference(key: bigint, buckets: number): number {
  let b = -1n;
  let j = 0n;
  while (j < BigInt(buckets)) {
    b = j;
    key = BigInt.asUintN(64, key * 2862933555777941757n + 1n);
    j = BigInt(Math.floor(Number(b + 1n) * (Number(1n << 31n) / Number((key >> 33n) + 1n))));
  }
  return Number(b);
}

describe('ConsistentHashPartitioner (jump consistent hash)', () => {
  it("matches go-jump's test vectors", () => {
    // github.com/dgryski/go-jump jump_test.go.
    assert.equal(jumpConsistentHash(1, 1), 0);
    assert.equal(jumpConsistentHash(42, 57), 43);
    assert.equal(jumpConsistentHash(0xdead10cc, 1), 0);
    assert.equal(jumpConsistentHash(0xdead10cc, 666), 361);
    assert.equal(jumpConsistentHash(256, 1024), 520);
    assert.equal(jumpConsistentHash(0, -10), 0);
  });

  it('matches a BigInt transcription of the paper on 2,000 keys', () => {
    const next = prng(99);
    for (let i = 0; i < 2000; i++) {
      const key = next();
      const buckets = 1 + (next() % 5000);
      assert.equal(jumpConsistentHash(key, buckets), jumpReference(BigInt(key), buckets), `${key} over ${buckets}`);
    }
  });

  it("moves at most ~1.5 * k/(n+k) of 10,000 keys from 6 to 8 partitions, all to the new ones, while Java's modulo moves most", () => {
    const consistent = Partitioners.ConsistentHashPartitioner();
    const java = Partitioners.DefaultPartitioner();
    const keys = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    let movedConsistent = 0;
    let movedJava = 0;
    const counts = new Array<number>(8).fill(0);
    for (const key of keys) {
      const before6 = consistent(args(partitions(6), { key, value: 'v' }));
      const after8 = consistent(args(partitions(8), { key, value: 'v' }));
      counts[after8]!++;
      if (before6 !== after8) {
        movedConsistent++;
        assert.ok(after8 >= 6, `"${key}" moved between old partitions ${before6} -> ${after8}`);
      }
      if (java(args(partitions(6), { key, value: 'v' })) !== java(args(partitions(8), { key, value: 'v' }))) movedJava++;
    }
    const ideal = 2 / 8;
    assert.ok(movedConsistent / keys.length <= 1.5 * ideal, `consistent hash moved ${movedConsistent}`);
    assert.ok(movedConsistent / keys.length >= 0.5 * ideal, `consistent hash moved only ${movedConsistent}: new partitions must get their share`);
    assert.ok(movedJava / keys.length > 0.6, `modulo moved ${movedJava}`); // ~75%: h % 6 === h % 8 only for h % 24 < 6
    for (const [p, count] of counts.entries()) assert.ok(Math.abs(count - 1250) < 150, `partition ${p} holds ${count} keys`);
  });

  it('places keys differently from Java, which is why every producer of the topic must use it', () => {
    const consistent = Partitioners.ConsistentHashPartitioner();
    const java = Partitioners.DefaultPartitioner();
    let differ = 0;
    for (const key of randomKeys(1000, 8)) if (consistent(args(partitions(12), { key, value: 'v' })) !== java(args(partitions(12), { key, value: 'v' }))) differ++;
    assert.ok(differ > 800, `${differ} of 1000 differ`);
  });

  it('spreads keyless records uniform-sticky', () => {
    const partitioner = createConsistentHashPartitioner({ batchSize: 1000 });
    const sequence = Array.from({ length: 20 }, () => partitioner(args(partitions(6), { value: 'x'.repeat(100) })));
    assert.equal(new Set(sequence.slice(0, 10)).size, 1);
    assert.notEqual(sequence[9], sequence[10]);
  });
});

describe('createHeaderPartitioner (seed 002: region, priority)', () => {
  it('routes each region to its partition and other records through the default partitioner', () => {
    const partitioner = createHeaderPartitioner({ header: 'region', routes: { north: 0, south: 1, east: 2, west: 3 } });
    const metadata = partitions(6);
    assert.equal(partitioner(args(metadata, { value: 'v', headers: { region: 'north' } })), 0);
    assert.equal(partitioner(args(metadata, { key: 'k', value: 'v', headers: { region: Buffer.from('south') } })), 1);
    assert.equal(partitioner(args(metadata, { value: 'v', headers: { region: ['east', 'ignored'] } })), 2);
    assert.equal(partitioner(args(metadata, { value: 'v', headers: { region: 'west' } })), 3);
    // No route: the default partitioner, so a keyed record goes where Java puts it.
    assert.equal(partitioner(args(partitions(10), { key: 'foobar', value: 'v', headers: { region: 'moon' } })), 6);
    assert.equal(partitioner(args(partitions(10), { key: 'foobar', value: 'v' })), 6);
    assert.equal(partitioner(args(partitions(10), { key: 'foobar', value: 'v', headers: { Region: 'north' } })), 6, 'header keys are case-sensitive');
  });

  it('keeps high priority alone on partition 0 and spreads the rest over partitions 1..last', () => {
    const partitioner = createHeaderPartitioner({ header: 'priority', routes: { high: 0 }, otherwise: { from: 1 }, random: seededRandom(1) });
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      assert.equal(partitioner(args(partitions(4), { value: 'v', headers: { priority: 'high' } })), 0);
      seen.add(partitioner(args(partitions(4), { value: 'v', headers: { priority: i % 2 ? 'normal' : 'low' } })));
      seen.add(partitioner(args(partitions(4), { value: 'v' })));
    }
    assert.deepEqual([...seen].sort(), [1, 2, 3]);
  });

  it('keeps a key on one partition of its range: from + murmur2 % range size', () => {
    const partitioner = createHeaderPartitioner({ header: 'region', routes: { eu: { from: 4, to: 7 } } });
    // "foobar": 1357151166 % 4 = 2, so partition 4 + 2.
    for (let i = 0; i < 5; i++) assert.equal(partitioner(args(partitions(12), { key: 'foobar', value: 'v', headers: { region: 'eu' } })), 6);
  });

  it('rejects malformed routes at creation and routes beyond the topic when partitioning', () => {
    assert.throws(() => createHeaderPartitioner({ header: 'region', routes: { north: -1 } }), (e: unknown) => e instanceof KafkaJSConfigurationError && e.option === 'routes.north');
    assert.throws(() => createHeaderPartitioner({ header: 'region', routes: { eu: { from: 3, to: 1 } } }), KafkaJSConfigurationError);
    assert.throws(() => createHeaderPartitioner({ header: '', routes: {} }), KafkaJSConfigurationError);
    const partitioner = createHeaderPartitioner({ header: 'region', routes: { west: 3 } });
    assert.throws(
      () => partitioner(args(partitions(3), { value: 'v', headers: { region: 'west' } }, 'geo')),
      (e: unknown) => e instanceof KafkaJSError && /region=west of topic "geo" .* the topic has 3 partitions/.test(e.message),
    );
  });
});

describe('createTimeBasedPartitioner (seed 002)', () => {
  const HOUR = 3_600_000;

  it("puts each hour's records on partition hour % n, from the record's timestamp", () => {
    const partitioner = createTimeBasedPartitioner();
    const midnight = Date.UTC(2025, 10, 6);
    for (let hour = 0; hour < 48; hour++) {
      const timestamp = String(midnight + hour * HOUR + 59 * 60_000);
      assert.equal(partitioner(args(partitions(24), { value: 'v', timestamp })), hour % 24);
      assert.equal(partitioner(args(partitions(5), { value: 'v', timestamp: Number(timestamp) })), Math.floor((midnight + hour * HOUR) / HOUR) % 5);
    }
  });

  it('uses the clock for records without a timestamp, and any window length', () => {
    let now = 10 * 60_000;
    const partitioner = createTimeBasedPartitioner({ windowMs: 60_000, now: () => now });
    assert.equal(partitioner(args(partitions(4), { value: 'v' })), 10 % 4);
    now += 60_000;
    assert.equal(partitioner(args(partitions(4), { value: 'v' })), 11 % 4);
    assert.equal(partitioner(args(partitions(4), { value: 'v', timestamp: -1 })), 3, 'before 1970: window -1 is the last partition');
    assert.throws(() => createTimeBasedPartitioner({ windowMs: 0 }), KafkaJSConfigurationError);
  });
});

// Seed 000's custom partitioner, written against KafkaJS's signature and typed with ours.
const vipPartitioner: PartitionerFactory = () => ({ partitionMetadata, message }) => {
  if (message.key !== undefined && message.key !== null) {
    const key = message.key.toString();
    if (key.startsWith('vip-')) return 0;
    const userId = Number.parseInt(key.replace('user-', ''), 10);
    if (userId < 1000) return 0;
    return userId < 10000 ? 1 : 2;
  }
  return Math.floor(Math.random() * partitionMetadata.length);
};

describe('custom partitioners with the KafkaJS signature (seed 000)', () => {
  it('route VIP keys to partition 0 and user-id ranges to 0/1/2 through the same interface', () => {
    const partitioner: Partitioner = vipPartitioner();
    const metadata = partitions(3);
    assert.equal(partitioner(args(metadata, { key: 'vip-user-1', value: '{}' }, 'users')), 0);
    assert.equal(partitioner(args(metadata, { key: 'user-500', value: '{}' }, 'users')), 0);
    assert.equal(partitioner(args(metadata, { key: Buffer.from('user-5000'), value: '{}' }, 'users')), 1);
    assert.equal(partitioner(args(metadata, { key: 'user-50000', value: '{}' }, 'users')), 2);
    assert.ok([0, 1, 2].includes(partitioner(args(metadata, { value: '{}' }, 'users'))));
  });
});

describe('our partitioners inside a KafkaJS producer, against the embedded broker', () => {
  let broker: RunningBroker;
  let kafka: Kafka;

  before(async () => {
    broker = await startBroker({ inMemory: true, port: 0, logLevel: 'error', properties: { 'auto.create.topics.enable': false } });
    kafka = new Kafka({ clientId: 'partitioners', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'users', numPartitions: 3 }, { topic: 'grow', numPartitions: 8 }], waitForLeaders: true });
    await admin.disconnect();
  });
  after(async () => {
    await broker.close();
  });

  async function sendEach(createPartitioner: PartitionerFactory, topic: string, keys: readonly string[]): Promise<number[]> {
    // No cast: our PartitionerFactory type-checks as KafkaJS's ICustomPartitioner.
    const producer = kafka.producer({ createPartitioner });
    await producer.connect();
    try {
      const placed: number[] = [];
      for (const key of keys) {
        const [result] = await producer.send({ topic, messages: [{ key, value: 'v' }] });
        assert.equal(result?.errorCode, 0);
        placed.push(result!.partition);
      }
      return placed;
    } finally {
      await producer.disconnect();
    }
  }

  it('lands records where our partitioners say: default, consistent hash and seed 000 custom', async () => {
    const keys = ['vip-user-1', 'user-500', 'user-5000', 'user-50000', 'foobar', 'user-123'];
    assert.deepEqual(await sendEach(vipPartitioner, 'users', keys), [0, 0, 1, 2, 2, 0]);
    const java = DefaultPartitioner();
    assert.deepEqual(await sendEach(Partitioners.DefaultPartitioner, 'users', keys), keys.map((key) => java(args(partitions(3), { key, value: 'v' }))));
    assert.deepEqual(
      await sendEach(Partitioners.ConsistentHashPartitioner, 'grow', keys),
      keys.map((key) => jumpConsistentHash(murmur2(key) >>> 0, 8)),
    );
  });
});
