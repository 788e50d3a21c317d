/**
 * OffsetDelete, v0 (KIP-496, Kafka 2.4): remove a group's committed offsets of
 * some partitions, so a consumer later starts there by its reset policy.
 *
 * The group: GROUP_ID_NOT_FOUND when unknown or Dead; NON_EMPTY_GROUP when it has
 * members and is not a consumer group whose subscriptions can be read. Those
 * answer the top-level error with no topics, as Kafka's error response. Per
 * partition: GROUP_SUBSCRIBED_TO_TOPIC while a member subscribes to the topic,
 * UNKNOWN_TOPIC_OR_PARTITION when it does not exist, else NONE (also when
 * nothing was committed there). The deletion is written to the consumer offsets
 * log (tombstones) before the answer; semantics in ../groups/group-coordinator.ts.
 *
 * ACLs (KafkaApis.handleOffsetDeleteRequest): DELETE on the GROUP, else
 * GROUP_AUTHORIZATION_FAILED for the whole request; then READ on each TOPIC,
 * else TOPIC_AUTHORIZATION_FAILED for its partitions, before their existence
 * is looked at, while the others are deleted.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { OffsetDeleteRequest } from '../../protocol/generated/offset-delete-request.js';
import { OffsetDeleteResponse } from '../../protocol/generated/offset-delete-response.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorize, authorizedNames } from '../acl/request-authorization.js';
import { defineHandler } from './handler.js';

export const offsetDeleteHandler = defineHandler({
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  request: OffsetDeleteRequest,
  response: OffsetDeleteResponse,
  async handle(ctx, request) {
    const { broker } = ctx;
    if (!authorize(ctx, AclOperation.DELETE, AclResourceType.GROUP, request.groupId, { logIfDenied: true })) {
      return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
    }
    const readable = authorizedNames(ctx, AclOperation.READ, AclResourceType.TOPIC, request.topics.map((t) => t.name), { logIfDenied: true });
    const exists = (topic: string, partition: number): boolean => {
      const t = broker.topics.get(topic);
      return t !== undefined && partition >= 0 && partition < t.partitions.length;
    };
    const deletable = request.topics
      .filter((t) => readable.has(t.name))
      .map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex).filter((p) => exists(t.name, p)) }))
      .filter((t) => t.partitions.length > 0);
    const verdict = await broker.groups.deleteOffsets(request.groupId, deletable);
    if (verdict.errorCode !== ErrorCode.NONE) return { errorCode: verdict.errorCode, throttleTimeMs: 0, topics: [] };
    return {
      errorCode: ErrorCode.NONE,
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          let errorCode: number;
          if (!readable.has(t.name)) errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
          else if (!exists(t.name, p.partitionIndex)) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          else errorCode = verdict.partitions.get(t.name)?.get(p.partitionIndex) ?? ErrorCode.UNKNOWN_SERVER_ERROR;
          return { partitionIndex: p.partitionIndex, errorCode };
        }),
      })),
    };
  },
});
