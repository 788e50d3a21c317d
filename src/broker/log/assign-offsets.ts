/**
 * Offset assignment on append, in place (the in-place path of Java's
 * `LogValidator`): the broker owns offsets, so it rewrites each batch's
 * baseOffset and partitionLeaderEpoch (both outside the CRC) and, for a
 * LogAppendTime topic, the timestamp type bit and maxTimestamp (inside it, so
 * the CRC is recomputed). Records are never decoded: the caller has checked
 * the batches already (CRC, record counts, sequence numbers).
 */
import { CorruptRecordError, LOG_OVERHEAD, RECORD_BATCH_MAGIC, RECORD_BATCH_OVERHEAD, RecordBatchAttribute, RecordBatchField } from '../../protocol/records/record-batch.js';
import { crc32c } from '../../protocol/records/crc32c.js';
import { readInt64, writeInt64 } from './int64.js';
import { InvalidRecordError, RecordTooLargeError } from './log-errors.js';

/** What an append assigned. */
export interface AssignedOffsets {
  /** Offset of the first record (the first batch's new baseOffset). */
  readonly firstOffset: number;
  /** Offset of the last record. */
  readonly lastOffset: number;
  /** The broker's timestamp for LogAppendTime topics, -1 for CreateTime (as in the Produce response). */
  readonly logAppendTime: number;
  /** The largest batch maxTimestamp appended (after LogAppendTime stamping). */
  readonly maxTimestamp: number;
  /** Number of batches. */
  readonly batchCount: number;
}

/**
 * Checks the framing of the batches and assigns offsets from `nextOffset`,
 * rewriting `batches` in place. Nothing is modified when a check fails.
 *
 * @param batches - one or more concatenated magic-2 batches (modified)
 * @param nextOffset - the log end offset
 * @param leaderEpoch - stamped into each batch's partitionLeaderEpoch
 * @param timestampType - the topic's `message.timestamp.type`
 * @param now - the append time, ms
 * @param maxMessageBytes - the topic's `max.message.bytes`, per batch
 * @throws CorruptRecordError when a batch is cut short, overruns the buffer or has another magic
 * @throws {@link RecordTooLargeError} for a batch over `maxMessageBytes`
 * @throws {@link InvalidRecordError} for an empty input or a batch with no records (lastOffsetDelta < 0)
 */
export function assignOffsets(
  batches: Buffer,
  nextOffset: number,
  leaderEpoch: number,
  timestampType: 'CreateTime' | 'LogAppendTime',
  now: number,
  maxMessageBytes: number,
): AssignedOffsets {
  if (batches.length === 0) throw new InvalidRecordError('no record batches to append');
  // Pass 1: check everything, so a bad batch leaves the buffer and the log untouched.
  let count = 0;
  for (let at = 0; at < batches.length; count++) {
    if (batches.length - at < RECORD_BATCH_OVERHEAD) {
      throw new CorruptRecordError(nextOffset, `${batches.length - at} trailing bytes are not a whole record batch header`);
    }
    const size = LOG_OVERHEAD + batches.readInt32BE(at + RecordBatchField.batchLength);
    if (size < RECORD_BATCH_OVERHEAD || at + size > batches.length) {
      throw new CorruptRecordError(nextOffset, `batch ${count} declares ${size} bytes, ${batches.length - at} left`);
    }
    if (batches[at + RecordBatchField.magic] !== RECORD_BATCH_MAGIC) {
      throw new CorruptRecordError(nextOffset, `batch ${count} has magic ${batches[at + RecordBatchField.magic]}, expected ${RECORD_BATCH_MAGIC}`);
    }
    // Java's UnifiedLog checks each batch against max.message.bytes (RecordTooLargeException).
    if (size > maxMessageBytes) throw new RecordTooLargeError(size, maxMessageBytes);
    if (batches.readInt32BE(at + RecordBatchField.lastOffsetDelta) < 0) {
      throw new InvalidRecordError(`batch ${count} has lastOffsetDelta ${batches.readInt32BE(at + RecordBatchField.lastOffsetDelta)}: no records to assign offsets to`);
    }
    at += size;
  }

  // Pass 2: rewrite.
  const logAppendTime = timestampType === 'LogAppendTime';
  let offset = nextOffset;
  let maxTimestamp = -1;
  for (let at = 0; at < batches.length; ) {
    const size = LOG_OVERHEAD + batches.readInt32BE(at + RecordBatchField.batchLength);
    writeInt64(batches, at + RecordBatchField.baseOffset, offset);
    batches.writeInt32BE(leaderEpoch, at + RecordBatchField.partitionLeaderEpoch);
    const attributes = batches.readInt16BE(at + RecordBatchField.attributes);
    let batchMaxTimestamp = readInt64(batches, at + RecordBatchField.maxTimestamp);
    // As Java's `setMaxTimestamp`: LogAppendTime sets the type bit and maxTimestamp to now;
    // CreateTime clears a stray bit. Either change is under the CRC.
    const wanted = logAppendTime ? attributes | RecordBatchAttribute.logAppendTime : attributes & ~RecordBatchAttribute.logAppendTime;
    if (wanted !== attributes || (logAppendTime && batchMaxTimestamp !== now)) {
      batches.writeInt16BE(wanted, at + RecordBatchField.attributes);
      if (logAppendTime) {
        writeInt64(batches, at + RecordBatchField.maxTimestamp, now);
        batchMaxTimestamp = now;
      }
      batches.writeUInt32BE(crc32c(batches, at + RecordBatchField.attributes, at + size), at + RecordBatchField.crc);
    }
    if (batchMaxTimestamp > maxTimestamp) maxTimestamp = batchMaxTimestamp;
    offset += batches.readInt32BE(at + RecordBatchField.lastOffsetDelta) + 1;
    at += size;
  }
  return { firstOffset: nextOffset, lastOffset: offset - 1, logAppendTime: logAppendTime ? now : -1, maxTimestamp, batchCount: count };
}
