/**
 * What the producer knows of one partition's batches once they leave the
 * accumulator: the batches in flight, and, for an idempotent producer, the
 * producer id and epoch the partition's sequences belong to, the next sequence,
 * the last one the broker acknowledged, and whether some sequence's fate is
 * unknown or lost (Java's TxnPartitionEntry). Only the TransactionManager and
 * the sender change it.
 */
import { type ProducerBatch } from '../accumulator/producer-batch.js';
import { ProducerIdAndEpoch } from './producer-id-state.js';

/** Sequences wrap at Int32 max, as Java's DefaultRecordBatch.incrementSequence. */
export const SEQUENCE_WRAP = 0x8000_0000;

export class PartitionState {
  /** The producer id and epoch this partition's sequences belong to; NONE before its first idempotent batch. */
  identity: ProducerIdAndEpoch = ProducerIdAndEpoch.NONE;
  /** The next sequence to give a batch under `identity`. */
  nextSequence = 0;
  /** The last sequence the broker acknowledged under `identity`; -1 for none yet. */
  lastAckedSequence = -1;
  /**
   * Batches written to a broker and not answered yet, in the order written. A
   * batch failed by its delivery timeout while in flight stays here (its sends
   * are settled) until its answer tells what became of it.
   */
  readonly inFlight: ProducerBatch[] = [];
  /**
   * The last sequence of a batch given up on (delivery timeout) that the broker
   * may have stored; -1 for none. Until an acknowledgement at or past it proves it
   * stored, new batches wait; when nothing is left to learn it from, the partition
   * moves to a new epoch (Java's unresolved sequences).
   */
  unresolvedUpTo = -1;
  /**
   * A batch with a sequence under `identity` was given up on and is known not to
   * be stored, or the broker lost the producer's state: the sequences after it can
   * never be stored under `identity`, so the partition moves to a new epoch once
   * nothing of it is outstanding.
   */
  gap = false;

  /** A batch was written: it is in flight until its answer (or its request's failure) is handled. */
  sent(b: ProducerBatch): void {
    this.inFlight.push(b);
  }

  /** A batch's answer (or its request's failure) is being handled; false if it was no longer in flight. */
  returned(b: ProducerBatch): boolean {
    const i = this.inFlight.indexOf(b);
    if (i < 0) return false;
    this.inFlight.splice(i, 1);
    return true;
  }

  /** Whether a batch sent more than once is in flight (new batches do not follow a retry out). */
  get retryInFlight(): boolean {
    for (const b of this.inFlight) if (b.attempts > 1) return true;
    return false;
  }

  /** Whether the sequences under `identity` can go on: no gap, nothing unresolved. */
  get settled(): boolean {
    return !this.gap && this.unresolvedUpTo < 0;
  }

  /** Start over under `identity` from sequence 0 (a new epoch or producer id). */
  restart(identity: ProducerIdAndEpoch): void {
    this.identity = identity;
    this.nextSequence = 0;
    this.lastAckedSequence = -1;
    this.unresolvedUpTo = -1;
    this.gap = false;
  }
}
