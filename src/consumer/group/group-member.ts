/**
 * One consumer's membership of its group in the classic protocol: join and
 * sync (Java's AbstractCoordinator / ConsumerCoordinator), heartbeats on their
 * own timer, rejoining by itself when the coordinator or the metadata asks,
 * commits and committed-offset lookups, leaving. The assignment it receives
 * goes to the one owner of assignments, the SubscriptionState; the consumer
 * learns of changes through {@link RebalanceHooks}.
 *
 * The rebalance protocol is cooperative (KIP-429) only when every configured
 * assigner says so; otherwise eager:
 * - eager: before JoinGroup every owned partition is revoked (hooks.revoke),
 *   and the new assignment replaces the old one;
 * - cooperative: JoinGroup names the owned partitions and consumption goes on;
 *   after SyncGroup only the partitions that moved away are revoked, the new
 *   ones are added, and if anything was revoked the member rejoins at once
 *   (the second rebalance, which hands the freed partitions out).
 * When the generation is lost (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, no
 * successful heartbeat for the session timeout) owned partitions go to
 * hooks.lost instead, without a chance to commit (Java's onPartitionsLost).
 *
 * Joining is one loop per member (`join()`, or a rejoin started by a
 * heartbeat, a commit, the metadata watch or `requestRejoin`): JoinGroup
 * errors that are protocol steps (MEMBER_ID_REQUIRED, KIP-394;
 * REBALANCE_IN_PROGRESS; UNKNOWN_MEMBER_ID) rejoin at once, retriable ones
 * after the retry backoff, and others are fatal (`onFatal`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger } from '../../client/logger.js';
import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } from '../../errors/errors.js';
import { createErrorFromCode } from '../../errors/protocol-errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { type Retrier, createRetrier, isRetriable, resolveRetryOptions, retryBackoff } from '../../retry/retrier.js';
import { type TopicPartition } from '../subscription-state.js';
import { type CommittedOffset, type CoordinatorCallsContext, commitGroupOffsets, describeConsumerGroup, fetchGroupOffsets, rebalanceInProgressError, withCoordinator } from './coordinator-calls.js';
import { type GroupMemberOptions, validateGroupMemberOptions } from './group-member-options.js';
import { type GroupDescription, heartbeat, leaveGroup } from './group-requests.js';
import { HeartbeatTimer } from './heartbeat-timer.js';
import { HEARTBEAT_STATES, MemberState, transition } from './member-state.js';
import { MetadataWatch } from './metadata-watch.js';
import { type OffsetToCommit } from './offset-requests.js';
import { type RebalanceRound, runRebalanceRound } from './rebalance-round.js';

export { type GroupMemberEvent, type GroupMemberOptions, type RebalanceHooks } from './group-member-options.js';

const REBALANCING: ReadonlySet<MemberState> = new Set([MemberState.PREPARING_REBALANCE, MemberState.COMPLETING_REBALANCE]);

/** A consumer's membership of its group. */
export class GroupMember {
  readonly #o: GroupMemberOptions;
  readonly #log: Logger;
  readonly #retrier: Retrier;
  readonly #retry: ReturnType<typeof resolveRetryOptions>;
  readonly #cooperative: boolean;
  readonly #heartbeats: HeartbeatTimer;
  readonly #watch: MetadataWatch;
  readonly #calls: CoordinatorCallsContext;
  #state: MemberState = MemberState.UNJOINED;
  #memberId = '';
  #generationId = -1;
  #leaderId = '';
  #protocolName: string | null = null;
  /** Non-null: a rejoin is wanted, for this reason. */
  #rejoinReason: string | null = null;
  /** The generation was lost: the partitions still owned go to hooks.lost before the next JoinGroup. */
  #generationLost = false;
  /** Between join() and leave(): rejoins start by themselves. */
  #active = false;
  /** Bumped by leave() and fatal errors: a join loop of an older epoch stops without touching anything. */
  #epoch = 0;
  #loop: { readonly epoch: number; readonly promise: Promise<void> } | undefined;
  #waiters = 0;
  #fatalError: Error | undefined;
  /** Aborted by leave() and fatal errors: wakes a join loop waiting out a retry backoff. */
  #stopSignal = new AbortController();

  /** @throws KafkaJSConfigurationError naming an invalid option */
  constructor(options: GroupMemberOptions) {
    const { sessionTimeout: session, heartbeatInterval: interval } = validateGroupMemberOptions(options);
    this.#o = options;
    this.#log = options.logger.namespace('GroupMember');
    this.#retry = resolveRetryOptions(options.retry);
    this.#retrier = createRetrier(options.retry);
    this.#cooperative = options.assigners.every((a) => a.rebalanceProtocol === 'cooperative');
    this.#heartbeats = new HeartbeatTimer({
      heartbeatInterval: interval,
      sessionTimeout: session,
      retryBackoff: this.#retry.initialRetryTime,
      send: () => this.#sendHeartbeat(),
      onSessionExpired: () => this.#loseGeneration(true, `no successful heartbeat for the session timeout (${session} ms)`),
    });
    this.#watch = new MetadataWatch({
      cluster: options.cluster,
      subscriptions: options.subscriptions,
      intervalMs: options.metadataMaxAge ?? 300_000,
      logger: this.#log,
      isLeader: () => this.isLeader,
      onChange: (reason) => this.requestRejoin(reason),
    });
    this.#calls = {
      cluster: options.cluster,
      groupId: options.groupId,
      retrier: this.#retrier,
      logger: this.#log,
      requireStable: options.requireStableOffsets ?? false,
      commitIdentity: () => this.#commitIdentity(),
      onCommitGroupError: (code, who) => this.#onGroupError(code, who.generationId, who.memberId, 'OffsetCommit'),
      onCommitted: (offsets) => {
        for (const o of offsets) options.subscriptions.markCommitted(o.topic, o.partition, o.offset);
      },
    };
  }

  /** The generation this member belongs to; -1 when none. */
  get generationId(): number {
    return this.#generationId;
  }
  /** The id the coordinator gave this member; '' before the first JoinGroup answer. */
  get memberId(): string {
    return this.#memberId;
  }
  /** Whether this member led the last rebalance (it ran the assigner). */
  get isLeader(): boolean {
    return this.#memberId !== '' && this.#leaderId === this.#memberId;
  }
  /** The assigner the group chose. */
  get protocolName(): string | null {
    return this.#protocolName;
  }
  /** Whether a rebalance is under way: a join loop runs (JoinGroup or SyncGroup in flight, hooks running, a retry pending) or a rejoin is about to start. */
  get rebalanceInProgress(): boolean {
    return REBALANCING.has(this.#state) || (this.#active && (this.#rejoinReason !== null || this.#loop !== undefined));
  }
  /** Where the member is (see member-state.ts). */
  get state(): MemberState {
    return this.#state;
  }
  /** Whether the cooperative protocol (KIP-429) is used: every assigner supports it. */
  get cooperative(): boolean {
    return this.#cooperative;
  }

  /**
   * Join the group: resolves once the member is Stable with its assignment
   * applied to the subscriptions (and hooks.assign has run). Resolves at once
   * when already Stable. Rejects with a fatal error, with
   * KafkaJSNumberOfRetriesExceeded when the coordinator stayed unreachable, or
   * when `leave()` is called meanwhile.
   */
  async join(): Promise<void> {
    if (this.#state === MemberState.FATAL) {
      this.#state = transition(this.#o.groupId, this.#state, MemberState.UNJOINED);
      this.#fatalError = undefined;
    }
    this.#active = true;
    this.#waiters++;
    try {
      await this.#ensureLoop();
    } finally {
      this.#waiters--;
    }
  }

  /** Rejoin the group soon (subscription changed, a rebalance was detected); ignored before `join()` and after `leave()`. */
  requestRejoin(reason: string): void {
    if (!this.#active || this.#state === MemberState.FATAL) return;
    this.#rejoinReason ??= reason;
    this.#log.info('Rejoining the group', { groupId: this.#o.groupId, memberId: this.#memberId, reason });
    this.#ensureLoop().catch(() => undefined); // Failures are reported by the loop (onFatal) or to join() callers.
  }

  /**
   * Leave the group. Heartbeats and the metadata watch stop and a rebalance
   * in progress is abandoned. A dynamic member sends LeaveGroup, so the group
   * rebalances without waiting for its session to time out. A static member
   * (KIP-345) sends nothing: the coordinator keeps its slot and assignment
   * until the session timeout, so a restart within it causes no rebalance.
   * Revoking partitions first is the consumer's job (hooks are not called
   * here). Safe in any state and more than once; errors are logged, not thrown.
   */
  async leave(reason = 'the consumer is leaving the group'): Promise<void> {
    this.#active = false;
    this.#epoch++;
    this.#stopSignal.abort();
    this.#heartbeats.stop();
    this.#watch.stop();
    const memberId = this.#memberId;
    // A static member keeps its slot (KIP-345): no LeaveGroup, the coordinator waits for its session timeout.
    const wasMember = memberId !== '' && this.#state !== MemberState.FATAL && this.#o.groupInstanceId === null;
    if (this.#state !== MemberState.UNJOINED) this.#state = transition(this.#o.groupId, this.#state, MemberState.UNJOINED);
    this.#memberId = '';
    this.#generationId = -1;
    this.#leaderId = '';
    this.#rejoinReason = null;
    this.#generationLost = false;
    if (wasMember) await this.#sendLeaveGroup(memberId, reason);
  }

  /** Commit offsets with this member's generation (see coordinator-calls.ts for the errors). */
  async commitOffsets(offsets: readonly OffsetToCommit[]): Promise<void> {
    await commitGroupOffsets(this.#calls, offsets);
  }

  /** The group's committed offsets for `partitions`, by `partitionKey`; `offset` -1 for none. */
  async fetchCommittedOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, CommittedOffset>> {
    return fetchGroupOffsets(this.#calls, partitions);
  }

  /** A heartbeat now, unless one went out within the heartbeat interval (eachBatch's `heartbeat()`). Errors are handled by the member. */
  async heartbeat(): Promise<void> {
    await this.#heartbeats.beatNow();
  }

  /** DescribeGroups, KafkaJS's GroupDescription. */
  async describe(): Promise<GroupDescription> {
    return describeConsumerGroup(this.#calls);
  }

  // ---- the join loop ----

  #ensureLoop(): Promise<void> {
    if (this.#state === MemberState.STABLE && this.#rejoinReason === null) return Promise.resolve();
    if (this.#loop?.epoch === this.#epoch) return this.#loop.promise;
    const epoch = this.#epoch;
    if (this.#stopSignal.signal.aborted) this.#stopSignal = new AbortController();
    const promise = this.#runLoop(epoch, this.#stopSignal.signal);
    this.#loop = { epoch, promise };
    return promise;
  }

  #checkEpoch(epoch: number): void {
    if (epoch === this.#epoch) return;
    throw this.#fatalError ?? new KafkaJSNonRetriableError(`The member left group "${this.#o.groupId}" before the rebalance completed`);
  }

  async #runLoop(epoch: number, stopped: AbortSignal): Promise<void> {
    await Promise.resolve(); // #loop is set before anything below runs
    let failures = 0;
    try {
      for (;;) {
        this.#checkEpoch(epoch);
        if (this.#state === MemberState.STABLE && this.#rejoinReason === null) return;
        try {
          const outcome = await runRebalanceRound(this.#round(epoch));
          failures = 0;
          if (outcome === 'rejoin') continue;
          this.#watch.start(outcome);
        } catch (e) {
          this.#checkEpoch(epoch);
          if (this.#state !== MemberState.UNJOINED) this.#state = transition(this.#o.groupId, this.#state, MemberState.UNJOINED);
          this.#syncTimers();
          if (!isRetriable(e)) throw this.#fail(e instanceof Error ? e : new KafkaJSNonRetriableError(String(e)));
          failures++;
          if (failures > this.#retry.retries) throw this.#fail(new KafkaJSNumberOfRetriesExceeded(e, { retryCount: failures - 1, retryTime: 0 }));
          this.#log.warn('Joining the group failed, retrying', { groupId: this.#o.groupId, error: e.message, attempt: failures });
          // Woken early by leave(); the check at the top of the loop then ends it.
          await sleep(retryBackoff(this.#retry, failures), undefined, { signal: stopped }).catch(() => undefined);
        }
      }
    } finally {
      if (this.#loop?.epoch === epoch) this.#loop = undefined;
    }
  }

  /** What one rebalance round reads and changes of the member. */
  #round(epoch: number): RebalanceRound {
    return {
      options: this.#o,
      logger: this.#log,
      cooperative: this.#cooperative,
      checkEpoch: () => this.#checkEpoch(epoch),
      get: () => ({ state: this.#state, memberId: this.#memberId, generationId: this.#generationId, generationLost: this.#generationLost, rejoinReason: this.#rejoinReason }),
      takeRejoinReason: () => {
        const reason = this.#rejoinReason;
        this.#rejoinReason = null;
        return reason;
      },
      setState: (to) => {
        this.#state = transition(this.#o.groupId, this.#state, to);
        this.#syncTimers();
      },
      setMemberId: (memberId) => (this.#memberId = memberId),
      joined: (answer) => {
        this.#memberId = answer.memberId;
        this.#generationId = answer.generationId;
        this.#leaderId = answer.leader;
        this.#protocolName = answer.protocolName;
        this.#generationLost = false;
      },
      loseGeneration: (resetMemberId) => {
        if (resetMemberId) this.#memberId = '';
        this.#generationId = -1;
        this.#generationLost = true;
      },
      lostHandled: () => (this.#generationLost = false),
      requestRejoin: (reason) => (this.#rejoinReason ??= reason),
      leaveAbandoned: (memberId) => {
        // A JoinGroup answered after leave(): that membership would linger until its session timed out.
        if (this.#o.groupInstanceId === null && memberId !== '') void this.#sendLeaveGroup(memberId, 'left during the rebalance');
      },
    };
  }

  // ---- heartbeats and errors ----

  /** Heartbeats run while the member belongs to a generation. */
  #syncTimers(): void {
    if (HEARTBEAT_STATES.has(this.#state)) this.#heartbeats.start();
    else this.#heartbeats.stop();
    if (this.#state !== MemberState.STABLE) this.#watch.stop();
  }

  async #sendHeartbeat(): Promise<boolean> {
    const { groupId, groupInstanceId } = this.#o;
    const generationId = this.#generationId;
    const memberId = this.#memberId;
    let code: number;
    try {
      code = await withCoordinator(this.#o.cluster, groupId, (c) => heartbeat(c, { groupId, generationId, memberId, groupInstanceId }));
    } catch (e) {
      this.#log.debug('Heartbeat failed', { groupId, memberId, error: e instanceof Error ? e.message : String(e) });
      return false;
    }
    if (code === ErrorCode.NONE) {
      this.#o.instrument?.('heartbeat', { groupId, memberId, groupGenerationId: generationId });
      return true;
    }
    if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) this.#o.cluster.invalidateCoordinator(groupId);
    if (createErrorFromCode(code).retriable) return false;
    this.#onGroupError(code, generationId, memberId, 'Heartbeat');
    return true;
  }

  /** A group error answered to a request sent as (`generationId`, `memberId`); stale answers are ignored. */
  #onGroupError(code: number, generationId: number, memberId: string, api: string): void {
    if (generationId !== this.#generationId || memberId !== this.#memberId || !this.#active) return;
    switch (code) {
      case ErrorCode.REBALANCE_IN_PROGRESS:
        if (this.#state === MemberState.STABLE) this.requestRejoin(`${api}: the coordinator started a rebalance`);
        return;
      case ErrorCode.UNKNOWN_MEMBER_ID:
        return this.#loseGeneration(true, `${api}: the coordinator does not know member ${memberId}`);
      case ErrorCode.ILLEGAL_GENERATION:
        return this.#loseGeneration(false, `${api}: generation ${generationId} is not the group's current one`);
      default: {
        const error = createErrorFromCode(code, `${api} of group "${this.#o.groupId}" (member "${memberId}")`);
        this.#fail(error);
      }
    }
  }

  /** The generation is gone: owned partitions are lost (no commit), and the member rejoins, with a new member id when `resetMemberId`. */
  #loseGeneration(resetMemberId: boolean, reason: string): void {
    if (!this.#active || this.#state === MemberState.FATAL) return;
    this.#log.warn('The member lost its generation; its partitions are lost', { groupId: this.#o.groupId, memberId: this.#memberId, reason });
    if (resetMemberId) this.#memberId = '';
    this.#generationLost = true;
    this.#generationId = -1;
    if (this.#state === MemberState.STABLE || this.#state === MemberState.COMPLETING_REBALANCE) this.#state = transition(this.#o.groupId, this.#state, MemberState.UNJOINED);
    this.#syncTimers();
    this.requestRejoin(reason);
  }

  /** Fatal: stop everything; `onFatal` unless a join() caller will receive the error. Returns the error, to throw. */
  #fail(error: Error): Error {
    if (this.#state === MemberState.FATAL) return this.#fatalError ?? error;
    this.#log.error('Group membership failed', { groupId: this.#o.groupId, memberId: this.#memberId, error: error.message });
    this.#state = transition(this.#o.groupId, this.#state, MemberState.FATAL);
    this.#fatalError = error;
    this.#epoch++;
    this.#stopSignal.abort();
    this.#active = false;
    this.#heartbeats.stop();
    this.#watch.stop();
    if (this.#waiters === 0) this.#o.onFatal(error);
    return error;
  }

  #commitIdentity(): ReturnType<CoordinatorCallsContext['commitIdentity']> {
    const { groupId, groupInstanceId } = this.#o;
    if (this.#state === MemberState.STABLE) return { groupId, generationId: this.#generationId, memberId: this.#memberId, groupInstanceId };
    // Java's sendOffsetCommitRequest: a rebalance in progress is retriable, being out of the group is not.
    // A rejoin retrying after a coordinator error still has its generation (Java stays PREPARING_REBALANCE).
    const rejoining = this.#active && !this.#generationLost && this.#generationId >= 0;
    if (REBALANCING.has(this.#state) || rejoining) return rebalanceInProgressError(`the group "${groupId}" is rebalancing; commit again once it completes`);
    const code = this.#memberId === '' ? ErrorCode.UNKNOWN_MEMBER_ID : ErrorCode.ILLEGAL_GENERATION;
    return createErrorFromCode(code, `Commit cannot be completed since the consumer is not part of an active group "${groupId}"; it is likely that it was removed from the group`);
  }

  async #sendLeaveGroup(memberId: string, reason: string): Promise<void> {
    const { groupId } = this.#o;
    try {
      const code = await withCoordinator(this.#o.cluster, groupId, (c) => leaveGroup(c, { groupId, memberId, reason }));
      if (code !== ErrorCode.NONE && code !== ErrorCode.UNKNOWN_MEMBER_ID) this.#log.warn('LeaveGroup refused', { groupId, memberId, error: createErrorFromCode(code).message });
    } catch (e) {
      this.#log.warn('LeaveGroup failed; the coordinator removes the member after its session timeout', { groupId, memberId, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
