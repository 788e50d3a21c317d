/**
 * Group membership in the classic protocol, as Kafka's GroupCoordinator runs
 * it: JoinGroup, SyncGroup, Heartbeat and LeaveGroup requests, members joining
 * (KIP-394 member ids, KIP-345 static members), leaving and failing (session
 * timeouts). The rebalance phases and their deadlines are in rebalance.ts.
 *
 * A rebalance: the first JoinGroup of an Empty group moves it to
 * PreparingRebalance; every member must rejoin (it learns of the rebalance
 * from a REBALANCE_IN_PROGRESS heartbeat). The join phase ends when all known
 * members have rejoined or the longest rebalance timeout passes (members that
 * did not rejoin are dropped); then the generation goes up, a protocol every
 * member supports is chosen, and every parked JoinGroup is answered, the
 * leader's with the member list. The leader's SyncGroup brings the assignments,
 * which answer the parked SyncGroups of the followers, and the group is Stable.
 * JoinGroup and SyncGroup answers are promises that resolve when their phase
 * completes: Kafka parks those requests in a purgatory the same way.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/error-codes.js';
import { type Group, GroupState } from './group.js';
import { type JoinGroupResult, Member, type MemberProtocol, type SyncGroupResult, joinError, syncResult } from './member.js';
import { type CoordinatorContext, Rebalance, joinResult } from './rebalance.js';

/**
 * How long a new member's first JoinGroup may stay parked before the member is
 * dropped (Kafka's NewMemberJoinTimeoutMs): its session timeout cannot apply,
 * as it has no member id to heartbeat with yet.
 */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

/** A JoinGroup as the coordinator needs it. */
export interface JoinGroupParams {
  readonly groupId: string;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly MemberProtocol[];
  /** JoinGroup v4+: a dynamic member without an id is first sent one with MEMBER_ID_REQUIRED (KIP-394). */
  readonly requireKnownMemberId: boolean;
  /** JoinGroup v9+: a static leader rejoining a Stable group is told to skip the assignment (KIP-814). */
  readonly supportSkippingAssignment: boolean;
  readonly reason: string | null;
}

/** A SyncGroup as the coordinator needs it. */
export interface SyncGroupParams {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** SyncGroup v5+: checked against the group's when not null. */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignments: readonly { memberId: string; assignment: Buffer }[];
}

/** One member a LeaveGroup names (v3+ may name several, by member id or group.instance.id). */
export interface LeavingMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly reason: string | null;
}

const heartbeatKey = (g: Group, memberId: string): string => `heartbeat\u0000${g.groupId}\u0000${memberId}`;

export class GroupMembership {
  readonly #rebalance: Rebalance;

  constructor(readonly ctx: CoordinatorContext) {
    this.#rebalance = new Rebalance(ctx, {
      touch: (group, member) => this.heartbeatReceived(group, member),
      stop: (group, memberId) => this.ctx.timers.clear(heartbeatKey(group, memberId)),
    });
  }

  /** JoinGroup: resolves when this member's join phase completes (or at once with an error). */
  joinGroup(p: JoinGroupParams): Promise<JoinGroupResult> {
    return new Promise((respond) => {
      const fail = (errorCode: number): void => respond(joinError(errorCode, p.memberId));
      if (p.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
      const { groupMinSessionTimeoutMs: min, groupMaxSessionTimeoutMs: max } = this.ctx.config;
      if (p.sessionTimeoutMs < min || p.sessionTimeoutMs > max) return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
      const isUnknownMember = p.memberId === '';
      let group = this.ctx.group(p.groupId);
      if (!group) {
        if (!isUnknownMember) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
        // Refused before the group exists, so a bad offer leaves no empty group behind
        // (the answer is the one an Empty group would give).
        if (p.protocolType === '' || p.protocols.length === 0) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        group = this.ctx.getOrCreateGroup(p.groupId);
      }
      if (group.is(GroupState.Dead)) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      if (!group.supportsProtocols(p.protocolType, p.protocols)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
      if (isUnknownMember) this.#newMemberJoin(group, p, respond);
      else this.#currentMemberJoin(group, p, respond);
      if (group.is(GroupState.PreparingRebalance)) this.#rebalance.tryCompleteJoin(group);
    });
  }

  /** SyncGroup: the leader's brings the assignments; followers' resolve when those arrive. */
  syncGroup(p: SyncGroupParams): Promise<SyncGroupResult> {
    return new Promise((respond) => {
      const fail = (errorCode: number): void => respond(syncResult(errorCode));
      if (p.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
      const group = this.ctx.group(p.groupId);
      if (!group) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      if (group.is(GroupState.Dead)) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      if (group.isStaticMemberFenced(p.groupInstanceId, p.memberId)) return fail(ErrorCode.FENCED_INSTANCE_ID);
      const member = group.get(p.memberId);
      if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      if (p.generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
      if (p.protocolType !== null && p.protocolType !== group.protocolType) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
      if (p.protocolName !== null && p.protocolName !== group.protocolName) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
      switch (group.state) {
        case GroupState.Empty:
          return fail(ErrorCode.UNKNOWN_MEMBER_ID);
        case GroupState.PreparingRebalance:
          return fail(ErrorCode.REBALANCE_IN_PROGRESS);
        case GroupState.CompletingRebalance:
          // A repeated SyncGroup replaces the parked one; the old one is told to rejoin.
          member.completeSync(syncResult(ErrorCode.REBALANCE_IN_PROGRESS));
          member.awaitingSync = respond;
          this.#rebalance.removePendingSyncMember(group, member.memberId);
          if (group.isLeader(member.memberId)) this.#rebalance.applyLeaderAssignment(group, p.assignments);
          return;
        case GroupState.Stable:
          this.#rebalance.removePendingSyncMember(group, member.memberId);
          respond(syncResult(ErrorCode.NONE, member.assignment, group));
          this.heartbeatReceived(group, member);
          return;
        case GroupState.Dead:
          return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
    });
  }

  /** Heartbeat: keeps a member alive and tells it when to rejoin (REBALANCE_IN_PROGRESS). */
  heartbeat(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): number {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const group = this.ctx.group(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.isStaticMemberFenced(groupInstanceId, memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case GroupState.Empty:
      case GroupState.Dead:
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case GroupState.PreparingRebalance:
        this.heartbeatReceived(group, member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case GroupState.CompletingRebalance:
      case GroupState.Stable:
        // Consumers may heartbeat between their JoinGroup answer and SyncGroup: a normal heartbeat.
        this.heartbeatReceived(group, member);
        return ErrorCode.NONE;
    }
  }

  /** LeaveGroup: removes each named member (by member id, or by group.instance.id alone: KIP-345 admin removal). */
  leaveGroup(groupId: string, leaving: readonly LeavingMember[]): { errorCode: number; members: { memberId: string; groupInstanceId: string | null; errorCode: number }[] } {
    const answer = (m: LeavingMember, errorCode: number): { memberId: string; groupInstanceId: string | null; errorCode: number } => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode });
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const group = this.ctx.group(groupId);
    if (!group) return { errorCode: ErrorCode.NONE, members: leaving.map((m) => answer(m, ErrorCode.UNKNOWN_MEMBER_ID)) };
    if (group.is(GroupState.Dead)) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const members = leaving.map((m) => {
      const why = `member ${m.memberId || m.groupInstanceId} left group ${groupId}${m.reason ? ` (${m.reason})` : ''}`;
      if (m.memberId === '') {
        const current = group.staticMemberId(m.groupInstanceId);
        if (current === undefined) return answer(m, ErrorCode.UNKNOWN_MEMBER_ID);
        this.#removeMemberAndUpdateGroup(group, group.get(current)!, why);
        return answer(m, ErrorCode.NONE);
      }
      if (group.pendingMembers.has(m.memberId)) {
        this.#removePendingMember(group, m.memberId);
        return answer(m, ErrorCode.NONE);
      }
      if (group.isStaticMemberFenced(m.groupInstanceId, m.memberId)) return answer(m, ErrorCode.FENCED_INSTANCE_ID);
      const member = group.get(m.memberId);
      if (!member) return answer(m, ErrorCode.UNKNOWN_MEMBER_ID);
      this.#removeMemberAndUpdateGroup(group, member, why);
      return answer(m, ErrorCode.NONE);
    });
    return { errorCode: ErrorCode.NONE, members };
  }

  /** Restart a member's session timer: any heartbeat, SyncGroup or OffsetCommit from it counts. */
  heartbeatReceived(group: Group, member: Member, timeoutMs = member.sessionTimeoutMs): void {
    const memberId = member.memberId;
    this.ctx.timers.set(heartbeatKey(group, memberId), timeoutMs, () => this.#onHeartbeatExpired(group, memberId));
  }

  /** A group read back from disk: its members' sessions start now (as Kafka does on loading a group). */
  resume(group: Group): void {
    for (const member of group.members.values()) this.heartbeatReceived(group, member);
  }

  /**
   * Drop a group's timers and answer its parked requests with NOT_COORDINATOR
   * (what Kafka does when it unloads a group); the group becomes Dead.
   */
  unload(group: Group): void {
    group.transitionTo(GroupState.Dead, Date.now());
    for (const member of group.members.values()) {
      group.completeJoin(member, joinError(ErrorCode.NOT_COORDINATOR, member.memberId));
      member.completeSync(syncResult(ErrorCode.NOT_COORDINATOR));
      this.ctx.timers.clear(heartbeatKey(group, member.memberId));
    }
    for (const memberId of group.pendingMembers) this.ctx.timers.clear(heartbeatKey(group, memberId));
    this.#rebalance.cancel(group);
  }

  // --- JoinGroup ---------------------------------------------------------------------------

  #newMemberJoin(group: Group, p: JoinGroupParams, respond: (r: JoinGroupResult) => void): void {
    const newMemberId = `${p.groupInstanceId ?? p.clientId}-${randomUUID()}`;
    if (p.groupInstanceId !== null) {
      const oldMemberId = group.staticMemberId(p.groupInstanceId);
      if (oldMemberId !== undefined) this.#replaceStaticMember(group, p.groupInstanceId, oldMemberId, newMemberId, p, respond);
      else this.#addMemberAndRebalance(group, newMemberId, p, respond);
    } else if (p.requireKnownMemberId) {
      // KIP-394: hand out the id first; the member counts as pending, which holds
      // the join phase open, until it rejoins with it or its session timeout passes.
      group.pendingMembers.add(newMemberId);
      this.ctx.timers.set(heartbeatKey(group, newMemberId), p.sessionTimeoutMs, () => this.#removePendingMember(group, newMemberId));
      respond(joinError(ErrorCode.MEMBER_ID_REQUIRED, newMemberId));
    } else {
      this.#addMemberAndRebalance(group, newMemberId, p, respond);
    }
  }

  #currentMemberJoin(group: Group, p: JoinGroupParams, respond: (r: JoinGroupResult) => void): void {
    const fail = (errorCode: number): void => respond(joinError(errorCode, p.memberId));
    if (group.pendingMembers.has(p.memberId)) return this.#addMemberAndRebalance(group, p.memberId, p, respond);
    if (group.isStaticMemberFenced(p.groupInstanceId, p.memberId)) return fail(ErrorCode.FENCED_INSTANCE_ID);
    const member = group.get(p.memberId);
    // A static member must join under the instance id it is known by; else it resets its member id.
    if (!member || (p.groupInstanceId !== null && group.staticMemberId(p.groupInstanceId) === undefined)) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const why = (what: string): string => `${what} ${member.memberId} rejoins group ${group.groupId} in ${group.state}${p.reason ? ` (${p.reason})` : ''}`;
    switch (group.state) {
      case GroupState.PreparingRebalance:
        return this.#updateMemberAndRebalance(group, member, p, respond, why('member'));
      case GroupState.CompletingRebalance:
        // Same metadata: it probably missed our JoinGroup answer; send it again.
        if (member.matches(p.protocols)) return respond(joinResult(group, member.memberId, group.isLeader(member.memberId)));
        return this.#updateMemberAndRebalance(group, member, p, respond, why('member with new metadata'));
      case GroupState.Stable:
        // A leader's JoinGroup always rebalances: it is how it reacts to changes that
        // alter the assignment but not its metadata (new partitions, new topics).
        if (group.isLeader(member.memberId)) return this.#updateMemberAndRebalance(group, member, p, respond, why('leader'));
        if (!member.matches(p.protocols)) return this.#updateMemberAndRebalance(group, member, p, respond, why('member with new metadata'));
        return respond(joinResult(group, member.memberId, false));
      case GroupState.Empty:
      case GroupState.Dead:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  #addMemberAndRebalance(group: Group, memberId: string, p: JoinGroupParams, respond: (r: JoinGroupResult) => void): void {
    const member = new Member({ ...p, memberId }, p.protocols);
    member.isNew = true;
    // KIP-134: a member joining a brand-new group during its initial delay extends that delay.
    if (group.is(GroupState.PreparingRebalance) && group.generationId === 0) group.newMemberAdded = true;
    group.add(member, p.protocolType, respond);
    this.ctx.timers.clear(heartbeatKey(group, memberId));
    this.heartbeatReceived(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    this.#rebalance.maybePrepare(group, `new member ${memberId} joins group ${group.groupId}${p.reason ? ` (${p.reason})` : ''}`);
  }

  #updateMemberAndRebalance(group: Group, member: Member, p: JoinGroupParams, respond: (r: JoinGroupResult) => void, reason: string): void {
    this.#park(group, member, p, respond);
    this.#rebalance.maybePrepare(group, reason);
  }

  /** Take a rejoin's new protocols and timeouts and park its JoinGroup (a parked duplicate is told to rejoin). */
  #park(group: Group, member: Member, p: JoinGroupParams, respond: ((r: JoinGroupResult) => void) | null): void {
    group.updateProtocols(member, p.protocols);
    member.rebalanceTimeoutMs = p.rebalanceTimeoutMs;
    member.sessionTimeoutMs = p.sessionTimeoutMs;
    member.clientId = p.clientId;
    member.clientHost = p.clientHost;
    group.completeJoin(member, joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    group.setAwaitingJoin(member, respond);
  }

  /**
   * KIP-345: a static member restarting comes back with an empty member id. It
   * takes over its old entry under a new id (fencing whatever the old id had
   * parked); a Stable group keeps its assignment and is not rebalanced unless
   * the chosen protocol would change.
   */
  #replaceStaticMember(group: Group, instanceId: string, oldMemberId: string, newMemberId: string, p: JoinGroupParams, respond: (r: JoinGroupResult) => void): void {
    const previousLeader = group.leaderId ?? '';
    const old = group.get(oldMemberId)!;
    group.completeJoin(old, joinError(ErrorCode.FENCED_INSTANCE_ID, oldMemberId));
    old.completeSync(syncResult(ErrorCode.FENCED_INSTANCE_ID));
    this.ctx.timers.clear(heartbeatKey(group, oldMemberId));
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    this.heartbeatReceived(group, member);
    this.#park(group, member, p, respond);
    const reason = `static member ${instanceId} rejoins group ${group.groupId} as ${newMemberId}`;
    if (group.is(GroupState.Stable)) {
      if (group.selectProtocol() !== group.protocolName) return this.#rebalance.maybePrepare(group, `${reason} with a change of protocol`);
      const generation = group.generationId;
      const assignments = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment]));
      void this.ctx.storeGroup(group, assignments).then((errorCode) => {
        if (!group.is(GroupState.Stable) || group.generationId !== generation || group.get(newMemberId) !== member) return;
        if (errorCode !== ErrorCode.NONE) return group.completeJoin(member, joinError(errorCode, ''));
        const isLeader = group.isLeader(newMemberId);
        const skip = isLeader && p.supportSkippingAssignment;
        // Before v9 the old leader id is returned, so a restarted leader does not
        // compute an assignment a Stable group would ignore.
        group.completeJoin(member, { ...joinResult(group, newMemberId, skip), skipAssignment: skip, leader: p.supportSkippingAssignment ? (group.leaderId ?? '') : previousLeader });
      });
    } else if (group.is(GroupState.CompletingRebalance)) {
      // The leader may be assigning to the old id: only a new rebalance gets this member an assignment.
      this.#rebalance.prepare(group, reason);
    }
  }


  // --- leaving and failing ------------------------------------------------------------------

  #onHeartbeatExpired(group: Group, memberId: string): void {
    const member = group.get(memberId);
    if (group.is(GroupState.Dead) || !member) return;
    // Members waiting in a rebalance are covered by its own deadline; new ones are not yet.
    if (!member.isNew && (member.awaitingJoin !== null || member.awaitingSync !== null)) return;
    this.ctx.logger.info(`member ${memberId} in group ${group.groupId} has failed (no heartbeat within ${member.sessionTimeoutMs} ms), removing it from the group`);
    this.#removeMemberAndUpdateGroup(group, member, `member ${memberId} session timed out`);
  }

  #removeMemberAndUpdateGroup(group: Group, member: Member, reason: string): void {
    // A new member may time out while its JoinGroup is parked; it retries as a new member.
    group.completeJoin(member, joinError(ErrorCode.UNKNOWN_MEMBER_ID, ''));
    member.completeSync(syncResult(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    this.ctx.timers.clear(heartbeatKey(group, member.memberId));
    if (group.is(GroupState.Stable) || group.is(GroupState.CompletingRebalance)) this.#rebalance.maybePrepare(group, reason);
    else if (group.is(GroupState.PreparingRebalance)) this.#rebalance.tryCompleteJoin(group);
  }

  #removePendingMember(group: Group, memberId: string): void {
    if (!group.pendingMembers.delete(memberId)) return;
    this.ctx.timers.clear(heartbeatKey(group, memberId));
    if (group.is(GroupState.PreparingRebalance)) this.#rebalance.tryCompleteJoin(group);
  }
}
