/**
 * The settings one partition log runs with: Kafka's topic-level configs
 * (`segment.bytes`, `retention.ms`, `cleanup.policy`...) plus the broker's
 * flush policy. The broker resolves topic overrides and broker defaults into
 * one of these; the log validates it once, on open and on `updateConfig`.
 */

/**
 * When appended bytes reach the disk before an append counts as durable (and
 * the high watermark covers it):
 * - `every-write`: fdatasync before the append resolves (Kafka's
 *   `flush.messages=1`); concurrent appends share one fdatasync.
 * - `interval`: the broker calls `flush()` every `ms` (Kafka's `flush.ms`);
 *   appends are visible at once.
 * - `os`: the page cache decides (Kafka's default); segments are still flushed
 *   when they roll, as Kafka does.
 */
export type LogFlushPolicy = { readonly kind: 'every-write' } | { readonly kind: 'interval'; readonly ms: number } | { readonly kind: 'os' };

/** A partition log's settings, named after the Kafka topic configs they implement. */
export interface LogConfig {
  /** `segment.bytes`: roll to a new segment when the active one would grow past this. Default 1 GiB. */
  readonly segmentBytes: number;
  /** `segment.ms`: roll when the active segment's first batch is older than this. Default 7 days. */
  readonly segmentMs: number;
  /** `index.interval.bytes`: bytes of batches between two offset index entries. Default 4096. */
  readonly indexIntervalBytes: number;
  /** `retention.ms`: delete segments whose newest timestamp is older; -1 = unlimited. Default 7 days. */
  readonly retentionMs: number;
  /** `retention.bytes`: delete the oldest segments while the log is larger; -1 = unlimited (default). */
  readonly retentionBytes: number;
  /** `cleanup.policy`: `delete` applies retention, `compact` runs the cleaner; both may be set. */
  readonly cleanupPolicy: readonly ('delete' | 'compact')[];
  /** `delete.retention.ms`: how long the cleaner keeps tombstones. Default 1 day. */
  readonly deleteRetentionMs: number;
  /** `min.compaction.lag.ms`: segments with newer timestamps are not cleaned yet. Default 0. */
  readonly minCompactionLagMs?: number | undefined;
  /** See {@link LogFlushPolicy}. Default `os`, Kafka's. */
  readonly flush: LogFlushPolicy;
  /** `message.timestamp.type`: LogAppendTime makes the broker stamp each batch on append. */
  readonly messageTimestampType: 'CreateTime' | 'LogAppendTime';
  /** `max.message.bytes`: the largest batch the log accepts. Default 1048588. */
  readonly maxMessageBytes: number;
}

const DAY = 24 * 60 * 60 * 1000;

/** Kafka's defaults for every {@link LogConfig} field. */
export const DEFAULT_LOG_CONFIG: LogConfig = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * DAY,
  indexIntervalBytes: 4096,
  retentionMs: 7 * DAY,
  retentionBytes: -1,
  cleanupPolicy: Object.freeze(['delete'] as const),
  deleteRetentionMs: DAY,
  minCompactionLagMs: 0,
  flush: Object.freeze({ kind: 'os' } as const),
  messageTimestampType: 'CreateTime',
  maxMessageBytes: 1048588,
});

/** A {@link LogConfig} field out of range; names the Kafka config and what it accepts. */
export class LogConfigError extends Error {
  override readonly name = 'LogConfigError';
  readonly retriable = false;

  /**
   * @param key - the Kafka config name
   * @param value - the value given
   * @param accepted - what would be accepted
   */
  constructor(
    readonly key: string,
    readonly value: unknown,
    accepted: string,
  ) {
    super(`log config ${key}=${JSON.stringify(value)} is invalid: expected ${accepted}`);
  }
}

function integer(key: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new LogConfigError(key, value, `an integer >= ${min}`);
}

/**
 * Checks every field once, so the log never meets a nonsensical value later.
 *
 * @param config - the settings to check; not modified
 * @returns a frozen copy with `minCompactionLagMs` filled in
 * @throws {@link LogConfigError} naming the first bad field by its Kafka name
 */
export function validateLogConfig(config: LogConfig): LogConfig {
  // segment.bytes >= 14 is Kafka's own lower bound (LegacyRecord.RECORD_OVERHEAD_V0).
  integer('segment.bytes', config.segmentBytes, 14);
  if (config.segmentBytes > 0x7fff_ffff) throw new LogConfigError('segment.bytes', config.segmentBytes, 'at most 2147483647 (index positions are int32)');
  integer('segment.ms', config.segmentMs, 1);
  integer('index.interval.bytes', config.indexIntervalBytes, 0);
  integer('retention.ms', config.retentionMs, -1);
  integer('retention.bytes', config.retentionBytes, -1);
  integer('delete.retention.ms', config.deleteRetentionMs, 0);
  integer('min.compaction.lag.ms', config.minCompactionLagMs ?? 0, 0);
  integer('max.message.bytes', config.maxMessageBytes, 0);
  if (config.cleanupPolicy.length === 0 || config.cleanupPolicy.some((p) => p !== 'delete' && p !== 'compact')) {
    throw new LogConfigError('cleanup.policy', config.cleanupPolicy, 'delete, compact, or both');
  }
  if (config.messageTimestampType !== 'CreateTime' && config.messageTimestampType !== 'LogAppendTime') {
    throw new LogConfigError('message.timestamp.type', config.messageTimestampType, 'CreateTime or LogAppendTime');
  }
  const flush = config.flush;
  if (flush.kind === 'interval') integer('log.flush.interval.ms', flush.ms, 1);
  else if (flush.kind !== 'every-write' && flush.kind !== 'os') throw new LogConfigError('flush', flush, "{ kind: 'every-write' | 'interval' | 'os' }");
  return Object.freeze({
    ...config,
    cleanupPolicy: Object.freeze([...config.cleanupPolicy]),
    flush: Object.freeze({ ...flush }),
    minCompactionLagMs: config.minCompactionLagMs ?? 0,
  });
}
