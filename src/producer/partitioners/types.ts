/**
 * The partitioner contract, KafkaJS's shape: a factory (`createPartitioner`) called once
 * per producer returns a function called once per message with the topic's partition
 * metadata, answering the partition id. State (sticky partition, round-robin counters)
 * lives in the closure, so each producer gets its own.
 */

/** One partition of the topic as the metadata describes it (KafkaJS's `PartitionMetadata`). */
export interface PartitionMetadata {
  /** The partition id, 0-based. */
  partitionId: number;
  /** The leader's node id; negative (-1) when the partition has no leader, i.e. is unavailable. */
  leader: number;
  /** Node ids of every replica. */
  replicas?: number[];
  /** Node ids of the in-sync replicas. */
  isr?: number[];
  /** Node ids of replicas that are offline. */
  offlineReplicas?: number[];
}

/** The message as the partitioner sees it: serialized key and value, KafkaJS-style headers. */
export interface PartitionerMessage {
  /** Absent, undefined and null all mean "no key"; an empty key is a key (hashed, as in Java). */
  key?: Buffer | string | null;
  /** null is a tombstone. */
  value: Buffer | string | null;
  /** An explicit partition: when set, every built-in partitioner answers it (after checking it exists). */
  partition?: number;
  /** KafkaJS headers: values are strings, Buffers, arrays of those, or undefined. */
  headers?: Record<string, unknown>;
  /** Milliseconds since the epoch, as a number or a decimal string (KafkaJS sends strings). */
  timestamp?: string | number;
}

/** What a partitioner is called with (KafkaJS's `PartitionerArgs`). */
export interface PartitionerArgs {
  /** The topic the message goes to. */
  topic: string;
  /** Every partition of the topic, in partition-id order, available or not. */
  partitionMetadata: PartitionMetadata[];
  /** The message. */
  message: PartitionerMessage;
}

/** Picks the partition for one message. */
export type Partitioner = (args: PartitionerArgs) => number;

/** KafkaJS's `createPartitioner`: called once per producer, with no arguments. */
export type PartitionerFactory = () => Partitioner;

/**
 * A source of uniform random numbers in `[0, 1)`, as `Math.random`. Factories that use
 * randomness accept one so that tests (and simulations) can make them deterministic.
 */
export type RandomSource = () => number;
