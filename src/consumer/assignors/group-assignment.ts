/**
 * What the Java-style assignors (range, sticky, cooperative-sticky) share: the
 * partitions to hand out, read from the cluster's metadata, and the encoding of
 * the result, one ConsumerProtocolAssignment per member.
 */
import { type TopicPartition } from '../subscription-state.js';
import { encodeAssignment } from './assigner-protocol.js';
import { type AssignerCluster, type AssignerGroupAssignment } from './assigner.js';

/**
 * Partition ids per topic, ascending, for the topics KafkaJS passes the leader
 * (the union of the members' subscriptions). A topic without metadata (unknown,
 * not yet created) has no partitions to assign, as in Java's assignors.
 */
export function partitionsPerTopic(cluster: AssignerCluster, topics: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const topic of [...new Set(topics)].sort(compareStrings)) {
    const ids = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId);
    out.set(topic, [...new Set(ids)].sort((a, b) => a - b));
  }
  return out;
}

/** String order as Java's `String.compareTo` (UTF-16 code units), which member ids are sorted by. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Topic, then partition. */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition;
}

/**
 * One encoded assignment per member, every member included (an empty
 * assignment too, as Java's leader sends), partitions sorted by topic and id.
 */
export function encodeGroupAssignment(memberIds: readonly string[], assignment: ReadonlyMap<string, readonly TopicPartition[]>): AssignerGroupAssignment[] {
  return memberIds.map((memberId) => ({
    memberId,
    memberAssignment: encodeAssignment({ assignedPartitions: [...(assignment.get(memberId) ?? [])].sort(compareTopicPartitions) }),
  }));
}
