/**
 * Opening a partition directory (Java's `LogLoader`): finishes or undoes what
 * a crash interrupted (cleaner swaps, deletions), loads each segment, and
 * recovers the ones that may hold a torn tail.
 *
 * After a clean close (the `.kafka_cleanshutdown` marker is present) every
 * segment's indexes are loaded from its files. Otherwise segments wholly below
 * the checkpointed recovery point load their indexes, and the rest are read
 * batch by batch, checking framing and CRC-32C: the file is truncated at the
 * first batch that fails, the segments after it are deleted (as Kafka does),
 * and the indexes are rebuilt. The marker is then removed durably before any
 * append, so a later crash is never mistaken for a clean close.
 */
import {
  CLEANED_SUFFIX,
  CLEAN_SHUTDOWN_FILE,
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  SWAP_SUFFIX,
  TEMP_SUFFIX,
  TIME_INDEX_SUFFIX,
  parseSegmentFileName,
  segmentFileName,
} from './log-file-names.js';
import { readLogCheckpoint } from './log-checkpoint.js';
import { LogSegment } from './log-segment.js';
import { type LogDirectory } from './storage.js';

/** What opening a directory found. */
export interface LoadedLog {
  /** The segments, by base offset; never empty. */
  readonly segments: LogSegment[];
  readonly logStartOffset: number;
  readonly hadCleanShutdown: boolean;
  /** Segments read batch by batch because they might be torn. */
  readonly recoveredSegments: number;
  /** Bytes cut from torn tails (and deleted segments after them). */
  readonly truncatedBytes: number;
}

function removeSegmentFiles(dir: LogDirectory, baseOffset: number): void {
  dir.remove(segmentFileName(baseOffset, LOG_SUFFIX));
  dir.remove(segmentFileName(baseOffset, INDEX_SUFFIX));
  dir.remove(segmentFileName(baseOffset, TIME_INDEX_SUFFIX));
}

/**
 * Completes interrupted cleaner swaps (Java's `LogLoader` swap handling). A
 * `.log.swap` is a cleaned segment that was fully written and synced: it
 * replaces every segment whose base offset lies in its offset range. (The
 * cleaner always keeps the last batch of a cleaned group, so that range is
 * exactly the segments it replaced.)
 */
async function completeSwaps(dir: LogDirectory, segments: Map<number, LogSegment>, swaps: number[], indexIntervalBytes: number, now: number): Promise<LogSegment[]> {
  const swapped: LogSegment[] = [];
  for (const base of swaps.sort((a, b) => a - b)) {
    const name = segmentFileName(base, LOG_SUFFIX + SWAP_SUFFIX);
    const swap = new LogSegment(base, dir.open(name, false), indexIntervalBytes, now);
    swap.recover();
    for (const [oldBase, old] of segments) {
      if (oldBase >= base && oldBase < Math.max(swap.nextOffset, base + 1)) {
        await old.log.close();
        removeSegmentFiles(dir, oldBase);
        segments.delete(oldBase);
      }
    }
    dir.rename(name, segmentFileName(base, LOG_SUFFIX));
    segments.set(base, swap);
    swapped.push(swap);
  }
  return swapped;
}

/**
 * Loads and, where needed, recovers the segments of a partition directory.
 *
 * @param dir - the partition directory
 * @param indexIntervalBytes - `index.interval.bytes`, for rebuilt indexes
 * @param now - load time (segments' creation time for segment.ms)
 */
export async function loadLog(dir: LogDirectory, indexIntervalBytes: number, now: number): Promise<LoadedLog> {
  const names = dir.list();
  const hadCleanShutdown = names.includes(CLEAN_SHUTDOWN_FILE);
  const segments = new Map<number, LogSegment>();
  const swaps: number[] = [];
  const indexFiles: { name: string; baseOffset: number }[] = [];
  for (const name of names) {
    // Leftovers of an interrupted cleaning, deletion or checkpoint write: never part of the log.
    if (name.endsWith(CLEANED_SUFFIX) || name.endsWith(DELETED_SUFFIX) || name.endsWith(TEMP_SUFFIX)) {
      dir.remove(name);
      continue;
    }
    const parsed = parseSegmentFileName(name);
    if (parsed === null) continue;
    if (parsed.suffix === LOG_SUFFIX) segments.set(parsed.baseOffset, new LogSegment(parsed.baseOffset, dir.open(name, false), indexIntervalBytes, now));
    else if (parsed.suffix === LOG_SUFFIX + SWAP_SUFFIX) swaps.push(parsed.baseOffset);
    else if (parsed.suffix === INDEX_SUFFIX || parsed.suffix === TIME_INDEX_SUFFIX) indexFiles.push({ name, baseOffset: parsed.baseOffset });
    else if (parsed.suffix.endsWith(SWAP_SUFFIX)) dir.remove(name);
  }
  const recovered = new Set<LogSegment>(await completeSwaps(dir, segments, swaps, indexIntervalBytes, now));
  for (const index of indexFiles) if (!segments.has(index.baseOffset)) dir.remove(index.name);

  const checkpoint = readLogCheckpoint(dir);
  const recoveryPoint = hadCleanShutdown ? Infinity : (checkpoint?.recoveryPoint ?? 0);
  const list = [...segments.values()].sort((a, b) => a.baseOffset - b.baseOffset);
  let truncatedBytes = 0;
  for (let i = 0; i < list.length; i++) {
    const segment = list[i]!;
    if (recovered.has(segment)) continue;
    const nextBase = list[i + 1]?.baseOffset ?? Infinity;
    if (nextBase <= recoveryPoint && loadIndexFiles(dir, segment)) continue;
    recovered.add(segment);
    const truncated = segment.recover();
    truncatedBytes += truncated;
    if (truncated > 0) {
      // Batches after a torn one cannot be trusted to follow it: drop the later segments (Java's `recoverLog`).
      for (const later of list.splice(i + 1)) {
        truncatedBytes += later.size;
        await later.log.close();
        removeSegmentFiles(dir, later.baseOffset);
      }
    }
  }

  let logStartOffset = Math.max(checkpoint?.logStartOffset ?? 0, list[0]?.baseOffset ?? 0);
  const logEndOffset = list[list.length - 1]?.nextOffset ?? 0;
  if (logStartOffset > logEndOffset || list.length === 0) {
    // Everything below the log start offset is gone (or there never was a segment): start empty there.
    for (const segment of list.splice(0)) {
      await segment.log.close();
      removeSegmentFiles(dir, segment.baseOffset);
    }
    list.push(LogSegment.create(dir, logStartOffset, indexIntervalBytes, now));
  }
  logStartOffset = Math.max(logStartOffset, list[0]!.baseOffset);

  // Make what recovery kept (and the indexes it rebuilt) durable, so the recovery point can move past it.
  for (const segment of list) {
    if (!recovered.has(segment)) continue;
    await segment.log.sync();
    if (segment !== list[list.length - 1]) {
      segment.onBecomeInactive();
      await segment.persistIndexes(dir);
    }
  }
  if (hadCleanShutdown) dir.remove(CLEAN_SHUTDOWN_FILE);
  await dir.sync();
  return { segments: list, logStartOffset, hadCleanShutdown, recoveredSegments: recovered.size, truncatedBytes };
}

/** Loads a segment's index files; false when they are missing or do not match the log (then recover it). */
function loadIndexFiles(dir: LogDirectory, segment: LogSegment): boolean {
  const offsets = dir.readFile(segmentFileName(segment.baseOffset, INDEX_SUFFIX));
  const times = dir.readFile(segmentFileName(segment.baseOffset, TIME_INDEX_SUFFIX));
  return offsets !== null && times !== null && segment.loadIndexes(offsets, times);
}
