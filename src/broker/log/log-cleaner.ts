/**
 * Log compaction for `cleanup.policy=compact` (Java's `LogCleaner`), one pass
 * per call, on the segments that are cleanable: never the active segment,
 * only segments wholly below the high watermark, and (min.compaction.lag.ms)
 * only segments whose newest timestamp is old enough.
 *
 * A pass builds a map key -> newest offset over the cleanable segments (keys
 * whose newest record is in the active segment keep their last value in the
 * cleaned part, as in Kafka), then rewrites the segments in groups of at most
 * `segment.bytes` into `<first base>.log.cleaned`, keeping a record only if it
 * is the newest for its key. Batches keep their baseOffset, lastOffsetDelta,
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
import { type LogConfig } from './log-config.js';
import { CLEANED_SUFFIX, LOG_SUFFIX, SWAP_SUFFIX, segmentFileName } from './log-file-names.js';
import { LogSegment, MAX_RELATIVE_OFFSET } from './log-segment.js';
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
  /** One past the last offset of the cleaned range. */
  readonly cleanedUpTo: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly recordsRemoved: number;
  /** Retained tombstones carry delete horizons; the earliest one, or null. */
  readonly earliestDeleteHorizon: number | null;
}

/** Batches read per page while paging through a segment across awaits. */
const PAGE = 256;

async function* batchesOf(segment: LogSegment): AsyncGenerator<{ position: number; header: RecordBatchHeader }> {
  let offset = segment.baseOffset;
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

/** The compaction state of one log: what was cleaned, and when retained tombstones expire. */
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
   * Runs one pass if there is something to do: segments that became cleanable
   * since the last pass, or a retained tombstone whose delete horizon passed.
   * (Kafka also waits for min.cleanable.dirty.ratio; here any new cleanable
   * segment triggers a pass.)
   *
   * @param now - the pass time: tombstones expire against it
   * @returns what the pass did, or null when there was nothing to do or the log closed meanwhile
   * @throws CorruptRecordError when a batch fails its CRC (the pass is abandoned, nothing is replaced)
   */
  async clean(now: number): Promise<CleanerStats | null> {
    if (!this.host.config.cleanupPolicy.includes('compact')) return null;
    const cleanable = this.cleanableSegments(now);
    const last = cleanable[cleanable.length - 1];
    if (last === undefined) return null;
    const end = last.nextOffset;
    const horizonDue = this.#earliestDeleteHorizon !== null && now >= this.#earliestDeleteHorizon;
    if (end <= this.#cleanedUpTo && !horizonDue) return null;

    const { newest, lastBatchOfProducer } = await this.#buildOffsetMap(cleanable);
    if (newest === null) return null;
    const pass = { now, newest, lastBatchOfProducer, recordsRemoved: 0, earliestDeleteHorizon: null as number | null };
    let bytesBefore = 0;
    let bytesAfter = 0;
    for (const group of groupBySize(cleanable, this.host.config.segmentBytes)) {
      bytesBefore += group.reduce((sum, s) => sum + s.size, 0);
      const cleaned = await this.#cleanGroup(group, pass);
      if (cleaned === null) return null;
      bytesAfter += cleaned.size;
    }
    this.#cleanedUpTo = end;
    this.#earliestDeleteHorizon = pass.earliestDeleteHorizon;
    return { segmentsCleaned: cleanable.length, cleanedUpTo: end, bytesBefore, bytesAfter, recordsRemoved: pass.recordsRemoved, earliestDeleteHorizon: pass.earliestDeleteHorizon };
  }

  /** Pass 1: key -> newest offset over the cleanable segments; each producer's last batch over the whole log. */
  async #buildOffsetMap(cleanable: readonly LogSegment[]): Promise<{ newest: Map<string, number> | null; lastBatchOfProducer: Map<number, number> }> {
    const newest = new Map<string, number>();
    const lastBatchOfProducer = new Map<number, number>();
    for (const segment of this.host.segments) {
      const clean = cleanable.includes(segment);
      for await (const { position, header } of batchesOf(segment)) {
        if (this.host.closing) return { newest: null, lastBatchOfProducer };
        if (header.producerId >= 0) lastBatchOfProducer.set(header.producerId, header.baseOffset);
        if (!clean || header.isControlBatch) continue;
        const batch = await decode(segment, position, header);
        for (const record of batch.records) if (record.key !== null) newest.set(record.key.toString('latin1'), record.offset);
      }
    }
    return { newest, lastBatchOfProducer };
  }

  /** Pass 2 for one group: writes the cleaned segment and swaps it in; null when abandoned because the log is closing. */
  async #cleanGroup(
    group: readonly LogSegment[],
    pass: { now: number; newest: Map<string, number>; lastBatchOfProducer: Map<number, number>; recordsRemoved: number; earliestDeleteHorizon: number | null },
  ): Promise<LogSegment | null> {
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
  async #cleanBatch(
    segment: LogSegment,
    position: number,
    header: RecordBatchHeader,
    isLastOfGroup: boolean,
    pass: { now: number; newest: Map<string, number>; lastBatchOfProducer: Map<number, number>; recordsRemoved: number; earliestDeleteHorizon: number | null },
  ): Promise<Buffer | null> {
    const batch = await decode(segment, position, header);
    const horizonPassed = batch.hasDeleteHorizon && batch.baseTimestamp <= pass.now;
    const retained: KafkaRecord[] = [];
    let tombstones = false;
    for (const record of batch.records) {
      if (record.key === null || pass.newest.get(record.key.toString('latin1')) !== record.offset) continue;
      if (record.value === null) {
        if (horizonPassed) continue;
        tombstones = true;
      }
      retained.push(record);
    }
    pass.recordsRemoved += batch.records.length - retained.length;
    const horizon = tombstones ? (batch.hasDeleteHorizon ? batch.baseTimestamp : pass.now + this.host.config.deleteRetentionMs) : null;
    if (horizon !== null && (pass.earliestDeleteHorizon === null || horizon < pass.earliestDeleteHorizon)) pass.earliestDeleteHorizon = horizon;
    const keepEmpty = isLastOfGroup || (batch.producerId >= 0 && pass.lastBatchOfProducer.get(batch.producerId) === batch.baseOffset);
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
      producerId: batch.producerId,
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
