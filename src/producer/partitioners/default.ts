/**
 * The default partitioner: what Java's producer does without a `partitioner.class`
 * (`KafkaProducer.partition` + `BuiltInPartitioner`, Kafka 3.3+ / KIP-794), so records of
 * the same key land on the same partition whichever client, Java, librdkafka's
 * `murmur2_random` or KafkaJS 2, produced them.
 */
import { murmur2, toPositive } from '../../protocol/murmur2.js';
import { stickyBatchSize, UniformStickyPartitioner } from './sticky.js';
import { explicitPartition, hasKey, partitionCount } from './topic-partitions.js';
import { type Partitioner, type PartitionerFactory, type RandomSource } from './types.js';

/** Options of {@link createDefaultPartitioner}; the object is read, never kept or changed. */
export interface DefaultPartitionerOptions {
  /**
   * Bytes to send to one partition before keyless records switch to another: the
   * producer's `batchSize` (Java's `batch.size`). Default 16384.
   */
  readonly batchSize?: number | undefined;
  /**
   * Java's `partitioner.ignore.keys` (KIP-794): spread keyed records like keyless ones,
   * sticky and uniform, giving up key affinity (and per-key order) for even load.
   * Default false.
   */
  readonly ignoreKeys?: boolean | undefined;
  /** Random source for the sticky switches; default `Math.random`. */
  readonly random?: RandomSource | undefined;
}

/**
 * Creates a Java-compatible partitioner with its own sticky state:
 * 1. an explicit `message.partition` wins, after checking the topic has it;
 * 2. a keyed record goes to `toPositive(murmur2(key)) % numPartitions`, over all
 *    partitions, available or not, as Java's `BuiltInPartitioner.partitionForKey`: a key
 *    never moves because a leader is briefly missing (its records wait instead);
 * 3. a keyless record goes to the topic's sticky partition, switched after about
 *    `batchSize` bytes to a random other partition with a leader (KIP-794 uniform sticky).
 *
 * Trades: key placement is fixed by the partition count, so adding partitions moves most
 * keys (see `createConsistentHashPartitioner` for the alternative and its price).
 *
 * @param options - `batchSize` (the sticky threshold), `ignoreKeys`, `random`
 * @returns a partitioner; call once per producer
 * @throws KafkaJSConfigurationError when `batchSize` is not a positive integer
 */
export function createDefaultPartitioner(options: DefaultPartitionerOptions = {}): Partitioner {
  const ignoreKeys = options.ignoreKeys === true;
  const sticky = new UniformStickyPartitioner(stickyBatchSize(options.batchSize), options.random ?? Math.random);
  return (args) => {
    const explicit = explicitPartition(args);
    if (explicit !== undefined) return explicit;
    if (!ignoreKeys && hasKey(args.message)) {
      return toPositive(murmur2(args.message.key)) % partitionCount(args);
    }
    return sticky.partition(args);
  };
}

/**
 * The default partitioner as a KafkaJS `createPartitioner` (no arguments): Java-compatible
 * murmur2 for keys, uniform sticky with a 16384-byte threshold for keyless records. The
 * producer itself uses {@link createDefaultPartitioner} with its own `batchSize`.
 *
 * KafkaJS 2's `Partitioners.DefaultPartitioner` places keyed records identically but
 * spreads keyless ones round-robin, one record per partition in turn.
 */
export const DefaultPartitioner: PartitionerFactory = () => createDefaultPartitioner();
