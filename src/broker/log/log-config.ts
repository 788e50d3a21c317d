/**
 * The settings one partition log runs with: Kafka's topic-level configs
 * (`segment.bytes`, `retention.ms`, `cleanup.policy`...) plus the broker's
 * flush policy and cleaner memory. The broker resolves topic overrides and
 * broker defaults into one of these; the log validates it once, on open and on
 * `updateConfig`.
 *
 * Also every topic config Kafka defines (Kafka's `LogConfig` ConfigDef): its
 * type, default, broker synonym and accepted values, so CreateTopics and
 * AlterConfigs take exactly the names and values Kafka takes, and
 * DescribeConfigs reports them as Kafka does.
 */

/**
 * When appended bytes reach the disk before an append counts as durable (and
 * the high watermark covers it):
 * - `every-write`: fdatasync before the append resolves (Kafka's
 *   `flush.messages=1`); concurrent appends share one fdatasync.
 * - `interval`: the broker's flush check (every `log.flush.scheduler.interval.ms`)
 *   calls `flush()` once `ms` passed since the last flush (Kafka's `flush.ms`);
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
  /**
   * `min.cleanable.dirty.ratio`: the cleaner runs only when the dirty (not yet
   * compacted) bytes are more than this share of the cleanable log. Default 0.5.
   */
  readonly minCleanableDirtyRatio?: number | undefined;
  /**
   * `max.compaction.lag.ms`: a dirty segment whose first batch is older than
   * this makes the log cleanable whatever its dirty ratio; on a compacted log
   * segments also roll at least this often, as Kafka's `maxSegmentMs`.
   * Default {@link DEFAULT_MAX_COMPACTION_LAG_MS}: never.
   */
  readonly maxCompactionLagMs?: number | undefined;
  /**
   * The broker's `log.cleaner.dedupe.buffer.size` divided among its cleaner
   * threads (`log.cleaner.threads`, one here): the most memory a cleaning pass's
   * offset map takes, 24 bytes per key. Default 134217728.
   */
  readonly cleanerDedupeBufferBytes?: number | undefined;
}

const DAY = 24 * 60 * 60 * 1000;

/** Kafka's `min.cleanable.dirty.ratio` default. */
export const DEFAULT_MIN_CLEANABLE_DIRTY_RATIO = 0.5;
/** Kafka's `max.compaction.lag.ms` default, Long.MAX_VALUE: never (held as the largest safe integer). */
export const DEFAULT_MAX_COMPACTION_LAG_MS = Number.MAX_SAFE_INTEGER;
/** Kafka's `log.cleaner.dedupe.buffer.size` default, 128 MiB. */
export const DEFAULT_CLEANER_DEDUPE_BUFFER_BYTES = 128 * 1024 * 1024;

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
  minCleanableDirtyRatio: DEFAULT_MIN_CLEANABLE_DIRTY_RATIO,
  maxCompactionLagMs: DEFAULT_MAX_COMPACTION_LAG_MS,
  cleanerDedupeBufferBytes: DEFAULT_CLEANER_DEDUPE_BUFFER_BYTES,
});

/** A config value out of range, or an unknown topic config; names the Kafka config and what it accepts. */
export class LogConfigError extends Error {
  override readonly name = 'LogConfigError';
  readonly retriable = false;

  /**
   * @param key - the Kafka config name
   * @param value - the value given
   * @param accepted - what would be accepted
   * @param what - what `key` names: a topic config (CreateTopics, AlterConfigs) or a field of {@link LogConfig}
   */
  constructor(
    readonly key: string,
    readonly value: unknown,
    accepted: string,
    what: 'topic config' | 'log config' = 'log config',
  ) {
    super(`${what} ${key}=${JSON.stringify(value)} is invalid: expected ${accepted}`);
  }
}

function integer(key: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new LogConfigError(key, value, `an integer >= ${min}`);
}

/**
 * Checks every field once, so the log never meets a nonsensical value later.
 *
 * @param config - the settings to check; not modified
 * @returns a frozen copy with the optional fields filled in, and `segmentMs` at
 *   most `maxCompactionLagMs` on a compacted log (Kafka's `maxSegmentMs`: the
 *   active segment, never cleaned, must roll for its records to get cleaned in time)
 * @throws {@link LogConfigError} naming the first bad field by its Kafka name
 */
export function validateLogConfig(config: LogConfig): LogConfig {
  // segment.bytes >= 14 is Kafka's own lower bound (LegacyRecord.RECORD_OVERHEAD_V0).
  integer('segment.bytes', config.segmentBytes, 14);
  if (config.segmentBytes > 0x7fff_ffff) throw new LogConfigError('segment.bytes', config.segmentBytes, 'at most 2147483647 (index positions are int32)');
  integer('segment.ms', config.segmentMs, 1);
  integer('index.interval.bytes', config.indexIntervalBytes, 0);
  integer('retention.ms', config.retentionMs, -1);
  // Kafka takes any retention.bytes; every negative one means no limit.
  integer('retention.bytes', config.retentionBytes, Number.MIN_SAFE_INTEGER);
  integer('delete.retention.ms', config.deleteRetentionMs, 0);
  const minCompactionLagMs = config.minCompactionLagMs ?? 0;
  const maxCompactionLagMs = config.maxCompactionLagMs ?? DEFAULT_MAX_COMPACTION_LAG_MS;
  integer('min.compaction.lag.ms', minCompactionLagMs, 0);
  integer('max.compaction.lag.ms', maxCompactionLagMs, 1);
  if (minCompactionLagMs > maxCompactionLagMs) throw new LogConfigError('min.compaction.lag.ms', minCompactionLagMs, `at most max.compaction.lag.ms (${maxCompactionLagMs})`);
  const minCleanableDirtyRatio = config.minCleanableDirtyRatio ?? DEFAULT_MIN_CLEANABLE_DIRTY_RATIO;
  if (!(minCleanableDirtyRatio >= 0 && minCleanableDirtyRatio <= 1)) throw new LogConfigError('min.cleanable.dirty.ratio', minCleanableDirtyRatio, 'a number from 0 to 1');
  const cleanerDedupeBufferBytes = config.cleanerDedupeBufferBytes ?? DEFAULT_CLEANER_DEDUPE_BUFFER_BYTES;
  // Two slots of 24 bytes: room for one key at the 0.9 load factor (Kafka asserts the same).
  integer('log.cleaner.dedupe.buffer.size', cleanerDedupeBufferBytes, 48);
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
  const compacted = config.cleanupPolicy.includes('compact');
  return Object.freeze({
    ...config,
    segmentMs: compacted ? Math.min(config.segmentMs, maxCompactionLagMs) : config.segmentMs,
    cleanupPolicy: Object.freeze([...config.cleanupPolicy]),
    flush: Object.freeze({ ...flush }),
    minCompactionLagMs,
    maxCompactionLagMs,
    minCleanableDirtyRatio,
    cleanerDedupeBufferBytes,
  });
}

/**
 * The LogConfig fields a topic's overrides set beyond the ones with a broker
 * default (`TopicDefaults`): the flush policy (`flush.messages`, `flush.ms`,
 * else the broker's) and the cleaner's `min.cleanable.dirty.ratio` and
 * `max.compaction.lag.ms` (else Kafka's defaults). Spread into the LogConfig a
 * topic's partitions open with.
 *
 * `flush.messages=1` flushes every append before it is acknowledged, as Kafka
 * does; `flush.ms=N` flushes N ms after the last flush (the broker's flush check); another
 * `flush.messages` leaves flushing to the OS (there is no count-based policy).
 *
 * @param override - a topic override as {@link validateTopicConfigs} normalized it, or undefined
 * @param brokerFlush - the broker's policy (`log.flush.interval.messages`, `log.flush.interval.ms`)
 */
export function topicLogSettings(
  override: (name: string) => string | number | undefined,
  brokerFlush: LogFlushPolicy,
): Pick<LogConfig, 'flush' | 'minCleanableDirtyRatio' | 'maxCompactionLagMs'> {
  const number = (name: string): number | undefined => {
    const value = override(name);
    return value === undefined ? undefined : Number(value);
  };
  const flushMessages = number('flush.messages');
  const flushMs = number('flush.ms');
  let flush = brokerFlush;
  if (flushMessages === 1) flush = { kind: 'every-write' };
  else if (flushMs !== undefined && flushMs < Number.MAX_SAFE_INTEGER) flush = { kind: 'interval', ms: Math.max(flushMs, 1) };
  else if (flushMessages !== undefined || flushMs !== undefined) flush = { kind: 'os' };
  return {
    flush,
    minCleanableDirtyRatio: number('min.cleanable.dirty.ratio') ?? DEFAULT_MIN_CLEANABLE_DIRTY_RATIO,
    maxCompactionLagMs: number('max.compaction.lag.ms') ?? DEFAULT_MAX_COMPACTION_LAG_MS,
  };
}

/** Kafka's ConfigDef types of topic configs, as DescribeConfigs v3+ reports them. */
export type TopicConfigType = 'BOOLEAN' | 'STRING' | 'INT' | 'LONG' | 'DOUBLE' | 'LIST';

/** One topic config as Kafka's `LogConfig` defines it. */
export interface TopicConfigDef {
  readonly type: TopicConfigType;
  /** Kafka's default, as DescribeConfigs shows it. */
  readonly default: string;
  /** The broker setting whose value is the default (Kafka's `ServerTopicConfigSynonyms`), if any. */
  readonly brokerSynonym: string | null;
  /** What is accepted, for the INVALID_CONFIG message. */
  readonly accepted: string;
  /** The value checked and normalized; undefined when it is refused. */
  readonly parse: (value: string) => string | number | undefined;
}

/** Java's Long.MAX_VALUE, the default of the settings that mean "never". */
const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;

/**
 * A Java int or long from its decimal text. Values past 2^53 all mean "never"
 * for the settings that take them; they are held as Number.MAX_SAFE_INTEGER
 * (the broker's stand-in for Long.MAX_VALUE) and shown as Long.MAX_VALUE.
 */
function parseInteger(text: string, min: bigint, max: bigint): number | undefined {
  const t = text.trim();
  if (!/^[-+]?\d{1,20}$/.test(t)) return undefined;
  const n = BigInt(t);
  if (n < min || n > max) return undefined;
  return Math.min(Math.max(Number(n), Number.MIN_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
}

function long(dflt: string, brokerSynonym: string | null, min?: number): TopicConfigDef {
  const low = min === undefined ? LONG_MIN : BigInt(min);
  return { type: 'LONG', default: dflt, brokerSynonym, accepted: min === undefined ? 'an integer' : `an integer >= ${min}`, parse: (v) => parseInteger(v, low, LONG_MAX) };
}

function int(dflt: string, brokerSynonym: string | null, min: number, max = 2147483647): TopicConfigDef {
  const accepted = max === 2147483647 ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return { type: 'INT', default: dflt, brokerSynonym, accepted, parse: (v) => parseInteger(v, BigInt(min), BigInt(max)) };
}

function bool(dflt: 'true' | 'false', brokerSynonym: string | null): TopicConfigDef {
  return { type: 'BOOLEAN', default: dflt, brokerSynonym, accepted: 'true or false', parse: (v) => ['true', 'false'].find((b) => b === v.trim().toLowerCase()) };
}

function oneOf(dflt: string, brokerSynonym: string | null, values: readonly string[], normalize: (v: string) => string = (v) => v): TopicConfigDef {
  return { type: 'STRING', default: dflt, brokerSynonym, accepted: `one of ${values.join(', ')}`, parse: (v) => values.find((x) => x === normalize(v.trim())) };
}

/** Kafka's `ThrottledReplicaListValidator`: `*`, or `partition:broker` pairs. */
const throttledReplicas: TopicConfigDef = {
  type: 'LIST',
  default: '',
  brokerSynonym: null,
  accepted: "'*' or a list of [partitionId]:[brokerId] pairs separated by commas",
  parse: (v) => {
    if (v.trim() === '*') return '*';
    const pairs = v.split(',').map((p) => p.trim());
    return pairs.every((p) => /^(\d+:\d+)?$/.test(p)) ? pairs.filter(Boolean).join(',') : undefined;
  },
};

/**
 * Every topic config of Kafka 3.9 (`kafka-configs.sh --describe --all` on a topic),
 * by name. Settings with no effect on one broker without tiered storage
 * (replication throttles, unclean election, preallocation, down-conversion...)
 * are taken, kept and described, as Kafka would on such a broker.
 */
export const TOPIC_CONFIGS: Readonly<Record<string, TopicConfigDef>> = Object.freeze({
  'cleanup.policy': {
    type: 'LIST',
    default: 'delete',
    brokerSynonym: 'log.cleanup.policy',
    accepted: 'delete, compact, or compact,delete',
    parse: (v) => {
      const parts = v.split(',').map((s) => s.trim().toLowerCase());
      return parts.every((p) => p === 'delete' || p === 'compact') ? [...new Set(parts)].sort().join(',') : undefined;
    },
  },
  'compression.gzip.level': {
    ...int('-1', 'compression.gzip.level', -1, 9),
    accepted: 'an integer from 1 to 9, or -1',
    parse: (v) => [parseInteger(v, -1n, 9n)].find((n) => n !== undefined && n !== 0),
  },
  'compression.lz4.level': int('9', 'compression.lz4.level', 1, 17),
  'compression.type': oneOf('producer', 'compression.type', ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'], (v) => v.toLowerCase()),
  'compression.zstd.level': int('3', 'compression.zstd.level', -131072, 22),
  'delete.retention.ms': long('86400000', 'log.cleaner.delete.retention.ms', 0),
  'file.delete.delay.ms': long('60000', 'log.segment.delete.delay.ms', 0),
  'flush.messages': long(String(LONG_MAX), 'log.flush.interval.messages', 1),
  'flush.ms': long(String(LONG_MAX), 'log.flush.interval.ms', 0),
  'follower.replication.throttled.replicas': throttledReplicas,
  'index.interval.bytes': int('4096', 'log.index.interval.bytes', 0),
  'leader.replication.throttled.replicas': throttledReplicas,
  'local.retention.bytes': long('-2', 'log.local.retention.bytes', -2),
  'local.retention.ms': long('-2', 'log.local.retention.ms', -2),
  'max.compaction.lag.ms': long(String(LONG_MAX), 'log.cleaner.max.compaction.lag.ms', 1),
  'max.message.bytes': int('1048588', 'message.max.bytes', 0),
  'message.downconversion.enable': bool('true', 'log.message.downconversion.enable'),
  'message.format.version': {
    type: 'STRING',
    default: '3.0-IV1',
    brokerSynonym: 'log.message.format.version',
    accepted: 'a Kafka version such as 0.10.2, 2.8 or 3.0-IV1',
    parse: (v) => (/^\d+\.\d+(\.\d+){0,2}(-IV\d+)?$/.test(v.trim()) ? v.trim() : undefined),
  },
  'message.timestamp.after.max.ms': long(String(LONG_MAX), 'log.message.timestamp.after.max.ms', 0),
  'message.timestamp.before.max.ms': long(String(LONG_MAX), 'log.message.timestamp.before.max.ms', 0),
  'message.timestamp.difference.max.ms': long(String(LONG_MAX), 'log.message.timestamp.difference.max.ms', 0),
  'message.timestamp.type': oneOf('CreateTime', 'log.message.timestamp.type', ['CreateTime', 'LogAppendTime']),
  'min.cleanable.dirty.ratio': {
    type: 'DOUBLE',
    default: '0.5',
    brokerSynonym: 'log.cleaner.min.cleanable.ratio',
    accepted: 'a number from 0 to 1',
    parse: (v) => {
      const n = v.trim() === '' ? NaN : Number(v);
      return n >= 0 && n <= 1 ? n : undefined;
    },
  },
  'min.compaction.lag.ms': long('0', 'log.cleaner.min.compaction.lag.ms', 0),
  'min.insync.replicas': int('1', 'min.insync.replicas', 1),
  preallocate: bool('false', 'log.preallocate'),
  'remote.log.copy.disable': bool('false', null),
  'remote.log.delete.on.disable': bool('false', null),
  'remote.storage.enable': {
    ...bool('false', null),
    // Kafka refuses it too when remote.log.storage.system.enable is off, as here.
    accepted: 'false (this broker has no tiered storage)',
    parse: (v) => (v.trim().toLowerCase() === 'false' ? 'false' : undefined),
  },
  'retention.bytes': long('-1', 'log.retention.bytes'),
  'retention.ms': long('604800000', 'log.retention.ms', -1),
  'segment.bytes': int('1073741824', 'log.segment.bytes', 14),
  'segment.index.bytes': int('10485760', 'log.index.size.max.bytes', 4),
  'segment.jitter.ms': long('0', 'log.roll.jitter.ms', 0),
  'segment.ms': long('604800000', 'log.roll.ms', 1),
  'unclean.leader.election.enable': bool('false', 'unclean.leader.election.enable'),
} satisfies Record<string, TopicConfigDef>);

/** The topic config names, sorted (DescribeConfigs' order, as Kafka's). */
export const TOPIC_CONFIG_NAMES: readonly string[] = Object.freeze(Object.keys(TOPIC_CONFIGS).sort());

/**
 * Checks topic configs by Kafka's rules (CreateTopics, AlterConfigs,
 * IncrementalAlterConfigs): every name must be a topic config, every value
 * one it accepts, and min.compaction.lag.ms at most max.compaction.lag.ms
 * (with the defaults for the one not given, as Kafka's `validateValues`).
 *
 * @param configs - names and values as the request gives them
 * @param inherited - the value a config has when not given (broker default), or undefined for Kafka's
 * @returns the normalized values (numbers for INT, LONG and DOUBLE, "true"/"false" for BOOLEAN)
 * @throws {@link LogConfigError} naming the first bad config and what it accepts
 */
export function validateTopicConfigs(configs: Iterable<readonly [string, string]>, inherited: (name: string) => string | number | undefined = () => undefined): Map<string, string | number> {
  const out = new Map<string, string | number>();
  for (const [name, value] of configs) {
    const def = TOPIC_CONFIGS[name];
    if (def === undefined) throw new LogConfigError(name, value, `a topic config name (${TOPIC_CONFIG_NAMES.join(', ')})`, 'topic config');
    const parsed = def.parse(value);
    if (parsed === undefined) throw new LogConfigError(name, value, def.accepted, 'topic config');
    out.set(name, parsed);
  }
  const effective = (name: string): number => Number(out.get(name) ?? inherited(name) ?? TOPIC_CONFIGS[name]!.parse(TOPIC_CONFIGS[name]!.default));
  const minLag = effective('min.compaction.lag.ms');
  const maxLag = effective('max.compaction.lag.ms');
  if (minLag > maxLag) {
    throw new LogConfigError('min.compaction.lag.ms', String(minLag), `at most max.compaction.lag.ms (${topicConfigText('max.compaction.lag.ms', maxLag)})`, 'topic config');
  }
  return out;
}

/** A normalized topic config value as DescribeConfigs shows it (Kafka's `ConfigDef.convertToString`). */
export function topicConfigText(name: string, value: string | number): string {
  const type = TOPIC_CONFIGS[name]?.type;
  if (typeof value === 'number' && type === 'LONG' && value >= Number.MAX_SAFE_INTEGER) return String(LONG_MAX);
  if (typeof value === 'number' && type === 'DOUBLE' && Number.isInteger(value)) return value.toFixed(1);
  return String(value);
}
