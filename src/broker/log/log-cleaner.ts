/**
 * Log compaction for `cleanup.policy=compact` (Java's `LogCleaner`), one pass
 * per call, on the segments that are cleanable: never the active segment,
 * only segments wholly below the high watermark, and (min.compaction.lag.ms)
 * only segments whose newest timestamp is old enough.
 *
 * When (Java's `LogCleanerManager`): the log is split at `firstDirty`, where
 * the last pass ended (the log start after a restart: all of it is dirty then).
 * A pass runs only when the dirty cleanable bytes are more than
 * `min.cleanable.dirty.ratio` of the cleaned and dirty bytes together, or a
 * dirty segment's first batch is older than `max.compaction.lag.ms`, or (not in
 * Kafka, which waits for the next pass) a retained tombstone's delete horizon
 * passed, so idle topics shed their tombstones in time.
 *
 * A pass maps key -> newest offset over the dirty cleanable records, in an
 * {@link OffsetMap} of fixed 24-byte slots (Kafka's `SkimpyOffsetMap`) within
 * `cleanerDedupeBufferBytes` (log.cleaner.dedupe.buffer.size). When the map is
 * full it stops at the last whole batch mapped, and the pass cleans only up to
 * there; the next pass goes on from that offset. Then every segment from the
 * log start up to the mapped end is rewritten, in groups of at most
 * `segment.bytes`, into `<first base>.log.cleaned`: a record is kept when it is
 * past the mapped end, or when the map holds no newer offset for its key (keys
 * whose newest record is in the active segment keep their last value in the
 * cleaned part, as in Kafka). Batches keep their baseOffset, lastOffsetDelta,
 * producer fields, partitionLeaderEpoch, timestamps and compression codec;
 * records keep their offsets (offsetDelta); a batch that loses nothing is
 * copied byte for byte.
 *
 * Tombstones follow KIP-534: the first pass that keeps a tombstone stamps its
 * batch with a delete horizon (pass time + delete.retention.ms, in
 * baseTimestamp, attribute bit 6); a pass at or after the horizon drops it.
 * A batch left with no records is dropped, except (a) the last batch of a
 * producer id, whose header keeps the producer's last sequence for
 * idempotence (Kafka's rule), and (b) the last batch of a group, so the cleaned
 * segment ends at the same offset as the segments it replaces and recovery of
 * an interrupted swap knows exactly which segments it covers. Such a batch
 * remains as a header with recordCount 0.
 *
 * Records without a key are dropped, as Kafka's cleaner does. Control batches
 * (transaction markers) are kept as they are; unlike Kafka, records of aborted
 * transactions are compacted like any others (there is no transaction index).
 *
 * The swap follows Kafka's file protocol: `.cleaned` written and synced,
 * renamed `.swap`; old segments renamed `.deleted`; `.swap` renamed `.log`.
 * The log loader completes or discards whatever a crash interrupted.
 */
import { type KafkaRecord } from '../../protocol/records/record.js';
import { type RecordBatch, type RecordBatchHeader, decodeRecordBatches, encodeRecordBatch } from '../../protocol/records/record-batch.js';
import { DEFAULT_CLEANER_DEDUPE_BUFFER_BYTES, DEFAULT_MAX_COMPACTION_LAG_MS, DEFAULT_MIN_CLEANABLE_DIRTY_RATIO, type LogConfig } from './log-config.js';
import { CLEANED_SUFFIX, LOG_SUFFIX, SWAP_SUFFIX, segmentFileName } from './log-file-names.js';
import { LogSegment, MAX_RELATIVE_OFFSET } from './log-segment.js';
import { OffsetMap } from './offset-map.js';
import { type LogDirectory } from './storage.js';

/** What the cleaner needs of the log it cleans. */
export interface CleanerHost {
  readonly dir: LogDirectory;
  readonly config: LogConfig;
  /** The segments now, oldest first, the active one last. */
  readonly segments: readonly LogSegment[];
  readonly highWatermark: number;
  /** True once the log is closing: abandon the pass. */
  readonly closing: boolean;
  /** Replaces the contiguous `old` segments by `cleaned` in the segment list, synchronously. */
  replaceSegments(old: readonly LogSegment[], cleaned: LogSegment): void;
}

/** What one pass did. */
export interface CleanerStats {
  /** Segments rewritten. */
  readonly segmentsCleaned: number;
  /** One past the last offset of the cleaned range: where the next pass's dirty part starts. */
  readonly cleanedUpTo: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly recordsRemoved: number;
  /** Retained tombstones carry delete horizons; the earliest one, or null. */
  readonly earliestDeleteHorizon: number | null;
  /** Dirty cleanable bytes over cleaned plus dirty cleanable bytes, when the pass began. */
  readonly dirtyRatio: number;
  /** Keys in the offset map at the end of the pass: at most {@link offsetMapCapacity}. */
  readonly offsetMapKeys: number;
  /** Keys the offset map could hold: 90% of its slots (Kafka's log.cleaner.io.buffer.load.factor). */
  readonly offsetMapCapacity: number;
  /** Bytes the offset map allocated: 24 per slot, at most `cleanerDedupeBufferBytes`. */
  readonly offsetMapBytes: number;
}

/** Batches read per page while paging through a segment across awaits. */
const PAGE = 256;

/** The batches of a segment from the one holding `from` (default: its first). */
async function* batchesOf(segment: LogSegment, from = segment.baseOffset): AsyncGenerator<{ position: number; header: RecordBatchHeader }> {
  let offset = from;
  for (;;) {
    const page = segment.headers(offset, PAGE);
    if (page.length === 0) return;
    yield* page;
    const last = page[page.length - 1]!.header;
    offset = last.baseOffset + last.lastOffsetDelta + 1;
  }
}

async function decode(segment: LogSegment, position: number, header: RecordBatchHeader): Promise<RecordBatch> {
  // The CRC is checked again: rewriting a corrupt batch under a fresh CRC would hide the damage.
  const [batch] = await decodeRecordBatches(segment.log.read(position, 12 + header.batchLength));
  if (batch === undefined) throw new Error(`batch at offset ${header.baseOffset} in segment ${segment.baseOffset} is cut short`);
  return batch;
}

/** Kafka's `groupSegmentsBySize`: consecutive segments whose total fits one segment and one int32 offset range. */
function groupBySize(segments: readonly LogSegment[], maxBytes: number): LogSegment[][] {
  const groups: LogSegment[][] = [];
  for (const segment of segments) {
    const group = groups[groups.length - 1];
    const size = group?.reduce((sum, s) => sum + s.size, 0) ?? 0;
    if (group !== undefined && size + segment.size <= maxBytes && segment.nextOffset - 1 - group[0]!.baseOffset <= MAX_RELATIVE_OFFSET) group.push(segment);
    else groups.push([segment]);
  }
  return groups;
}

const sizeOf = (segments: readonly LogSegment[]): number => segments.reduce((sum, s) => sum + s.size, 0);

/** The state one pass carries from batch to batch. */
interface Pass {
  readonly now: number;
  readonly map: OffsetMap;
  readonly lastBatchOfProducer: Map<bigint, number>;
  recordsRemoved: number;
  earliestDeleteHorizon: number | null;
}

/** The compaction state of one log: where the dirty part starts, and when retained tombstones expire. */
export class LogCleaner {
  #cleanedUpTo = -1;
  #earliestDeleteHorizon: number | null = null;

  constructor(readonly host: CleanerHost) {}

  /** The cleanable segments: a prefix of the inactive ones (see the file comment). */
  cleanableSegments(now: number): LogSegment[] {
    const { segments, highWatermark, config } = this.host;
    const lag = config.minCompactionLagMs ?? 0;
    const out: LogSegment[] = [];
    for (let i = 0; i < segments.length - 1; i++) {
      const segment = segments[i]!;
      if (segments[i + 1]!.baseOffset > highWatermark) break;
      if (lag > 0 && segment.largestTimestamp > now - lag) break;
      out.push(segment);
    }
    return out;
  }

  /**
   * Runs one pass if the log is eligible (see the file comment): dirty enough
   * for min.cleanable.dirty.ratio, dirty for longer than max.compaction.lag.ms,
   * or holding a tombstone whose delete horizon passed.
   *
   * @param now - the pass time: tombstones expire and compaction lags are measured against it
   * @returns what the pass did, or null when the log was not eligible or closed meanwhile
   * @throws CorruptRecordError when a batch fails its CRC (the pass is abandoned, nothing is replaced)
   * @throws Error when one batch has more keys than the offset map can hold (log.cleaner.dedupe.buffer.size too small)
   */
  async clean(now: number): Promise<CleanerStats | null> {
    const { config, segments } = this.host;
    if (!config.cleanupPolicy.includes('compact')) return null;
    const logStart = segments[0]!.baseOffset;
    const active = segments[segments.length - 1]!;
    // Java's `cleanableOffsets`: a checkpoint outside the log (retention, DeleteRecords) means all is dirty.
    const firstDirty = this.#cleanedUpTo >= logStart && this.#cleanedUpTo <= active.baseOffset ? this.#cleanedUpTo : logStart;
    const dirty = this.cleanableSegments(now).filter((s) => s.nextOffset > firstDirty);
    const firstUncleanable = dirty[dirty.length - 1]?.nextOffset ?? firstDirty;
    const dirtyBytes = sizeOf(dirty);
    const totalBytes = sizeOf(segments.filter((s) => s.baseOffset < firstDirty)) + dirtyBytes;
    const dirtyRatio = totalBytes === 0 ? 0 : dirtyBytes / totalBytes;
    const eligible =
      (dirtyBytes > 0 && (dirtyRatio > (config.minCleanableDirtyRatio ?? DEFAULT_MIN_CLEANABLE_DIRTY_RATIO) || this.#compactionLagPassed(firstDirty, now))) ||
      (this.#earliestDeleteHorizon !== null && now >= this.#earliestDeleteHorizon);
    if (!eligible) return null;

    const scan = await this.#scanHeaders(firstDirty, firstUncleanable);
    if (scan === null) return null;
    const map = OffsetMap.sized(scan.dirtyRecords, config.cleanerDedupeBufferBytes ?? DEFAULT_CLEANER_DEDUPE_BUFFER_BYTES, firstDirty - 1);
    if (!(await this.#buildOffsetMap(map, dirty, firstDirty))) return null;
    // Kafka's `doClean`: everything from the log start up to where the map reaches.
    const end = map.latestOffset + 1;
    const toClean = segments.slice(0, -1).filter((s) => s.baseOffset < end);
    if (toClean.length === 0) {
      this.#earliestDeleteHorizon = null;
      return null;
    }
    const pass: Pass = { now, map, lastBatchOfProducer: scan.lastBatchOfProducer, recordsRemoved: 0, earliestDeleteHorizon: null };
    const bytesBefore = sizeOf(toClean);
    let bytesAfter = 0;
    for (const group of groupBySize(toClean, config.segmentBytes)) {
      const cleaned = await this.#cleanGroup(group, pass);
      if (cleaned === null) return null;
      bytesAfter += cleaned.size;
    }
    this.#cleanedUpTo = end;
    this.#earliestDeleteHorizon = pass.earliestDeleteHorizon;
    return {
      segmentsCleaned: toClean.length,
      cleanedUpTo: end,
      bytesBefore,
      bytesAfter,
      recordsRemoved: pass.recordsRemoved,
      earliestDeleteHorizon: pass.earliestDeleteHorizon,
      dirtyRatio,
      offsetMapKeys: map.size,
      offsetMapCapacity: map.capacity,
      offsetMapBytes: map.bytes,
    };
  }

  /** Java's `maxCompactionDelay`: a dirty inactive segment whose first batch is older than max.compaction.lag.ms. */
  #compactionLagPassed(firstDirty: number, now: number): boolean {
    const { segments, config } = this.host;
    const cleanUntil = now - (config.maxCompactionLagMs ?? DEFAULT_MAX_COMPACTION_LAG_MS);
    if (cleanUntil <= 0) return false;
    return segments.slice(0, -1).some((s) => {
      if (s.nextOffset <= firstDirty) return false;
      const first = s.headers(s.baseOffset, 1)[0]?.header.maxTimestamp ?? -1;
      return first > 0 && first < cleanUntil;
    });
  }

  /**
   * Headers only: each producer's last batch over the whole log, and how many
   * records the dirty part has (to size the offset map); null when the log is closing.
   */
  async #scanHeaders(firstDirty: number, firstUncleanable: number): Promise<{ lastBatchOfProducer: Map<bigint, number>; dirtyRecords: number } | null> {
    const lastBatchOfProducer = new Map<bigint, number>();
    let dirtyRecords = 0;
    for (const segment of this.host.segments) {
      for await (const { header } of batchesOf(segment)) {
        if (this.host.closing) return null;
        if (header.producerIdExact >= 0n) lastBatchOfProducer.set(header.producerIdExact, header.baseOffset);
        const lastOffset = header.baseOffset + header.lastOffsetDelta;
        if (!header.isControlBatch && lastOffset >= firstDirty && header.baseOffset < firstUncleanable) dirtyRecords += header.recordCount;
      }
    }
    return { lastBatchOfProducer, dirtyRecords };
  }

  /**
   * Java's `buildOffsetMap`: key -> newest offset over the dirty segments' records from
   * `firstDirty`, a whole batch at a time, until the map is full; `map.latestOffset`
   * ends at the last offset covered. False when the log is closing.
   */
  async #buildOffsetMap(map: OffsetMap, dirty: readonly LogSegment[], firstDirty: number): Promise<boolean> {
    for (const segment of dirty) {
      for await (const { position, header } of batchesOf(segment, Math.max(firstDirty, segment.baseOffset))) {
        if (this.host.closing) return false;
        const lastOffset = header.baseOffset + header.lastOffsetDelta;
        if (!header.isControlBatch) {
          const batch = await decode(segment, position, header);
          for (const record of batch.records) {
            if (record.key === null || record.offset < firstDirty) continue;
            if (!map.put(OffsetMap.hash(record.key), record.offset)) {
              if (map.latestOffset < firstDirty) {
                throw new Error(`log.cleaner.dedupe.buffer.size is too small: the offset map holds ${map.capacity} keys, the batch at offset ${header.baseOffset} has more`);
              }
              return true;
            }
          }
        }
        map.latestOffset = Math.max(map.latestOffset, lastOffset);
      }
      // Offsets compaction removed at the segment's end are covered too (Java fast-forwards the same way).
      map.latestOffset = Math.max(map.latestOffset, segment.nextOffset - 1);
    }
    return true;
  }

  /** Pass 2 for one group: writes the cleaned segment and swaps it in; null when abandoned because the log is closing. */
  async #cleanGroup(group: readonly LogSegment[], pass: Pass): Promise<LogSegment | null> {
    const { dir, config } = this.host;
    const base = group[0]!.baseOffset;
    const cleaned = LogSegment.create(dir, base, config.indexIntervalBytes, pass.now, CLEANED_SUFFIX);
    const lastSegment = group[group.length - 1]!;
    const discard = async (): Promise<void> => {
      await cleaned.log.close();
      dir.remove(segmentFileName(base, LOG_SUFFIX + CLEANED_SUFFIX));
    };
    try {
      for (const segment of group) {
        for await (const { position, header } of batchesOf(segment)) {
          if (this.host.closing) {
            await discard();
            return null;
          }
          const isLastOfGroup = segment === lastSegment && header.baseOffset + header.lastOffsetDelta + 1 >= segment.nextOffset;
          const bytes = header.isControlBatch ? segment.log.read(position, 12 + header.batchLength) : await this.#cleanBatch(segment, position, header, isLastOfGroup, pass);
          if (bytes !== null) cleaned.append(bytes);
        }
      }
      cleaned.onBecomeInactive();
      await cleaned.log.sync();
    } catch (err) {
      // Nothing was replaced yet: the log stays as it was, minus the half-written copy.
      await discard();
      throw err;
    }
    dir.rename(segmentFileName(base, LOG_SUFFIX + CLEANED_SUFFIX), segmentFileName(base, LOG_SUFFIX + SWAP_SUFFIX));
    await dir.sync();
    // From here to the rename of the .swap nothing awaits: readers see the old segments or the cleaned one.
    this.host.replaceSegments(group, cleaned);
    for (const old of group) old.markDeleted(dir);
    dir.rename(segmentFileName(base, LOG_SUFFIX + SWAP_SUFFIX), segmentFileName(base, LOG_SUFFIX));
    await dir.sync();
    await cleaned.persistIndexes(dir);
    for (const old of group) await old.destroy(dir);
    return cleaned;
  }

  /** The bytes to keep of one data batch, or null to drop it. */
  async #cleanBatch(segment: LogSegment, position: number, header: RecordBatchHeader, isLastOfGroup: boolean, pass: Pass): Promise<Buffer | null> {
    const batch = await decode(segment, position, header);
    const horizonPassed = batch.hasDeleteHorizon && batch.baseTimestamp <= pass.now;
    const retained: KafkaRecord[] = [];
    let tombstones = false;
    for (const record of batch.records) {
      // Java's `shouldRetainRecord`: a record past the map stays (its key's newer records are not known yet);
      // one within it only if it is the newest of its key, and a tombstone only until its delete horizon.
      const mapped = record.offset <= pass.map.latestOffset;
      if (mapped && (record.key === null || record.offset < pass.map.get(OffsetMap.hash(record.key)))) continue;
      if (record.value === null) {
        if (mapped && horizonPassed) continue;
        tombstones = true;
      }
      retained.push(record);
    }
    pass.recordsRemoved += batch.records.length - retained.length;
    const horizon = tombstones ? (batch.hasDeleteHorizon ? batch.baseTimestamp : pass.now + this.host.config.deleteRetentionMs) : null;
    if (horizon !== null && (pass.earliestDeleteHorizon === null || horizon < pass.earliestDeleteHorizon)) pass.earliestDeleteHorizon = horizon;
    const keepEmpty = isLastOfGroup || (batch.producerIdExact >= 0n && pass.lastBatchOfProducer.get(batch.producerIdExact) === batch.baseOffset);
    if (retained.length === 0 && !keepEmpty) return null;
    if (retained.length === batch.records.length && (!tombstones || batch.hasDeleteHorizon)) {
      return segment.log.read(position, 12 + header.batchLength);
    }
    return encodeRecordBatch({
      baseOffset: batch.baseOffset,
      partitionLeaderEpoch: batch.partitionLeaderEpoch,
      compression: batch.compression,
      timestampType: batch.timestampType,
      isTransactional: batch.isTransactional,
      producerId: batch.producerIdExact,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
      // Kept even when the last records go, so the producer's last sequence survives (Java's `overrideLastOffset`).
      lastOffsetDelta: batch.lastOffsetDelta,
      hasDeleteHorizon: horizon !== null,
      ...(horizon !== null ? { baseTimestamp: horizon } : {}),
      // LogAppendTime batches carry the append time in maxTimestamp; CreateTime ones recompute it from what is kept (or keep it when empty).
      ...(batch.timestampType === 'LogAppendTime' || retained.length === 0 ? { maxTimestamp: batch.maxTimestamp } : {}),
      records: retained.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: r.offset - batch.baseOffset })),
    });
  }
}
