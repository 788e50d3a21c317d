/**
 * The producer's identity as a state machine: which producer id and epoch it
 * writes with, and what it may do in each state. Shaped like the Java client's
 * TransactionManager.State, transactional states included, so transactions can
 * be built on it; today only the idempotent states are reached.
 *
 * ```
 *   UNINITIALIZED --connect--> INITIALIZING --InitProducerId ok--> READY
 *        ^                         |  ^                               |
 *        |        failed (connect) |  | epoch exhausted: a new id     | epoch bump (KIP-360): READY again
 *        +-------------------------+  +-------------------------------+
 *   any --fatal error (authorization, fenced, unsupported)--> FATAL_ERROR --disconnect--> UNINITIALIZED
 *
 *   transactions (not yet): READY -> IN_TRANSACTION -> COMMITTING_TRANSACTION | ABORTING_TRANSACTION -> READY,
 *   IN_TRANSACTION | COMMITTING_TRANSACTION -> ABORTABLE_ERROR -> ABORTING_TRANSACTION
 * ```
 */
import { KafkaJSNonRetriableError } from '../../errors/errors.js';

/** Where the producer's identity stands (Java's TransactionManager.State names). */
export const ProducerIdState = Object.freeze({
  UNINITIALIZED: 'UNINITIALIZED',
  INITIALIZING: 'INITIALIZING',
  READY: 'READY',
  IN_TRANSACTION: 'IN_TRANSACTION',
  COMMITTING_TRANSACTION: 'COMMITTING_TRANSACTION',
  ABORTING_TRANSACTION: 'ABORTING_TRANSACTION',
  ABORTABLE_ERROR: 'ABORTABLE_ERROR',
  FATAL_ERROR: 'FATAL_ERROR',
} as const);
export type ProducerIdState = (typeof ProducerIdState)[keyof typeof ProducerIdState];

const S = ProducerIdState;

/**
 * The legal transitions: from each state, the states it may move to. Anything else
 * is a bug in the caller and throws. Every state may close (to UNINITIALIZED).
 */
const TRANSITIONS: Readonly<Record<ProducerIdState, readonly ProducerIdState[]>> = Object.freeze({
  [S.UNINITIALIZED]: [S.INITIALIZING],
  // A failed connect goes back to UNINITIALIZED (connect may be called again).
  [S.INITIALIZING]: [S.READY, S.FATAL_ERROR],
  // INITIALIZING again: the epoch is exhausted and a new producer id is needed.
  [S.READY]: [S.INITIALIZING, S.IN_TRANSACTION, S.FATAL_ERROR],
  [S.IN_TRANSACTION]: [S.COMMITTING_TRANSACTION, S.ABORTING_TRANSACTION, S.ABORTABLE_ERROR, S.FATAL_ERROR],
  [S.COMMITTING_TRANSACTION]: [S.READY, S.ABORTABLE_ERROR, S.FATAL_ERROR],
  // INITIALIZING after an abort that must bump the epoch (KIP-360).
  [S.ABORTING_TRANSACTION]: [S.READY, S.INITIALIZING, S.FATAL_ERROR],
  [S.ABORTABLE_ERROR]: [S.ABORTING_TRANSACTION, S.FATAL_ERROR],
  [S.FATAL_ERROR]: [],
});

/** Whether `from -> to` is legal. */
export function canTransition(from: ProducerIdState, to: ProducerIdState): boolean {
  return to === S.UNINITIALIZED || TRANSITIONS[from].includes(to);
}

/** The highest producer epoch (an int16); past it a new producer id is needed. */
export const MAX_PRODUCER_EPOCH = 0x7fff;

/**
 * One producer id and epoch. Immutable: an epoch bump makes a new one, so "does
 * this batch carry the current epoch" is a reference comparison.
 */
export class ProducerIdAndEpoch {
  /** No producer id (not idempotent, or not initialized yet). */
  static readonly NONE = new ProducerIdAndEpoch(-1n, -1);

  constructor(
    readonly producerId: bigint,
    readonly epoch: number,
  ) {}

  get isValid(): boolean {
    return this.producerId >= 0n;
  }

  /** The next epoch of the same producer id, or null when the epoch is exhausted. */
  bumped(): ProducerIdAndEpoch | null {
    return this.epoch >= MAX_PRODUCER_EPOCH ? null : new ProducerIdAndEpoch(this.producerId, this.epoch + 1);
  }

  toString(): string {
    return `${this.producerId}/${this.epoch}`;
  }
}

/** Thrown for a transition the table does not allow. */
export class IllegalProducerStateTransition extends KafkaJSNonRetriableError {
  override readonly name: string = 'IllegalProducerStateTransition';

  constructor(from: ProducerIdState, to: ProducerIdState) {
    super(`Illegal producer state transition from ${from} to ${to}`);
  }
}
