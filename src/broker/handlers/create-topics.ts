/**
 * CreateTopics, v0-v7.
 *
 * numPartitions -1 (v4+) means `num.partitions`; replicationFactor must be -1
 * or 1 on one broker (INVALID_REPLICATION_FACTOR otherwise); manual assignments
 * may only name this broker. Configs are validated with Kafka's rules
 * (INVALID_CONFIG naming the key). validateOnly (v1+) checks without creating.
 * v5+ answers the topic's partitions, replication factor and effective configs;
 * v7+ its topic id. A request for more than {@link MAX_PARTITIONS_PER_REQUEST}
 * partitions in all fails whole with POLICY_VIOLATION (KAFKA-17870), so one
 * request cannot make the broker build millions of logs.
 *
 * A topic exists once its registry entry is durable: a name being created or
 * deleted is TOPIC_ALREADY_EXISTS, and a registry that cannot be written (disk
 * full) is KAFKA_STORAGE_ERROR with nothing created.
 *
 * ACLs (KafkaApis), before a topic's name or existence is looked at: CREATE on
 * the CLUSTER, or else CREATE on the TOPIC, else TOPIC_AUTHORIZATION_FAILED.
 * v5+ answers a created topic's configs and metadata only with DESCRIBE_CONFIGS
 * on it; without, topicConfigErrorCode TOPIC_AUTHORIZATION_FAILED (the topic is
 * created all the same).
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { CreateTopicsRequest } from '../../protocol/generated/create-topics-request.js';
import { CreateTopicsResponse, type CreateTopicsResponseCreatableTopicResult } from '../../protocol/generated/create-topics-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorizeCluster, authorizedNames } from '../acl/request-authorization.js';
import { KafkaStorageError } from '../log/log-errors.js';
import { LogConfigError } from '../log/log-config.js';
import { InvalidTopicError, TopicExistsError } from '../topic-errors.js';
import { type Topic, topicNameProblem } from '../topics.js';
import { describeTopicConfigs } from './describe-configs.js';
import { defineHandler } from './handler.js';

/** Kafka's cap on the partitions one CreateTopics or CreatePartitions request may create (KAFKA-17870, KAFKA-19673). */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;

/** Kafka's message for a request over {@link MAX_PARTITIONS_PER_REQUEST}. */
export const TOO_MANY_PARTITIONS = 'Excessively large number of partitions per request.';

/** The answer for an error a creation may meet, or null for an unexpected one. */
function creationError(e: unknown): { code: number; message: string } | null {
  if (e instanceof TopicExistsError || e instanceof InvalidTopicError || e instanceof KafkaStorageError) return { code: e.code, message: e.message };
  if (e instanceof LogConfigError) return { code: ErrorCode.INVALID_CONFIG, message: e.message };
  return null;
}

export const createTopicsHandler = defineHandler({
  apiKey: ApiKey.CreateTopics,
  minVersion: 0,
  maxVersion: 7,
  request: CreateTopicsRequest,
  response: CreateTopicsResponse,
  async handle(ctx, request) {
    const { broker } = ctx;
    const version = ctx.header.apiVersion;
    const results: Input<CreateTopicsResponseCreatableTopicResult>[] = [];
    const seen = new Set<string>();
    const names = request.topics.map((t) => t.name);
    const creatable = authorizeCluster(ctx, AclOperation.CREATE, { logIfDenied: false }) ? null : authorizedNames(ctx, AclOperation.CREATE, AclResourceType.TOPIC, names, { logIfDenied: true });
    const describable = version >= 5 ? authorizedNames(ctx, AclOperation.DESCRIBE_CONFIGS, AclResourceType.TOPIC, names) : null;
    const requested = request.topics.reduce((sum, t) => sum + (t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? broker.config.numPartitions : Math.max(0, t.numPartitions)), 0);
    for (const t of request.topics) {
      const fail = (errorCode: number, errorMessage: string): void => {
        results.push({ name: t.name, errorCode, errorMessage: version >= 1 ? errorMessage : null, numPartitions: -1, replicationFactor: -1, configs: version >= 5 ? null : [] });
      };
      if (requested > MAX_PARTITIONS_PER_REQUEST) {
        fail(ErrorCode.POLICY_VIOLATION, TOO_MANY_PARTITIONS);
        continue;
      }
      if (seen.has(t.name)) {
        fail(ErrorCode.INVALID_REQUEST, `topic ${t.name} appears more than once in the request`);
        continue;
      }
      seen.add(t.name);
      if (creatable !== null && !creatable.has(t.name)) {
        fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.');
        continue;
      }
      const nameProblem = topicNameProblem(t.name);
      if (nameProblem) {
        fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
        continue;
      }
      if (broker.topics.get(t.name)) {
        fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
        continue;
      }
      let partitions = t.numPartitions === -1 ? broker.config.numPartitions : t.numPartitions;
      if (t.assignments.length > 0) {
        if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
          fail(ErrorCode.INVALID_REQUEST, 'both numPartitions or replicationFactor and manual assignments were set; only one is allowed');
          continue;
        }
        if (t.assignments.some((a) => a.brokerIds.some((id) => id !== broker.config.nodeId))) {
          fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `replica assignments may only name broker ${broker.config.nodeId}, the only broker`);
          continue;
        }
        partitions = t.assignments.length;
      }
      if (partitions < 1) {
        fail(ErrorCode.INVALID_PARTITIONS, `number of partitions must be larger than 0, got ${partitions}`);
        continue;
      }
      if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
        fail(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor ${t.replicationFactor} is larger than the 1 available broker`);
        continue;
      }
      let configs: Map<string, string | number>;
      try {
        configs = broker.topics.validateConfigs(t.configs.filter((c) => c.value !== null).map((c) => [c.name, c.value!] as [string, string]));
      } catch (e) {
        fail(ErrorCode.INVALID_CONFIG, e instanceof Error ? e.message : String(e));
        continue;
      }
      let topic: Topic | null = null;
      if (!request.validateOnly) {
        try {
          topic = await broker.topics.create(t.name, partitions, configs);
        } catch (e) {
          const known = creationError(e);
          if (known === null) throw e;
          fail(known.code, known.message);
          continue;
        }
      }
      if (describable !== null && !describable.has(t.name)) {
        results.push({ name: t.name, topicId: version >= 7 && topic ? topic.topicId : undefined, errorCode: ErrorCode.NONE, errorMessage: null, numPartitions: -1, replicationFactor: -1, configs: null, topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
        continue;
      }
      results.push({
        name: t.name,
        topicId: version >= 7 && topic ? topic.topicId : undefined,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        numPartitions: partitions,
        replicationFactor: 1,
        configs: version >= 5 && topic ? describeTopicConfigs(topic, null, broker.dynamicConfig).map((c) => ({ name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.configSource, isSensitive: false })) : version >= 5 ? null : [],
      });
    }
    return { topics: results };
  },
});
