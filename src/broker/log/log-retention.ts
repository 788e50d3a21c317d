/**
 * Which old segments retention deletes (Java's `UnifiedLog.deleteOldSegments`).
 * Only whole segments go, oldest first, and only segments wholly below the
 * high watermark. With `cleanup.policy` including `delete`, three rules apply
 * in Kafka's order, each to what the previous left:
 * 1. log start offset: segments wholly below it (moved by DeleteRecords);
 * 2. `retention.bytes`: oldest segments while the log stays at or above the limit without them;
 * 3. `retention.ms`: segments whose largest timestamp is older than now - retention.ms.
 * With `compact` alone only rule 1 applies.
 *
 * As in Kafka, the active segment is deletable too once all of it has expired
 * (the log then rolls a new, empty one first), so a topic with a short
 * `retention.ms` empties without waiting for `segment.ms`.
 */
import { type LogConfig } from './log-config.js';

/** What retention needs to know of a segment. */
export interface RetentionSegment {
  readonly baseOffset: number;
  readonly size: number;
  /** Largest record timestamp, or the file's mtime when there is none. */
  readonly largestTimestamp: number;
}

/** Why a segment is deleted. */
export type RetentionReason = 'log-start-offset' | 'retention.bytes' | 'retention.ms';

/** The state of the log retention looks at. */
export interface RetentionState {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly highWatermark: number;
}

/**
 * Counts the leading segments retention deletes.
 *
 * @param segments - the log's segments, oldest first, the active one last
 * @param state - offsets of the log
 * @param config - `cleanup.policy`, `retention.ms`, `retention.bytes`
 * @param now - the time retention runs, ms
 * @returns how many segments from the start to delete, and the rule that took each
 */
export function segmentsToDelete(
  segments: readonly RetentionSegment[],
  state: RetentionState,
  config: Pick<LogConfig, 'cleanupPolicy' | 'retentionMs' | 'retentionBytes'>,
  now: number,
): RetentionReason[] {
  const reasons: RetentionReason[] = [];
  // Java's `deletableSegments`: stop at the first segment the rule keeps, or that is not wholly below the high watermark.
  const take = (reason: RetentionReason, shouldDelete: (segment: RetentionSegment, next: RetentionSegment | undefined) => boolean): void => {
    for (let i = reasons.length; i < segments.length; i++) {
      const segment = segments[i]!;
      const next = segments[i + 1];
      const upperBound = next?.baseOffset ?? state.logEndOffset;
      if (next === undefined && segment.size === 0) return;
      if (state.highWatermark < upperBound || !shouldDelete(segment, next)) return;
      reasons.push(reason);
    }
  };
  take('log-start-offset', (_, next) => next !== undefined && next.baseOffset <= state.logStartOffset);
  if (!config.cleanupPolicy.includes('delete')) return reasons;
  if (config.retentionBytes >= 0) {
    let excess = segments.slice(reasons.length).reduce((sum, s) => sum + s.size, 0) - config.retentionBytes;
    take('retention.bytes', (segment) => {
      if (excess - segment.size < 0) return false;
      excess -= segment.size;
      return true;
    });
  }
  if (config.retentionMs >= 0) take('retention.ms', (segment) => now - segment.largestTimestamp > config.retentionMs);
  return reasons;
}
