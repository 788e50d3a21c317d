/**
 * The leader's part of a rebalance, and the arithmetic of applying an
 * assignment: Java's `ConsumerCoordinator.onLeaderElected` and the
 * owned/assigned set differences of `onJoinComplete`.
 */
import { type Cluster } from '../../client/cluster.js';
import { type Logger } from '../../client/logger.js';
import { KafkaJSNonRetriableError } from '../../errors/errors.js';
import { type Assigner, type AssignerGroupAssignment } from '../assignors/assigner.js';
import { decodeSubscription } from '../assignors/assigner-protocol.js';
import { type TopicPartition, partitionKey } from '../subscription-state.js';
import { partitionCounts } from './group-metadata.js';

/** The leader's assignment, and what it saw of the group (for the metadata watch). */
export interface LeaderAssignment {
  readonly assignments: AssignerGroupAssignment[];
  /** Every topic some member subscribes to. */
  readonly groupTopics: string[];
  /** Their partition counts when the assignment was computed. */
  readonly partitionCounts: Map<string, number>;
}

/** The union of the topics in the members' subscriptions, sorted. Undecodable metadata counts as no topics. */
export function groupSubscribedTopics(members: readonly { memberId: string; metadata: Buffer }[], logger: Logger): string[] {
  const topics = new Set<string>();
  for (const m of members) {
    try {
      for (const t of decodeSubscription(m.metadata).topics) topics.add(t);
    } catch (e) {
      logger.warn('A member sent subscription metadata that cannot be decoded', { memberId: m.memberId, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return [...topics].sort();
}

/**
 * Run `assigner` for the group: refresh metadata for every topic any member
 * subscribes to (the assigner reads partitions from the cache), then
 * `assign({ members, topics })`. With `skipAssignment` (KIP-814: a static
 * leader rejoining a Stable group) nothing is assigned; the group's topics are
 * still tracked, as Java's leader does.
 */
export async function assignAsLeader(params: {
  readonly cluster: Cluster;
  readonly assigner: Assigner;
  readonly members: readonly { memberId: string; metadata: Buffer }[];
  readonly skipAssignment: boolean;
  readonly logger: Logger;
}): Promise<LeaderAssignment> {
  const { cluster, assigner, members, logger } = params;
  const groupTopics = groupSubscribedTopics(members, logger);
  if (groupTopics.length > 0) await cluster.refreshMetadata(groupTopics);
  const counts = partitionCounts(cluster, groupTopics);
  if (params.skipAssignment) return { assignments: [], groupTopics, partitionCounts: counts };
  const assignments = await assigner.assign({ members: members.map((m) => ({ memberId: m.memberId, memberMetadata: m.metadata })), topics: groupTopics });
  if (!Array.isArray(assignments)) {
    throw new KafkaJSNonRetriableError(`Assigner "${assigner.name}" returned ${typeof assignments} from assign(), not an array of { memberId, memberAssignment }`);
  }
  return { assignments, groupTopics, partitionCounts: counts };
}

/** `a` minus `b`. */
export function partitionsMinus(a: readonly TopicPartition[], b: readonly TopicPartition[]): TopicPartition[] {
  const drop = new Set(b.map((p) => partitionKey(p.topic, p.partition)));
  return a.filter((p) => !drop.has(partitionKey(p.topic, p.partition)));
}

/** Partitions as KafkaJS's `memberAssignment` payload: partition ids by topic, sorted. */
export function byTopic(partitions: readonly TopicPartition[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const p of partitions) (out[p.topic] ??= []).push(p.partition);
  for (const list of Object.values(out)) list.sort((x, y) => x - y);
  return out;
}

/** The topics of `assigned` that the member does not subscribe to (Java warns of them, KafkaJS emits received_unsubscribed_topics). */
export function unsubscribedTopics(assigned: readonly TopicPartition[], isSubscribed: (topic: string) => boolean): string[] {
  return [...new Set(assigned.map((p) => p.topic))].filter((t) => !isSubscribed(t)).sort();
}
