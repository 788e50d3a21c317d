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
 *
 * ACLs (KafkaApis.handleTopicMetadataRequest): an all-topics request lists only
 * the topics the caller may DESCRIBE, leaving the others out silently; a named
 * topic without DESCRIBE is TOPIC_AUTHORIZATION_FAILED whether it exists or not
 * (by id: no name either), decided before anything else about it. Auto-creation
 * needs CREATE on the CLUSTER or on the topic, else TOPIC_AUTHORIZATION_FAILED.
 * v8+ topicAuthorizedOperations and (v8-v10) clusterAuthorizedOperations, when
 * asked, are KIP-430's bit fields (the cluster's 0 without DESCRIBE on it).
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { MetadataRequest } from '../../protocol/generated/metadata-request.js';
import { MetadataResponse, type MetadataResponseTopic } from '../../protocol/generated/metadata-response.js';
import { ZERO_UUID } from '../../protocol/primitives/constants.js';
import { type Input } from '../../protocol/primitives/message.js';
import { AclOperation, AclResourceType, CLUSTER_RESOURCE_NAME } from '../acl/acl-binding.js';
import { authorize, authorizeCluster, authorizedOperations } from '../acl/request-authorization.js';
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
    const topicOperations = version >= 8 && request.includeTopicAuthorizedOperations;
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
      topicAuthorizedOperations: topicOperations ? authorizedOperations(ctx, AclResourceType.TOPIC, t.name) : undefined,
    });
    const mayDescribe = (name: string, logIfDenied: boolean): boolean => authorize(ctx, AclOperation.DESCRIBE, AclResourceType.TOPIC, name, { logIfDenied });
    const mayCreate = (name: string): boolean => authorizeCluster(ctx, AclOperation.CREATE, { logIfDenied: false }) || authorize(ctx, AclOperation.CREATE, AclResourceType.TOPIC, name);
    const refused = (name: string | null, topicId?: Input<MetadataResponseTopic>['topicId']): Input<MetadataResponseTopic> => ({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, topicId, partitions: [] });

    const all = request.topics === null || (version === 0 && request.topics.length === 0);
    const topics: Input<MetadataResponseTopic>[] = [];
    if (all) {
      // Topics the caller may not describe are left out, their refusal not logged (Kafka's rule).
      for (const t of broker.topics.list()) if (mayDescribe(t.name, false)) topics.push(describe(t));
    } else {
      const autoCreate = broker.config.autoCreateTopics && (version < 4 || request.allowAutoTopicCreation);
      for (const rt of request.topics!) {
        if (rt.name === null) {
          const t = broker.topics.byId(rt.topicId);
          // Topic ids are not secret (Kafka's view): an unknown one is UNKNOWN_TOPIC_ID, a refused one keeps its id but not its name.
          if (!t) topics.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: rt.topicId, partitions: [] });
          else topics.push(mayDescribe(t.name, true) ? describe(t) : refused(null, rt.topicId));
          continue;
        }
        if (!mayDescribe(rt.name, true)) {
          topics.push(refused(rt.name));
          continue;
        }
        const existing = broker.topics.get(rt.name);
        if (existing) {
          topics.push(describe(existing));
        } else if (autoCreate && !mayCreate(rt.name)) {
          topics.push(refused(rt.name));
        } else if (topicNameProblem(rt.name) !== null) {
          topics.push({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name: rt.name, partitions: [] });
        } else if (autoCreate) {
          try {
            topics.push(describe(await broker.topics.getOrCreate(rt.name)));
          } catch (e) {
            // Kafka answers a topic it is auto-creating with LEADER_NOT_AVAILABLE, whatever becomes of the
            // creation; the client retries. A failed creation (a full disk) is the broker's to log, not the
            // whole request's to fail with KAFKA_STORAGE_ERROR.
            broker.logger.error(`Auto-creating topic ${rt.name} failed`, { error: e instanceof Error ? e.message : String(e) });
            topics.push({ errorCode: ErrorCode.LEADER_NOT_AVAILABLE, name: rt.name, partitions: [] });
          }
        } else {
          topics.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name: rt.name, partitions: [] });
        }
      }
    }
    let clusterOperations: number | undefined;
    if (version >= 8 && version <= 10 && request.includeClusterAuthorizedOperations) {
      clusterOperations = authorizeCluster(ctx, AclOperation.DESCRIBE) ? authorizedOperations(ctx, AclResourceType.CLUSTER, CLUSTER_RESOURCE_NAME) : 0;
    }
    return {
      brokers: [{ nodeId, host: listener.advertisedHost, port: listener.advertisedPort, rack: null }],
      clusterId: broker.config.clusterId,
      controllerId: nodeId,
      topics,
      clusterAuthorizedOperations: clusterOperations,
    };
  },
});
