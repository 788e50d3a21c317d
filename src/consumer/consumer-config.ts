/**
 * Consumer options: KafkaJS's names and defaults (`kafkajs/src/consumer/index.js`),
 * plus what KafkaJS lacks: static membership (`groupInstanceId`, KIP-345),
 * rebalance callbacks, the `'none'` offset reset policy and a bounded shutdown.
 * Validated once, at `kafka.consumer(config)`, with errors naming the option;
 * the user's object is never changed.
 */
import { refuseUnknownOptions } from '../client/unknown-options.js';
import { KafkaJSConfigurationError, KafkaJSNonRetriableError } from '../errors/errors.js';
import { type ResolvedRetryOptions, type RetryOptions, resolveRetryOptions } from '../retry/retrier.js';
import { type PartitionAssigner, PartitionAssigners } from './assignors/index.js';
import { type OffsetResetStrategy, type TopicPartition } from './subscription-state.js';

/** A rebalance callback: receives the partitions concerned; the rebalance waits for its promise. */
export type RebalanceCallback = (partitions: TopicPartition[]) => void | Promise<void>;

/** What `kafka.consumer(config)` accepts (KafkaJS's `ConsumerConfig` plus tskafka's options). */
export interface ConsumerConfig {
  /** The consumer group. Required. */
  readonly groupId: string;
  /**
   * Assigners offered to the group, in order of preference. Default `[PartitionAssigners.roundRobin]`,
   * as KafkaJS. Cooperative incremental rebalancing (KIP-429) is opt-in:
   * `[PartitionAssigners.cooperativeSticky]` (every member of the group must offer it).
   */
  readonly partitionAssigners?: readonly PartitionAssigner[] | undefined;
  /** Refresh metadata at least this often, ms. Default 300000. */
  readonly metadataMaxAge?: number | undefined;
  /** Ms without a heartbeat after which the coordinator removes the member. Default 30000. */
  readonly sessionTimeout?: number | undefined;
  /** Ms the coordinator waits for members to rejoin, and so how long a member may take to give partitions back. Default 60000. */
  readonly rebalanceTimeout?: number | undefined;
  /** Ms between heartbeats; below sessionTimeout. Default 3000. */
  readonly heartbeatInterval?: number | undefined;
  /** Fetch: bytes per partition at most (a larger record still arrives). Default 1048576. */
  readonly maxBytesPerPartition?: number | undefined;
  /** Fetch: bytes the broker waits for before answering. Default 1. */
  readonly minBytes?: number | undefined;
  /** Fetch: bytes per response at most. Default 10485760. */
  readonly maxBytes?: number | undefined;
  /** Fetch: ms the broker may wait for minBytes. Default 5000. */
  readonly maxWaitTimeInMs?: number | undefined;
  /** Retries, KafkaJS's shape; `restartOnFailure(error)` decides whether a crashed consumer restarts. */
  readonly retry?: (RetryOptions & { readonly restartOnFailure?: ((error: Error) => Promise<boolean>) | undefined }) | undefined;
  /** Let Metadata requests create missing topics. Default true. */
  readonly allowAutoTopicCreation?: boolean | undefined;
  /** Requests in flight per connection; null (default) for no limit. */
  readonly maxInFlightRequests?: number | null | undefined;
  /** Read records of open and aborted transactions too (isolation level 0). Default false (read committed, level 1). */
  readonly readUncommitted?: boolean | undefined;
  /** The consumer's rack, for fetching from the closest replica (KIP-392). Default null. */
  readonly rackId?: string | null | undefined;
  /** tskafka: static membership (KIP-345): a restart within sessionTimeout keeps the assignment, no rebalance. Default null. */
  readonly groupInstanceId?: string | null | undefined;
  /**
   * tskafka: where to start a partition without a committed offset when its topic was
   * subscribed without `fromBeginning`: 'latest' (default, as KafkaJS), 'earliest', or
   * 'none' (the consumer crashes, as Java's NoOffsetForPartitionException).
   */
  readonly autoOffsetReset?: OffsetResetStrategy | undefined;
  /** tskafka: after partitions were assigned and positioned. */
  readonly onPartitionsAssigned?: RebalanceCallback | undefined;
  /** tskafka: before partitions are given back, after their processing stopped and (with autoCommit) their offsets were committed. */
  readonly onPartitionsRevoked?: RebalanceCallback | undefined;
  /** tskafka: partitions were lost without a chance to commit (fenced, session expired). */
  readonly onPartitionsLost?: RebalanceCallback | undefined;
  /** tskafka: ms `stop()`/`disconnect()` wait for the handler in progress before giving up on it. Default rebalanceTimeout. */
  readonly shutdownTimeout?: number | undefined;
  /** tskafka: bytes of fetched records the consumer holds ahead of processing. Default 3 * maxBytes. */
  readonly maxBufferedBytes?: number | undefined;
}

/** The validated configuration a consumer runs with. */
export interface ResolvedConsumerConfig {
  readonly groupId: string;
  readonly partitionAssigners: readonly PartitionAssigner[];
  readonly metadataMaxAge: number;
  readonly sessionTimeout: number;
  readonly rebalanceTimeout: number;
  readonly heartbeatInterval: number;
  readonly maxBytesPerPartition: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly maxWaitTimeInMs: number;
  readonly retry: ResolvedRetryOptions;
  readonly restartOnFailure: ((error: Error) => Promise<boolean>) | undefined;
  readonly allowAutoTopicCreation: boolean;
  readonly maxInFlightRequests: number | null;
  readonly readUncommitted: boolean;
  /** 0 read uncommitted, 1 read committed. */
  readonly isolationLevel: 0 | 1;
  readonly rackId: string | null;
  readonly groupInstanceId: string | null;
  readonly autoOffsetReset: OffsetResetStrategy;
  readonly onPartitionsAssigned: RebalanceCallback | undefined;
  readonly onPartitionsRevoked: RebalanceCallback | undefined;
  readonly onPartitionsLost: RebalanceCallback | undefined;
  readonly shutdownTimeout: number;
  readonly maxBufferedBytes: number;
}

/** The defaults, KafkaJS's. */
export const CONSUMER_DEFAULTS = Object.freeze({
  metadataMaxAge: 300_000,
  sessionTimeout: 30_000,
  rebalanceTimeout: 60_000,
  heartbeatInterval: 3_000,
  maxBytesPerPartition: 1_048_576,
  minBytes: 1,
  maxBytes: 10_485_760,
  maxWaitTimeInMs: 5_000,
  allowAutoTopicCreation: true,
  maxInFlightRequests: null,
  readUncommitted: false,
  rackId: null,
  groupInstanceId: null,
  autoOffsetReset: 'latest' as const,
});

const KNOWN: ReadonlySet<string> = new Set([
  'groupId',
  'partitionAssigners',
  'metadataMaxAge',
  'sessionTimeout',
  'rebalanceTimeout',
  'heartbeatInterval',
  'maxBytesPerPartition',
  'minBytes',
  'maxBytes',
  'maxWaitTimeInMs',
  'retry',
  'allowAutoTopicCreation',
  'maxInFlightRequests',
  'readUncommitted',
  'rackId',
  'groupInstanceId',
  'autoOffsetReset',
  'onPartitionsAssigned',
  'onPartitionsRevoked',
  'onPartitionsLost',
  'shutdownTimeout',
  'maxBufferedBytes',
]);

function int(config: ConsumerConfig, key: keyof ConsumerConfig & string, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = config[key];
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new KafkaJSConfigurationError({ option: `consumer.${key}`, value, accepted: `an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}` });
  }
  return value;
}

function bool(config: ConsumerConfig, key: keyof ConsumerConfig & string, dflt: boolean): boolean {
  const value = config[key];
  if (value === undefined) return dflt;
  if (typeof value !== 'boolean') throw new KafkaJSConfigurationError({ option: `consumer.${key}`, value, accepted: 'true or false' });
  return value;
}

function callback(config: ConsumerConfig, key: 'onPartitionsAssigned' | 'onPartitionsRevoked' | 'onPartitionsLost'): RebalanceCallback | undefined {
  const value = config[key];
  if (value !== undefined && typeof value !== 'function') throw new KafkaJSConfigurationError({ option: `consumer.${key}`, value, accepted: 'a function (partitions) => void | Promise<void>' });
  return value;
}

function nullableString(config: ConsumerConfig, key: 'rackId' | 'groupInstanceId'): string | null {
  const value = config[key];
  if (value === undefined || value === null) return null;
  // KafkaJS's default rackId is '': no rack.
  if (key === 'rackId' && value === '') return null;
  if (typeof value !== 'string' || value === '') throw new KafkaJSConfigurationError({ option: `consumer.${key}`, value, accepted: 'a non-empty string, or null' });
  return value;
}

/**
 * Validate `config` and fill in defaults.
 *
 * @throws KafkaJSNonRetriableError without a groupId (KafkaJS's error), KafkaJSConfigurationError naming any other invalid option
 */
export function resolveConsumerConfig(config: ConsumerConfig): ResolvedConsumerConfig {
  if (typeof config !== 'object' || config === null) throw new KafkaJSConfigurationError({ option: 'consumer', value: config, accepted: 'an options object with a groupId' });
  refuseUnknownOptions(config, [...KNOWN], 'consumer', 'consumer.');
  if (!config.groupId) throw new KafkaJSNonRetriableError('Consumer groupId must be a non-empty string.');
  if (typeof config.groupId !== 'string') throw new KafkaJSConfigurationError({ option: 'consumer.groupId', value: config.groupId, accepted: 'a non-empty string' });
  const d = CONSUMER_DEFAULTS;
  const sessionTimeout = int(config, 'sessionTimeout', d.sessionTimeout, 1);
  const heartbeatInterval = int(config, 'heartbeatInterval', d.heartbeatInterval, 1);
  if (heartbeatInterval >= sessionTimeout) {
    throw new KafkaJSConfigurationError({
      option: 'consumer.heartbeatInterval',
      value: heartbeatInterval,
      accepted: `less than sessionTimeout (${sessionTimeout}); about a third of it is recommended`,
    });
  }
  const rebalanceTimeout = int(config, 'rebalanceTimeout', d.rebalanceTimeout, 1);
  const assigners = config.partitionAssigners ?? [PartitionAssigners.roundRobin];
  if (!Array.isArray(assigners) || assigners.length === 0 || assigners.some((a) => typeof a !== 'function')) {
    throw new KafkaJSConfigurationError({ option: 'consumer.partitionAssigners', value: assigners, accepted: 'a non-empty array of assigner factories, e.g. [PartitionAssigners.roundRobin]' });
  }
  const minBytes = int(config, 'minBytes', d.minBytes, 0);
  const maxBytes = int(config, 'maxBytes', d.maxBytes, 1);
  const maxBytesPerPartition = int(config, 'maxBytesPerPartition', d.maxBytesPerPartition, 1);
  const maxInFlight = config.maxInFlightRequests;
  if (maxInFlight !== undefined && maxInFlight !== null && !(Number.isInteger(maxInFlight) && maxInFlight > 0)) {
    throw new KafkaJSConfigurationError({ option: 'consumer.maxInFlightRequests', value: maxInFlight, accepted: 'an integer > 0, or null for no limit' });
  }
  const reset = config.autoOffsetReset ?? d.autoOffsetReset;
  if (reset !== 'earliest' && reset !== 'latest' && reset !== 'none') {
    throw new KafkaJSConfigurationError({ option: 'consumer.autoOffsetReset', value: reset, accepted: "'earliest', 'latest' or 'none'" });
  }
  if (config.retry !== undefined && (typeof config.retry !== 'object' || config.retry === null)) {
    throw new KafkaJSConfigurationError({ option: 'consumer.retry', value: config.retry, accepted: '{ retries, initialRetryTime, maxRetryTime, factor, multiplier, restartOnFailure }' });
  }
  const retry = Object.freeze(resolveRetryOptions(config.retry));
  const readUncommitted = bool(config, 'readUncommitted', d.readUncommitted);
  return Object.freeze({
    groupId: config.groupId,
    partitionAssigners: Object.freeze([...assigners]),
    metadataMaxAge: int(config, 'metadataMaxAge', d.metadataMaxAge, 0),
    sessionTimeout,
    rebalanceTimeout,
    heartbeatInterval,
    maxBytesPerPartition,
    minBytes,
    maxBytes,
    maxWaitTimeInMs: int(config, 'maxWaitTimeInMs', d.maxWaitTimeInMs, 0),
    retry,
    restartOnFailure: config.retry?.restartOnFailure,
    allowAutoTopicCreation: bool(config, 'allowAutoTopicCreation', d.allowAutoTopicCreation),
    maxInFlightRequests: maxInFlight ?? null,
    readUncommitted,
    isolationLevel: readUncommitted ? 0 : 1,
    rackId: nullableString(config, 'rackId'),
    groupInstanceId: nullableString(config, 'groupInstanceId'),
    autoOffsetReset: reset,
    onPartitionsAssigned: callback(config, 'onPartitionsAssigned'),
    onPartitionsRevoked: callback(config, 'onPartitionsRevoked'),
    onPartitionsLost: callback(config, 'onPartitionsLost'),
    shutdownTimeout: int(config, 'shutdownTimeout', rebalanceTimeout, 0),
    maxBufferedBytes: int(config, 'maxBufferedBytes', 3 * maxBytes, 1),
  });
}
