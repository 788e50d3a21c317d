/**
 * The sticky assignment (Java's AbstractStickyAssignor, KIP-54, and
 * KIP-341), on plain data: a balanced assignment that keeps as many of the
 * partitions members already own as balance allows.
 *
 * 1. Every member keeps the partitions it validly owns (see `settleOwnership`).
 * 2. Each partition nobody keeps goes to the eligible member (subscribed to its
 *    topic) with the fewest partitions; partitions with the fewest eligible
 *    members go first, as Java sorts them, so the constrained ones find room.
 * 3. While some partition could move from its member to an eligible member with
 *    at least two fewer partitions, it moves (Java's `isBalanced` criterion);
 *    partitions the giver did not own before move first, so owned ones move
 *    only when balance needs it.
 *
 * With identical subscriptions the result is exact: counts differ by at most
 * one, and a member that gives up an owned partition keeps only owned ones, at
 * least floor(partitions / members). With different subscriptions no partition
 * can move to an eligible member two or more behind (Java's guarantee too).
 */
import { partitionKey, type TopicPartition } from '../subscription-state.js';
import { compareStrings, compareTopicPartitions } from './group-assignment.js';

/** A member for the balancer: its id and the topics it may be given. */
export interface BalanceMember {
  readonly memberId: string;
  readonly topics: ReadonlySet<string>;
}

/**
 * @param members - the members of this generation
 * @param partitions - topic → partition ids (the partitions to assign)
 * @param owner - partitionKey → the member that keeps it (valid claims only)
 * @returns member id → its partitions (every member present)
 */
export function stickyBalance(
  members: readonly BalanceMember[],
  partitions: ReadonlyMap<string, readonly number[]>,
  owner: ReadonlyMap<string, string>,
): Map<string, TopicPartition[]> {
  const sortedMembers = [...members].sort((a, b) => compareStrings(a.memberId, b.memberId));
  const byId = new Map(sortedMembers.map((m) => [m.memberId, m]));
  const assigned = new Map<string, Map<string, TopicPartition>>(sortedMembers.map((m) => [m.memberId, new Map()]));
  const count = (memberId: string): number => assigned.get(memberId)!.size;

  // 1. Keep what is validly owned.
  const unassigned: { tp: TopicPartition; eligible: BalanceMember[] }[] = [];
  for (const [topic, ids] of partitions) {
    const eligible = sortedMembers.filter((m) => m.topics.has(topic));
    for (const partition of ids) {
      const tp = { topic, partition };
      const key = partitionKey(topic, partition);
      const keeper = owner.get(key);
      if (keeper !== undefined && byId.get(keeper)?.topics.has(topic) === true) assigned.get(keeper)!.set(key, tp);
      else if (eligible.length > 0) unassigned.push({ tp, eligible });
    }
  }

  // 2. The rest to the least loaded eligible member, most constrained partitions first.
  unassigned.sort((a, b) => a.eligible.length - b.eligible.length || compareTopicPartitions(a.tp, b.tp));
  for (const { tp, eligible } of unassigned) {
    let target = eligible[0]!;
    for (const m of eligible) if (count(m.memberId) < count(target.memberId)) target = m;
    assigned.get(target.memberId)!.set(partitionKey(tp.topic, tp.partition), tp);
  }

  // 3. Move from the most loaded to the least loaded until no move of one partition helps.
  for (;;) {
    const byLoad = [...sortedMembers].sort((a, b) => count(b.memberId) - count(a.memberId) || compareStrings(a.memberId, b.memberId));
    let moved = false;
    outer: for (const giver of byLoad) {
      for (let j = byLoad.length - 1; j >= 0; j--) {
        const taker = byLoad[j]!;
        if (count(giver.memberId) - count(taker.memberId) < 2) break;
        const key = pickPartitionToMove(assigned.get(giver.memberId)!, giver.memberId, taker, owner);
        if (key === undefined) continue;
        const tp = assigned.get(giver.memberId)!.get(key)!;
        assigned.get(giver.memberId)!.delete(key);
        assigned.get(taker.memberId)!.set(key, tp);
        moved = true;
        break outer;
      }
    }
    if (!moved) break;
  }

  const result = new Map<string, TopicPartition[]>();
  for (const [memberId, tps] of assigned) result.set(memberId, [...tps.values()].sort(compareTopicPartitions));
  return result;
}

/**
 * Which of `giver`'s partitions to hand to `taker`: one the taker may have,
 * preferring one the giver did not own before (moving it costs no
 * stickiness); ties broken by topic and partition.
 */
function pickPartitionToMove(
  mine: ReadonlyMap<string, TopicPartition>,
  giverId: string,
  taker: BalanceMember,
  owner: ReadonlyMap<string, string>,
): string | undefined {
  let best: { key: string; tp: TopicPartition; rank: number } | undefined;
  for (const [key, tp] of mine) {
    if (!taker.topics.has(tp.topic)) continue;
    const previous = owner.get(key);
    const rank = previous !== giverId ? 0 : 1;
    if (best === undefined || rank < best.rank || (rank === best.rank && compareTopicPartitions(tp, best.tp) < 0)) best = { key, tp, rank };
  }
  return best?.key;
}
