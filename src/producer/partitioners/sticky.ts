/**
 * Uniform sticky partitioning for records without a key (KIP-480, reworked by KIP-794):
 * keep sending a topic's keyless records to one partition until about `batch.size` bytes
 * have gone to it, then switch to another partition chosen at random among those with a
 * leader. Batches fill up instead of every partition getting a tiny batch per send, so
 * requests are fewer and latency lower, while over many switches each partition gets an
 * equal share.
 *
 * Follows Java's `BuiltInPartitioner` (`peekCurrentPartitionInfo`, `updatePartitionInfo`,
 * `nextPartition`), with three differences:
 * - the bytes counted are estimated from the message (see record-size.ts), since the
 *   partitioner runs before the record is appended;
 * - the next partition is never the current one when another has a leader, as KIP-480's
 *   `StickyPartitionCache` did (KIP-794's `nextPartition` may pick the same one again,
 *   which merely lengthens that partition's run);
 * - a sticky partition that has lost its leader, or left the metadata, is abandoned at
 *   once (Java keeps it until the batch is full; the adaptive logic of KIP-794,
 *   `partitioner.adaptive.partitioning.enable`, needs the accumulator's queue sizes).
 */
import { KafkaJSConfigurationError } from '../../errors/errors.js';
import { countAvailable, isAvailable, nthAvailable, partitionCount } from './topic-partitions.js';
import { estimateRecordSize } from './record-size.js';
import { type PartitionerArgs, type PartitionMetadata, type RandomSource } from './types.js';

interface StickyPartition {
  /** The current sticky partition, -1 before the first record. */
  partition: number;
  /** Estimated bytes sent to it since it was chosen. */
  producedBytes: number;
}

/** Java's `batch.size` default, the sticky switch threshold when none is given. */
export const DEFAULT_STICKY_BATCH_SIZE = 16384;

/**
 * The sticky threshold from a partitioner's `batchSize` option, checked as Java's
 * `BuiltInPartitioner` constructor checks it ("stickyBatchSize must be >= 1").
 *
 * @param batchSize - the option; undefined means {@link DEFAULT_STICKY_BATCH_SIZE}
 * @throws KafkaJSConfigurationError when it is not a positive integer
 */
export function stickyBatchSize(batchSize: number | undefined): number {
  const value = batchSize ?? DEFAULT_STICKY_BATCH_SIZE;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new KafkaJSConfigurationError({ option: 'batchSize', value, accepted: 'a positive integer number of bytes' });
  }
  return value;
}

/** A uniform integer in `[0, n)`, safe against a source that returns 1. */
export function randomIndex(random: RandomSource, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}

/**
 * The per-producer state of uniform sticky partitioning: one sticky partition per topic.
 * Used by every partitioner here that spreads keyless records the way Java does.
 */
export class UniformStickyPartitioner {
  readonly #batchSize: number;
  readonly #random: RandomSource;
  readonly #topics = new Map<string, StickyPartition>();

  /**
   * @param batchSize - bytes to send to one partition before switching (Java's `batch.size`),
   *   a positive integer, validated by the caller
   * @param random - the random source for choosing the next partition
   */
  constructor(batchSize: number, random: RandomSource) {
    this.#batchSize = batchSize;
    this.#random = random;
  }

  /**
   * The partition for a keyless record: the topic's sticky partition, switched first
   * when it has had `batchSize` bytes or is no longer usable. Counts the record's bytes.
   *
   * @param args - the partitioner's arguments
   * @returns a partition id of the topic
   */
  partition(args: PartitionerArgs): number {
    const { topic, partitionMetadata, message } = args;
    let sticky = this.#topics.get(topic);
    if (sticky === undefined) {
      sticky = { partition: -1, producedBytes: 0 };
      this.#topics.set(topic, sticky);
    }
    if (sticky.partition < 0 || sticky.producedBytes >= this.#batchSize || !isUsable(sticky.partition, partitionMetadata)) {
      sticky.partition = this.#nextPartition(sticky.partition, args);
      sticky.producedBytes = 0;
    }
    sticky.producedBytes += estimateRecordSize(message);
    return sticky.partition;
  }

  /** Java's `BuiltInPartitioner.nextPartition` without load stats, avoiding `current`. */
  #nextPartition(current: number, args: PartitionerArgs): number {
    const { partitionMetadata } = args;
    const available = countAvailable(partitionMetadata);
    if (available === 0) {
      // No partition has a leader: Java picks among all partitions and lets the
      // accumulator hold the records until one is elected.
      const any = partitionMetadata[randomIndex(this.#random, partitionCount(args))]!;
      return any.partitionId;
    }
    const currentAvailable = current >= 0 && isUsable(current, partitionMetadata);
    if (!currentAvailable || available === 1) {
      return nthAvailable(partitionMetadata, randomIndex(this.#random, available));
    }
    // Uniform among the other available partitions: skip `current` while counting.
    let target = randomIndex(this.#random, available - 1);
    for (const p of partitionMetadata) {
      if (!isAvailable(p) || p.partitionId === current) continue;
      if (target === 0) return p.partitionId;
      target--;
    }
    return current; // unreachable: `available - 1` other partitions exist
  }
}

/** Whether `partition` is in the metadata and has a leader (or no partition has one). */
function isUsable(partition: number, partitionMetadata: readonly PartitionMetadata[]): boolean {
  // Metadata is normally in partition-id order, which makes this a direct lookup.
  const direct = partitionMetadata[partition];
  const entry = direct?.partitionId === partition ? direct : partitionMetadata.find((p) => p.partitionId === partition);
  if (entry === undefined) return false;
  return isAvailable(entry) || countAvailable(partitionMetadata) === 0;
}
