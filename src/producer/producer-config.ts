/**
 * Producer options: KafkaJS's names, plus the options the tutorials show that
 * KafkaJS ignores (`batchSize`, `lingerMs`, producer-level `acks` and
 * `compression`), which here do what they say. Defaults follow today's Java
 * client unless a comment says why not. Validated once, at construction, with
 * errors naming the option; the user's object is never changed.
 */
import { refuseUnknownOptions } from '../client/unknown-options.js';
import { type AlertHook } from './alerts.js';
import { KafkaJSConfigurationError } from '../errors/errors.js';
import { CompressionCodec, parseCompressionCodec } from '../protocol/records/compression.js';
import { type ResolvedRetryOptions, type RetryOptions, resolveRetryOptions } from '../retry/retrier.js';
import { type PartitionerFactory } from './partitioners/index.js';

/** `acks` as users write it: 0, 1, -1 or 'all'. */
export type Acks = 0 | 1 | -1 | 'all';

/** What `kafka.producer(config)` accepts. */
export interface ProducerConfig {
  /** KafkaJS's partitioner factory: `() => ({ topic, partitionMetadata, message }) => partition`. Default: Java-compatible murmur2 + uniform sticky (KIP-794). */
  readonly createPartitioner?: PartitionerFactory | undefined;
  /** Retries of a failed batch: KafkaJS's shape. Idempotent producers retry until `deliveryTimeoutMs`. */
  readonly retry?: RetryOptions | undefined;
  /** Refresh metadata at least this often, ms. Default 300000 (Java's metadata.max.age.ms). */
  readonly metadataMaxAge?: number | undefined;
  /** Let Metadata requests create missing topics (when the broker allows it). Default true, as KafkaJS. */
  readonly allowAutoTopicCreation?: boolean | undefined;
  /** Not supported yet: transactions arrive with a later release. */
  readonly transactionalId?: string | undefined;
  readonly transactionTimeout?: number | undefined;
  /**
   * Idempotent producer: a producer id and a sequence per partition, so retries never
   * store a record twice. Default true, as the Java client since 3.0, unless `acks` is
   * not -1 or `maxInFlightRequests` exceeds 5, which silently turn it off, as Java does
   * when idempotence was not asked for explicitly.
   */
  readonly idempotent?: boolean | undefined;
  /** Produce requests in flight per broker. Default 5; at most 5 when idempotent (order is kept). */
  readonly maxInFlightRequests?: number | undefined;
  /** Default acks for `send`: 0, 1, -1/'all'. Default -1 (Java's acks=all). */
  readonly acks?: Acks | undefined;
  /** Default compression: 'none', 'gzip', 'snappy', 'lz4', 'zstd' or a CompressionTypes number. */
  readonly compression?: string | number | undefined;
  /** Bytes per partition batch before it is sent. Default 16384. */
  readonly batchSize?: number | undefined;
  /** Ms a batch waits for more records before it is sent. Default 5 (Java 4.0's linger.ms). */
  readonly lingerMs?: number | undefined;
  /** Bytes of records waiting to be sent, at most. Default 32 MiB. */
  readonly bufferMemory?: number | undefined;
  /** Ms `send` waits for room in `bufferMemory` before failing. Default 60000. */
  readonly maxBlockMs?: number | undefined;
  /** Ms from `send` until a record is acknowledged or failed, retries included. Default 120000. */
  readonly deliveryTimeoutMs?: number | undefined;
  /** Largest Produce request, and so largest record, in bytes. Default 1048576. */
  readonly maxRequestSize?: number | undefined;
  /** Ms the broker may take to meet acks (Produce's timeout). Default 30000, as KafkaJS's send timeout. */
  readonly timeout?: number | undefined;
  /** Called when sends finally fail, throttled per error class (see alerts.ts). */
  readonly onAlert?: AlertHook | undefined;
  /** Ms between two alerts for the same error class; failures in between are counted. Default 60000. */
  readonly alertIntervalMs?: number | undefined;
}

/** The validated configuration the producer runs with. */
export interface ResolvedProducerConfig {
  readonly createPartitioner: PartitionerFactory | undefined;
  readonly retry: ResolvedRetryOptions;
  readonly metadataMaxAge: number;
  readonly allowAutoTopicCreation: boolean;
  readonly idempotent: boolean;
  /** Whether `idempotent: true` was asked for (then a per-send acks other than -1 is an error). */
  readonly idempotentExplicit: boolean;
  readonly maxInFlightRequests: number;
  readonly acks: -1 | 0 | 1;
  readonly compression: CompressionCodec;
  readonly batchSize: number;
  readonly lingerMs: number;
  readonly bufferMemory: number;
  readonly maxBlockMs: number;
  readonly deliveryTimeoutMs: number;
  readonly maxRequestSize: number;
  readonly timeout: number;
  readonly onAlert: AlertHook | undefined;
  readonly alertIntervalMs: number;
}

export const PRODUCER_DEFAULTS = Object.freeze({
  metadataMaxAge: 300_000,
  allowAutoTopicCreation: true,
  maxInFlightRequests: 5,
  acks: -1 as const,
  batchSize: 16_384,
  lingerMs: 5,
  bufferMemory: 32 * 1024 * 1024,
  maxBlockMs: 60_000,
  deliveryTimeoutMs: 120_000,
  maxRequestSize: 1024 * 1024,
  timeout: 30_000,
  alertIntervalMs: 60_000,
});

const KNOWN = new Set([
  'createPartitioner',
  'retry',
  'metadataMaxAge',
  'allowAutoTopicCreation',
  'transactionalId',
  'transactionTimeout',
  'idempotent',
  'maxInFlightRequests',
  'acks',
  'compression',
  'batchSize',
  'lingerMs',
  'bufferMemory',
  'maxBlockMs',
  'deliveryTimeoutMs',
  'maxRequestSize',
  'timeout',
  'onAlert',
  'alertIntervalMs',
]);

/** Parse `acks` (0, 1, -1, 'all', '-1', ...) or throw naming `option`. */
export function parseAcks(value: unknown, option: string): -1 | 0 | 1 {
  if (value === 'all' || value === -1 || value === '-1') return -1;
  if (value === 0 || value === '0') return 0;
  if (value === 1 || value === '1') return 1;
  throw new KafkaJSConfigurationError({ option, value, accepted: "0, 1, -1 or 'all'" });
}

/** Parse a compression choice or throw naming `option`. */
export function parseCompression(value: unknown, option: string): CompressionCodec {
  if (value === undefined || value === null) return CompressionCodec.None;
  if (typeof value !== 'string' && typeof value !== 'number') throw new KafkaJSConfigurationError({ option, value, accepted: "'none', 'gzip', 'snappy', 'lz4', 'zstd' or CompressionTypes.*" });
  try {
    return parseCompressionCodec(value);
  } catch {
    throw new KafkaJSConfigurationError({ option, value, accepted: "'none', 'gzip', 'snappy', 'lz4', 'zstd' or CompressionTypes.*" });
  }
}

function int(config: ProducerConfig, key: keyof ProducerConfig & string, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = config[key];
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new KafkaJSConfigurationError({ option: `producer.${key}`, value, accepted: `an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}` });
  }
  return value;
}

/** Validate `config` and fill in defaults; throws KafkaJSConfigurationError naming the option. */
export function resolveProducerConfig(config: ProducerConfig = {}): ResolvedProducerConfig {
  if (typeof config !== 'object' || config === null) throw new KafkaJSConfigurationError({ option: 'producer', value: config, accepted: 'an options object' });
  refuseUnknownOptions(config, [...KNOWN], 'producer', 'producer.');
  if (config.transactionalId !== undefined) {
    throw new KafkaJSConfigurationError({ option: 'producer.transactionalId', value: config.transactionalId, accepted: 'unset', reason: 'transactions are not supported yet' });
  }
  if (config.createPartitioner !== undefined && typeof config.createPartitioner !== 'function') {
    throw new KafkaJSConfigurationError({ option: 'producer.createPartitioner', value: config.createPartitioner, accepted: 'a function returning ({ topic, partitionMetadata, message }) => number' });
  }
  const acks = config.acks === undefined ? PRODUCER_DEFAULTS.acks : parseAcks(config.acks, 'producer.acks');
  const maxInFlightRequests = int(config, 'maxInFlightRequests', PRODUCER_DEFAULTS.maxInFlightRequests, 1);
  // Java (KIP-679): idempotence is on by default, but conflicting settings turn the
  // default off instead of failing; an explicit idempotent: true with them is an error.
  let idempotent: boolean;
  if (config.idempotent === undefined) {
    idempotent = acks === -1 && maxInFlightRequests <= 5;
  } else if (typeof config.idempotent !== 'boolean') {
    throw new KafkaJSConfigurationError({ option: 'producer.idempotent', value: config.idempotent, accepted: 'true or false' });
  } else {
    idempotent = config.idempotent;
  }
  if (idempotent && acks !== -1) {
    throw new KafkaJSConfigurationError({ option: 'producer.acks', value: config.acks, accepted: "-1 or 'all' when idempotent is true", reason: 'an idempotent producer needs every in-sync replica to acknowledge' });
  }
  if (idempotent && maxInFlightRequests > 5) {
    throw new KafkaJSConfigurationError({ option: 'producer.maxInFlightRequests', value: maxInFlightRequests, accepted: 'at most 5 when idempotent is true', reason: 'the broker remembers the last 5 batches per producer' });
  }
  const allow = config.allowAutoTopicCreation;
  if (allow !== undefined && typeof allow !== 'boolean') throw new KafkaJSConfigurationError({ option: 'producer.allowAutoTopicCreation', value: allow, accepted: 'true or false' });
  const batchSize = int(config, 'batchSize', PRODUCER_DEFAULTS.batchSize, 1);
  const bufferMemory = int(config, 'bufferMemory', PRODUCER_DEFAULTS.bufferMemory, 1);
  const maxRequestSize = int(config, 'maxRequestSize', PRODUCER_DEFAULTS.maxRequestSize, 1);
  if (maxRequestSize > bufferMemory) {
    throw new KafkaJSConfigurationError({ option: 'producer.maxRequestSize', value: maxRequestSize, accepted: `at most bufferMemory (${bufferMemory})` });
  }
  const lingerMs = int(config, 'lingerMs', PRODUCER_DEFAULTS.lingerMs, 0);
  const timeout = int(config, 'timeout', PRODUCER_DEFAULTS.timeout, 0);
  const deliveryTimeoutMs = int(config, 'deliveryTimeoutMs', PRODUCER_DEFAULTS.deliveryTimeoutMs, 1);
  if (deliveryTimeoutMs < lingerMs) {
    // Java requires delivery.timeout.ms >= linger.ms + request.timeout.ms; we require at least linger.
    throw new KafkaJSConfigurationError({ option: 'producer.deliveryTimeoutMs', value: deliveryTimeoutMs, accepted: `at least lingerMs (${lingerMs})` });
  }
  if (config.onAlert !== undefined && typeof config.onAlert !== 'function') {
    throw new KafkaJSConfigurationError({ option: 'producer.onAlert', value: config.onAlert, accepted: 'a function (alert) => void' });
  }
  return Object.freeze({
    onAlert: config.onAlert,
    alertIntervalMs: int(config, 'alertIntervalMs', PRODUCER_DEFAULTS.alertIntervalMs, 1),
    createPartitioner: config.createPartitioner,
    retry: resolveRetryOptions(config.retry),
    metadataMaxAge: int(config, 'metadataMaxAge', PRODUCER_DEFAULTS.metadataMaxAge, 0),
    allowAutoTopicCreation: allow ?? PRODUCER_DEFAULTS.allowAutoTopicCreation,
    idempotent,
    idempotentExplicit: config.idempotent === true,
    maxInFlightRequests,
    acks,
    compression: parseCompression(config.compression, 'producer.compression'),
    batchSize,
    lingerMs,
    bufferMemory,
    maxBlockMs: int(config, 'maxBlockMs', PRODUCER_DEFAULTS.maxBlockMs, 0),
    deliveryTimeoutMs,
    maxRequestSize,
    timeout,
  });
}
