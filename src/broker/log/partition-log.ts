/**
 * The log of one partition (Java's `UnifiedLog` for a single replica): what the
 * broker's Produce, Fetch, ListOffsets and DeleteRecords handlers call.
 *
 * Offsets: `logStartOffset` <= `highWatermark` <= `logEndOffset`. The broker
 * assigns offsets on append. With one replica the high watermark is the log
 * end offset as soon as an append is durable under the flush policy: at once
 * for `os` and `interval`, after the fdatasync for `every-write`. Fetches never
 * see past the high watermark.
 *
 * Concurrency: appends and reads run synchronously to completion (see
 * storage.ts), so two appends called in order get increasing offsets in that
 * order without a lock; only durability is awaited. Retention, compaction,
 * DeleteRecords' segment deletion and the reopen after an I/O error run one at
 * a time (the maintenance queue) and replace segments in single synchronous
 * steps, so a read sees the old segments or the new ones, never a mix.
 *
 * Failures: an I/O error takes the log offline and it is reopened from its
 * files once the cause is gone (log-health.ts); meanwhile every call throws
 * {@link KafkaStorageError}.
 */
import { type RecordBatchHeader } from '../../protocol/records/record-batch.js';
import { type BrokerLogger } from '../logger.js';
import { assignOffsets } from './assign-offsets.js';
import { FileLogDirectory } from './file-storage.js';
import { type CleanerStats, LogCleaner } from './log-cleaner.js';
import { LogCheckpointWriter } from './log-checkpoint.js';
import { type LogConfig, validateLogConfig } from './log-config.js';
import { formatPartitionMetadata, PARTITION_METADATA_FILE, readPartitionTopicId } from './log-dir-layout.js';
import { InconsistentTopicIdError, KafkaStorageError, OffsetOutOfRangeError } from './log-errors.js';
import { CLEAN_SHUTDOWN_FILE } from './log-file-names.js';
import { LogFlusher } from './log-flusher.js';
import { DEFAULT_REOPEN_BACKOFF, LogHealth, type ReopenBackoff } from './log-health.js';
import { loadLog } from './log-loader.js';
import { type TimestampAndOffset, findRecordByTimestamp, readBatches, segmentIndexFor } from './log-reads.js';
import { segmentsToDelete } from './log-retention.js';
import { LogSegment, MAX_RELATIVE_OFFSET } from './log-segment.js';
import { MemoryLogDirectory } from './memory-storage.js';
import { type LogDirectory } from './storage.js';

export { type LogConfig, type LogFlushPolicy, DEFAULT_LOG_CONFIG } from './log-config.js';
export { type CleanerStats } from './log-cleaner.js';
export { type TimestampAndOffset } from './log-reads.js';

/** What an append assigned (the Produce response's partition fields). */
export interface LogAppendInfo {
  /** Offset of the first appended record. */
  readonly baseOffset: number;
  /** Offset of the last appended record. */
  readonly lastOffset: number;
  /** The broker's stamp for LogAppendTime topics, -1 for CreateTime. */
  readonly logAppendTime: number;
  /** The log start offset after the append. */
  readonly logStartOffset: number;
}

/** An append whose bytes are written; `durable` resolves when the high watermark covers them. */
export interface PendingAppend extends LogAppendInfo {
  /** Resolves once durable under the flush policy; rejects with KafkaStorageError when the sync fails. */
  readonly durable: Promise<void>;
}

/** How a log is opened, besides its directory and settings. */
export interface PartitionLogOptions {
  /**
   * The topic id kept in the directory's `partition.metadata` (KIP-516): written
   * when missing; a directory holding another id refuses the open
   * ({@link InconsistentTopicIdError}), as Kafka refuses a log of another topic.
   */
  readonly topicId?: string;
  /** The partition's name for messages, e.g. `orders-0`. */
  readonly name?: string;
  /** Where I/O failures and recoveries are reported (none: not reported). */
  readonly logger?: BrokerLogger;
  /** Waits between attempts to reopen the log after an I/O error. */
  readonly reopenBackoff?: ReopenBackoff;
}

/** DeleteRecords' move of the log start offset (see {@link PartitionLog.incrementLogStartOffset}). */
export interface LogStartOffsetMove {
  /** The log start offset after the call. */
  readonly logStartOffset: number;
  /** Resolves once the log start offset is durable (in the checkpoint). */
  readonly durable: Promise<void>;
  /** Resolves once the segments wholly below it are deleted; returns how many were. */
  readonly segmentsDeleted: Promise<number>;
}

/** Bytes for a Fetch response, and the offsets to report beside them. */
export interface LogReadResult {
  /** Whole batches, starting with the one holding the fetch offset; empty when there is nothing to return. */
  readonly records: Buffer<ArrayBuffer>;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

const EMPTY: Buffer<ArrayBuffer> = Buffer.alloc(0);
/** Shared by every append that is durable at once (flush policies os and interval). */
const DURABLE: Promise<void> = Promise.resolve();
/** Batch headers per page in {@link PartitionLog.batches}. */
const PAGE = 256;

/** The log of one partition. Open with {@link PartitionLog.open}. */
export class PartitionLog {
  readonly #dir: LogDirectory;
  #config: LogConfig;
  #lastFlushTime = Date.now();
  readonly #segments: LogSegment[];
  #logStartOffset: number;
  #highWatermark: number;
  #recoveryPoint: number;
  #flusher: LogFlusher;
  readonly #checkpoint: LogCheckpointWriter;
  readonly #cleaner: LogCleaner;
  readonly #health: LogHealth;
  #maintenance: Promise<unknown> = Promise.resolve();
  #rollTasks: Promise<void> = Promise.resolve();
  /** Set by close() or delete(): the close in progress or done. */
  #closing: Promise<void> | null = null;
  #closed = false;

  private constructor(dir: LogDirectory, config: LogConfig, segments: LogSegment[], logStartOffset: number, options: PartitionLogOptions) {
    this.#dir = dir;
    this.#config = config;
    this.#segments = segments;
    this.#logStartOffset = logStartOffset;
    this.#highWatermark = this.logEndOffset;
    this.#recoveryPoint = this.#active.baseOffset;
    this.#flusher = new LogFlusher(dir);
    const where = options.name === undefined ? (dir.path ?? 'an in-memory log') : `${options.name} (${dir.path ?? 'in memory'})`;
    this.#health = new LogHealth(where, options.logger, options.reopenBackoff ?? DEFAULT_REOPEN_BACKOFF, () => this.#queue(() => this.#reopen()));
    this.#checkpoint = new LogCheckpointWriter(dir, () => ({ recoveryPoint: this.#recoveryPoint, logStartOffset: this.#logStartOffset }));
    // Getters, not copies: the cleaner must see the live segment list and settings.
    const log = this;
    this.#cleaner = new LogCleaner({
      dir,
      get config() {
        return log.#config;
      },
      get segments() {
        return log.#segments;
      },
      get highWatermark() {
        return log.#highWatermark;
      },
      get closing() {
        return log.#closing !== null;
      },
      replaceSegments: (old, cleaned) => this.#replaceSegments(old, cleaned),
    });
  }

  /**
   * Opens a partition log, recovering it when it was not closed cleanly (see log-loader.ts).
   *
   * @param dir - the partition directory (`<log.dirs>/<topic>-<partition>`, created if missing);
   *   null for a fresh in-memory log; or a {@link LogDirectory} (a kept MemoryLogDirectory reopens its log)
   * @param config - the topic's log settings, validated here
   * @param options - the topic id, a name and a logger for failures
   * @throws LogConfigError for a bad setting; {@link InconsistentTopicIdError} when the directory
   *   belongs to another topic; {@link KafkaStorageError} when the directory cannot be read or written
   */
  static async open(dir: string | LogDirectory | null, config: LogConfig, options: PartitionLogOptions = {}): Promise<PartitionLog> {
    const valid = validateLogConfig(config);
    let directory: LogDirectory | undefined;
    let segments: LogSegment[] = [];
    try {
      directory = dir === null ? new MemoryLogDirectory() : typeof dir === 'string' ? FileLogDirectory.open(dir) : dir;
      const loaded = await loadLog(directory, valid.indexIntervalBytes, Date.now());
      segments = loaded.segments;
      if (options.topicId !== undefined) await assignTopicId(directory, options.topicId);
      const log = new PartitionLog(directory, valid, segments, loaded.logStartOffset, options);
      await log.#checkpoint.write();
      return log;
    } catch (err) {
      // Nothing keeps the files of a log that did not open.
      await Promise.allSettled(segments.map((s) => s.log.close()));
      if (err instanceof InconsistentTopicIdError) throw err;
      const where = directory?.path ?? (typeof dir === 'string' ? dir : 'memory');
      throw new KafkaStorageError(`cannot open the log in ${where}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The first offset a consumer can fetch. */
  get logStartOffset(): number {
    return this.#logStartOffset;
  }

  /** One past the last appended offset (LEO). */
  get logEndOffset(): number {
    return this.#active.nextOffset;
  }

  /** One past the last offset that is durable under the flush policy and readable. */
  get highWatermark(): number {
    return this.#highWatermark;
  }

  /** Whether the log is closing or closed (the broker shuts down, or the partition is deleted): nothing may read it. */
  get isClosing(): boolean {
    return this.#closing !== null;
  }

  /** When the last {@link flush} succeeded (ms since the epoch; the open, before any): Kafka's `lastFlushTime`, which `flush.ms` counts from. */
  get lastFlushTime(): number {
    return this.#lastFlushTime;
  }

  /** Bytes of all segment files. */
  get sizeInBytes(): number {
    return this.#segments.reduce((sum, s) => sum + s.size, 0);
  }

  /** Base offsets of the segments, oldest first (DescribeLogDirs, tests). */
  get segmentBaseOffsets(): number[] {
    return this.#segments.map((s) => s.baseOffset);
  }

  /** The settings in force. */
  get config(): LogConfig {
    return this.#config;
  }

  /** The directory on disk, or null in memory. */
  get path(): string | null {
    return this.#dir.path;
  }

  /** The I/O error that has the log offline, or null while it works. */
  get failure(): KafkaStorageError | null {
    return this.#health.failure;
  }

  /** Applies changed topic configs (AlterConfigs); segment sizes and retention apply from the next roll or pass. */
  updateConfig(config: LogConfig): void {
    this.#config = validateLogConfig(config);
    for (const segment of this.#segments) segment.indexIntervalBytes = this.#config.indexIntervalBytes;
  }

  get #active(): LogSegment {
    return this.#segments[this.#segments.length - 1]!;
  }

  /**
   * Appends batches already validated by the caller (CRC, record counts,
   * sequences). Offsets are assigned, the buffer rewritten in place (see
   * assign-offsets.ts) and the bytes written before this method returns; the
   * returned `durable` promise resolves when the flush policy is satisfied and
   * the high watermark covers the batches. An idempotence check can therefore
   * record the append right away, with no lock held across the fdatasync.
   *
   * @param batches - one or more concatenated magic-2 batches; modified in place
   * @param now - the append time (LogAppendTime, segment.ms), ms
   * @param leaderEpoch - stamped as partitionLeaderEpoch
   * @throws CorruptRecordError, RecordTooLargeError, InvalidRecordError: nothing was appended
   * @throws {@link KafkaStorageError} when the log is closed or failed
   */
  write(batches: Buffer, now: number, leaderEpoch = 0): PendingAppend {
    this.#checkUsable();
    const assigned = assignOffsets(batches, this.logEndOffset, leaderEpoch, this.#config.messageTimestampType, now, this.#config.maxMessageBytes);
    let segment = this.#active;
    try {
      if (this.#shouldRoll(segment, batches.length, assigned.maxTimestamp, assigned.lastOffset, now)) segment = this.#roll(now);
      segment.append(batches);
    } catch (err) {
      throw this.#fail(err);
    }
    if (this.#health.recovering) this.#health.writeSucceeded();
    this.#flusher.markDirty(segment.log);
    const end = assigned.lastOffset + 1;
    let durable: Promise<void>;
    if (this.#config.flush.kind === 'every-write') {
      durable = this.#flusher.flush().then(
        () => {
          if (end > this.#highWatermark) this.#highWatermark = end;
        },
        (err: unknown) => {
          throw this.#fail(err);
        },
      );
      // The failure also fails the log, so every later call reports it even if this promise is dropped.
      durable.catch(() => undefined);
    } else {
      this.#highWatermark = end;
      durable = DURABLE;
    }
    return { baseOffset: assigned.firstOffset, lastOffset: assigned.lastOffset, logAppendTime: assigned.logAppendTime, logStartOffset: this.#logStartOffset, durable };
  }

  /**
   * {@link write}, then waits until the append is durable.
   *
   * @returns the offsets assigned and the LogAppendTime stamp (-1 for CreateTime)
   */
  async append(batches: Buffer, now: number, leaderEpoch = 0): Promise<LogAppendInfo> {
    const { durable, ...info } = this.write(batches, now, leaderEpoch);
    await durable;
    return info;
  }

  /** Java's `LogSegment.shouldRoll`, minus the preallocated index limits this log does not have. */
  #shouldRoll(segment: LogSegment, bytes: number, maxTimestamp: number, lastOffset: number, now: number): boolean {
    if (segment.size === 0) return false;
    return (
      segment.size + bytes > this.#config.segmentBytes ||
      segment.timeWaitedForRoll(now, maxTimestamp) > this.#config.segmentMs ||
      lastOffset - segment.baseOffset > MAX_RELATIVE_OFFSET
    );
  }

  /** Starts a new active segment at the log end offset; the old one is flushed in the background, as Kafka does on roll. */
  #roll(now: number): LogSegment {
    const old = this.#active;
    old.onBecomeInactive();
    const segment = LogSegment.create(this.#dir, old.nextOffset, this.#config.indexIntervalBytes, now);
    this.#segments.push(segment);
    this.#flusher.markDirectoryDirty();
    this.#rollTasks = this.#rollTasks.then(async () => {
      try {
        await this.#flusher.flush();
        if (!old.deleted) await old.persistIndexes(this.#dir);
        this.#recoveryPoint = Math.max(this.#recoveryPoint, segment.baseOffset);
        await this.#checkpoint.write();
      } catch (err) {
        this.#fail(err);
      }
    });
    return segment;
  }

  /**
   * Reads whole batches for a Fetch, from the one holding `fetchOffset`, up to
   * `maxBytes` (but always the first batch unless `minOneBatch` is false), from
   * one segment, never at or past the high watermark (or `maxOffset`). The
   * first batch may start before `fetchOffset`; consumers skip those records.
   * No record is decoded. Synchronous: callers may `await` it all the same. The
   * records may be a view of an in-memory log: copy or send them before the log
   * can be truncated (Fetch encodes them into its response at once).
   *
   * @param fetchOffset - the consumer's position
   * @param maxBytes - the partition's byte budget
   * @param maxOffset - return no batch at or above this offset; default the high watermark (at most the log end offset)
   * @param minOneBatch - return the first batch even when it is larger than maxBytes (default true): KIP-74's
   *   rule for the first partition of a Fetch, so consumers always progress
   * @throws {@link OffsetOutOfRangeError} when fetchOffset is below the log start offset or above the log end offset
   */
  read(fetchOffset: number, maxBytes: number, maxOffset = this.#highWatermark, minOneBatch = true): LogReadResult {
    this.#checkUsable();
    const logEndOffset = this.logEndOffset;
    const result = (records: Buffer<ArrayBuffer>): LogReadResult => ({ records, highWatermark: this.#highWatermark, logStartOffset: this.#logStartOffset, logEndOffset });
    if (fetchOffset < this.#logStartOffset || fetchOffset > logEndOffset) throw new OffsetOutOfRangeError(fetchOffset, this.#logStartOffset, logEndOffset);
    const limit = Math.min(maxOffset, logEndOffset);
    if (fetchOffset >= limit) return result(EMPTY);
    try {
      return result(readBatches(this.#segments, fetchOffset, maxBytes, limit, minOneBatch));
    } catch (err) {
      throw this.#fail(err);
    }
  }

  /**
   * ListOffsets by timestamp: the first record at or above the log start offset
   * whose timestamp is at or after `timestamp` (Java's `fetchOffsetByTimestamp`),
   * found through the time indexes; only that record's batch is decoded.
   *
   * @param timestamp - ms, >= 0 (the special -1/-2/-3 are the caller's: high watermark, log start offset, {@link offsetOfMaxTimestamp})
   * @param maxOffset - ignore records at or past it; default the high watermark
   * @returns the record's offset and timestamp, or null when there is none
   */
  async offsetForTimestamp(timestamp: number, maxOffset = this.#highWatermark): Promise<TimestampAndOffset | null> {
    this.#checkUsable();
    if (timestamp < 0) throw new RangeError(`offsetForTimestamp takes a timestamp >= 0, got ${timestamp}`);
    const start = this.#segments.findIndex((s) => s.maxTimestamp >= timestamp && s.nextOffset > this.#logStartOffset);
    return start < 0 ? null : findRecordByTimestamp(this.#segments, start, timestamp, this.#logStartOffset, maxOffset);
  }

  /**
   * ListOffsets with MAX_TIMESTAMP (-3, KIP-734): the record with the largest
   * timestamp (the first such one).
   *
   * @param maxOffset - ignore records at or past it; default the high watermark
   */
  async offsetOfMaxTimestamp(maxOffset = this.#highWatermark): Promise<TimestampAndOffset | null> {
    this.#checkUsable();
    let best = -1;
    this.#segments.forEach((s, i) => {
      if (s.nextOffset > this.#logStartOffset && s.maxTimestamp >= 0 && (best < 0 || s.maxTimestamp > this.#segments[best]!.maxTimestamp)) best = i;
    });
    return best < 0 ? null : findRecordByTimestamp(this.#segments, best, this.#segments[best]!.maxTimestamp, this.#logStartOffset, maxOffset);
  }

  /**
   * DeleteRecords: moves the log start offset up to `offset` (durably, before
   * resolving) and deletes the segments wholly below it. Records below it in
   * the first remaining segment stay on disk but are no longer served.
   *
   * @param offset - the new log start offset; -1 means the high watermark (DeleteRecordsRequest.HIGH_WATERMARK)
   * @returns the log start offset after the call (the response's low_watermark)
   * @throws {@link OffsetOutOfRangeError} when `offset` is above the high watermark
   */
  async deleteRecordsBefore(offset: number): Promise<number> {
    const move = this.incrementLogStartOffset(offset);
    await move.durable;
    await move.segmentsDeleted;
    return move.logStartOffset;
  }

  /**
   * DeleteRecords' one step that must not interleave with appends (Java's
   * `maybeIncrementLogStartOffset`): the log start offset moves now, in this
   * call, and reads stop serving below it at once. Its durability (the
   * checkpoint) and the deletion of the segments wholly below it follow: the
   * deletion waits its turn in the maintenance queue, behind a compaction pass
   * maybe, and the caller need not hold anything while it waits.
   *
   * @param offset - the new log start offset; -1 means the high watermark (DeleteRecordsRequest.HIGH_WATERMARK)
   * @throws {@link OffsetOutOfRangeError} when `offset` is above the high watermark
   * @throws {@link KafkaStorageError} when the log is closed or offline
   */
  incrementLogStartOffset(offset: number): LogStartOffsetMove {
    this.#checkUsable();
    const target = offset === -1 ? this.#highWatermark : offset;
    if (target < 0 || target > this.#highWatermark) throw new OffsetOutOfRangeError(offset, this.#logStartOffset, this.#highWatermark, 'high watermark');
    let durable: Promise<void> = DURABLE;
    if (target > this.#logStartOffset) {
      this.#logStartOffset = target;
      durable = this.#guard(this.#checkpoint.write());
      // A failure takes the log offline and is logged there; this only keeps an unawaited promise quiet.
      durable.catch(() => undefined);
    }
    const segmentsDeleted = this.#exclusive(() => this.#deleteOldSegments(Date.now(), true));
    segmentsDeleted.catch(() => undefined);
    return { logStartOffset: this.#logStartOffset, durable, segmentsDeleted };
  }

  /**
   * Applies retention (see log-retention.ts): whole segments only, the oldest
   * first. Deleting every segment first rolls a new, empty active one, as Kafka
   * does; the log start offset then follows the first remaining segment.
   *
   * @param now - the time retention.ms is measured against
   * @returns how many segments were deleted
   */
  async enforceRetention(now: number): Promise<number> {
    // An offline log waits for its reopen: a retention pass over it would only fail again. A
    // closing one (its topic deleted, the broker stopping) is left alone, before or when its turn
    // comes, as Kafka leaves a deleted partition's log out of retention.
    if (this.#health.failure !== null || this.#closing !== null) return 0;
    return this.#queue(async () => {
      if (this.#closing !== null) return 0;
      this.#checkUsable();
      return this.#deleteOldSegments(now, false);
    });
  }

  async #deleteOldSegments(now: number, logStartOffsetOnly: boolean): Promise<number> {
    await this.#rollTasks;
    // Without `delete` in the policy only the log start offset rule applies: what DeleteRecords needs.
    const config = logStartOffsetOnly ? { ...this.#config, cleanupPolicy: ['compact' as const] } : this.#config;
    const state = { logStartOffset: this.#logStartOffset, logEndOffset: this.logEndOffset, highWatermark: this.#highWatermark };
    const count = segmentsToDelete(this.#segments, state, config, now).length;
    if (count === 0) return 0;
    if (count === this.#segments.length) this.#roll(now);
    const victims = this.#segments.splice(0, count);
    for (const segment of victims) {
      segment.markDeleted(this.#dir);
      this.#flusher.forget(segment.log);
    }
    this.#logStartOffset = Math.max(this.#logStartOffset, this.#segments[0]!.baseOffset);
    await this.#guard(Promise.all(victims.map((s) => s.destroy(this.#dir))));
    return count;
  }

  /**
   * One compaction pass when `cleanup.policy` includes `compact` (see log-cleaner.ts).
   *
   * @param now - the pass time: tombstones expire against it
   * @returns what the pass did, or null when there was nothing to clean
   * @throws CorruptRecordError when a batch fails its CRC; the log is left as it was
   */
  async compact(now: number): Promise<CleanerStats | null> {
    // Nothing to clean in a log that is offline, or closing (its topic deleted, the broker
    // stopping), before or when its turn comes: Kafka aborts the cleaning of a partition it
    // deletes (LogCleanerManager.abortCleaning), as the cleaner abandons a pass the close overtakes.
    if (this.#health.failure !== null || this.#closing !== null) return null;
    return this.#queue(async () => {
      if (this.#closing !== null) return null;
      this.#checkUsable();
      await this.#rollTasks;
      return this.#cleaner.clean(now);
    });
  }

  #replaceSegments(old: readonly LogSegment[], cleaned: LogSegment): void {
    const at = this.#segments.indexOf(old[0]!);
    if (at < 0 || old.some((s, i) => this.#segments[at + i] !== s)) throw new Error('cleaned segments are no longer contiguous in the log');
    this.#segments.splice(at, old.length, cleaned);
    for (const segment of old) this.#flusher.forget(segment.log);
  }

  /**
   * The headers (no records) of every batch from `fromOffset` (default: the
   * first stored batch) to the log end offset: to rebuild producer state on
   * startup (producerId, producerEpoch, baseSequence, lastOffsetDelta, baseOffset).
   */
  async *batches(fromOffset?: number): AsyncGenerator<RecordBatchHeader> {
    let offset = fromOffset ?? this.#segments[0]!.baseOffset;
    for (;;) {
      this.#checkUsable();
      let page: { header: RecordBatchHeader }[] = [];
      // Looked up again per page: segments may have been replaced while the caller awaited.
      for (let i = segmentIndexFor(this.#segments, offset); i < this.#segments.length && page.length === 0; i++) page = this.#segments[i]!.headers(offset, PAGE);
      const last = page[page.length - 1]?.header;
      if (last === undefined) return;
      for (const { header } of page) yield header;
      offset = last.baseOffset + last.lastOffsetDelta + 1;
    }
  }

  /**
   * Makes every append so far durable (the broker's timer for the `interval`
   * policy), and waits for the background work of earlier rolls (the rolled
   * segments' indexes and the checkpoint).
   */
  async flush(): Promise<void> {
    this.#checkUsable();
    const started = Date.now();
    await this.#guard(this.#flusher.flush());
    await this.#rollTasks;
    const failure = this.#health.failure;
    if (failure !== null) throw failure;
    this.#lastFlushTime = started;
  }

  /**
   * Flushes, writes the active segment's indexes and the checkpoint, then the
   * clean-shutdown marker, and closes the files. A log that failed closes
   * without the marker, so the next open recovers it.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close(true);
    return this.#closing;
  }

  /**
   * Renames the partition directory (a deleted partition takes its `-delete`
   * name at once, so its old name is free for a new topic while its files close).
   * Synchronous: the rename and the caller's next step happen in one turn.
   *
   * @param path - the new path, in the same parent directory
   */
  renameDir(path: string): void {
    this.#dir.moveTo(path);
  }

  /**
   * Closes the log without the clean-shutdown marker (nothing will open it
   * again) and deletes its directory with every file in it (Java's `UnifiedLog.delete`).
   */
  async delete(): Promise<void> {
    this.#closing ??= this.#close(false);
    await this.#closing;
    this.#dir.removeAll();
  }

  async #close(clean: boolean): Promise<void> {
    this.#health.stop();
    await this.#maintenance.catch(() => undefined);
    await this.#rollTasks;
    try {
      if (clean && this.#health.failure === null) {
        await this.#flusher.flush();
        this.#active.onBecomeInactive();
        await this.#active.persistIndexes(this.#dir);
        this.#recoveryPoint = this.logEndOffset;
        await this.#checkpoint.write();
        await this.#dir.writeFile(CLEAN_SHUTDOWN_FILE, EMPTY);
        await this.#dir.sync();
      }
    } finally {
      this.#closed = true;
      for (const segment of this.#segments) await segment.log.close();
    }
  }

  /**
   * Reopens the log from its files after an I/O error, as a restart would:
   * every file is closed and the directory loaded again, with recovery of
   * whatever a failed write left (a torn batch is cut, indexes rebuilt). The
   * checkpoint written last is the proof that the disk takes writes again; until
   * it succeeds the log stays offline and LogHealth tries again later.
   */
  async #reopen(): Promise<void> {
    if (this.#closing !== null) return;
    await this.#rollTasks;
    for (const segment of this.#segments) await segment.log.close();
    const loaded = await loadLog(this.#dir, this.#config.indexIntervalBytes, Date.now());
    // Swapped in even if the checkpoint below fails: the log stays offline then, and the next attempt closes these.
    this.#segments.splice(0, this.#segments.length, ...loaded.segments);
    // A log start offset DeleteRecords moved in memory but could not checkpoint stays moved; it is written below.
    this.#logStartOffset = Math.max(loaded.logStartOffset, Math.min(this.#logStartOffset, this.logEndOffset));
    // Recovery synced every segment it read, so all it kept is durable.
    this.#highWatermark = this.logEndOffset;
    this.#recoveryPoint = this.#active.baseOffset;
    this.#flusher = new LogFlusher(this.#dir);
    this.#rollTasks = Promise.resolve();
    await this.#checkpoint.write();
  }

  /** Queues maintenance work: one retention, compaction, deletion or reopen at a time. */
  #queue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#maintenance.catch(() => undefined).then(work);
    this.#maintenance = run;
    return run;
  }

  /** Queues maintenance work that needs the log usable when its turn comes. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.#queue(() => {
      this.#checkUsable();
      return work();
    });
  }

  #checkUsable(): void {
    if (this.#closing !== null || this.#closed) throw new KafkaStorageError(`the log in ${this.#dir.path ?? 'memory'} is closed`);
    const failure = this.#health.failure;
    if (failure !== null) throw failure;
  }

  async #guard<T>(io: Promise<T>): Promise<T> {
    try {
      return await io;
    } catch (err) {
      throw this.#fail(err);
    }
  }

  /** Takes the log offline after an I/O error (logged, reopened later: log-health.ts); returns the error to throw. */
  #fail(err: unknown): Error {
    if (err instanceof KafkaStorageError) return err;
    return this.#health.fail(err);
  }
}

/**
 * Kafka's `UnifiedLog.assignTopicId` on open: a directory without
 * `partition.metadata` gets one; one naming another topic id is refused.
 */
async function assignTopicId(dir: LogDirectory, topicId: string): Promise<void> {
  const stored = readPartitionTopicId(dir);
  if (stored === topicId) return;
  if (stored !== null) throw new InconsistentTopicIdError(dir.path ?? 'memory', stored, topicId);
  // The checkpoint written next syncs the directory, making the new name durable.
  await dir.writeFile(PARTITION_METADATA_FILE, formatPartitionMetadata(topicId));
}
