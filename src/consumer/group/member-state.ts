/**
 * A group member's life in the classic group protocol, as an explicit table of
 * legal transitions (Java's `AbstractCoordinator.MemberState`): any other move
 * is a bug and throws.
 *
 * ```
 *   unjoined ──JoinGroup sent──> preparing-rebalance ──JoinGroup answered──> completing-rebalance
 *      ^                            │      ^                                     │        │
 *      │                            │      └──────── rejoin (error) ─────────────┘        │ SyncGroup answered
 *      └──── error, leave ──────────┘                                                    v
 *      ^                                         preparing-rebalance <──rejoin──── stable
 *      └──────────────────────── leave, generation lost ──────────────────────────────┘
 *
 *   any state except fatal ──fatal error──> fatal ──join()──> unjoined
 * ```
 *
 * - unjoined: no generation (never joined, left, or the generation was lost).
 * - preparing-rebalance: a JoinGroup is in flight.
 * - completing-rebalance: the JoinGroup answered; the leader assigns and every
 *   member's SyncGroup is in flight. Heartbeats run (the coordinator counts them).
 * - stable: the assignment of the current generation is applied. Heartbeats
 *   run; the revocations that precede a rejoin (eager) run here too, as in
 *   Java, whose `onJoinPrepare` runs before the state leaves STABLE.
 * - fatal: fenced (FENCED_INSTANCE_ID), refused (GROUP_AUTHORIZATION_FAILED,
 *   INVALID_SESSION_TIMEOUT, INCONSISTENT_GROUP_PROTOCOL...): nothing is sent
 *   until the application joins again.
 */
import { KafkaJSInvariantViolation } from '../../errors/errors.js';

/** The states of a group member. */
export const MemberState = Object.freeze({
  UNJOINED: 'unjoined',
  PREPARING_REBALANCE: 'preparing-rebalance',
  COMPLETING_REBALANCE: 'completing-rebalance',
  STABLE: 'stable',
  FATAL: 'fatal',
} as const);

/** One of {@link MemberState}'s values. */
export type MemberState = (typeof MemberState)[keyof typeof MemberState];

const S = MemberState;

/** For each state, the states it may move to. */
export const MEMBER_TRANSITIONS: { readonly [From in MemberState]: readonly MemberState[] } = Object.freeze({
  [S.UNJOINED]: [S.PREPARING_REBALANCE, S.FATAL],
  [S.PREPARING_REBALANCE]: [S.COMPLETING_REBALANCE, S.PREPARING_REBALANCE, S.UNJOINED, S.FATAL],
  [S.COMPLETING_REBALANCE]: [S.STABLE, S.PREPARING_REBALANCE, S.UNJOINED, S.FATAL],
  [S.STABLE]: [S.PREPARING_REBALANCE, S.UNJOINED, S.FATAL],
  [S.FATAL]: [S.UNJOINED],
});

/** Whether `from -> to` is legal. Staying in a state is legal only where the table says so. */
export function canTransition(from: MemberState, to: MemberState): boolean {
  return MEMBER_TRANSITIONS[from].includes(to);
}

/**
 * `to`, after checking that `from -> to` is legal.
 *
 * @throws KafkaJSInvariantViolation for an illegal move (a bug in the member)
 */
export function transition(groupId: string, from: MemberState, to: MemberState): MemberState {
  if (!canTransition(from, to)) throw new KafkaJSInvariantViolation(`group member of "${groupId}" cannot go from ${from} to ${to}`);
  return to;
}

/** States in which the member belongs to a generation and heartbeats (Java: not `hasNotJoinedGroup()`). */
export const HEARTBEAT_STATES: ReadonlySet<MemberState> = new Set([S.COMPLETING_REBALANCE, S.STABLE]);
