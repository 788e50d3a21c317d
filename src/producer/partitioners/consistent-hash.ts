/**
 * Consistent hashing of keys to partitions, for topics that grow. With Java's
 * `murmur2(key) % n`, going from n to n + k partitions moves every key whose remainder
 * changes: most of them (from 6 to 8 partitions, 75% of keys). Jump consistent hash (Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash
 * Algorithm", 2014) moves only the k/(n+k) of keys the new partitions must take, each
 * from an old partition to a new one, never between old ones. It fits Kafka well:
 * partitions are only ever added at the end, never removed, which is exactly the change
 * jump hash handles; and it needs no ring and no memory.
 */
import { murmur2 } from '../../protocol/murmur2.js';
import { stickyBatchSize, UniformStickyPartitioner } from './sticky.js';
import { explicitPartition, hasKey, partitionCount } from './topic-partitions.js';
import { type Partitioner, type PartitionerFactory, type RandomSource } from './types.js';

// The paper's 64-bit linear congruential step, key = key * 2862933555777941757 + 1,
// done in 32-bit halves to stay in fast integer arithmetic (no BigInt per record).
const LCG_HI = 0x27bb2ee6;
const LCG_LO = 0x87b0b0fd;
const TWO_POW_31 = 0x8000_0000;

/** High 32 bits of the 64-bit product of two unsigned 32-bit integers. */
function mulHigh32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
}

/**
 * Jump consistent hash: the bucket in `[0, buckets)` of a 64-bit key whose high 32 bits
 * are 0, as the paper's `JumpConsistentHash(uint64_t key, int32_t num_buckets)` and
 * Go's `github.com/dgryski/go-jump` compute it.
 *
 * @param key - an unsigned 32-bit integer (e.g. `murmur2(key) >>> 0`)
 * @param buckets - the bucket count; below 1 answers 0, as go-jump
 * @returns the bucket
 */
export function jumpConsistentHash(key: number, buckets: number): number {
  let hi = 0;
  let lo = key >>> 0;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    const nextHi = (mulHigh32(lo, LCG_LO) + Math.imul(hi, LCG_LO) + Math.imul(lo, LCG_HI)) >>> 0;
    const nextLo = (Math.imul(lo, LCG_LO) + 1) >>> 0;
    hi = nextLo === 0 ? (nextHi + 1) >>> 0 : nextHi; // carry of the + 1
    lo = nextLo;
    // (b + 1) * (2^31 / ((key >>> 33) + 1)), in doubles as the paper.
    j = Math.floor((b + 1) * (TWO_POW_31 / ((hi >>> 1) + 1)));
  }
  return b < 0 ? 0 : b;
}

/** Options of {@link createConsistentHashPartitioner}. */
export interface ConsistentHashPartitionerOptions {
  /** Sticky threshold for keyless records, as the default partitioner's; default 16384. */
  readonly batchSize?: number | undefined;
  /** Random source for keyless records' sticky switches; default `Math.random`. */
  readonly random?: RandomSource | undefined;
}

/**
 * Creates a consistent-hash partitioner: an explicit partition wins; a keyed record goes
 * to `jumpConsistentHash(murmur2(key) >>> 0, numPartitions)`, over all partitions; a
 * keyless record is spread uniform-sticky, as by the default partitioner.
 *
 * When the topic grows from n to n + k partitions, about k/(n+k) of keys move (to the
 * new partitions only) instead of most of them, so per-key order and key-local state
 * (caches, Kafka Streams-like stores) survive a partition increase far better.
 *
 * Trades: key placement is NOT Java's (nor librdkafka's, nor KafkaJS's), so producers of
 * one topic in other languages or with the default partitioner put the same key on a
 * different partition, and consumers see its records split and out of order. Use it only
 * when every producer of the topic uses this partitioner (or this exact jump hash over
 * Kafka's murmur2). The records already written still sit where they were: a moved key
 * has old records on its old partition, so consumers that need a key's full history must
 * drain the old partition first, as with any partition increase.
 *
 * @param options - `batchSize` (keyless sticky threshold), `random`
 * @returns a partitioner; call once per producer
 * @throws KafkaJSConfigurationError when `batchSize` is not a positive integer
 */
export function createConsistentHashPartitioner(options: ConsistentHashPartitionerOptions = {}): Partitioner {
  const sticky = new UniformStickyPartitioner(stickyBatchSize(options.batchSize), options.random ?? Math.random);
  return (args) => {
    const explicit = explicitPartition(args);
    if (explicit !== undefined) return explicit;
    if (hasKey(args.message)) return jumpConsistentHash(murmur2(args.message.key) >>> 0, partitionCount(args));
    return sticky.partition(args);
  };
}

/** The consistent-hash partitioner as a KafkaJS `createPartitioner`; see {@link createConsistentHashPartitioner}. */
export const ConsistentHashPartitioner: PartitionerFactory = () => createConsistentHashPartitioner();
