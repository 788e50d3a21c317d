/**
 * Java's StickyAssignor ("sticky", eager, KIP-54) and CooperativeStickyAssignor
 * ("cooperative-sticky", KIP-429): both compute the same balanced, sticky
 * target (see `stickyBalance`); they differ in what a member sends and in what
 * the leader hands out.
 *
 * - sticky: an eager member has revoked everything before it joins, so it
 *   tells the leader what it owned in `userData` (Java's StickyAssignor user
 *   data V1), and the leader hands out the target at once.
 * - cooperative-sticky: a member keeps consuming what it owns while it rejoins
 *   and sends those partitions as the subscription's ownedPartitions, with its
 *   generation (v2+) and, for Java clients that read only v1, the generation in
 *   `userData` as Java's CooperativeStickyAssignor writes it. A partition that
 *   moves to another member is not handed to its new owner in this rebalance:
 *   it is only left out of its old owner's assignment, the old owner revokes it
 *   and rejoins, and the follow-up rebalance gives it to the new owner. So no
 *   partition is ever owned by two members at once (Java's
 *   `CooperativeStickyAssignor.adjustAssignment`).
 *
 * A leader reads owned partitions from ownedPartitions (v1+) and, when that is
 * empty, from sticky `userData`, so members of Java, librdkafka and tskafka mix.
 */
import { type Logger } from '../../client/logger.js';
import { partitionKey, type TopicPartition } from '../subscription-state.js';
import { encodeSubscription, SUBSCRIPTION_VERSION } from './assigner-protocol.js';
import { type Assigner, type AssignerCluster, type AssignerGroupAssignment, type AssignerMember, type PartitionAssigner } from './assigner.js';
import { compareStrings, encodeGroupAssignment, partitionsPerTopic } from './group-assignment.js';
import { encodeCooperativeUserData, encodeStickyUserData, memberData, NO_GENERATION, type Ownership, settleOwnership } from './member-data.js';
import { stickyBalance } from './sticky-balance.js';

/** The target assignment and the settled ownership it started from. */
interface StickyPlan {
  readonly memberIds: string[];
  readonly target: Map<string, TopicPartition[]>;
  readonly ownership: Ownership;
}

/**
 * Decode the members, settle their claims, compute the balanced target.
 *
 * @throws ProtocolDecodeError when a member's metadata is not a ConsumerProtocolSubscription
 */
function plan(cluster: AssignerCluster, members: readonly AssignerMember[], topics: readonly string[], logger: Logger): StickyPlan {
  const data = members.map(memberData);
  const partitions = partitionsPerTopic(cluster, topics);
  const known = new Map([...partitions].map(([topic, ids]) => [topic, new Set(ids)]));
  const ownership = settleOwnership(data, (topic, partition) => known.get(topic)?.has(partition) === true);
  for (const key of ownership.contested) {
    logger.warn('Members of the same generation claim one partition; none keeps it', { partition: key.replace('\u0000', ':'), members: [...(ownership.claimants.get(key) ?? [])] });
  }
  const target = stickyBalance(data, partitions, ownership.owner);
  return { memberIds: data.map((d) => d.memberId).sort(compareStrings), target, ownership };
}

/**
 * Withhold every partition whose new owner is not its current one while some
 * other member still claims it (KIP-429): it is assigned in the follow-up
 * rebalance, once the previous owner has revoked it. A member that validly
 * keeps a partition keeps it even if a stale member also claims it.
 */
export function withholdTransfers(target: ReadonlyMap<string, readonly TopicPartition[]>, ownership: Ownership): Map<string, TopicPartition[]> {
  const result = new Map<string, TopicPartition[]>();
  for (const [memberId, tps] of target) {
    result.set(
      memberId,
      tps.filter(({ topic, partition }) => {
        const key = partitionKey(topic, partition);
        if (ownership.owner.get(key) === memberId) return true;
        const claimants = ownership.claimants.get(key);
        return claimants === undefined || (claimants.size === 1 && claimants.has(memberId));
      }),
    );
  }
  return result;
}

function subscriptionOf(
  subscription: { topics: string[]; ownedPartitions?: TopicPartition[]; generationId?: number; rackId?: string | null },
  userData: Buffer | null,
): Buffer {
  return encodeSubscription({
    topics: subscription.topics,
    userData,
    ownedPartitions: subscription.ownedPartitions ?? [],
    generationId: subscription.generationId ?? NO_GENERATION,
    rackId: subscription.rackId ?? null,
  });
}

/**
 * Java's StickyAssignor ('sticky'), eager. The group member should pass the
 * partitions it was last assigned as `ownedPartitions` even though an eager
 * member has revoked them before joining: that is what makes it sticky.
 */
export const sticky: PartitionAssigner = ({ cluster, logger }): Assigner => ({
  name: 'sticky',
  version: SUBSCRIPTION_VERSION,
  rebalanceProtocol: 'eager',

  async assign({ members, topics }): Promise<AssignerGroupAssignment[]> {
    const { memberIds, target } = plan(cluster, members, topics, logger);
    return encodeGroupAssignment(memberIds, target);
  },

  protocol(subscription) {
    // Java writes no user data until the member has had an assignment.
    const { ownedPartitions, generationId } = subscription;
    const known = ownedPartitions !== undefined || (generationId ?? NO_GENERATION) !== NO_GENERATION;
    const userData = known ? encodeStickyUserData(ownedPartitions ?? [], generationId ?? NO_GENERATION) : null;
    return { name: 'sticky', metadata: subscriptionOf(subscription, userData) };
  },
});

/** Java's CooperativeStickyAssignor ('cooperative-sticky'), incremental (KIP-429). */
export const cooperativeSticky: PartitionAssigner = ({ cluster, logger }): Assigner => ({
  name: 'cooperative-sticky',
  version: SUBSCRIPTION_VERSION,
  rebalanceProtocol: 'cooperative',

  async assign({ members, topics }): Promise<AssignerGroupAssignment[]> {
    const { memberIds, target, ownership } = plan(cluster, members, topics, logger);
    return encodeGroupAssignment(memberIds, withholdTransfers(target, ownership));
  },

  protocol(subscription) {
    const userData = encodeCooperativeUserData(subscription.generationId ?? NO_GENERATION);
    return { name: 'cooperative-sticky', metadata: subscriptionOf(subscription, userData) };
  },
});
