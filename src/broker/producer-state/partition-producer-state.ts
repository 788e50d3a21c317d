/**
 * The idempotent producers of one partition, as Kafka's ProducerStateManager
 * keeps them per partition: per producer id the epoch, the time of its last
 * write, and the sequence ranges and offsets of its last 5 batches (the most a
 * producer may have in flight), enough to answer a retried batch with its
 * original offset instead of storing it twice.
 */
import { ErrorCode } from '../../protocol/error-codes.js';

/** Batches remembered per producer and partition: Kafka's limit on in-flight requests with idempotence. */
export const BATCHES_REMEMBERED = 5;

/** Where one appended batch of a producer went. */
export interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

/** What the partition remembers of one producer id. */
export interface ProducerEntry {
  readonly producerId: bigint;
  readonly epoch: number;
  /** When it last wrote here, ms: its append time, or the batch's maxTimestamp when rebuilt from the log (Kafka's choice). */
  lastTimestamp: number;
  /** Oldest first, at most BATCHES_REMEMBERED. */
  readonly batches: BatchMetadata[];
}

/** What the sequence check decided for one incoming batch. */
export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; firstOffset: number; lastOffset: number }
  | { kind: 'error'; errorCode: number; message: string };

const APPEND: SequenceCheck = Object.freeze({ kind: 'append' });

/** The next sequence after `seq`: sequences wrap from Int32 max to 0 (Kafka's DefaultRecordBatch.incrementSequence). */
function nextSeq(seq: number): number {
  return seq === 0x7fffffff ? 0 : seq + 1;
}

/** A batch's last sequence: first + lastOffsetDelta, wrapping past Int32 max like Kafka. */
export function lastSequence(firstSeq: number, lastOffsetDelta: number): number {
  return (firstSeq + lastOffsetDelta) % 0x8000_0000;
}

/** The last offset a producer wrote here. */
function lastOffsetOf(entry: ProducerEntry): number {
  return entry.batches[entry.batches.length - 1]?.lastOffset ?? -1;
}

/** The producers of one partition, and where its state stands against the log and its snapshots. */
export class PartitionProducerState {
  readonly producers = new Map<bigint, ProducerEntry>();
  /** The offset of the newest snapshot written or loaded; -1 for none. */
  lastSnapshotOffset = -1;
  /** One past the last offset this state has seen written: the log end offset it matches. */
  mapEndOffset = 0;

  /**
   * Decide what to do with an idempotent batch before it is appended (Kafka's
   * ProducerAppendInfo checks). The caller holds the partition's append lock
   * from this check to {@link record}.
   *
   * @param logStartOffset - a producer whose writes all lie below it is forgotten first
   */
  check(producerId: bigint, epoch: number, firstSeq: number, lastSeq: number, logStartOffset: number): SequenceCheck {
    let entry = this.producers.get(producerId);
    if (entry !== undefined && lastOffsetOf(entry) < logStartOffset) {
      // Its writes were deleted (retention, DeleteRecords): Kafka's docs say such a producer id may expire early.
      this.producers.delete(producerId);
      entry = undefined;
    }
    // Unknown producer id here (new, expired, or its writes deleted): any sequence is taken,
    // as Kafka does since KIP-360; the client owns the sequence from now on.
    if (entry === undefined) return APPEND;
    if (epoch < entry.epoch) {
      return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `producer ${producerId} epoch ${epoch} is older than the current epoch ${entry.epoch}` };
    }
    if (epoch > entry.epoch) {
      // A bumped epoch (KIP-360) restarts sequences at 0.
      if (firstSeq !== 0) return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `producer ${producerId} new epoch ${epoch} must start at sequence 0, got ${firstSeq}` };
      return APPEND;
    }
    for (const b of entry.batches) {
      if (b.firstSeq === firstSeq && b.lastSeq === lastSeq) return { kind: 'duplicate', firstOffset: b.firstOffset, lastOffset: b.lastOffset };
    }
    const last = entry.batches[entry.batches.length - 1];
    if (last !== undefined && firstSeq !== nextSeq(last.lastSeq)) {
      return {
        kind: 'error',
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `producer ${producerId} epoch ${epoch}: expected sequence ${nextSeq(last.lastSeq)}, got ${firstSeq}`,
      };
    }
    return APPEND;
  }

  /** Remember an appended idempotent batch (or one found in the log on startup). */
  record(producerId: bigint, epoch: number, firstSeq: number, lastSeq: number, firstOffset: number, lastOffset: number, timestamp: number): void {
    let entry = this.producers.get(producerId);
    // Another epoch starts afresh: a bump (KIP-360), or an older epoch taken after its state was forgotten.
    if (entry === undefined || entry.epoch !== epoch) this.producers.set(producerId, (entry = { producerId, epoch, lastTimestamp: timestamp, batches: [] }));
    entry.lastTimestamp = Math.max(entry.lastTimestamp, timestamp);
    entry.batches.push({ firstSeq, lastSeq, firstOffset, lastOffset });
    if (entry.batches.length > BATCHES_REMEMBERED) entry.batches.shift();
  }

  /**
   * The log lost its tail (reopened after an I/O error, it cut a torn batch):
   * forget the batches at or past `logEndOffset`, as Kafka truncates its
   * producer state with the log, so a retry of a lost batch is stored again
   * instead of being answered with an offset the log no longer has.
   */
  truncateTo(logEndOffset: number): void {
    for (const [id, entry] of this.producers) {
      while (entry.batches.length > 0 && entry.batches[entry.batches.length - 1]!.lastOffset >= logEndOffset) entry.batches.pop();
      if (entry.batches.length === 0) this.producers.delete(id);
    }
    this.mapEndOffset = logEndOffset;
  }

  /**
   * Forget producers idle for `expirationMs` (Kafka's `producer.id.expiration.ms`)
   * and those whose writes all lie below `logStartOffset`.
   *
   * @returns how many were forgotten
   */
  removeExpired(now: number, expirationMs: number, logStartOffset: number): number {
    let removed = 0;
    for (const [id, entry] of this.producers) {
      if (now - entry.lastTimestamp >= expirationMs || lastOffsetOf(entry) < logStartOffset) {
        this.producers.delete(id);
        removed++;
      }
    }
    return removed;
  }
}
