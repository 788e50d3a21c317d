/**
 * Checks of the arguments of `seek`, `commitOffsets`, `pause` and `resume`,
 * with KafkaJS's messages (`kafkajs/src/consumer/index.js`).
 */
import { KafkaJSNonRetriableError } from '../errors/errors.js';

/** @throws KafkaJSNonRetriableError unless `topic` is a non-empty string */
export function checkTopic(topic: unknown): void {
  if (typeof topic !== 'string' || topic === '') throw new KafkaJSNonRetriableError(`Invalid topic ${String(topic)}`);
}

/** @throws KafkaJSNonRetriableError unless `partition` is a partition number */
export function checkPartition(partition: unknown): void {
  if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0) {
    throw new KafkaJSNonRetriableError(`Invalid partition, expected a number received ${String(partition)}`);
  }
}

/**
 * An offset as KafkaJS takes it (a decimal string, or a number), normalized to a decimal string.
 *
 * @param special - whether -1 (latest) and -2 (earliest) are accepted (seek)
 * @throws KafkaJSNonRetriableError for anything else, or a negative offset
 */
export function checkOffset(offset: unknown, special: boolean): string {
  const text = typeof offset === 'bigint' ? offset.toString() : typeof offset === 'number' ? String(offset) : offset;
  if (typeof text !== 'string' || !/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
    throw new KafkaJSNonRetriableError(`Invalid offset, expected a long received ${String(offset)}`);
  }
  const n = Number(text);
  if (n < 0 && !(special && (n === -1 || n === -2))) throw new KafkaJSNonRetriableError('Offset must not be a negative number');
  return String(n);
}

/** @throws KafkaJSNonRetriableError unless each entry is `{ topic, partitions?: number[] }` */
export function checkTopicPartitions(topicPartitions: unknown): void {
  if (!Array.isArray(topicPartitions)) throw new KafkaJSNonRetriableError(`Expected an array of { topic, partitions? }, received ${String(topicPartitions)}`);
  for (const tp of topicPartitions as { topic?: unknown; partitions?: unknown }[]) {
    if (!tp || typeof tp.topic !== 'string' || tp.topic === '') throw new KafkaJSNonRetriableError(`Invalid topic ${String(tp?.topic ?? tp)}`);
    if (tp.partitions !== undefined && (!Array.isArray(tp.partitions) || tp.partitions.some((p) => typeof p !== 'number' || Number.isNaN(p)))) {
      throw new KafkaJSNonRetriableError(`Array of valid partitions required to pause specific partitions instead of ${String(tp.partitions)}`);
    }
  }
}
