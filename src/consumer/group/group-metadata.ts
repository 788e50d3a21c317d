/**
 * What the group member needs from cluster metadata: the topics a
 * subscription resolves to (patterns match against every topic name in the
 * cluster, as Java's consumer matches `Pattern` subscriptions against full
 * metadata), partition counts to notice growth, and the `cluster` object
 * KafkaJS passes to assigners.
 */
import { type Cluster } from '../../client/cluster.js';
import { type RequestVersions } from '../../network/api-versions.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { MetadataRequest } from '../../protocol/generated/metadata-request.js';
import { MetadataResponse } from '../../protocol/generated/metadata-response.js';
import { type AssignerCluster, type AssignerPartitionMetadata } from '../assignors/assigner.js';
import { type SubscriptionState } from '../subscription-state.js';

/** Metadata for every topic, to match patterns. Min 1: v1+ reads a null topic list as "all topics" (v0 an empty one). */
const ALL_TOPICS_METADATA_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 12 });

/**
 * The `cluster` KafkaJS hands a PartitionAssigner (`{ cluster, groupId, logger }`):
 * `findTopicPartitionMetadata(topic)` from the client's metadata cache. The
 * group member refreshes metadata for every topic the group subscribes to
 * before it calls `assign`, so the cache holds what the assigner asks for.
 */
export function createAssignerCluster(cluster: Cluster): AssignerCluster {
  return {
    findTopicPartitionMetadata(topic: string): AssignerPartitionMetadata[] {
      const t = cluster.metadata?.topic(topic);
      if (!t) return [];
      return t.partitions.map((p) => ({
        partitionId: p.partitionId,
        leader: p.leaderId,
        replicas: [...p.replicas],
        isr: [...p.isr],
        offlineReplicas: [...p.offlineReplicas],
        partitionErrorCode: p.errorCode,
      }));
    },
  };
}

/** Every topic name in the cluster, internal topics left out (Java's default `exclude.internal.topics`). */
export async function listTopicNames(cluster: Cluster): Promise<string[]> {
  const connection = await cluster.anyConnection();
  const versions = ALL_TOPICS_METADATA_VERSIONS;
  const version = connection.versionFor(ApiKey.Metadata, versions);
  // Matching a pattern must not create topics: allowAutoTopicCreation false where the version has it.
  const body = version >= 4 ? { topics: null, allowAutoTopicCreation: false } : { topics: null };
  const response = await connection.send(MetadataRequest, MetadataResponse, body, { version, versions });
  return response.topics.filter((t) => t.name !== null && t.errorCode === ErrorCode.NONE && !t.isInternal).map((t) => t.name!);
}

/** The topics `subscriptions` resolves to now: its names, plus the cluster's topics its patterns match. Sorted. */
export async function resolveSubscribedTopics(cluster: Cluster, subscriptions: SubscriptionState): Promise<string[]> {
  if (subscriptions.patterns.length === 0) return subscriptions.subscribedTopics();
  return subscriptions.subscribedTopics(await listTopicNames(cluster));
}

/** Partition counts of `topics` in the cluster's metadata (-1 for a topic it does not know). */
export function partitionCounts(cluster: Cluster, topics: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const topic of topics) {
    const t = cluster.metadata?.topic(topic);
    counts.set(topic, t && t.errorCode === ErrorCode.NONE ? t.partitions.length : -1);
  }
  return counts;
}

/** Whether two partition-count snapshots differ in any topic. */
export function countsDiffer(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return true;
  for (const [topic, n] of a) if (b.get(topic) !== n) return true;
  return false;
}
