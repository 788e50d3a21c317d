/**
 * Inputs for assignor tests: a cluster answering partition metadata for a
 * fixed set of topics (all an assigner reads of KafkaJS's cluster), members
 * built from the assigners' own protocol() bytes, and decoded results.
 */
import { silentLogger } from '../../../src/client/logger.js';
import { decodeAssignment } from '../../../src/consumer/assignors/assigner-protocol.js';
import { type Assigner, type AssignerCluster, type AssignerGroupAssignment, type AssignerPartitionMetadata, type PartitionAssigner } from '../../../src/consumer/assignors/assigner.js';
import { partitionKey, type TopicPartition } from '../../../src/consumer/subscription-state.js';

/** A cluster whose topics have `partitions[topic]` partitions (ids 0..n-1, in the order given by `order`, default ascending). */
export function clusterOf(partitions: Record<string, number>, order: (ids: number[]) => number[] = (ids) => ids): AssignerCluster {
  return {
    findTopicPartitionMetadata(topic: string): AssignerPartitionMetadata[] {
      const n = partitions[topic];
      if (n === undefined) return [];
      return order(Array.from({ length: n }, (_, i) => i)).map((partitionId) => ({
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
        offlineReplicas: [],
        partitionErrorCode: 0,
      }));
    },
  };
}

/** An assigner built the way the consumer builds it. */
export function build(factory: PartitionAssigner, cluster: AssignerCluster): Assigner {
  return factory({ cluster, groupId: 'g', logger: silentLogger });
}

/** member id → its partitions, from encoded assignments (members left out are absent). */
export function decodeAll(assignments: readonly AssignerGroupAssignment[]): Map<string, TopicPartition[]> {
  return new Map(assignments.map((a) => [a.memberId, decodeAssignment(a.memberAssignment).assignedPartitions]));
}

/** Every partition key of `partitions` (topic → count). */
export function allKeys(partitions: Record<string, number>): string[] {
  return Object.entries(partitions).flatMap(([topic, n]) => Array.from({ length: n }, (_, i) => partitionKey(topic, i)));
}

/** `tp` as "topic:partition", for readable failures. */
export function show(tps: readonly TopicPartition[]): string[] {
  return tps.map((tp) => `${tp.topic}:${tp.partition}`);
}

/** A random integer in [0, n). */
export function pick(random: () => number, n: number): number {
  return Math.floor(random() * n);
}
