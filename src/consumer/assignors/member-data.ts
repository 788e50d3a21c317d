/**
 * What a leader needs to know of each member to assign stickily: the topics
 * it subscribes to, the partitions it owns and the generation they are from,
 * read from whichever place the member's client put them.
 *
 * - ConsumerProtocolSubscription v1+ carries owned partitions, v2+ the
 *   generation (KIP-429, KIP-792): Java 3.x, librdkafka 2.x and tskafka write these.
 * - Java's eager StickyAssignor (and librdkafka's sticky assignors) put the
 *   previous assignment and generation in `userData` instead ("StickyAssignor
 *   user data" V1: `[topic [partition]] generation`; V0 lacks the generation),
 *   because an eager member revokes everything before it joins.
 * - Java's CooperativeStickyAssignor before subscription v2 put only the
 *   generation in `userData`, as a 4-byte int32.
 */
import { Reader } from '../../protocol/primitives/reader.js';
import { Writer } from '../../protocol/primitives/writer.js';
import { partitionKey, type TopicPartition } from '../subscription-state.js';
import { decodeSubscription, groupByTopic } from './assigner-protocol.js';
import { type AssignerMember } from './assigner.js';

/** No generation known (Java's `DEFAULT_GENERATION`). */
export const NO_GENERATION = -1;

/** One member as a sticky leader sees it. */
export interface MemberData {
  readonly memberId: string;
  readonly topics: ReadonlySet<string>;
  /** What the member says it owns; not yet checked against the other members' claims. */
  readonly owned: readonly TopicPartition[];
  readonly generation: number;
  readonly rackId: string | null;
}

/** Java StickyAssignor user data V1: the member's previous assignment and its generation. */
export function encodeStickyUserData(owned: readonly TopicPartition[], generation: number): Buffer {
  const w = new Writer(64);
  const groups = groupByTopic(owned);
  w.int32(groups.length);
  for (const { topic, partitions } of groups) {
    w.string(topic);
    w.int32(partitions.length);
    for (const p of partitions) w.int32(p);
  }
  w.int32(generation);
  return w.toBuffer();
}

/** Java CooperativeStickyAssignor user data: the generation alone. */
export function encodeCooperativeUserData(generation: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(generation);
  return b;
}

/**
 * Java StickyAssignor user data, V1 or V0 (no generation: NO_GENERATION); null
 * when the bytes are something else, which Java treats as "owns nothing".
 */
export function decodeStickyUserData(userData: Buffer): { owned: TopicPartition[]; generation: number } | null {
  const r = new Reader(userData);
  try {
    const owned: TopicPartition[] = [];
    const topics = r.arrayLength();
    for (let i = 0; i < topics; i++) {
      const topic = r.string();
      const n = r.arrayLength();
      for (let j = 0; j < n; j++) owned.push({ topic, partition: r.int32() });
    }
    const generation = r.remaining >= 4 ? r.int32() : NO_GENERATION;
    return r.remaining === 0 ? { owned, generation } : null;
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}

/**
 * Decode a member's subscription and find its owned partitions and generation.
 *
 * @throws ProtocolDecodeError when the metadata is not a ConsumerProtocolSubscription
 *   (Java's leader fails the assignment too)
 */
export function memberData({ memberId, memberMetadata }: AssignerMember): MemberData {
  const s = decodeSubscription(memberMetadata);
  let owned = s.ownedPartitions;
  let generation = s.version >= 2 ? s.generationId : NO_GENERATION;
  const userData = s.userData;
  if (userData !== null && userData.length > 0) {
    if (userData.length === 4) {
      // Java CooperativeStickyAssignor before v2 (an empty V0 sticky list is also 4 bytes and means the same: nothing owned).
      if (s.version < 2) generation = userData.readInt32BE(0);
    } else {
      const sticky = decodeStickyUserData(userData);
      if (sticky !== null) {
        if (owned.length === 0) owned = sticky.owned;
        if (s.version < 2) generation = sticky.generation;
      }
    }
  }
  return { memberId, topics: new Set(s.topics), owned, generation, rackId: s.rackId };
}

/** Who owns what after conflicting claims are settled. */
export interface Ownership {
  /** partitionKey → the member that keeps it. */
  readonly owner: ReadonlyMap<string, string>;
  /** partitionKey → every member that claims it, valid claim or not (they may still be consuming it). */
  readonly claimants: ReadonlyMap<string, ReadonlySet<string>>;
  /** Partitions that two members of the highest generation claim: nobody keeps them. */
  readonly contested: ReadonlySet<string>;
}

/**
 * Settle the members' claims, as Java's AbstractStickyAssignor and librdkafka
 * do: a claim counts only for a partition that exists in a topic the member
 * still subscribes to; of several members claiming one partition the highest
 * generation wins (the others hold a stale assignment); when two of the highest
 * generation claim it, neither keeps it (Java logs "Found multiple consumers ...
 * claiming the same TopicPartition ... in the same generation").
 */
export function settleOwnership(members: readonly MemberData[], exists: (topic: string, partition: number) => boolean): Ownership {
  const claimants = new Map<string, Set<string>>();
  const best = new Map<string, { memberId: string; generation: number; tied: boolean }>();
  for (const m of members) {
    for (const { topic, partition } of m.owned) {
      const key = partitionKey(topic, partition);
      let set = claimants.get(key);
      if (set === undefined) claimants.set(key, (set = new Set()));
      if (set.has(m.memberId)) continue;
      set.add(m.memberId);
      if (!m.topics.has(topic) || !exists(topic, partition)) continue;
      const current = best.get(key);
      if (current === undefined || m.generation > current.generation) best.set(key, { memberId: m.memberId, generation: m.generation, tied: false });
      else if (m.generation === current.generation) current.tied = true;
    }
  }
  const owner = new Map<string, string>();
  const contested = new Set<string>();
  for (const [key, b] of best) {
    if (b.tied) contested.add(key);
    else owner.set(key, b.memberId);
  }
  return { owner, claimants, contested };
}
