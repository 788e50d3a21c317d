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
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { OffsetFetchRequest } from '../../protocol/generated/offset-fetch-request.js';
import { OffsetFetchResponse } from '../../protocol/generated/offset-fetch-response.js';
import { defineHandler } from './handler.js';

export const offsetFetchHandler = defineHandler({
  apiKey: ApiKey.OffsetFetch,
  minVersion: 1,
  maxVersion: 9,
  request: OffsetFetchRequest,
  response: OffsetFetchResponse,
  handle(ctx, request) {
    const version = ctx.header.apiVersion;
    const fetch = (groupId: string, topics: readonly { name: string; partitionIndexes: number[] }[] | null) =>
      ctx.broker.groups.fetchOffsets(groupId, topics === null ? null : topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes }))).map((t) => ({
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
        groups: request.groups.map((g) => ({ groupId: g.groupId, topics: fetch(g.groupId, g.topics), errorCode: ErrorCode.NONE })),
      };
    }
    return {
      throttleTimeMs: 0,
      topics: fetch(request.groupId, request.topics),
      errorCode: version >= 2 ? ErrorCode.NONE : undefined,
    };
  },
});
