/**
 * The two phases of a classic rebalance and their deadlines, as Kafka's
 * GroupCoordinator drives them (its DelayedJoin, InitialDelayedJoin and
 * DelayedSync operations).
 *
 * Join phase (PreparingRebalance): ends as soon as every known member has
 * rejoined and no MEMBER_ID_REQUIRED answer is outstanding, or when the
 * longest rebalance timeout of the members passes; a brand-new group first
 * waits group.initial.rebalance.delay.ms (KIP-134), longer while members keep
 * arriving. At its end dynamic members that did not rejoin are dropped, the
 * generation goes up, a protocol is chosen and every parked JoinGroup is
 * answered (CompletingRebalance), or the group is Empty if nobody is left.
 *
 * Sync phase (CompletingRebalance): the leader's SyncGroup brings the
 * assignments; once stored, every parked SyncGroup is answered and the group
 * is Stable. Members that send no SyncGroup within the rebalance timeout are
 * dropped and the group rebalances again.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { EMPTY_BYTES } from '../../protocol/primitives/constants.js';
import { type BrokerConfig } from '../config.js';
import { type BrokerLogger } from '../logger.js';
import { type Group, GroupState } from './group.js';
import { type KeyedTimers } from './keyed-timers.js';
import { type JoinGroupResult, type Member, syncResult } from './member.js';

/** What the coordinator gives the rebalance protocol. */
export interface CoordinatorContext {
  readonly config: BrokerConfig;
  readonly logger: BrokerLogger;
  readonly timers: KeyedTimers;
  group(groupId: string): Group | undefined;
  /** The group, created Empty if absent. */
  getOrCreateGroup(groupId: string): Group;
  /** Persist the group with these assignments (Kafka's storeGroup); resolves with an error code. */
  storeGroup(group: Group, assignments: ReadonlyMap<string, Buffer>): Promise<number>;
}

/** Members' session timers, which membership.ts owns. */
export interface Sessions {
  /** Restart a member's session timeout. */
  touch(group: Group, member: Member): void;
  /** Stop a (removed) member's session timer. */
  stop(group: Group, memberId: string): void;
}

/** A successful JoinGroup answer for the group's current generation; only the leader's lists the members. */
export function joinResult(group: Group, memberId: string, withMembers: boolean): JoinGroupResult {
  return {
    errorCode: ErrorCode.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: group.leaderId ?? '',
    skipAssignment: false,
    memberId,
    members: withMembers ? group.currentMemberMetadata() : [],
  };
}

const joinKey = (g: Group): string => `join\u0000${g.groupId}`;
const initialJoinKey = (g: Group): string => `initial-join\u0000${g.groupId}`;
const syncKey = (g: Group): string => `sync\u0000${g.groupId}`;

export class Rebalance {
  constructor(
    readonly ctx: CoordinatorContext,
    readonly sessions: Sessions,
  ) {}

  /** Start a rebalance if the group's state allows one (Kafka's maybePrepareRebalance). */
  maybePrepare(group: Group, reason: string): void {
    if (group.canRebalance) this.prepare(group, reason);
  }

  /** Enter PreparingRebalance and start the join phase's clock. */
  prepare(group: Group, reason: string): void {
    // Members waiting for an assignment of the old generation must rejoin instead.
    if (group.is(GroupState.CompletingRebalance)) this.#resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.ctx.timers.clear(syncKey(group));
    const wasEmpty = group.is(GroupState.Empty);
    group.transitionTo(GroupState.PreparingRebalance, Date.now());
    this.ctx.logger.info(`preparing to rebalance group ${group.groupId} (generation ${group.generationId}): ${reason}`);
    if (wasEmpty) {
      // group.initial.rebalance.delay.ms (KIP-134): let more members of a new
      // group arrive before the first generation, to avoid a rebalance per member.
      const delay = this.ctx.config.groupInitialRebalanceDelayMs;
      this.#initialDelayedJoin(group, delay, Math.max(group.rebalanceTimeoutMs - delay, 0));
    } else if (!this.tryCompleteJoin(group)) {
      this.ctx.timers.set(joinKey(group), group.rebalanceTimeoutMs, () => this.#completeJoin(group));
    }
  }

  #initialDelayedJoin(group: Group, delayMs: number, remainingMs: number): void {
    this.ctx.timers.set(initialJoinKey(group), delayMs, () => {
      if (!group.is(GroupState.PreparingRebalance)) return;
      if (group.newMemberAdded && remainingMs !== 0) {
        group.newMemberAdded = false;
        const delay = Math.min(this.ctx.config.groupInitialRebalanceDelayMs, remainingMs);
        this.#initialDelayedJoin(group, delay, Math.max(remainingMs - delayMs, 0));
      } else {
        this.#completeJoin(group);
      }
    });
  }

  /** Complete the join phase now if every member is in (never during the initial delay). */
  tryCompleteJoin(group: Group): boolean {
    if (!group.is(GroupState.PreparingRebalance) || this.ctx.timers.has(initialJoinKey(group))) return false;
    if (!group.hasAllMembersJoined) return false;
    this.#completeJoin(group);
    return true;
  }

  /** Kafka's onCompleteJoin: drop who did not rejoin, next generation, answer every parked JoinGroup. */
  #completeJoin(group: Group): void {
    this.ctx.timers.clear(joinKey(group));
    this.ctx.timers.clear(initialJoinKey(group));
    if (!group.is(GroupState.PreparingRebalance)) return;
    const dropped = group.notYetRejoined().filter((m) => !m.isStatic);
    for (const m of dropped) {
      group.remove(m.memberId);
      this.sessions.stop(group, m.memberId);
    }
    if (dropped.length > 0) this.ctx.logger.info(`group ${group.groupId} removed members who did not rejoin in time: ${dropped.map((m) => m.memberId).join(', ')}`);
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Only static members that have not rejoined are left: wait again, and let
      // their session timeouts remove them if they are really gone.
      this.ctx.logger.warn(`group ${group.groupId} could not complete its rebalance: no member rejoined`);
      this.ctx.timers.set(joinKey(group), group.rebalanceTimeoutMs, () => this.#completeJoin(group));
      return;
    }
    group.initNextGeneration(Date.now());
    if (group.is(GroupState.Empty)) {
      this.ctx.logger.info(`group ${group.groupId} with generation ${group.generationId} is now empty`);
      void this.ctx.storeGroup(group, new Map());
      return;
    }
    this.ctx.logger.info(`stabilized group ${group.groupId} generation ${group.generationId} with ${group.size} member(s), protocol ${group.protocolName}`);
    for (const member of group.members.values()) {
      group.completeJoin(member, joinResult(group, member.memberId, group.isLeader(member.memberId)));
      this.sessions.touch(group, member);
      member.isNew = false;
      group.pendingSyncMembers.add(member.memberId);
    }
    // Members that never send SyncGroup are dropped after the rebalance timeout.
    const generation = group.generationId;
    this.ctx.timers.set(syncKey(group), group.rebalanceTimeoutMs, () => this.#onPendingSyncExpired(group, generation));
  }

  /** The leader's SyncGroup: store the assignment, then answer every parked SyncGroup and go Stable. */
  applyLeaderAssignment(group: Group, assignments: readonly { memberId: string; assignment: Buffer }[]): void {
    const assignment = new Map(assignments.map((a) => [a.memberId, a.assignment]));
    const missing = [...group.members.keys()].filter((id) => !assignment.has(id));
    for (const id of missing) assignment.set(id, EMPTY_BYTES);
    if (missing.length > 0) this.ctx.logger.warn(`group ${group.groupId}: the leader gave no assignment to ${missing.join(', ')}; they get an empty one`);
    const generation = group.generationId;
    void this.ctx.storeGroup(group, assignment).then((errorCode) => {
      // Another member may have joined while the group was being stored.
      if (!group.is(GroupState.CompletingRebalance) || group.generationId !== generation) return;
      if (errorCode !== ErrorCode.NONE) {
        this.#resetAndPropagateAssignmentError(group, errorCode);
        this.maybePrepare(group, 'the group assignment could not be stored');
        return;
      }
      for (const member of group.members.values()) member.assignment = assignment.get(member.memberId) ?? EMPTY_BYTES;
      group.transitionTo(GroupState.Stable, Date.now());
      for (const member of group.members.values()) {
        // Sessions restart once members have their assignment: any expiry that fell
        // while they waited for it was ignored and scheduled nothing.
        if (member.completeSync(syncResult(ErrorCode.NONE, member.assignment, group))) this.sessions.touch(group, member);
      }
    });
  }

  #resetAndPropagateAssignmentError(group: Group, errorCode: number): void {
    for (const member of group.members.values()) {
      member.assignment = EMPTY_BYTES;
      member.completeSync(syncResult(errorCode));
    }
  }

  /** A member has sent SyncGroup; the sync deadline goes once all have. */
  removePendingSyncMember(group: Group, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) this.ctx.timers.clear(syncKey(group));
  }

  #onPendingSyncExpired(group: Group, generation: number): void {
    if (generation !== group.generationId || !(group.is(GroupState.CompletingRebalance) || group.is(GroupState.Stable))) return;
    const late = [...group.pendingSyncMembers];
    if (late.length === 0) return;
    this.ctx.logger.info(`group ${group.groupId} removed members who did not send SyncGroup in time: ${late.join(', ')}`);
    for (const memberId of late) {
      group.remove(memberId)?.completeSync(syncResult(ErrorCode.UNKNOWN_MEMBER_ID));
      this.sessions.stop(group, memberId);
    }
    this.maybePrepare(group, `members ${late.join(', ')} did not send SyncGroup`);
  }

  /** Drop the group's join and sync deadlines (the group is being unloaded). */
  cancel(group: Group): void {
    this.ctx.timers.clear(joinKey(group));
    this.ctx.timers.clear(initialJoinKey(group));
    this.ctx.timers.clear(syncKey(group));
  }
}
