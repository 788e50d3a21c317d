/**
 * Partition assigners: KafkaJS's round-robin (byte-compatible with KafkaJS
 * members), and Java's range, sticky and cooperative-sticky (compatible with
 * Java and librdkafka members), plus KafkaJS's `AssignerProtocol` and the full
 * ConsumerProtocol codecs.
 */
import { cooperativeSticky, sticky } from './sticky.js';
import { range } from './range.js';
import { roundRobin } from './round-robin.js';
import { type PartitionAssigner } from './assigner.js';

export type {
  Assigner,
  AssignerCluster,
  AssignerGroupAssignment,
  AssignerMember,
  AssignerPartitionMetadata,
  AssignerSubscription,
  PartitionAssigner,
} from './assigner.js';
export {
  ASSIGNMENT_VERSION,
  type Assignment,
  AssignerProtocol,
  type DecodedAssignment,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type MemberAssignment,
  type MemberMetadata,
  type Serializer,
  SUBSCRIPTION_VERSION,
  type Subscription,
} from './assigner-protocol.js';

/** The built-in assigners; KafkaJS has only `roundRobin`. */
export const PartitionAssigners: {
  readonly roundRobin: PartitionAssigner;
  readonly range: PartitionAssigner;
  readonly sticky: PartitionAssigner;
  readonly cooperativeSticky: PartitionAssigner;
} = Object.freeze({ roundRobin, range, sticky, cooperativeSticky });
