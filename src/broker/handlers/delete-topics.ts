/**
 * DeleteTopics, v0-v6.
 *
 * Deletes each named topic (v6+ may name it by topic id) with its logs and
 * wakes any fetch waiting on it. Unknown names get UNKNOWN_TOPIC_OR_PARTITION,
 * unknown ids UNKNOWN_TOPIC_ID. The topic is gone once the registry without it
 * is durable (its directories renamed `-delete` and its partitions' producer
 * state dropped in the same step); the files are removed afterwards. A registry that cannot be written is KAFKA_STORAGE_ERROR,
 * and the topic stays.
 *
 * ACLs (KafkaApis), before existence: a name needs DELETE on the TOPIC, else
 * TOPIC_AUTHORIZATION_FAILED; an id (v6+) first DESCRIBE on its topic, else
 * UNKNOWN_TOPIC_ID as for an id that names nothing, then DELETE.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DeleteTopicsRequest } from '../../protocol/generated/delete-topics-request.js';
import { DeleteTopicsResponse, type DeleteTopicsResponseDeletableTopicResult } from '../../protocol/generated/delete-topics-response.js';
import { ZERO_UUID } from '../../protocol/primitives/constants.js';
import { type Input } from '../../protocol/primitives/message.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorize } from '../acl/request-authorization.js';
import { KafkaStorageError } from '../log/log-errors.js';
import { defineHandler } from './handler.js';

export const deleteTopicsHandler = defineHandler({
  apiKey: ApiKey.DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  request: DeleteTopicsRequest,
  response: DeleteTopicsResponse,
  async handle(ctx, request) {
    const { broker } = ctx;
    const version = ctx.header.apiVersion;
    const wanted = version >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses: Input<DeleteTopicsResponseDeletableTopicResult>[] = [];
    for (const w of wanted) {
      const nameOfId = w.name === null ? broker.topics.byId(w.topicId)?.name : undefined;
      if (nameOfId !== undefined && !authorize(ctx, AclOperation.DESCRIBE, AclResourceType.TOPIC, nameOfId)) {
        responses.push({ name: null, topicId: w.topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: `no topic with id ${w.topicId}` });
        continue;
      }
      const named = w.name ?? nameOfId;
      if (named !== undefined && !authorize(ctx, AclOperation.DELETE, AclResourceType.TOPIC, named)) {
        responses.push({ name: named, topicId: version >= 6 ? w.topicId : undefined, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: version >= 5 ? 'Authorization failed.' : null });
        continue;
      }
      const topic = w.name !== null ? broker.topics.get(w.name) : broker.topics.byId(w.topicId);
      if (!topic) {
        const byId = w.name === null;
        responses.push({
          name: w.name,
          topicId: version >= 6 ? w.topicId : undefined,
          errorCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: version >= 5 ? (byId ? `no topic with id ${w.topicId}` : `This server does not host this topic-partition.`) : null,
        });
        continue;
      }
      try {
        await broker.topics.delete(topic.name);
      } catch (e) {
        if (!(e instanceof KafkaStorageError)) throw e;
        responses.push({ name: topic.name, topicId: version >= 6 ? topic.topicId : undefined, errorCode: e.code, errorMessage: version >= 5 ? e.message : null });
        continue;
      }
      // Kafka drops a deleted topic's committed offsets too.
      await broker.groups.deleteTopicOffsets(topic.name);
      responses.push({ name: topic.name, topicId: version >= 6 ? topic.topicId : undefined, errorCode: ErrorCode.NONE, errorMessage: null });
    }
    return { responses };
  },
});
