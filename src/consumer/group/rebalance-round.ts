/**
 * One rebalance round of the classic protocol, from the member's side:
 * prepare (Java's `onJoinPrepare`: revoke or lose what must go first),
 * JoinGroup, the leader's assignment, SyncGroup, and applying the assignment
 * (Java's `onJoinComplete`). The member (group-member.ts) runs rounds in a
 * loop until it is Stable with nothing more to do; a round returns 'rejoin'
 * when the protocol says to go again at once, and throws for everything else.
 */
import { type Logger } from '../../client/logger.js';
import { KafkaJSNonRetriableError } from '../../errors/errors.js';
import { createErrorFromCode } from '../../errors/protocol-errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { decodeAssignment } from '../assignors/assigner-protocol.js';
import { type TopicPartition } from '../subscription-state.js';
import { withCoordinator } from './coordinator-calls.js';
import { partitionCounts, resolveSubscribedTopics } from './group-metadata.js';
import { type JoinGroupAnswer, joinGroup, syncGroup } from './group-requests.js';
import { type GroupMemberOptions } from './group-member-options.js';
import { assignAsLeader, byTopic, partitionsMinus, unsubscribedTopics } from './leader-assignment.js';
import { MemberState } from './member-state.js';
import { type WatchedAssignment } from './metadata-watch.js';

/** What a round reads and changes of its member. */
export interface RebalanceRound {
  readonly options: GroupMemberOptions;
  readonly logger: Logger;
  readonly cooperative: boolean;
  /** Throws when the member left (or failed) since the round began. */
  checkEpoch(): void;
  get(): { state: MemberState; memberId: string; generationId: number; generationLost: boolean; rejoinReason: string | null };
  /** The pending rejoin reason, cleared: a request after this needs another round. */
  takeRejoinReason(): string | null;
  setState(to: MemberState): void;
  setMemberId(memberId: string): void;
  joined(answer: JoinGroupAnswer): void;
  /** The generation is gone (owned partitions are lost at the next prepare); a new member id when `resetMemberId`. */
  loseGeneration(resetMemberId: boolean): void;
  lostHandled(): void;
  requestRejoin(reason: string): void;
  /** A JoinGroup answered after leave(): the member id it gave must leave too. */
  leaveAbandoned(memberId: string): void;
}

const COORDINATOR_MOVED: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE]);

/** Call a hook; its failure is logged, and the rebalance goes on (Java completes the rebalance whatever a listener throws). */
async function callHook(r: RebalanceRound, hook: 'revoke' | 'assign' | 'lost', partitions: TopicPartition[]): Promise<void> {
  try {
    await r.options.hooks[hook](partitions);
  } catch (e) {
    r.logger.error(`The ${hook} rebalance hook failed`, { groupId: r.options.groupId, partitions: partitions.length, error: e instanceof Error ? e.message : String(e) });
  }
}

/** Java's onJoinPrepare: lost partitions go to hooks.lost; eager revokes all; cooperative revokes only unsubscribed topics' partitions. */
async function prepare(r: RebalanceRound): Promise<void> {
  const { subscriptions } = r.options;
  const owned = subscriptions.assignment();
  if (r.get().generationLost) {
    if (owned.length > 0) {
      await callHook(r, 'lost', owned);
      subscriptions.removePartitions(owned);
    }
    r.lostHandled();
    return;
  }
  const revoked = r.cooperative ? owned.filter((p) => !subscriptions.isSubscribed(p.topic)) : owned;
  if (revoked.length === 0) return;
  await callHook(r, 'revoke', revoked);
  subscriptions.removePartitions(revoked);
}

/** After a JoinGroup or SyncGroup error: 'rejoin' for the protocol's own steps, else the error to throw. */
function joinError(r: RebalanceRound, code: number, api: string, memberId: string): 'rejoin' | Error {
  const { groupId } = r.options;
  switch (code) {
    case ErrorCode.MEMBER_ID_REQUIRED: // KIP-394: join again with the id the coordinator gave
      r.setMemberId(memberId);
      break;
    case ErrorCode.UNKNOWN_MEMBER_ID:
      r.loseGeneration(true);
      break;
    case ErrorCode.ILLEGAL_GENERATION:
      r.loseGeneration(false);
      break;
    case ErrorCode.REBALANCE_IN_PROGRESS:
      break;
    default:
      if (COORDINATOR_MOVED.has(code)) r.options.cluster.invalidateCoordinator(groupId);
      return createErrorFromCode(code, `${api} of group "${groupId}"`);
  }
  r.setState(MemberState.UNJOINED);
  return 'rejoin';
}

/** One round; see the file's comment. */
export async function runRebalanceRound(r: RebalanceRound): Promise<'rejoin' | WatchedAssignment> {
  const o = r.options;
  const { cluster, groupId, subscriptions } = o;
  const started = Date.now();
  const before = r.get();
  // A rebalance of a group this member was in (not its first join): KafkaJS's REBALANCING.
  if (before.generationId >= 0 || before.generationLost) o.instrument?.('rebalancing', { groupId, memberId: before.memberId });

  const topics = await resolveSubscribedTopics(cluster, subscriptions);
  if (topics.length > 0) await cluster.refreshMetadataIfNeeded(topics);
  r.checkEpoch();
  await prepare(r);
  r.checkEpoch();

  const reason = r.takeRejoinReason();
  const { memberId, generationId } = r.get();
  const protocols = o.assigners.map((a) => a.protocol({ topics, ownedPartitions: subscriptions.assignment(), generationId, rackId: o.rackId ?? null }));
  r.setState(MemberState.PREPARING_REBALANCE);
  const join = await withCoordinator(cluster, groupId, (c) =>
    joinGroup(c, {
      groupId,
      memberId,
      groupInstanceId: o.groupInstanceId,
      sessionTimeout: o.sessionTimeout,
      rebalanceTimeout: o.rebalanceTimeout,
      protocols,
      reason: reason ?? 'joining the group',
    }),
  );
  try {
    r.checkEpoch();
  } catch (e) {
    if (join.errorCode === ErrorCode.NONE) r.leaveAbandoned(join.memberId);
    throw e;
  }
  if (join.errorCode !== ErrorCode.NONE) {
    const outcome = joinError(r, join.errorCode, 'JoinGroup', join.memberId);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  r.joined(join);
  r.setState(MemberState.COMPLETING_REBALANCE);
  const isLeader = join.leader === join.memberId;
  let assignments: { memberId: string; assignment: Buffer }[] = [];
  let groupTopics = topics;
  let counts = partitionCounts(cluster, topics);
  if (isLeader) {
    const assigner = o.assigners.find((a) => a.name === join.protocolName);
    if (!assigner) throw new KafkaJSNonRetriableError(`Group "${groupId}" chose the protocol "${join.protocolName}", which no configured assigner provides`);
    // Copied: decoded bytes are views into the response's socket chunk, and assigners may keep them.
    const members = join.members.map((m) => ({ memberId: m.memberId, metadata: Buffer.from(m.metadata) }));
    const result = await assignAsLeader({ cluster, assigner, members, skipAssignment: join.skipAssignment, logger: r.logger });
    r.checkEpoch();
    assignments = result.assignments.map((a) => ({ memberId: a.memberId, assignment: a.memberAssignment }));
    groupTopics = result.groupTopics;
    counts = result.partitionCounts;
  }
  const sync = await withCoordinator(cluster, groupId, (c) =>
    syncGroup(
      c,
      { groupId, generationId: join.generationId, memberId: join.memberId, groupInstanceId: o.groupInstanceId, protocolName: join.protocolName ?? '', assignments },
      o.rebalanceTimeout,
    ),
  );
  r.checkEpoch();
  const now = r.get();
  // A heartbeat lost the generation while SyncGroup was in flight: that round is over.
  if (now.state !== MemberState.COMPLETING_REBALANCE || now.generationId !== join.generationId) return 'rejoin';
  if (sync.errorCode !== ErrorCode.NONE) {
    const outcome = joinError(r, sync.errorCode, 'SyncGroup', join.memberId);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }
  let received: TopicPartition[];
  try {
    received = decodeAssignment(sync.assignment).assignedPartitions;
  } catch (e) {
    throw new KafkaJSNonRetriableError(`The assignment of group "${groupId}" cannot be decoded: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  r.setState(MemberState.STABLE);

  // KafkaJS drops assigned topics the member does not subscribe to (Java warns and keeps them).
  const notSubscribed = unsubscribedTopics(received, (t) => subscriptions.isSubscribed(t));
  const assigned = notSubscribed.length === 0 ? received : received.filter((p) => !notSubscribed.includes(p.topic));
  if (notSubscribed.length > 0) {
    const assignedTopics = [...new Set(received.map((p) => p.topic))].sort();
    r.logger.warn('Assigned topics this member does not subscribe to; they are ignored', { groupId, topicsNotSubscribed: notSubscribed });
    o.instrument?.('received_unsubscribed_topics', {
      groupId,
      generationId: join.generationId,
      memberId: join.memberId,
      assignedTopics,
      topicsSubscribed: topics,
      topicsNotSubscribed: notSubscribed,
    });
  }

  if (r.cooperative) {
    // KIP-429: give back only what moved; if anything did, rejoin so it can be handed out.
    const owned = subscriptions.assignment();
    const revoked = partitionsMinus(owned, assigned);
    const added = partitionsMinus(assigned, owned);
    if (revoked.length > 0) {
      await callHook(r, 'revoke', revoked);
      subscriptions.removePartitions(revoked);
    }
    if (added.length > 0) subscriptions.addPartitions(added);
    await callHook(r, 'assign', added);
    if (revoked.length > 0) r.requestRejoin(`${revoked.length} partitions were revoked (cooperative rebalance, KIP-429)`);
  } else {
    subscriptions.assign(assigned);
    await callHook(r, 'assign', assigned);
  }

  o.instrument?.('group_join', {
    duration: Date.now() - started,
    groupId,
    isLeader,
    leaderId: join.leader,
    groupProtocol: join.protocolName,
    memberId: join.memberId,
    memberAssignment: byTopic(subscriptions.assignment()),
  });
  r.logger.info('Joined the group', { groupId, memberId: join.memberId, generationId: join.generationId, isLeader, protocol: join.protocolName, partitions: assigned.length });
  return { joinedTopics: topics, groupTopics, partitionCounts: counts };
}
