/**
 * The read side of a partition log over its segment list: Fetch's byte ranges
 * and ListOffsets' timestamp search. Pure functions of the segments, so the
 * offsets they are bounded by (log start, high watermark) are the caller's.
 */
import { decodeRecordBatches } from '../../protocol/records/record-batch.js';
import { readInt64 } from './int64.js';
import { type LogSegment } from './log-segment.js';

/** A record found by timestamp (ListOffsets). */
export interface TimestampAndOffset {
  readonly offset: number;
  readonly timestamp: number;
}

const EMPTY: Buffer<ArrayBuffer> = Buffer.alloc(0);

/**
 * Index of the segment holding `offset`: the last one whose base offset is at
 * or below it (0 when all are above).
 */
export function segmentIndexFor(segments: readonly LogSegment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (segments[mid]!.baseOffset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Whole batches from the one holding `fetchOffset`, from one segment as Kafka
 * reads (the next Fetch continues in the next segment): up to `maxBytes`, the
 * first batch even when larger if `minOneBatch` (KIP-74), none at or past
 * `limit`. One read for the bytes, then one header read per batch to cut at a
 * batch boundary; no records are decoded. The bytes may be a view of an
 * in-memory log (`LogFile.readView`): use or copy them before anything
 * can truncate the log.
 *
 * @returns the bytes, empty when no batch qualifies
 */
export function readBatches(segments: readonly LogSegment[], fetchOffset: number, maxBytes: number, limit: number, minOneBatch: boolean): Buffer<ArrayBuffer> {
  for (let i = segmentIndexFor(segments, fetchOffset); i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.baseOffset >= limit) break;
    // Compaction may have emptied this segment past fetchOffset: then the next one has it.
    const first = segment.findBatch(fetchOffset);
    if (first === null) continue;
    if (first.baseOffset >= limit || (first.size > maxBytes && !minOneBatch)) break;
    const log = segment.log;
    const length = Math.max(first.size, Math.min(maxBytes, segment.size - first.position));
    // A view of an in-memory log where it can be (the caller copies the bytes into its response at once).
    const bytes = log.readView ? log.readView(first.position, length) : log.read(first.position, length);
    let end = first.size;
    while (end + 12 <= bytes.length) {
      const size = 12 + bytes.readInt32BE(end + 8);
      if (end + size > bytes.length || readInt64(bytes, end) >= limit) break;
      end += size;
    }
    return end === bytes.length ? bytes : bytes.subarray(0, end);
  }
  return EMPTY;
}

/**
 * The first record at or after `timestamp`, searching from segment
 * `segmentIndex` on (Java's `fetchOffsetByTimestamp`): the time index finds the
 * batch, and only that batch is decoded.
 *
 * @param logStartOffset - records below it do not count
 * @param maxOffset - a match at or past it means "none" (Kafka filters by the high watermark)
 */
export async function findRecordByTimestamp(
  segments: readonly LogSegment[],
  segmentIndex: number,
  timestamp: number,
  logStartOffset: number,
  maxOffset: number,
): Promise<TimestampAndOffset | null> {
  for (let i = segmentIndex; i < segments.length; i++) {
    const segment = segments[i]!;
    let minOffset = Math.max(logStartOffset, segment.baseOffset);
    for (;;) {
      const location = segment.findBatchByTimestamp(timestamp, minOffset);
      if (location === null) break;
      if (location.baseOffset >= maxOffset) return null;
      const [batch] = await decodeRecordBatches(segment.log.read(location.position, location.size));
      const record = batch?.records.find((r) => r.offset >= logStartOffset && r.timestamp >= timestamp);
      if (record !== undefined) return record.offset < maxOffset ? { offset: record.offset, timestamp: record.timestamp } : null;
      // A batch compaction emptied keeps its maxTimestamp: look further.
      minOffset = location.lastOffset + 1;
    }
  }
  return null;
}
