/**
 * One segment of a partition log (Java's `LogSegment`): a `.log` file of record
 * batches back to back, starting at `baseOffset`, with its offset index and
 * time index. Only the last segment of a log (the active one) is appended to.
 */
import { crc32c } from '../../protocol/records/crc32c.js';
import { type RecordBatchHeader, RecordBatchField, readRecordBatchHeader } from '../../protocol/records/record-batch.js';
import { scanBatches } from './batch-scanner.js';
import { readInt64 } from './int64.js';
import { DELETED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, segmentFileName } from './log-file-names.js';
import { OffsetIndex } from './offset-index.js';
import { type LogDirectory, type LogFile } from './storage.js';
import { TimeIndex } from './time-index.js';

/** Offsets in a segment are stored relative to its base offset as int32. */
export const MAX_RELATIVE_OFFSET = 0x7fff_ffff;

/** A batch located in a segment file, from its header. */
export interface BatchLocation {
  readonly position: number;
  /** Bytes, header included. */
  readonly size: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
}

function locate(chunk: Buffer, at: number, position: number, size: number): BatchLocation {
  const baseOffset = readInt64(chunk, at);
  return {
    position,
    size,
    baseOffset,
    lastOffset: baseOffset + chunk.readInt32BE(at + RecordBatchField.lastOffsetDelta),
    maxTimestamp: readInt64(chunk, at + RecordBatchField.maxTimestamp),
  };
}

/** One segment: its `.log` file, indexes, and what the log needs to know of it without reading it. */
export class LogSegment {
  #offsetIndex: OffsetIndex;
  #timeIndex: TimeIndex;
  /** Set once the segment has left the log (retention, compaction): readers holding it must look again. */
  deleted = false;
  #bytesSinceLastIndexEntry = 0;
  #nextOffset: number;
  #maxTimestamp = -1;
  #offsetOfMaxTimestamp = -1;
  /** The first batch's maxTimestamp (Java's `rollingBasedTimestamp`); undefined until read. */
  #firstBatchTimestamp: number | undefined;

  /**
   * @param baseOffset - offset of the segment's first batch (and its file name)
   * @param log - the `.log` file
   * @param indexIntervalBytes - `index.interval.bytes`
   * @param created - when the segment was created or loaded, ms (segment.ms for segments without timestamps)
   */
  constructor(
    readonly baseOffset: number,
    readonly log: LogFile,
    public indexIntervalBytes: number,
    readonly created: number,
  ) {
    this.#offsetIndex = new OffsetIndex(baseOffset);
    this.#timeIndex = new TimeIndex(baseOffset);
    this.#nextOffset = baseOffset;
    if (log.size === 0) this.#firstBatchTimestamp = -1;
  }

  /**
   * Creates an empty segment file.
   *
   * @param dir - the partition directory
   * @param baseOffset - the log end offset when rolling
   * @param indexIntervalBytes - `index.interval.bytes`
   * @param now - creation time
   * @param suffix - extra suffix after `.log` (the cleaner writes `.log.cleaned`)
   */
  static create(dir: LogDirectory, baseOffset: number, indexIntervalBytes: number, now: number, suffix = ''): LogSegment {
    return new LogSegment(baseOffset, dir.open(segmentFileName(baseOffset, LOG_SUFFIX + suffix), true), indexIntervalBytes, now);
  }

  /** The sparse offset index (`.index`). */
  get offsetIndex(): OffsetIndex {
    return this.#offsetIndex;
  }

  /** The time index (`.timeindex`). */
  get timeIndex(): TimeIndex {
    return this.#timeIndex;
  }

  /** Bytes in the `.log` file. */
  get size(): number {
    return this.log.size;
  }

  /** One past the last offset in the segment; `baseOffset` when empty. */
  get nextOffset(): number {
    return this.#nextOffset;
  }

  /** The largest batch maxTimestamp in the segment, -1 if none. */
  get maxTimestamp(): number {
    return this.#maxTimestamp;
  }

  /** The last offset of the batch holding {@link maxTimestamp}, -1 if none. */
  get offsetOfMaxTimestamp(): number {
    return this.#offsetOfMaxTimestamp;
  }

  /** What retention.ms compares with: the largest timestamp, or the file's mtime when there is none (Java's `largestTimestamp`). */
  get largestTimestamp(): number {
    return this.#maxTimestamp >= 0 ? this.#maxTimestamp : this.log.lastModified;
  }

  /**
   * How long the segment has been filling, for segment.ms (Java's
   * `timeWaitedForRoll`): the incoming batches' timestamp minus the first
   * batch's, or wall-clock time since creation when timestamps are missing.
   */
  timeWaitedForRoll(now: number, incomingMaxTimestamp: number): number {
    if (this.#firstBatchTimestamp === undefined) {
      const header = this.log.read(0, RecordBatchField.maxTimestamp + 8);
      this.#firstBatchTimestamp = header.length === RecordBatchField.maxTimestamp + 8 ? readInt64(header, RecordBatchField.maxTimestamp) : -1;
    }
    return this.#firstBatchTimestamp >= 0 ? incomingMaxTimestamp - this.#firstBatchTimestamp : now - this.created;
  }

  /**
   * Appends batches whose offsets are already assigned: one write, then the
   * indexes from each batch header. No records are decoded.
   *
   * @param batches - one or more whole magic-2 batches
   */
  append(batches: Buffer): void {
    let position = this.log.size;
    this.log.append(batches);
    for (let at = 0; at < batches.length; ) {
      const size = 12 + batches.readInt32BE(at + RecordBatchField.batchLength);
      const baseOffset = readInt64(batches, at);
      this.#indexBatch(position, size, baseOffset + batches.readInt32BE(at + RecordBatchField.lastOffsetDelta), readInt64(batches, at + RecordBatchField.maxTimestamp));
      position += size;
      at += size;
    }
  }

  /** Java's per-batch rule in `LogSegment.append`: an index entry once more than index.interval.bytes went by. */
  #indexBatch(position: number, size: number, lastOffset: number, maxTimestamp: number): void {
    if (position === 0) this.#firstBatchTimestamp = maxTimestamp;
    if (maxTimestamp > this.#maxTimestamp) {
      this.#maxTimestamp = maxTimestamp;
      this.#offsetOfMaxTimestamp = lastOffset;
    }
    if (this.#bytesSinceLastIndexEntry > this.indexIntervalBytes) {
      this.#offsetIndex.append(lastOffset, position);
      this.#timeIndex.maybeAppend(this.#maxTimestamp, this.#offsetOfMaxTimestamp);
      this.#bytesSinceLastIndexEntry = 0;
    }
    this.#bytesSinceLastIndexEntry += size;
    this.#nextOffset = lastOffset + 1;
  }

  /**
   * The first batch whose last offset is at or above `offset` (the batch
   * holding it, or the next one when compaction removed it).
   *
   * @returns its location, or null when the segment has none
   */
  findBatch(offset: number): BatchLocation | null {
    let found: BatchLocation | null = null;
    scanBatches(this.log, this.offsetIndex.lookup(offset).position, this.log.size, false, (chunk, at, position, size) => {
      const lastOffset = readInt64(chunk, at) + chunk.readInt32BE(at + RecordBatchField.lastOffsetDelta);
      if (lastOffset < offset) return true;
      found = locate(chunk, at, position, size);
      return false;
    });
    return found;
  }

  /**
   * The first batch at or above `minOffset` whose maxTimestamp is at or above
   * `timestamp`, found through the time index (ListOffsets by timestamp).
   *
   * @returns its location, or null when the segment has none
   */
  findBatchByTimestamp(timestamp: number, minOffset: number): BatchLocation | null {
    const before = this.timeIndex.lookupBefore(timestamp);
    const start = this.offsetIndex.lookup(Math.max(before.offset, minOffset)).position;
    let found: BatchLocation | null = null;
    scanBatches(this.log, start, this.log.size, false, (chunk, at, position, size) => {
      const batch = locate(chunk, at, position, size);
      if (batch.lastOffset < minOffset || batch.maxTimestamp < timestamp) return true;
      found = batch;
      return false;
    });
    return found;
  }

  /**
   * Visits the batch headers from `offset` on.
   *
   * @param offset - start with the batch holding this offset
   * @param visit - called per batch with a scratch chunk holding its header at `at`; false stops
   */
  forEachBatch(offset: number, visit: (chunk: Buffer, at: number, batch: BatchLocation) => boolean): void {
    const start = this.offsetIndex.lookup(offset).position;
    scanBatches(this.log, start, this.log.size, false, (chunk, at, position, size) => {
      const batch = locate(chunk, at, position, size);
      return batch.lastOffset < offset || visit(chunk, at, batch);
    });
  }

  /**
   * Decoded headers (no records) of up to `max` batches from `offset` on: for
   * the slow paths (producer state rebuild, the cleaner) that page through a
   * segment across awaits.
   *
   * @param offset - start with the batch holding this offset
   * @param max - at most this many
   */
  headers(offset: number, max: number): { position: number; header: RecordBatchHeader }[] {
    const out: { position: number; header: RecordBatchHeader }[] = [];
    this.forEachBatch(offset, (chunk, at, batch) => {
      out.push({ position: batch.position, header: readRecordBatchHeader(chunk, at) });
      return out.length < max;
    });
    return out;
  }

  /**
   * Rebuilds the segment from its `.log` (Java's `LogSegment.recover`): checks
   * each batch's framing, CRC-32C and offsets, truncates the file at the first
   * batch that fails (a torn write), and rebuilds both indexes.
   *
   * @returns the bytes truncated, 0 when the whole file was valid
   */
  recover(): number {
    this.#resetIndexes();
    let expectedOffset = this.baseOffset;
    const end = scanBatches(this.log, 0, this.log.size, true, (chunk, at, position, size) => {
      const baseOffset = readInt64(chunk, at);
      const lastOffsetDelta = chunk.readInt32BE(at + RecordBatchField.lastOffsetDelta);
      if (baseOffset < expectedOffset || lastOffsetDelta < 0 || baseOffset + lastOffsetDelta - this.baseOffset > MAX_RELATIVE_OFFSET) return false;
      if (crc32c(chunk, at + RecordBatchField.attributes, at + size) !== chunk.readUInt32BE(at + RecordBatchField.crc)) return false;
      this.#indexBatch(position, size, baseOffset + lastOffsetDelta, readInt64(chunk, at + RecordBatchField.maxTimestamp));
      expectedOffset = baseOffset + lastOffsetDelta + 1;
      return true;
    });
    const truncated = this.log.size - end.position;
    if (truncated > 0) this.log.truncate(end.position);
    return truncated;
  }

  /**
   * Takes the indexes written by a clean close or a roll, and reads only the
   * batches after the last offset index entry (Java's `readNextOffset`).
   *
   * @param offsetIndex - the `.index` bytes
   * @param timeIndex - the `.timeindex` bytes
   * @returns false when an index fails its sanity check or the tail does not parse: recover the segment instead
   */
  loadIndexes(offsetIndex: Buffer, timeIndex: Buffer): boolean {
    if (OffsetIndex.problem(offsetIndex, this.log.size) !== null || TimeIndex.problem(timeIndex) !== null) return false;
    const offsets = new OffsetIndex(this.baseOffset, offsetIndex);
    const times = new TimeIndex(this.baseOffset, timeIndex);
    this.#resetIndexes(offsets, times);
    const last = offsets.lastEntry;
    const lastTime = times.lastEntry;
    if (lastTime !== null) {
      this.#maxTimestamp = lastTime.timestamp;
      this.#offsetOfMaxTimestamp = lastTime.offset;
    }
    // Replaying from the last entry's batch re-creates exactly the state the appends left.
    const end = scanBatches(this.log, last?.position ?? 0, this.log.size, false, (chunk, at, position, size) => {
      const batch = locate(chunk, at, position, size);
      this.#indexBatch(position, size, batch.lastOffset, batch.maxTimestamp);
      return true;
    });
    return !end.torn;
  }

  #resetIndexes(offsets?: OffsetIndex, times?: TimeIndex): void {
    this.#offsetIndex = offsets ?? new OffsetIndex(this.baseOffset);
    this.#timeIndex = times ?? new TimeIndex(this.baseOffset);
    this.#bytesSinceLastIndexEntry = 0;
    this.#nextOffset = this.baseOffset;
    this.#maxTimestamp = -1;
    this.#offsetOfMaxTimestamp = -1;
    this.#firstBatchTimestamp = this.log.size === 0 ? -1 : undefined;
  }

  /**
   * The segment stops being active (roll, clean close): adds the final time
   * index entry, so the index's last entry is the segment's largest timestamp
   * (Java's `onBecomeInactiveSegment`).
   */
  onBecomeInactive(): void {
    this.#timeIndex.maybeAppend(this.#maxTimestamp, this.#offsetOfMaxTimestamp);
  }

  /** Writes `.index` and `.timeindex` durably. */
  async persistIndexes(dir: LogDirectory): Promise<void> {
    await dir.writeFile(segmentFileName(this.baseOffset, INDEX_SUFFIX), Buffer.from(this.offsetIndex.toBuffer()));
    await dir.writeFile(segmentFileName(this.baseOffset, TIME_INDEX_SUFFIX), Buffer.from(this.timeIndex.toBuffer()));
  }

  /**
   * Takes the segment out of the directory in one synchronous step, as Java
   * renames a deleted segment to `.deleted` before removing it: a crash leaves
   * no half-deleted segment in the log. Then {@link destroy} removes the bytes.
   */
  markDeleted(dir: LogDirectory): void {
    this.deleted = true;
    dir.remove(segmentFileName(this.baseOffset, INDEX_SUFFIX));
    dir.remove(segmentFileName(this.baseOffset, TIME_INDEX_SUFFIX));
    const name = segmentFileName(this.baseOffset, LOG_SUFFIX);
    if (dir.exists(name)) dir.rename(name, name + DELETED_SUFFIX);
  }

  /** Closes the file and removes what {@link markDeleted} left. */
  async destroy(dir: LogDirectory): Promise<void> {
    await this.log.close();
    dir.remove(segmentFileName(this.baseOffset, LOG_SUFFIX + DELETED_SUFFIX));
  }
}
