/**
 * Java's `org.apache.kafka.clients.producer.RoundRobinPartitioner`: every record, keyed
 * or not, to the next partition in turn.
 */
import { toPositive } from '../../protocol/murmur2.js';
import { countAvailable, explicitPartition, nthAvailable, partitionCount } from './topic-partitions.js';
import { type Partitioner, type PartitionerFactory } from './types.js';

/**
 * Creates a round-robin partitioner: an explicit partition wins; otherwise a counter per
 * topic, starting at 0, picks `counter % available` among the partitions with a leader
 * (among all partitions when none has one), as Java's `RoundRobinPartitioner.partition`.
 * Each record advances the counter exactly once (Java's version skipped partitions when
 * the accumulator called it twice for a new batch, KAFKA-9965).
 *
 * Trades: keys are ignored, so records of one key scatter and lose their relative order;
 * one record per partition in turn makes the smallest batches. For the most even record
 * counts when keys do not matter.
 *
 * @returns a partitioner; call once per producer
 */
export function createRoundRobinPartitioner(): Partitioner {
  const counters = new Map<string, number>();
  return (args) => {
    const explicit = explicitPartition(args);
    if (explicit !== undefined) return explicit;
    const { topic, partitionMetadata } = args;
    const next = counters.get(topic) ?? 0;
    counters.set(topic, (next + 1) | 0); // wraps as Java's AtomicInteger
    const available = countAvailable(partitionMetadata);
    if (available > 0) return nthAvailable(partitionMetadata, toPositive(next) % available);
    return toPositive(next) % partitionCount(args);
  };
}

/** Java's `RoundRobinPartitioner` as a KafkaJS `createPartitioner`; see {@link createRoundRobinPartitioner}. */
export const RoundRobinPartitioner: PartitionerFactory = createRoundRobinPartitioner;
