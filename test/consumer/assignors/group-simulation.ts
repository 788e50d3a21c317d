/**
 * A group whose members join, leave and rejoin over many rebalances, each
 * rebalance run through an assigner's real protocol() bytes and assign(), for
 * the sticky and cooperative-sticky invariants.
 */
import { type Assigner, type AssignerMember } from '../../../src/consumer/assignors/assigner.js';
import { partitionKey, type TopicPartition } from '../../../src/consumer/subscription-state.js';
import { decodeAll } from './assignor-fixtures.js';

/** One simulated member: what it subscribes to, owns, and the generation it owns it in. */
export interface SimMember {
  topics: string[];
  owned: TopicPartition[];
  generation: number;
}

/** A rebalance's outcome: who had what before, who got what. */
export interface Rebalance {
  before: Map<string, SimMember>;
  assigned: Map<string, TopicPartition[]>;
}

/**
 * Run one rebalance: every member subscribes with what it owns, the leader
 * assigns, every member then owns exactly its assignment (an eager member got
 * it all at once; a cooperative one revoked what is missing) at generation + 1.
 *
 * @param encode - the metadata a member sends (default: the assigner's protocol())
 */
export async function rebalance(
  assigner: Assigner,
  members: Map<string, SimMember>,
  generation: number,
  encode: (m: SimMember) => Buffer = (m) => assigner.protocol({ topics: m.topics, ownedPartitions: m.owned, generationId: m.generation }).metadata,
): Promise<Rebalance> {
  const before = new Map([...members].map(([id, m]) => [id, { ...m, owned: [...m.owned] }]));
  const joined: AssignerMember[] = [...members].map(([memberId, m]) => ({ memberId, memberMetadata: encode(m) }));
  const topics = [...new Set([...members.values()].flatMap((m) => m.topics))];
  const assigned = decodeAll(await assigner.assign({ members: joined, topics }));
  for (const [memberId, m] of members) {
    m.owned = assigned.get(memberId) ?? [];
    m.generation = generation;
  }
  return { before, assigned };
}

/** partition key → the members it is assigned to. */
export function owners(assigned: ReadonlyMap<string, readonly TopicPartition[]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [memberId, tps] of assigned) {
    for (const { topic, partition } of tps) {
      const key = partitionKey(topic, partition);
      out.set(key, [...(out.get(key) ?? []), memberId]);
    }
  }
  return out;
}

/** True when `tps` holds topic:partition. */
export function holds(tps: readonly TopicPartition[], { topic, partition }: TopicPartition): boolean {
  return tps.some((tp) => tp.topic === topic && tp.partition === partition);
}
