/**
 * A classic consumer group: its state machine, members, generation and chosen
 * protocol, as Kafka's `GroupMetadata` keeps them. This file holds state and
 * the rules that only look at state; timers and parked requests are driven by
 * membership.ts.
 *
 * States and legal transitions (Kafka's `GroupState.validPreviousStates`, read
 * from the other side):
 *
 * | from                | to                                      | when                                              |
 * |---------------------|-----------------------------------------|---------------------------------------------------|
 * | Empty               | PreparingRebalance                      | a member joins                                    |
 * | Empty               | Dead                                    | DeleteGroups, or its last offsets expire          |
 * | PreparingRebalance  | CompletingRebalance                     | join phase done with members: generation + 1      |
 * | PreparingRebalance  | Empty                                   | join phase done with no member left: generation + 1 |
 * | PreparingRebalance  | Dead                                    | the coordinator unloads the group                 |
 * | CompletingRebalance | Stable                                  | the leader's SyncGroup brings the assignment      |
 * | CompletingRebalance | PreparingRebalance                      | a member joins, leaves, fails or changes metadata |
 * | CompletingRebalance | Dead                                    | the coordinator unloads the group                 |
 * | Stable              | PreparingRebalance                      | a member joins, leaves, fails; the leader rejoins |
 * | Stable              | Dead                                    | the coordinator unloads the group                 |
 * | Dead                | Dead                                    | (idempotent)                                      |
 */
import { type JoinGroupResult, type Member, type MemberProtocol } from './member.js';

/** Kafka's classic group states, with the names DescribeGroups and ListGroups report. */
export const GroupState = {
  Empty: 'Empty',
  PreparingRebalance: 'PreparingRebalance',
  CompletingRebalance: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;
export type GroupState = (typeof GroupState)[keyof typeof GroupState];

/** The table above: for each state, the states it may move to. */
export const LEGAL_TRANSITIONS: Readonly<Record<GroupState, readonly GroupState[]>> = Object.freeze({
  Empty: [GroupState.PreparingRebalance, GroupState.Dead],
  PreparingRebalance: [GroupState.CompletingRebalance, GroupState.Empty, GroupState.Dead],
  CompletingRebalance: [GroupState.PreparingRebalance, GroupState.Stable, GroupState.Dead],
  Stable: [GroupState.PreparingRebalance, GroupState.Dead],
  Dead: [GroupState.Dead],
});

/** A transition the table does not allow: a coordinator bug, never a client's fault. */
export class IllegalGroupTransitionError extends Error {
  override readonly name = 'IllegalGroupTransitionError';
  constructor(
    readonly groupId: string,
    readonly from: GroupState,
    readonly to: GroupState,
  ) {
    super(`group ${groupId} cannot move from ${from} to ${to} (legal: ${LEGAL_TRANSITIONS[from].join(', ')})`);
  }
}

export class Group {
  #state: GroupState;
  /** When the group entered its current state (ms); offsets of an Empty group expire from here (KIP-211). */
  stateTimestamp: number;
  /** Fixed by the first member to join an Empty group ("consumer" for consumers); null for offset-only groups. */
  protocolType: string | null = null;
  /** The protocol (assignor) chosen for the current generation. */
  protocolName: string | null = null;
  generationId = 0;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** group.instance.id -> current member id (KIP-345). */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED whose JoinGroup has not come back yet (KIP-394). */
  readonly pendingMembers = new Set<string>();
  /** Members of this generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** Set when a member joins during the initial delay of a new group, which then waits longer (KIP-134). */
  newMemberAdded = false;
  readonly #protocolVotes = new Map<string, number>();
  #awaitingJoin = 0;

  constructor(
    readonly groupId: string,
    initialState: GroupState,
    now: number,
  ) {
    this.#state = initialState;
    this.stateTimestamp = now;
  }

  get state(): GroupState {
    return this.#state;
  }

  is(state: GroupState): boolean {
    return this.#state === state;
  }

  /** Move to `to`; throws IllegalGroupTransitionError if the table forbids it. */
  transitionTo(to: GroupState, now: number): void {
    if (!LEGAL_TRANSITIONS[this.#state].includes(to)) throw new IllegalGroupTransitionError(this.groupId, this.#state, to);
    this.#state = to;
    this.stateTimestamp = now;
  }

  /** Kafka's `canRebalance`: only where PreparingRebalance may be entered from. */
  get canRebalance(): boolean {
    return LEGAL_TRANSITIONS[this.#state].includes(GroupState.PreparingRebalance);
  }

  get size(): number {
    return this.members.size;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  get(memberId: string): Member | undefined {
    return this.members.get(memberId);
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  /** The longest rebalance timeout among the members: how long a join phase may wait. */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /**
   * Whether a member with this protocol type and protocols may join: an Empty
   * group takes any non-empty offer; otherwise the type must match and at least
   * one protocol must be supported by every current member.
   */
  supportsProtocols(protocolType: string, protocols: readonly MemberProtocol[]): boolean {
    if (this.is(GroupState.Empty)) return protocolType !== '' && protocols.length > 0;
    return this.protocolType === protocolType && protocols.some((p) => this.#protocolVotes.get(p.name) === this.members.size);
  }

  /**
   * Add a member whose JoinGroup is parked on `awaitingJoin`. The first member
   * fixes the group's protocol type and leads.
   */
  add(member: Member, protocolType: string, awaitingJoin: ((result: JoinGroupResult) => void) | null): void {
    if (this.members.size === 0) this.protocolType = protocolType;
    this.members.set(member.memberId, member);
    this.#countProtocols(member.protocols, +1);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    this.leaderId ??= member.memberId;
    this.pendingMembers.delete(member.memberId);
    this.setAwaitingJoin(member, awaitingJoin);
  }

  /** Remove a member; a leaving leader hands over to any remaining member. */
  remove(memberId: string): Member | undefined {
    const member = this.members.get(memberId);
    if (!member) return undefined;
    this.members.delete(memberId);
    this.#countProtocols(member.protocols, -1);
    if (member.awaitingJoin !== null) this.#awaitingJoin--;
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) this.staticMembers.delete(member.groupInstanceId);
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    this.pendingMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    return member;
  }

  /** Replace a member's protocols (a rejoin with new metadata). */
  updateProtocols(member: Member, protocols: readonly MemberProtocol[]): void {
    this.#countProtocols(member.protocols, -1);
    member.protocols = protocols;
    this.#countProtocols(protocols, +1);
  }

  /** Park (or clear, with null) a member's JoinGroup, keeping the count hasAllMembersJoined reads. */
  setAwaitingJoin(member: Member, callback: ((result: JoinGroupResult) => void) | null): void {
    if (member.awaitingJoin === null && callback !== null) this.#awaitingJoin++;
    if (member.awaitingJoin !== null && callback === null) this.#awaitingJoin--;
    member.awaitingJoin = callback;
  }

  /** Answer a member's parked JoinGroup, if any. */
  completeJoin(member: Member, result: JoinGroupResult): void {
    const callback = member.awaitingJoin;
    if (callback === null) return;
    this.setAwaitingJoin(member, null);
    callback(result);
  }

  /** Every known member has rejoined and no MEMBER_ID_REQUIRED answer is outstanding. */
  get hasAllMembersJoined(): boolean {
    return this.#awaitingJoin === this.members.size && this.pendingMembers.size === 0;
  }

  /** Members that have not rejoined in this join phase. */
  notYetRejoined(): Member[] {
    return [...this.members.values()].filter((m) => m.awaitingJoin === null);
  }

  /**
   * If the leader has not rejoined, the first member that has takes over.
   * False when no member has rejoined (Kafka's `maybeElectNewJoinedLeader`).
   */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    if (this.members.get(this.leaderId)?.awaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.awaitingJoin !== null) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /**
   * Kafka's `selectProtocol`: among the protocols every member supports, each
   * member votes for the first in its own preference order; most votes wins
   * (ties go to the candidate listed first by the leader).
   */
  selectProtocol(): string {
    const candidates = [...this.#protocolVotes].filter(([, n]) => n === this.members.size).map(([name]) => name);
    const votes = new Map<string, number>(candidates.map((c) => [c, 0]));
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => votes.has(p.name));
      if (choice) votes.set(choice.name, votes.get(choice.name)! + 1);
    }
    let best: string | null = null;
    let bestVotes = -1;
    const leader = this.leaderId === null ? undefined : this.members.get(this.leaderId);
    const order = leader ? leader.protocols.map((p) => p.name).filter((n) => votes.has(n)) : candidates;
    for (const name of order) {
      const n = votes.get(name)!;
      if (n > bestVotes) [best, bestVotes] = [name, n];
    }
    if (best === null) throw new Error(`group ${this.groupId} has no protocol all members support`);
    return best;
  }

  /** End a join phase: next generation, protocol chosen, CompletingRebalance (or Empty if nobody is left). */
  initNextGeneration(now: number): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.transitionTo(GroupState.CompletingRebalance, now);
    } else {
      this.protocolName = null;
      this.transitionTo(GroupState.Empty, now);
    }
    this.pendingSyncMembers.clear();
  }

  /** The member list the leader gets in its JoinGroup response. */
  currentMemberMetadata(): { memberId: string; groupInstanceId: string | null; metadata: Buffer }[] {
    const protocol = this.protocolName ?? '';
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(protocol) }));
  }

  /** The member id a group.instance.id is mapped to, if any. */
  staticMemberId(groupInstanceId: string | null): string | undefined {
    return groupInstanceId === null ? undefined : this.staticMembers.get(groupInstanceId);
  }

  /**
   * A request from a known group.instance.id whose member id is not the one the
   * coordinator maps it to comes from a duplicate instance: FENCED_INSTANCE_ID (KIP-345).
   */
  isStaticMemberFenced(groupInstanceId: string | null, memberId: string): boolean {
    const current = this.staticMemberId(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  /** Move a static member to a new member id (its JoinGroup came with an empty member id). */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): Member {
    const member = this.members.get(oldMemberId);
    if (!member) throw new Error(`group ${this.groupId}: static member ${groupInstanceId} maps to unknown ${oldMemberId}`);
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return member;
  }

  #countProtocols(protocols: readonly MemberProtocol[], delta: number): void {
    for (const p of protocols) {
      const n = (this.#protocolVotes.get(p.name) ?? 0) + delta;
      if (n > 0) this.#protocolVotes.set(p.name, n);
      else this.#protocolVotes.delete(p.name);
    }
  }
}
