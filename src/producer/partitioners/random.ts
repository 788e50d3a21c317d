/**
 * A random partitioner, as Sarama's `NewRandomPartitioner` and librdkafka's `random`:
 * each record, keyed or not, to a partition drawn uniformly at random.
 */
import { randomIndex } from './sticky.js';
import { countAvailable, explicitPartition, nthAvailable, partitionCount } from './topic-partitions.js';
import { type Partitioner, type PartitionerFactory, type RandomSource } from './types.js';

/** Options of {@link createRandomPartitioner}. */
export interface RandomPartitionerOptions {
  /** Random source; default `Math.random`. */
  readonly random?: RandomSource | undefined;
}

/**
 * Creates a random partitioner: an explicit partition wins; otherwise a uniform choice
 * among the partitions with a leader (among all when none has one). Keeps no state.
 *
 * Trades: keys are ignored, so a key's records scatter and lose their relative order;
 * consecutive records rarely share a partition, so batches are small. Prefer the
 * default's sticky spreading for keyless throughput; use this for simplicity, or where
 * a stateless choice matters.
 *
 * @param options - `random`
 * @returns a partitioner
 */
export function createRandomPartitioner(options: RandomPartitionerOptions = {}): Partitioner {
  const random = options.random ?? Math.random;
  return (args) => {
    const explicit = explicitPartition(args);
    if (explicit !== undefined) return explicit;
    const { partitionMetadata } = args;
    const available = countAvailable(partitionMetadata);
    if (available > 0) return nthAvailable(partitionMetadata, randomIndex(random, available));
    return partitionMetadata[randomIndex(random, partitionCount(args))]!.partitionId;
  };
}

/** A random partitioner as a KafkaJS `createPartitioner`; see {@link createRandomPartitioner}. */
export const RandomPartitioner: PartitionerFactory = () => createRandomPartitioner();
