/**
 * OffsetFetch, v1-v9: a group's committed offsets.
 *
 * Each requested partition gets its committed offset, leader epoch and
 * metadata, or offset -1 and empty metadata when nothing is committed (also
 * for an unknown group, which is not an error). Null topics ask for every
 * partition the group has committed. `requireStable` (v7+, KIP-447) would
 * answer UNSTABLE_OFFSET_COMMIT for offsets a transaction has pending; no
 * transactional offsets exist yet, so it changes nothing.
 *
 * Versions: v0 (offsets in ZooKeeper) is not served; v1 names topics and has no
 * top-level error; v2+ null topics mean all, and a top-level error code; v3+
 * throttle time; v5+ leader epochs; v6 flexible; v8+ several groups per request,
 * each with its own topics and error (KIP-709); v9 adds the KIP-848 member id
 * and epoch, which only consumer-protocol groups check (every group here is
 * classic).
 *
 * ACLs, first (KafkaApis): DESCRIBE on the GROUP, else GROUP_AUTHORIZATION_FAILED
 * (v8+ the group's error; v2-v7 the top-level one, with no topics; v1, which
 * has no top-level error, each partition's); then DESCRIBE on each TOPIC: a
 * named topic without it answers TOPIC_AUTHORIZATION_FAILED for each of its
 * partitions, and an all-topics request leaves such topics out silently.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { OffsetFetchRequest } from '../../protocol/generated/offset-fetch-request.js';
import { OffsetFetchResponse } from '../../protocol/generated/offset-fetch-response.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorize, authorizedNames } from '../acl/request-authorization.js';
import { type FetchedOffset } from '../groups/group-coordinator.js';
import { defineHandler } from './handler.js';

/** A partition answered with an error and no offset (Kafka's `OffsetFetchResponse.UNAUTHORIZED_PARTITION` shape). */
function refusedPartition(partition: number, errorCode: number): FetchedOffset {
  return { partition, offset: -1n, leaderEpoch: -1, metadata: '', errorCode };
}

export const offsetFetchHandler = defineHandler({
  apiKey: ApiKey.OffsetFetch,
  minVersion: 1,
  maxVersion: 9,
  request: OffsetFetchRequest,
  response: OffsetFetchResponse,
  handle(ctx, request) {
    const version = ctx.header.apiVersion;
    /** The group's offsets for the topics (null: all) the caller may describe. */
    const offsetsOf = (groupId: string, topics: readonly { name: string; partitionIndexes: number[] }[] | null): { name: string; partitions: FetchedOffset[] }[] => {
      if (topics === null) {
        const all = ctx.broker.groups.fetchOffsets(groupId, null);
        const describable = authorizedNames(ctx, AclOperation.DESCRIBE, AclResourceType.TOPIC, all.map((t) => t.name));
        return all.filter((t) => describable.has(t.name));
      }
      const describable = authorizedNames(ctx, AclOperation.DESCRIBE, AclResourceType.TOPIC, topics.map((t) => t.name), { logIfDenied: true });
      const fetched = ctx.broker.groups.fetchOffsets(groupId, topics.map((t) => ({ name: t.name, partitions: describable.has(t.name) ? t.partitionIndexes : [] })));
      return topics.map((t, i) => (describable.has(t.name) ? fetched[i]! : { name: t.name, partitions: t.partitionIndexes.map((p) => refusedPartition(p, ErrorCode.TOPIC_AUTHORIZATION_FAILED)) }));
    };
    const mayDescribeGroup = (groupId: string): boolean => authorize(ctx, AclOperation.DESCRIBE, AclResourceType.GROUP, groupId);
    const toWire = (offsets: readonly { name: string; partitions: FetchedOffset[] }[]) =>
      offsets.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partition,
          committedOffset: p.offset,
          committedLeaderEpoch: version >= 5 ? p.leaderEpoch : -1,
          metadata: p.metadata,
          errorCode: p.errorCode,
        })),
      }));
    if (version >= 8) {
      return {
        throttleTimeMs: 0,
        groups: request.groups.map((g) =>
          mayDescribeGroup(g.groupId)
            ? { groupId: g.groupId, topics: toWire(offsetsOf(g.groupId, g.topics)), errorCode: ErrorCode.NONE }
            : { groupId: g.groupId, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED },
        ),
      };
    }
    if (!mayDescribeGroup(request.groupId)) {
      if (version >= 2) return { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
      const refused = (request.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => refusedPartition(p, ErrorCode.GROUP_AUTHORIZATION_FAILED)) }));
      return { throttleTimeMs: 0, topics: toWire(refused) };
    }
    return {
      throttleTimeMs: 0,
      topics: toWire(offsetsOf(request.groupId, request.topics)),
      errorCode: version >= 2 ? ErrorCode.NONE : undefined,
    };
  },
});
