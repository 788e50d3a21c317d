/**
 * What the cluster and its topics look like: `describeCluster`, `listTopics`,
 * `fetchTopicMetadata`. Each asks a broker directly with its own Metadata
 * request (never creating topics, as KafkaJS's admin cluster does with
 * `allowAutoTopicCreation: false`), so asking about every topic does not make
 * the shared metadata cache track them all.
 */
import { type Connection } from '../network/connection.js';
import { type RequestVersions } from '../network/api-versions.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { MetadataRequest } from '../protocol/generated/metadata-request.js';
import { type MetadataResponse, MetadataResponse as MetadataResponseCodec } from '../protocol/generated/metadata-response.js';
import { AdminContext, invalidArgument, isRoutingError } from './admin-context.js';
import { type ClusterDescription, type ITopicMetadata } from './admin-types.js';

/** Min 1: v0 reads an empty list as "all topics" and has no controller id; v4 adds allowAutoTopicCreation; checked to v12. */
const METADATA_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 12 });

/**
 * A Metadata request to any broker: `topics` null for every topic, [] for none
 * (brokers and controller only). Topics are never created by it.
 */
export async function requestMetadata(ctx: AdminContext, topics: readonly string[] | null, connection?: Connection): Promise<MetadataResponse> {
  const c = connection ?? (await ctx.cluster.anyConnection());
  const version = c.versionFor(ApiKey.Metadata, METADATA_VERSIONS);
  return c.send(
    MetadataRequest,
    MetadataResponseCodec,
    { topics: topics === null ? null : topics.map((name) => ({ name })), ...(version >= 4 ? { allowAutoTopicCreation: false } : {}) },
    { version, versions: METADATA_VERSIONS },
  );
}

/** The brokers, the controller (null when none) and the cluster id. */
export function describeCluster(ctx: AdminContext): Promise<ClusterDescription> {
  return ctx.retry('describeCluster', async () => {
    const m = await requestMetadata(ctx, []);
    return {
      brokers: m.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
      controller: m.controllerId < 0 ? null : m.controllerId,
      clusterId: m.clusterId ?? '',
    };
  });
}

/** The names of every topic the caller may describe. */
export function listTopics(ctx: AdminContext): Promise<string[]> {
  return ctx.retry('listTopics', async () => {
    const m = await requestMetadata(ctx, null);
    return m.topics.flatMap((t) => (t.name === null ? [] : [t.name]));
  });
}

/**
 * Partitions, leaders and replicas of `topics` (all topics when empty or absent),
 * KafkaJS's shape. As KafkaJS, a topic or partition in error throws its protocol
 * error (UNKNOWN_TOPIC_OR_PARTITION for a topic that does not exist, at once), and
 * LEADER_NOT_AVAILABLE is retried.
 */
export function fetchTopicMetadata(ctx: AdminContext, options: { topics?: string[] } = {}): Promise<{ topics: ITopicMetadata[] }> {
  const topics = options?.topics ?? [];
  if (!Array.isArray(topics)) throw invalidArgument(`Invalid topics array ${String(topics)}`);
  for (const topic of topics) {
    if (!topic || typeof topic !== 'string') throw invalidArgument(`Invalid topic ${String(topic)}`);
  }
  return ctx.retry('fetchTopicMetadata', async () => {
    const m = await requestMetadata(ctx, topics.length === 0 ? null : topics);
    for (const t of m.topics) {
      AdminContext.check(t.errorCode, `topic "${t.name}"`);
      for (const p of t.partitions) AdminContext.check(p.errorCode === ErrorCode.REPLICA_NOT_AVAILABLE ? ErrorCode.NONE : p.errorCode, `partition ${p.partitionIndex} of topic "${t.name}"`);
    }
    return {
      topics: m.topics.map((t) => ({
        name: t.name ?? '',
        partitions: t.partitions
          .map((p) => ({
            partitionErrorCode: p.errorCode,
            partitionId: p.partitionIndex,
            leader: p.leaderId,
            replicas: [...p.replicaNodes],
            isr: [...p.isrNodes],
            offlineReplicas: [...p.offlineReplicas],
          }))
          .sort((a, b) => a.partitionId - b.partitionId),
      })),
    };
  }, { retryOn: isRoutingError });
}

/** The partition ids of `topic`, ascending; throws the topic's error (UNKNOWN_TOPIC_OR_PARTITION...). */
export async function partitionsOf(ctx: AdminContext, topic: string): Promise<number[]> {
  const metadata = await ctx.cluster.refreshMetadataIfNeeded([topic]);
  const t = metadata.topic(topic);
  if (!t) throw invalidArgument(`Topic "${topic}" is not in the metadata`);
  AdminContext.check(t.errorCode, `topic "${topic}"`);
  return t.partitions.map((p) => p.partitionId).sort((a, b) => a - b);
}
