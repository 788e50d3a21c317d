/**
 * The partition assigner interface, in KafkaJS's shapes so that an assigner
 * written for KafkaJS (`partitionAssigners: [MyAssigner]`) works unchanged:
 * a factory receives `{ cluster, groupId, logger }` and returns an object with
 * `name`, `version`, `protocol(subscription)` (the JoinGroup metadata this
 * member sends) and `assign(group)` (run by the group leader, returning one
 * encoded assignment per member for SyncGroup).
 *
 * tskafka adds two optional things KafkaJS has no notion of: the subscription
 * may carry `ownedPartitions`, `generationId` and `rackId` (what
 * ConsumerProtocolSubscription v1-v3 carries, KIP-429 / KIP-792 / KIP-881), and
 * an assigner may declare `rebalanceProtocol: 'cooperative'` (KIP-429).
 */
import { type Logger } from '../../client/logger.js';
import { type TopicPartition } from '../subscription-state.js';

/** One member as the leader sees it in the JoinGroup response (KafkaJS's `GroupMember`). */
export interface AssignerMember {
  memberId: string;
  /** The bytes the member's assigner `protocol()` produced. */
  memberMetadata: Buffer;
}

/** One member's encoded assignment, sent in SyncGroup (KafkaJS's `GroupMemberAssignment`). */
export interface AssignerGroupAssignment {
  memberId: string;
  memberAssignment: Buffer;
}

/** One partition's metadata, KafkaJS's `PartitionMetadata`. */
export interface AssignerPartitionMetadata {
  partitionId: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  partitionErrorCode: number;
}

/**
 * What KafkaJS passes assigners as `cluster`. Assigners only read partition
 * metadata; a topic the client knows nothing of yields `[]` (KafkaJS's behaviour).
 */
export interface AssignerCluster {
  findTopicPartitionMetadata(topic: string): AssignerPartitionMetadata[];
}

/** What a member subscribes with; everything but `topics` is tskafka's addition (ConsumerProtocolSubscription v1-v3). */
export interface AssignerSubscription {
  topics: string[];
  /** Partitions this member owns now (KIP-429: a cooperative member keeps them across the rebalance). */
  ownedPartitions?: TopicPartition[];
  /** The generation those partitions were assigned in; -1 when unknown (KIP-792). */
  generationId?: number;
  /** The member's rack (`client.rack`, KIP-881); null when none. */
  rackId?: string | null;
}

/** An assigner, KafkaJS's `Assigner` plus the optional rebalance protocol. */
export interface Assigner {
  /** The protocol name sent in JoinGroup; members agree on one name they all support. */
  name: string;
  /** The metadata version this assigner writes. */
  version: number;
  /** Run by the leader: `members` with their metadata, `topics` the union of every member's subscription. */
  assign(group: { members: AssignerMember[]; topics: string[] }): Promise<AssignerGroupAssignment[]>;
  /** The protocol entry of this member's JoinGroup request. */
  protocol(subscription: AssignerSubscription): { name: string; metadata: Buffer };
  /** tskafka: 'cooperative' when the assigner supports KIP-429; absent means eager (KafkaJS assigners). */
  rebalanceProtocol?: 'eager' | 'cooperative';
}

/** An assigner factory, KafkaJS's `PartitionAssigner`. */
export type PartitionAssigner = (config: { cluster: AssignerCluster; groupId: string; logger: Logger }) => Assigner;
