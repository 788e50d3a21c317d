/**
 * Java's RangeAssigner (protocol name "range"), per topic independently: the
 * members subscribed to the topic, sorted by member id, each take a contiguous
 * range of its partitions (sorted by id); with n partitions and m members each
 * takes floor(n / m), and the first n % m members one more.
 *
 * E.g. topics t0 and t1 with 3 partitions each, members c0 and c1 subscribed to
 * both: c0 gets t0p0, t0p1, t1p0, t1p1 and c1 gets t0p2, t1p2 (the Javadoc's
 * example: range skews towards the first members when topics are many).
 *
 * Not ported: Java's rack-aware variant (KIP-881) and its ordering of static
 * members by group.instance.id, which KafkaJS's member shape does not carry.
 */
import { type TopicPartition } from '../subscription-state.js';
import { encodeSubscription, SUBSCRIPTION_VERSION } from './assigner-protocol.js';
import { type Assigner, type PartitionAssigner } from './assigner.js';
import { compareStrings, encodeGroupAssignment, partitionsPerTopic } from './group-assignment.js';
import { memberData } from './member-data.js';

const NAME = 'range';

/**
 * The range assignment itself, on plain data.
 *
 * @param subscriptions - member id → the topics it subscribes to
 * @param partitions - topic → its partition ids, ascending
 */
export function rangeAssign(subscriptions: ReadonlyMap<string, ReadonlySet<string>>, partitions: ReadonlyMap<string, readonly number[]>): Map<string, TopicPartition[]> {
  const result = new Map<string, TopicPartition[]>();
  for (const memberId of subscriptions.keys()) result.set(memberId, []);
  for (const [topic, ids] of partitions) {
    const members = [...subscriptions].filter(([, topics]) => topics.has(topic)).map(([memberId]) => memberId).sort(compareStrings);
    if (members.length === 0) continue;
    const per = Math.floor(ids.length / members.length);
    const extra = ids.length % members.length;
    members.forEach((memberId, i) => {
      const start = per * i + Math.min(i, extra);
      const length = per + (i < extra ? 1 : 0);
      const mine = result.get(memberId)!;
      for (const partition of ids.slice(start, start + length)) mine.push({ topic, partition });
    });
  }
  return result;
}

/** Java's RangeAssigner ('range'), eager. */
export const range: PartitionAssigner = ({ cluster }): Assigner => ({
  name: NAME,
  version: SUBSCRIPTION_VERSION,
  rebalanceProtocol: 'eager',

  async assign({ members, topics }) {
    const subscriptions = new Map(members.map((m) => [m.memberId, memberData(m).topics]));
    const assignment = rangeAssign(subscriptions, partitionsPerTopic(cluster, topics));
    return encodeGroupAssignment([...subscriptions.keys()].sort(compareStrings), assignment);
  },

  protocol({ topics, ownedPartitions, generationId, rackId }) {
    // Java's RangeAssigner sends no user data (null).
    return { name: NAME, metadata: encodeSubscription({ topics, userData: null, ownedPartitions: ownedPartitions ?? [], generationId: generationId ?? -1, rackId: rackId ?? null }) };
  },
});
