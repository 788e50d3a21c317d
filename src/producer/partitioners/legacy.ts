/**
 * KafkaJS 1.x's default partitioner, which KafkaJS 2 keeps as
 * `Partitioners.LegacyPartitioner`: for producers that must keep placing keys where
 * KafkaJS 1.x placed them (topics whose keyed data predates the switch to Java's hash).
 *
 * Its murmur2 is a port of Java's with JavaScript number arithmetic: `*` on 32-bit values
 * is a float64 product that loses low bits past 2^53, and the chunk loop runs
 * `length / 4` (not floored) times, reading past the end as zeros. So it hashes most keys
 * differently from Java. Reproduced here operation for operation, on purpose.
 */
import { toPositive } from '../../protocol/murmur2.js';
import { countAvailable, explicitPartition, hasKey, nthAvailable, partitionCount } from './topic-partitions.js';
import { type Partitioner, type PartitionerFactory, type RandomSource } from './types.js';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** `data[i] & 0xff` as JavaScript reads it: 0 past the end (KafkaJS 1.x reads past it). */
function byteAt(data: Buffer, i: number): number {
  return (data[i] ?? 0) & 0xff;
}

/**
 * KafkaJS 1.x's murmur2 (`kafkajs/src/producer/partitioners/legacy/murmur2.js`), bit for
 * bit, imprecise float products included. Not Java's: that is `murmur2` in protocol/murmur2.ts.
 *
 * @param key - a Buffer, or a string hashed as its UTF-8 bytes
 * @returns a signed 32-bit integer
 */
export function legacyMurmur2(key: Buffer | string): number {
  const data = typeof key === 'string' ? Buffer.from(key) : key;
  const length = data.length;

  let h = SEED ^ length;
  const length4 = length / 4; // not floored, as in KafkaJS 1.x
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = byteAt(data, i4) + (byteAt(data, i4 + 1) << 8) + (byteAt(data, i4 + 2) << 16) + (byteAt(data, i4 + 3) << 24);
    k *= M;
    k ^= k >>> R;
    k *= M;
    h *= M;
    h ^= k;
  }

  const tail = length & ~3;
  switch (length % 4) {
    case 3:
      h ^= byteAt(data, tail + 2) << 16;
    // falls through
    case 2:
      h ^= byteAt(data, tail + 1) << 8;
    // falls through
    case 1:
      h ^= byteAt(data, tail);
      h *= M;
  }

  h ^= h >>> 13;
  h *= M;
  h ^= h >>> 15;
  return h;
}

/** Options of {@link createLegacyPartitioner}. */
export interface LegacyPartitionerOptions {
  /**
   * Random source for the start of each topic's round-robin counter; default
   * `Math.random` (KafkaJS draws 32 random bits from `crypto`).
   */
  readonly random?: RandomSource | undefined;
}

/**
 * Creates KafkaJS 1.x's partitioner (`legacy/partitioner.js`): an explicit partition
 * wins; a keyed record goes to `toPositive(legacyMurmur2(key)) % numPartitions`; keyless
 * records go round-robin over the partitions with a leader, from a counter per topic
 * starting at a random 32-bit value (over all partitions when none has a leader).
 *
 * Same answers as KafkaJS's `Partitioners.LegacyPartitioner` for the same inputs, with
 * one departure: an explicit partition the topic lacks throws here (KafkaJS passes it
 * on and the send fails at the broker).
 *
 * Trades: key placement agrees with neither Java nor KafkaJS 2; one record per partition
 * in turn makes small batches. Use it only to stay compatible with KafkaJS 1.x data.
 *
 * @param options - `random`
 * @returns a partitioner; call once per producer
 */
export function createLegacyPartitioner(options: LegacyPartitionerOptions = {}): Partitioner {
  const random = options.random ?? Math.random;
  const counters = new Map<string, number>();
  return (args) => {
    const { topic, partitionMetadata, message } = args;
    // KafkaJS draws the counter's start on a topic's first record, whatever its kind.
    let counter = counters.get(topic) ?? Math.floor(random() * 0x1_0000_0000);
    counters.set(topic, counter);

    const explicit = explicitPartition(args);
    if (explicit !== undefined) return explicit;
    const numPartitions = partitionCount(args);
    if (hasKey(message)) return toPositive(legacyMurmur2(message.key)) % numPartitions;

    // The counter is a float that only grows; `toPositive` takes its low 31 bits, as KafkaJS.
    counters.set(topic, ++counter);
    const available = countAvailable(partitionMetadata);
    if (available > 0) return nthAvailable(partitionMetadata, toPositive(counter) % available);
    return toPositive(counter) % numPartitions;
  };
}

/** KafkaJS 1.x's default partitioner as a KafkaJS `createPartitioner`; see {@link createLegacyPartitioner}. */
export const LegacyPartitioner: PartitionerFactory = () => createLegacyPartitioner();
