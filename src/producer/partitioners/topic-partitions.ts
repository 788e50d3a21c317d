/**
 * The steps every built-in partitioner shares: honour an explicit partition (checked
 * against the topic's partition count), count the partitions, and find the available
 * ones (those with a leader) without allocating a filtered array per record.
 */
import { KafkaJSNonRetriableError, KafkaJSStaleTopicMetadataAssignment, KafkaJSTopicMetadataNotLoaded } from '../../errors/errors.js';
import { type PartitionerArgs, type PartitionMetadata } from './types.js';

/**
 * The topic's partition count, `partitionMetadata.length` as in KafkaJS and Java's
 * `cluster.partitionsForTopic(topic).size()`.
 *
 * @param args - the partitioner's arguments
 * @returns the partition count, at least 1
 * @throws KafkaJSTopicMetadataNotLoaded (retriable) when the metadata lists no partition
 */
export function partitionCount({ topic, partitionMetadata }: PartitionerArgs): number {
  const count = partitionMetadata.length;
  if (count === 0) {
    throw new KafkaJSTopicMetadataNotLoaded(`Cannot choose a partition for topic "${topic}": its metadata lists no partitions`, { topic });
  }
  return count;
}

/**
 * The message's explicit partition, if it has one, checked as Java's `KafkaProducer` checks
 * it: a negative or fractional partition is a programmer error (Java's `ProducerRecord`
 * constructor rejects it), and one past the partition count is unknown to the metadata
 * (Java's `waitOnMetadata` refreshes metadata until `max.block.ms`, then fails), so that
 * error is retriable: a metadata refresh may reveal partitions added since.
 *
 * @param args - the partitioner's arguments
 * @returns the explicit partition, or undefined when the message has none (absent or null)
 * @throws KafkaJSNonRetriableError when the partition is not a non-negative integer
 * @throws KafkaJSStaleTopicMetadataAssignment (retriable) when it is not below the partition count
 */
export function explicitPartition(args: PartitionerArgs): number | undefined {
  const partition: unknown = args.message.partition;
  if (partition === undefined || partition === null) return undefined;
  const { topic } = args;
  if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0) {
    throw new KafkaJSNonRetriableError(`Invalid partition ${String(partition)} for topic "${topic}": a partition is a non-negative integer`);
  }
  const count = partitionCount(args);
  if (partition >= count) {
    throw new KafkaJSStaleTopicMetadataAssignment(
      `Invalid partition ${partition} for topic "${topic}": the topic has ${count} partition${count === 1 ? '' : 's'} (0-${count - 1})`,
      { topic, unknownPartitions: [partition] },
    );
  }
  return partition;
}

/** Whether the partition has a leader (Java's `availablePartitionsForTopic`: leader != null). */
export function isAvailable(partition: PartitionMetadata): boolean {
  return partition.leader >= 0;
}

/**
 * How many partitions have a leader.
 *
 * @param partitionMetadata - the topic's partitions
 */
export function countAvailable(partitionMetadata: readonly PartitionMetadata[]): number {
  let n = 0;
  for (const p of partitionMetadata) if (isAvailable(p)) n++;
  return n;
}

/**
 * The id of the `index`-th partition with a leader, in metadata order.
 *
 * @param partitionMetadata - the topic's partitions
 * @param index - in `[0, countAvailable(partitionMetadata))`
 * @returns the partition id, or -1 when there are not that many available partitions
 */
export function nthAvailable(partitionMetadata: readonly PartitionMetadata[], index: number): number {
  let seen = 0;
  for (const p of partitionMetadata) {
    if (!isAvailable(p)) continue;
    if (seen === index) return p.partitionId;
    seen++;
  }
  return -1;
}

/**
 * Whether the message has a key. Only absent, undefined and null mean "no key": an empty
 * key is hashed, as Java hashes an empty `byte[]` and KafkaJS an empty string.
 */
export function hasKey(message: PartitionerArgs['message']): message is PartitionerArgs['message'] & { key: Buffer | string } {
  return message.key !== undefined && message.key !== null;
}
