/**
 * Topics: `createTopics`, `deleteTopics`, `createPartitions`, sent to the
 * controller (Kafka before KRaft accepts them nowhere else; KRaft brokers
 * forward them), KafkaJS's arguments, checks and results.
 *
 * Retries resend only what is still to do: a topic created by the first
 * attempt is not sent again, so a retry cannot turn a success into
 * TOPIC_ALREADY_EXISTS.
 */
import { KafkaJSAggregateError, KafkaJSTimeout } from '../errors/errors.js';
import { type KafkaJSProtocolError, KafkaJSCreateTopicError, createErrorFromCode } from '../errors/protocol-errors.js';
import { type RequestVersions } from '../network/api-versions.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { CreatePartitionsRequest } from '../protocol/generated/create-partitions-request.js';
import { CreatePartitionsResponse } from '../protocol/generated/create-partitions-response.js';
import { CreateTopicsRequest } from '../protocol/generated/create-topics-request.js';
import { CreateTopicsResponse } from '../protocol/generated/create-topics-response.js';
import { DeleteTopicsRequest } from '../protocol/generated/delete-topics-request.js';
import { DeleteTopicsResponse } from '../protocol/generated/delete-topics-response.js';
import { type AdminContext, invalidArgument, requireArray } from './admin-context.js';
import { type ITopicConfig, type ITopicPartitionConfig } from './admin-types.js';
import { requestMetadata } from './cluster-info.js';

/** Min 1: validateOnly exists from v1 (Kafka 0.10.2); v4 lets numPartitions/replicationFactor be -1 (KIP-464); v5+ answers configs, v7 topic ids; checked to v7. */
const CREATE_TOPICS_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 7 });

/** v0-v5 name topics in `topicNames`; v6 in `topics` (names or ids, KIP-516). */
const DELETE_TOPICS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 6 });

/** v0 has every field used here (validateOnly included); v2 flexible, v3 the same. */
const CREATE_PARTITIONS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 3 });

/** KafkaJS's default broker-side timeout of topic operations, ms. */
const DEFAULT_TIMEOUT = 5000;

/** How often `waitForLeaders` looks, ms (KafkaJS's 100). */
const LEADER_POLL_MS = 100;

/** `createTopics`' argument, KafkaJS's. */
export interface CreateTopicsOptions {
  topics: ITopicConfig[];
  validateOnly?: boolean;
  /** Wait until every created partition has a leader. Default true. */
  waitForLeaders?: boolean;
  /** Broker-side timeout and leader wait, ms. Default 5000. */
  timeout?: number;
}

function checkTopicConfigs(topics: readonly ITopicConfig[]): void {
  if (topics.some((t) => typeof t?.topic !== 'string')) throw invalidArgument('Invalid topics array, the topic names have to be a valid string');
  if (new Set(topics.map((t) => t.topic)).size < topics.length) throw invalidArgument('Invalid topics array, it cannot have multiple entries for the same topic');
  for (const { topic, configEntries } of topics) {
    if (configEntries == null) continue;
    if (!Array.isArray(configEntries)) throw invalidArgument(`Invalid configEntries for topic "${topic}", must be an array`);
    configEntries.forEach((entry: unknown, index) => {
      if (typeof entry !== 'object' || entry === null) throw invalidArgument(`Invalid configEntries for topic "${topic}". Entry ${index} must be an object`);
      for (const key of ['name', 'value'] as const) {
        if (typeof (entry as Record<string, unknown>)[key] !== 'string') {
          throw invalidArgument(`Invalid configEntries for topic "${topic}". Entry ${index} must have a valid "${key}" property`);
        }
      }
    });
  }
}

/**
 * Create topics. Resolves true, or false when every topic that failed already
 * existed (KafkaJS's answer); any other failure rejects with a
 * `KafkaJSAggregateError` of one `KafkaJSCreateTopicError` per failed topic.
 */
export async function createTopics(ctx: AdminContext, options: CreateTopicsOptions): Promise<boolean> {
  const topics = requireArray(options?.topics, 'topics');
  checkTopicConfigs(topics);
  const { validateOnly = false, waitForLeaders = true, timeout = DEFAULT_TIMEOUT } = options;
  let pending = [...topics];
  const failed: KafkaJSCreateTopicError[] = [];
  await ctx.retry('createTopics', async () => {
    const connection = await ctx.cluster.connectionForController();
    const response = await connection.send(
      CreateTopicsRequest,
      CreateTopicsResponse,
      {
        topics: pending.map((t) => ({
          name: t.topic,
          numPartitions: t.numPartitions ?? -1,
          replicationFactor: t.replicationFactor ?? -1,
          assignments: (t.replicaAssignment ?? []).map((a) => ({ partitionIndex: a.partition, brokerIds: a.replicas })),
          configs: (t.configEntries ?? []).map((c) => ({ name: c.name, value: c.value })),
        })),
        timeoutMs: timeout,
        validateOnly,
      },
      { versions: CREATE_TOPICS_VERSIONS },
    );
    const retriable: KafkaJSCreateTopicError[] = [];
    const outcome = new Map(response.topics.map((r) => [r.name, r]));
    pending = pending.filter((t) => {
      const r = outcome.get(t.topic);
      if (!r || r.errorCode === ErrorCode.NONE) return false;
      const error = new KafkaJSCreateTopicError(createErrorFromCode(r.errorCode, r.errorMessage ? `${r.errorMessage} (topic "${t.topic}")` : `topic "${t.topic}"`), t.topic);
      (error.retriable ? retriable : failed).push(error);
      return error.retriable;
    });
    if (retriable.length > 0) {
      // NOT_CONTROLLER above all: the controller moved, and the retry must ask where to.
      ctx.cluster.markStale();
      throw new KafkaJSAggregateError('Topic creation errors', retriable);
    }
  }).catch((e: unknown) => {
    // Retries exhausted, or a failure that is not about one topic: the topics that failed for good are reported with it.
    if (failed.length === 0) throw e;
    throw new KafkaJSAggregateError('Topic creation errors', [...failed, e instanceof Error ? e : String(e)]);
  });
  if (failed.length > 0) {
    if (failed.every((e) => e.code === ErrorCode.TOPIC_ALREADY_EXISTS)) return false;
    throw new KafkaJSAggregateError('Topic creation errors', failed);
  }
  if (waitForLeaders && !validateOnly) await waitForTopicLeaders(ctx, topics.map((t) => t.topic), timeout);
  return true;
}

/** Poll Metadata until every partition of `topics` has a leader, as KafkaJS's `waitForLeaders`. */
async function waitForTopicLeaders(ctx: AdminContext, topics: readonly string[], timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const m = await requestMetadata(ctx, topics);
    const ready = m.topics.every((t) => {
      if (t.errorCode === ErrorCode.LEADER_NOT_AVAILABLE || t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return false;
      if (t.errorCode !== ErrorCode.NONE) throw createErrorFromCode(t.errorCode, `topic "${t.name}"`);
      return t.partitions.length > 0 && t.partitions.every((p) => p.leaderId >= 0);
    });
    if (ready) return;
    if (Date.now() >= deadline) throw new KafkaJSTimeout('Timed out while waiting for topic leaders');
    await new Promise((resolve) => setTimeout(resolve, LEADER_POLL_MS));
  }
}

/**
 * Delete topics. As KafkaJS, a failure rejects with the failed topic's protocol
 * error (the first one; the message names every failed topic). Unlike KafkaJS,
 * UNKNOWN_TOPIC_OR_PARTITION is final: the controller, which answered, knows.
 */
export async function deleteTopics(ctx: AdminContext, options: { topics: string[]; timeout?: number }): Promise<void> {
  const topics = requireArray(options?.topics, 'topics');
  if (topics.some((t) => typeof t !== 'string')) throw invalidArgument('Invalid topics array, the names must be a valid string');
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  let pending = [...topics];
  const failed: { topic: string; error: KafkaJSProtocolError }[] = [];
  await ctx.retry('deleteTopics', async () => {
    const connection = await ctx.cluster.connectionForController();
    const version = connection.versionFor(ApiKey.DeleteTopics, DELETE_TOPICS_VERSIONS);
    const body = version >= 6 ? { topics: pending.map((name) => ({ name })), timeoutMs: timeout } : { topicNames: pending, timeoutMs: timeout };
    const response = await connection.send(DeleteTopicsRequest, DeleteTopicsResponse, body, { version, versions: DELETE_TOPICS_VERSIONS });
    const outcome = new Map(response.responses.map((r) => [r.name, r]));
    let retriable: KafkaJSProtocolError | undefined;
    pending = pending.filter((topic) => {
      const r = outcome.get(topic);
      if (!r || r.errorCode === ErrorCode.NONE) return false;
      const error = createErrorFromCode(r.errorCode, `${r.errorMessage ?? 'deletion failed'} (topic "${topic}")`);
      if (error.retriable && r.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        if (r.errorCode === ErrorCode.REQUEST_TIMED_OUT) ctx.logger.error('Could not delete topics, check if "delete.topic.enable" is set to "true" or increase the timeout', { topic });
        retriable ??= error;
        return true;
      }
      failed.push({ topic, error });
      return false;
    });
    if (retriable) throw retriable;
  });
  ctx.cluster.markStale();
  const first = failed[0];
  if (first) {
    if (failed.length > 1) first.error.message = `${first.error.message}; ${failed.length - 1} more failed: ${failed.slice(1).map((f) => f.error.message).join('; ')}`;
    throw first.error;
  }
}

/**
 * Grow topics to `count` partitions each. A failure rejects with the first failed
 * topic's protocol error (INVALID_PARTITIONS for a count not above the current one), as KafkaJS.
 */
export async function createPartitions(ctx: AdminContext, options: { topicPartitions: ITopicPartitionConfig[]; validateOnly?: boolean; timeout?: number }): Promise<boolean> {
  const topicPartitions = requireArray(options?.topicPartitions, 'topic partitions');
  if (topicPartitions.length === 0) throw invalidArgument('Empty topic partitions array');
  if (topicPartitions.some((t) => typeof t?.topic !== 'string')) throw invalidArgument('Invalid topic partitions array, the topic names have to be a valid string');
  if (new Set(topicPartitions.map((t) => t.topic)).size < topicPartitions.length) {
    throw invalidArgument('Invalid topic partitions array, it cannot have multiple entries for the same topic');
  }
  let pending = [...topicPartitions];
  await ctx.retry('createPartitions', async () => {
    const connection = await ctx.cluster.connectionForController();
    const response = await connection.send(
      CreatePartitionsRequest,
      CreatePartitionsResponse,
      {
        topics: pending.map((t) => ({ name: t.topic, count: t.count, assignments: t.assignments ? t.assignments.map((brokerIds) => ({ brokerIds })) : null })),
        timeoutMs: options.timeout ?? DEFAULT_TIMEOUT,
        validateOnly: options.validateOnly ?? false,
      },
      { versions: CREATE_PARTITIONS_VERSIONS },
    );
    const outcome = new Map(response.results.map((r) => [r.name, r]));
    let error: KafkaJSProtocolError | undefined;
    pending = pending.filter((t) => {
      const r = outcome.get(t.topic);
      if (!r || r.errorCode === ErrorCode.NONE) return false;
      error ??= createErrorFromCode(r.errorCode, `${r.errorMessage ?? 'cannot add partitions'} (topic "${t.topic}")`);
      return true;
    });
    if (error) throw error;
  });
  ctx.cluster.markStale();
  return true;
}
