/**
 * The one owner of an idempotent producer's state (KIP-98, KIP-360), shaped like
 * the Java client's TransactionManager: the producer id and epoch as a state
 * machine (producer-id-state.ts), and per partition the sequences and the
 * batches whose outcome is not known yet (partition-state.ts). The sender asks it
 * whether a partition's head batch may go, tells it what each answer said, and
 * it decides sequences, epoch bumps and new producer ids. Nothing else writes
 * them.
 *
 * The rules (Java's, and what keeps "never stored twice" under every fault):
 * - A batch that was sent keeps its producer id, epoch and sequence until its
 *   outcome is known: a retry resends the same bytes, so a broker that stored it
 *   answers DUPLICATE_SEQUENCE_NUMBER (or its offset) instead of storing it again.
 * - Each partition has its own producer id and epoch (`PartitionState.identity`).
 *   It moves to the producer's current one only when nothing of it is
 *   outstanding: nothing in flight, and no batch with a sequence waiting to be
 *   retried (those go first, under the identity they were sent with).
 * - The epoch is bumped only when a batch that carries the current one failed in
 *   a way that breaks its partition's sequences: the broker lost the producer's
 *   state or has a gap (OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID on the
 *   next expected sequence), or a batch was given up on (delivery timeout, or a
 *   non-retriable error) so its sequences will never be stored. A failure of a
 *   batch under an older epoch bumps nothing: its partition just follows the
 *   current epoch once it is settled.
 * - A batch given up on while the broker may have stored it (its last attempt
 *   had no answer) leaves its partition "unresolved": new batches wait until
 *   an acknowledgement past it proves it stored, or until nothing is left that
 *   could tell, then the partition moves to a new epoch. It is never resent.
 * - Until the broker has acknowledged a batch of a partition under the
 *   partition's identity, that partition has one batch in flight: a broker
 *   without state for the producer there takes any sequence as the first
 *   (KIP-360), so a batch stored ahead of a refused first one would leave a gap
 *   that can never be filled in that epoch.
 * - At epoch 32767 there is no next epoch: a new producer id is fetched
 *   (InitProducerId, epoch 0), as Java's resetIdempotentProducerId, and nothing
 *   new is sent idempotently until it arrives.
 *
 * For transactions (not yet implemented) the same component will carry the
 * transactional id (its InitProducerId goes to the transaction coordinator),
 * fencing (PRODUCER_FENCED is fatal), and abortable errors.
 */
import { type Cluster, CoordinatorType } from '../../client/cluster.js';
import { type Logger } from '../../client/logger.js';
import { type RequestVersions } from '../../network/api-versions.js';
import { createErrorFromCode } from '../../errors/protocol-errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { InitProducerIdRequest } from '../../protocol/generated/init-producer-id-request.js';
import { InitProducerIdResponse } from '../../protocol/generated/init-producer-id-response.js';
import { isRetriable, retryBackoff, type ResolvedRetryOptions } from '../../retry/retrier.js';
import { type ProducerBatch } from '../accumulator/producer-batch.js';
import { type PartitionQueue } from '../accumulator/record-accumulator.js';
import { SEQUENCE_WRAP } from './partition-state.js';
import { canTransition, IllegalProducerStateTransition, ProducerIdAndEpoch, ProducerIdState } from './producer-id-state.js';

/**
 * Produce errors after which the producer cannot go on (Java's fatal errors for an
 * idempotent or transactional producer): every pending batch fails with it.
 */
const FATAL_PRODUCE_ERRORS = new Set<number>([ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ErrorCode.PRODUCER_FENCED]);

/**
 * InitProducerId as #initProducerId speaks it. Min 0: transactionalId and
 * transactionTimeoutMs sent, producerId and producerEpoch read, are all v0 fields;
 * max 4: PRODUCER_FENCED (v4) is handled as fatal, v5's TRANSACTION_ABORTABLE is not.
 * (Sending the current producerId/producerEpoch for a KIP-360 bump would need min 3.)
 */
const INIT_PRODUCER_ID_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 4 });

/** What the TransactionManager needs from the producer's options. */
export interface TransactionManagerOptions {
  readonly idempotent: boolean;
  /** Null for an idempotent producer; the transactional id once transactions exist. */
  readonly transactionalId: string | null;
  readonly transactionTimeoutMs: number;
  readonly retry: ResolvedRetryOptions;
  /** How long connect() keeps retrying a retriable InitProducerId failure. */
  readonly maxBlockMs: number;
}

export class TransactionManager {
  #state: ProducerIdState = ProducerIdState.UNINITIALIZED;
  #current: ProducerIdAndEpoch = ProducerIdAndEpoch.NONE;
  #fatal: Error | null = null;
  /** Bumped by reset(): an InitProducerId answer from before it is ignored. */
  #session = 0;
  #renewing: Promise<void> | undefined;

  constructor(
    readonly cluster: Cluster,
    readonly options: TransactionManagerOptions,
    readonly logger: Logger,
    /** Called when a new producer id arrives in the background, so the sender looks again. */
    readonly onProducerId: () => void,
  ) {}

  get enabled(): boolean {
    return this.options.idempotent;
  }

  get state(): ProducerIdState {
    return this.#state;
  }

  /** The producer id and epoch new batches get; NONE while there is none. */
  get current(): ProducerIdAndEpoch {
    return this.#current;
  }

  /** The error that ended the producer (FATAL_ERROR), or null. */
  get fatalError(): Error | null {
    return this.#fatal;
  }

  #transitionTo(to: ProducerIdState): void {
    if (!canTransition(this.#state, to)) throw new IllegalProducerStateTransition(this.#state, to);
    this.logger.debug('producer state', { from: this.#state, to, producerId: String(this.#current.producerId), producerEpoch: this.#current.epoch });
    this.#state = to;
  }

  /**
   * connect(): get a producer id. Retriable failures (the coordinator loading or
   * moving, a lost connection) are retried with backoff for up to maxBlockMs;
   * anything else, or the deadline, fails connect() and leaves the state
   * UNINITIALIZED so connect() may be called again.
   */
  async initialize(): Promise<void> {
    if (!this.enabled) return;
    if (this.#state !== ProducerIdState.UNINITIALIZED) this.reset();
    this.#transitionTo(ProducerIdState.INITIALIZING);
    const session = this.#session;
    try {
      await this.#initProducerId(session, Date.now() + this.options.maxBlockMs);
    } catch (e) {
      if (session === this.#session) this.#transitionTo(ProducerIdState.UNINITIALIZED);
      throw e;
    }
  }

  /** disconnect(): forget the producer id; partitions restart under the next one. */
  reset(): void {
    this.#session++;
    this.#renewing = undefined;
    this.#current = ProducerIdAndEpoch.NONE;
    this.#fatal = null;
    this.#state = ProducerIdState.UNINITIALIZED;
  }

  /**
   * One InitProducerId, retried while retriable until `deadline`. A new producer
   * id makes every partition stale: each restarts at sequence 0 under it once
   * nothing of it is outstanding.
   */
  async #initProducerId(session: number, deadline: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const connection = this.options.transactionalId === null ? await this.cluster.anyConnection() : await this.cluster.connectionForCoordinator(this.options.transactionalId, CoordinatorType.TRANSACTION);
        const response = await connection.send(InitProducerIdRequest, InitProducerIdResponse, {
          transactionalId: this.options.transactionalId,
          transactionTimeoutMs: this.options.transactionTimeoutMs,
        }, { versions: INIT_PRODUCER_ID_VERSIONS });
        if (response.errorCode !== ErrorCode.NONE) {
          if (this.options.transactionalId !== null && (response.errorCode === ErrorCode.NOT_COORDINATOR || response.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE)) {
            this.cluster.invalidateCoordinator(this.options.transactionalId, CoordinatorType.TRANSACTION);
          }
          throw createErrorFromCode(response.errorCode, 'InitProducerId failed');
        }
        if (session !== this.#session) return;
        this.#current = new ProducerIdAndEpoch(response.producerId, response.producerEpoch);
        this.#transitionTo(ProducerIdState.READY);
        this.logger.debug('producer id', { producerId: String(response.producerId), producerEpoch: response.producerEpoch });
        return;
      } catch (e) {
        if (session !== this.#session) return;
        const now = Date.now();
        if (!isRetriable(e) || now >= deadline) throw e;
        const wait = Math.min(retryBackoff(this.options.retry, attempt), deadline - now);
        this.logger.warn('InitProducerId failed, retrying', { attempt, retryInMs: wait, error: e instanceof Error ? e.message : String(e) });
        await new Promise((resolve) => setTimeout(resolve, wait));
        if (session !== this.#session) return;
      }
    }
  }

  /**
   * The epoch is exhausted: fetch a new producer id in the background, retrying
   * until it comes (or a non-retriable error makes the producer fail).
   */
  #renewProducerId(): void {
    if (this.#renewing) return;
    this.logger.info('producer epoch exhausted: asking for a new producer id', { producerId: String(this.#current.producerId), producerEpoch: this.#current.epoch });
    this.#current = ProducerIdAndEpoch.NONE;
    this.#transitionTo(ProducerIdState.INITIALIZING);
    const session = this.#session;
    this.#renewing = this.#initProducerId(session, Infinity)
      .catch((e: unknown) => {
        if (session !== this.#session) return;
        this.#fail(e instanceof Error ? e : new Error(String(e)));
      })
      .finally(() => {
        if (session === this.#session) this.#renewing = undefined;
        this.onProducerId();
      });
  }

  #fail(error: Error): void {
    if (this.#state === ProducerIdState.FATAL_ERROR) return;
    this.logger.error('the producer cannot go on', { error: error.message });
    this.#fatal = error;
    this.#transitionTo(ProducerIdState.FATAL_ERROR);
  }

  /** KIP-360: move to the next epoch, or to a new producer id once the epoch is exhausted. */
  #bumpEpoch(): void {
    const next = this.#current.bumped();
    if (next === null) {
      this.#renewProducerId();
      return;
    }
    this.logger.info('bumping the producer epoch', { producerId: String(next.producerId), producerEpoch: next.epoch });
    this.#current = next;
  }

  /**
   * Whether the head batch of an idempotent partition may be sent now (then
   * `assign` gives it its producer id, epoch and sequence when it is taken). Moves
   * the partition to the current producer id and epoch when the rules above allow
   * it.
   */
  mayDrain(q: PartitionQueue, head: ProducerBatch): boolean {
    const s = q.state;
    if (this.#fatal !== null) return false;
    if (!this.#current.isValid) return false;
    if (head.baseSequence >= 0) {
      // A retry: it goes under the identity it was sent with, alone.
      if (s.inFlight.length > 0) return false;
      // It may be stored: resend it as it was, and learn.
      if (s.settled || head.mayBeStored) return true;
      // Known not stored, behind a gap or an unresolved sequence: it can never be
      // stored under this identity. Everything queued with a sequence is in the same
      // case (a batch after one that is not stored cannot be stored either).
      return this.#restart(q);
    }
    if (s.inFlight.length > 0) {
      // Pipelining behind batches in flight: only under the current identity, in a
      // settled partition, once the broker has state for it there.
      if (s.identity !== this.#current || !s.settled || s.lastAckedSequence < 0) return false;
    } else if (!s.settled) {
      return this.#restart(q);
    } else if (s.identity !== this.#current) {
      s.restart(this.#current);
    }
    return true;
  }

  /** A batch `mayDrain` allowed is being sent: a new one gets its partition's identity and next sequence. */
  assign(b: ProducerBatch): void {
    if (b.baseSequence >= 0) return;
    const s = b.queue.state;
    b.identity = s.identity;
    b.baseSequence = s.nextSequence;
    s.nextSequence = (s.nextSequence + b.recordCount) % SEQUENCE_WRAP;
  }

  /**
   * The partition's sequences under its identity are broken: bump the epoch if
   * that identity is the current one (the failing batches carried it), then start
   * the partition over under the current identity, its queued batches to be given
   * new sequences when sent. False while there is no producer id to start over with.
   */
  #restart(q: PartitionQueue): boolean {
    const s = q.state;
    if (s.identity === this.#current) this.#bumpEpoch();
    if (!this.#current.isValid) return false;
    s.restart(this.#current);
    for (const b of q.queued) {
      if (b.baseSequence < 0) break;
      b.identity = null;
      b.baseSequence = -1;
      b.mayBeStored = false;
    }
    return true;
  }

  /** The broker acknowledged `b` (stored now, or already: DUPLICATE_SEQUENCE_NUMBER). */
  acknowledged(b: ProducerBatch): void {
    const s = b.queue.state;
    if (b.identity === null || b.identity !== s.identity) return;
    s.lastAckedSequence = lastSequence(b);
    // A later batch stored proves every earlier sequence stored (the broker takes them in order).
    if (s.unresolvedUpTo >= 0 && s.lastAckedSequence >= s.unresolvedUpTo) s.unresolvedUpTo = -1;
  }

  /**
   * The broker answered OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID: `b`
   * is not stored. On the next expected sequence (or the one right after an
   * unresolved one) the broker has lost the producer's state or has a gap: the
   * partition must start over (Java's canRetry). Further on, it is only behind an
   * earlier failure and is retried after it.
   */
  sequenceError(b: ProducerBatch): void {
    const s = b.queue.state;
    b.mayBeStored = false;
    if (b.identity === null || b.identity !== s.identity) return;
    const expected = (s.lastAckedSequence + 1) % SEQUENCE_WRAP;
    if (b.baseSequence === expected || (s.unresolvedUpTo >= 0 && b.baseSequence === (s.unresolvedUpTo + 1) % SEQUENCE_WRAP)) s.gap = true;
  }

  /**
   * `b` is given up on (delivery timeout, a non-retriable error, or an answer to a
   * batch already failed by its timeout): it will never be sent again. If the
   * broker may hold it, its partition is unresolved; if not, its sequences leave a
   * gap.
   */
  gaveUp(b: ProducerBatch): void {
    const s = b.queue.state;
    if (b.identity === null || b.identity !== s.identity) return;
    if (b.mayBeStored) s.unresolvedUpTo = Math.max(s.unresolvedUpTo, lastSequence(b));
    else s.gap = true;
  }

  /**
   * A Produce error that ends the producer (authorization, fencing): every pending
   * idempotent batch fails with it; returns the error, or null for any other code.
   */
  fatalProduceError(code: number, error: Error): Error | null {
    if (!FATAL_PRODUCE_ERRORS.has(code)) return null;
    this.#fail(error);
    return error;
  }
}

/** The sequence of a batch's last record. */
function lastSequence(b: ProducerBatch): number {
  return (b.baseSequence + b.recordCount - 1) % SEQUENCE_WRAP;
}
