/**
 * Partitioners: which partition each record goes to. KafkaJS's shape throughout: a
 * factory (`createPartitioner`, called once per producer) returns
 * `({ topic, partitionMetadata, message }) => partitionId`, so KafkaJS's partitioners and
 * users' custom ones work here, and these work in KafkaJS.
 *
 * Every built-in one gives an explicit `message.partition` precedence, as Java's
 * `KafkaProducer.partition` does before consulting any partitioner, and throws when the
 * topic lacks it.
 *
 * | strategy | keyed records | keyless records |
 * | --- | --- | --- |
 * | Default (= JavaCompatible) | Java's murmur2 % n | uniform sticky (KIP-794) |
 * | Legacy | KafkaJS 1.x's murmur2 % n | round-robin |
 * | RoundRobin | ignored: next in turn | next in turn |
 * | Random | ignored: random | random |
 * | ConsistentHash | jump hash of murmur2 (moves few keys when n grows; not Java's placement) | uniform sticky |
 * | createHeaderPartitioner | hash within the header's range | random within the range |
 * | createTimeBasedPartitioner | ignored: time window % n | time window % n |
 */
import { ConsistentHashPartitioner } from './consistent-hash.js';
import { DefaultPartitioner } from './default.js';
import { LegacyPartitioner } from './legacy.js';
import { RandomPartitioner } from './random.js';
import { RoundRobinPartitioner } from './round-robin.js';
import { type PartitionerFactory } from './types.js';

export { type Partitioner, type PartitionerArgs, type PartitionerFactory, type PartitionerMessage, type PartitionMetadata, type RandomSource } from './types.js';
export { createDefaultPartitioner, DefaultPartitioner, type DefaultPartitionerOptions } from './default.js';
export { createLegacyPartitioner, LegacyPartitioner, legacyMurmur2, type LegacyPartitionerOptions } from './legacy.js';
export { createRoundRobinPartitioner, RoundRobinPartitioner } from './round-robin.js';
export { createRandomPartitioner, RandomPartitioner, type RandomPartitionerOptions } from './random.js';
export { ConsistentHashPartitioner, createConsistentHashPartitioner, jumpConsistentHash, type ConsistentHashPartitionerOptions } from './consistent-hash.js';
export { createHeaderPartitioner, type HeaderPartitionerOptions, type PartitionRange } from './header.js';
export { createTimeBasedPartitioner, DEFAULT_TIME_WINDOW_MS, type TimeBasedPartitionerOptions } from './time-based.js';
export { DEFAULT_STICKY_BATCH_SIZE } from './sticky.js';
export { estimateRecordSize } from './record-size.js';

/** The built-in partitioner factories, KafkaJS's `Partitioners` plus ours. */
export interface BuiltInPartitioners {
  /** Java-compatible: murmur2 for keys, uniform sticky (KIP-794) for keyless records. */
  readonly DefaultPartitioner: PartitionerFactory;
  /** KafkaJS 1.x's: its own murmur2 variant for keys, round-robin for keyless records. */
  readonly LegacyPartitioner: PartitionerFactory;
  /** KafkaJS 2's name for the Java-compatible one: the same factory as `DefaultPartitioner`. */
  readonly JavaCompatiblePartitioner: PartitionerFactory;
  /** Java's `RoundRobinPartitioner`: every record to the next partition in turn. */
  readonly RoundRobinPartitioner: PartitionerFactory;
  /** Every record to a random partition. */
  readonly RandomPartitioner: PartitionerFactory;
  /** Jump consistent hash for keys: few keys move when partitions are added; not Java's placement. */
  readonly ConsistentHashPartitioner: PartitionerFactory;
}

/**
 * The built-in partitioner factories, for the producer's `createPartitioner` option, as
 * KafkaJS's `Partitioners`: `kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })`.
 */
export const Partitioners: BuiltInPartitioners = Object.freeze({
  DefaultPartitioner,
  LegacyPartitioner,
  JavaCompatiblePartitioner: DefaultPartitioner,
  RoundRobinPartitioner,
  RandomPartitioner,
  ConsistentHashPartitioner,
});
