/**
 * CreatePartitions, v0-v3.
 *
 * Grows a topic to `count` partitions; shrinking or keeping the count is
 * INVALID_PARTITIONS, as in Kafka. Assignments may only name this broker.
 * Adding partitions moves keys under hash partitioning (murmur2 % count):
 * that is Kafka's behaviour and the client's concern. A request adding more
 * than MAX_PARTITIONS_PER_REQUEST partitions in all fails whole with
 * POLICY_VIOLATION, as in Kafka (KAFKA-19673). New partitions exist once the
 * registry lists them durably; a registry that cannot be written is
 * KAFKA_STORAGE_ERROR, with nothing added.
 *
 * ACLs (KafkaApis), before anything else: ALTER on each TOPIC, else
 * TOPIC_AUTHORIZATION_FAILED for it; the partitions of refused topics do not
 * count toward the request's limit, so its answer reveals nothing of them.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { CreatePartitionsRequest } from '../../protocol/generated/create-partitions-request.js';
import { CreatePartitionsResponse, type CreatePartitionsResponseCreatePartitionsTopicResult } from '../../protocol/generated/create-partitions-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorizedNames } from '../acl/request-authorization.js';
import { KafkaStorageError } from '../log/log-errors.js';
import { InvalidPartitionsError, UnknownTopicError } from '../topic-errors.js';
import { MAX_PARTITIONS_PER_REQUEST, TOO_MANY_PARTITIONS } from './create-topics.js';
import { defineHandler } from './handler.js';

export const createPartitionsHandler = defineHandler({
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  request: CreatePartitionsRequest,
  response: CreatePartitionsResponse,
  async handle(ctx, request) {
    const { broker } = ctx;
    const results: Input<CreatePartitionsResponseCreatePartitionsTopicResult>[] = [];
    const alterable = authorizedNames(ctx, AclOperation.ALTER, AclResourceType.TOPIC, request.topics.map((t) => t.name), { logIfDenied: true });
    const added = request.topics.filter((t) => alterable.has(t.name)).reduce((sum, t) => sum + Math.max(0, t.count - (broker.topics.get(t.name)?.partitions.length ?? t.count)), 0);
    for (const t of request.topics) {
      if (!alterable.has(t.name)) {
        results.push({ name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' });
        continue;
      }
      const topic = broker.topics.get(t.name);
      if (added > MAX_PARTITIONS_PER_REQUEST) {
        results.push({ name: t.name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: TOO_MANY_PARTITIONS });
      } else if (!topic) {
        results.push({ name: t.name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic ${t.name} does not exist` });
      } else if (t.count <= topic.partitions.length) {
        results.push({ name: t.name, errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic currently has ${topic.partitions.length} partitions, which is higher than or equal to the requested ${t.count}.` });
      } else if (t.assignments && (t.assignments.length !== t.count - topic.partitions.length || t.assignments.some((a) => a.brokerIds.some((id) => id !== broker.config.nodeId)))) {
        results.push({ name: t.name, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `assignments must list ${t.count - topic.partitions.length} new partitions on broker ${broker.config.nodeId}` });
      } else {
        try {
          if (!request.validateOnly) await broker.topics.createPartitions(topic, t.count);
          results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
        } catch (e) {
          if (!(e instanceof KafkaStorageError || e instanceof UnknownTopicError || e instanceof InvalidPartitionsError)) throw e;
          results.push({ name: t.name, errorCode: e.code, errorMessage: e.message });
        }
      }
    }
    return { results };
  },
});
