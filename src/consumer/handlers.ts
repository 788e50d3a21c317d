/**
 * `consumer.run(config)`: the handlers and commit settings, KafkaJS's names,
 * shapes and defaults (`ConsumerRunConfig`, `EachMessagePayload`,
 * `EachBatchPayload`), validated once.
 */
import { KafkaJSConfigurationError, KafkaJSNonRetriableError } from '../errors/errors.js';
import { type Batch } from './batch.js';
import { type TopicOffsets } from './consumer-events.js';
import { type ConsumerMessage } from './consumer-message.js';

/** What `eachMessage` receives. */
export interface EachMessagePayload {
  topic: string;
  partition: number;
  message: ConsumerMessage;
  /** An explicit heartbeat; never needed to keep the membership (the member heartbeats on its own timer). */
  heartbeat(): Promise<void>;
  /** Pause this partition; returns the function that resumes it. */
  pause(): () => void;
}

/** What `eachBatch` receives. */
export interface EachBatchPayload {
  batch: Batch;
  /** Mark a record processed: its offset + 1 is committed next. */
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  pause(): () => void;
  /** Commit the given offsets, or the resolved ones when autoCommitInterval/autoCommitThreshold say so. */
  commitOffsetsIfNecessary(offsets?: { topics: TopicOffsets[] }): Promise<void>;
  /** Resolved offsets not committed yet. */
  uncommittedOffsets(): { topics: TopicOffsets[] };
  /** False once the consumer stops, or this partition is being revoked: return soon. */
  isRunning(): boolean;
  /** True once the partition was seeked or reassigned: the rest of the batch is not wanted. */
  isStale(): boolean;
}

/** KafkaJS's `EachMessageHandler`. */
export type EachMessageHandler = (payload: EachMessagePayload) => Promise<void>;
/** KafkaJS's `EachBatchHandler`. */
export type EachBatchHandler = (payload: EachBatchPayload) => Promise<void>;

/** What `consumer.run(config)` accepts (KafkaJS's `ConsumerRunConfig`). */
export interface ConsumerRunConfig {
  /** Commit resolved offsets automatically. Default true. */
  autoCommit?: boolean;
  /** Commit at most every this many ms instead of after each batch. Default null. */
  autoCommitInterval?: number | null;
  /** Commit once this many records were resolved, instead of after each batch. Default null. */
  autoCommitThreshold?: number | null;
  /** Resolve the batch's last offset when eachBatch returns. Default true. */
  eachBatchAutoResolve?: boolean;
  /** Partitions processed at once, each strictly in order. Default 1. */
  partitionsConsumedConcurrently?: number;
  eachBatch?: EachBatchHandler | null;
  eachMessage?: EachMessageHandler | null;
}

/** {@link ConsumerRunConfig} validated, defaults filled in. */
export interface RunHandlers {
  readonly eachMessage: EachMessageHandler | null;
  readonly eachBatch: EachBatchHandler | null;
  readonly autoCommit: boolean;
  readonly autoCommitInterval: number | null;
  readonly autoCommitThreshold: number | null;
  readonly eachBatchAutoResolve: boolean;
  readonly partitionsConsumedConcurrently: number;
}

function nullableInt(value: unknown, option: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new KafkaJSConfigurationError({ option: `run.${option}`, value, accepted: 'an integer >= 0, or null' });
  return value;
}

/**
 * Validate `run`'s options.
 *
 * @throws KafkaJSConfigurationError naming the invalid option; KafkaJSNonRetriableError without a handler
 */
export function resolveRunConfig(config: ConsumerRunConfig = {}): RunHandlers {
  if (typeof config !== 'object' || config === null) throw new KafkaJSConfigurationError({ option: 'run', value: config, accepted: '{ eachMessage | eachBatch, ... }' });
  const eachMessage = config.eachMessage ?? null;
  const eachBatch = config.eachBatch ?? null;
  if (eachMessage !== null && typeof eachMessage !== 'function') throw new KafkaJSConfigurationError({ option: 'run.eachMessage', value: eachMessage, accepted: 'an async function ({ topic, partition, message }) => void' });
  if (eachBatch !== null && typeof eachBatch !== 'function') throw new KafkaJSConfigurationError({ option: 'run.eachBatch', value: eachBatch, accepted: 'an async function ({ batch, resolveOffset, ... }) => void' });
  if (eachMessage === null && eachBatch === null) throw new KafkaJSNonRetriableError('Consumer run requires eachMessage or eachBatch');
  for (const key of ['autoCommit', 'eachBatchAutoResolve'] as const) {
    const v = config[key];
    if (v !== undefined && typeof v !== 'boolean') throw new KafkaJSConfigurationError({ option: `run.${key}`, value: v, accepted: 'true or false' });
  }
  const concurrency = config.partitionsConsumedConcurrently ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new KafkaJSConfigurationError({ option: 'run.partitionsConsumedConcurrently', value: concurrency, accepted: 'an integer >= 1' });
  return Object.freeze({
    eachMessage,
    // eachMessage wins when both are given, as in KafkaJS.
    eachBatch: eachMessage === null ? eachBatch : null,
    autoCommit: config.autoCommit ?? true,
    autoCommitInterval: nullableInt(config.autoCommitInterval, 'autoCommitInterval'),
    autoCommitThreshold: nullableInt(config.autoCommitThreshold, 'autoCommitThreshold'),
    eachBatchAutoResolve: config.eachBatchAutoResolve ?? true,
    partitionsConsumedConcurrently: concurrency,
  });
}
