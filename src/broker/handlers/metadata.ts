/**
 * Metadata, v0-v12.
 *
 * One broker, leader of every partition, sole replica and ISR, leader epoch 0.
 * The broker advertised is the listener the client connected through (Kafka's
 * rule: clients keep talking over the same security protocol).
 * Topics: v0 empty list and v1+ null mean all topics. A missing topic is created
 * with `num.partitions` when `auto.create.topics.enable` is on and the request
 * allows it (v4+ flag; always before v4), and answered at once with NONE (the
 * creation is synchronous here). v10+ may name topics by id (UNKNOWN_TOPIC_ID).
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { MetadataRequest } from '../../protocol/generated/metadata-request.js';
import { MetadataResponse, type MetadataResponseTopic } from '../../protocol/generated/metadata-response.js';
import { ZERO_UUID } from '../../protocol/primitives/constants.js';
import { type Input } from '../../protocol/primitives/message.js';
import { type Topic, topicNameProblem } from '../topics.js';
import { defineHandler } from './handler.js';

export const metadataHandler = defineHandler({
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 12,
  request: MetadataRequest,
  response: MetadataResponse,
  async handle(ctx, request) {
    const { broker } = ctx;
    const version = ctx.header.apiVersion;
    const listener = broker.listenerNamed(ctx.session.listener.name)!;
    const nodeId = broker.config.nodeId;
    const describe = (t: Topic): Input<MetadataResponseTopic> => ({
      errorCode: ErrorCode.NONE,
      name: t.name,
      topicId: version >= 10 ? t.topicId : ZERO_UUID,
      isInternal: t.isInternal(),
      partitions: t.partitions.map((p) => ({
        errorCode: ErrorCode.NONE,
        partitionIndex: p.index,
        leaderId: nodeId,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: [nodeId],
        isrNodes: [nodeId],
        offlineReplicas: [],
      })),
    });

    const all = request.topics === null || (version === 0 && request.topics.length === 0);
    const topics: Input<MetadataResponseTopic>[] = [];
    if (all) {
      for (const t of broker.topics.list()) topics.push(describe(t));
    } else {
      const autoCreate = broker.config.autoCreateTopics && (version < 4 || request.allowAutoTopicCreation);
      for (const rt of request.topics!) {
        if (rt.name === null) {
          const t = broker.topics.byId(rt.topicId);
          topics.push(t ? describe(t) : { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: rt.topicId, partitions: [] });
          continue;
        }
        const existing = broker.topics.get(rt.name);
        if (existing) {
          topics.push(describe(existing));
        } else if (topicNameProblem(rt.name) !== null) {
          topics.push({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name: rt.name, partitions: [] });
        } else if (autoCreate) {
          topics.push(describe(await broker.topics.getOrCreate(rt.name)));
        } else {
          topics.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name: rt.name, partitions: [] });
        }
      }
    }
    return {
      brokers: [{ nodeId, host: listener.advertisedHost, port: listener.advertisedPort, rack: null }],
      clusterId: broker.config.clusterId,
      controllerId: nodeId,
      topics,
    };
  },
});
