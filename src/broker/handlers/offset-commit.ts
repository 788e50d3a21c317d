/**
 * OffsetCommit, v0-v9: store consumer positions for a group.
 *
 * A commit is accepted from a member of the group's current generation, or
 * from outside group management (generation -1, empty member id: admin tools,
 * assign()-style consumers) while the group is Empty; such a commit to an
 * unknown group creates it, with no protocol type. Offsets are written to the
 * durable consumer offsets log (fsynced) before the answer. Per partition:
 * UNKNOWN_TOPIC_OR_PARTITION (no such topic or partition, checked here as
 * Kafka's KafkaApis does), OFFSET_METADATA_TOO_LARGE (metadata over
 * offset.metadata.max.bytes, 4096), else the group's verdict: ILLEGAL_GENERATION,
 * UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID, REBALANCE_IN_PROGRESS (between JoinGroup
 * and SyncGroup), COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR (the log write
 * failed), or NONE. A commit during PreparingRebalance is accepted: the member
 * learns of the rebalance from its next heartbeat, as in Kafka.
 *
 * Versions: v0 has no generation or member id (treated as -1 and empty); v1 a
 * commit timestamp per partition; v2-v4 a retention time, after which the
 * offset expires whatever the group does; v5 drops it (offsets.retention.minutes
 * only); v6+ the leader epoch (KIP-320); v7+ group.instance.id (KIP-345);
 * v8 flexible; v9 the same for classic groups (KIP-848 member epochs are not
 * served: every group here is classic).
 *
 * ACLs, first (KafkaApis): READ on the GROUP, else every partition
 * GROUP_AUTHORIZATION_FAILED and nothing is committed; then READ on each
 * TOPIC, else its partitions TOPIC_AUTHORIZATION_FAILED (before their
 * existence is looked at) while the others are committed.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { OffsetCommitRequest } from '../../protocol/generated/offset-commit-request.js';
import { OffsetCommitResponse } from '../../protocol/generated/offset-commit-response.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorize, authorizedNames } from '../acl/request-authorization.js';
import { type OffsetCommitPartition } from '../groups/group-coordinator.js';
import { defineHandler } from './handler.js';

export const offsetCommitHandler = defineHandler({
  apiKey: ApiKey.OffsetCommit,
  minVersion: 0,
  maxVersion: 9,
  request: OffsetCommitRequest,
  response: OffsetCommitResponse,
  async handle(ctx, request) {
    const version = ctx.header.apiVersion;
    const { broker } = ctx;
    /** The answer: each requested partition, in the request's order, with its error code. */
    const respond = (errorCodeOf: (topic: string, partition: number) => number) => ({
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errorCodeOf(t.name, p.partitionIndex) })) })),
    });
    if (!authorize(ctx, AclOperation.READ, AclResourceType.GROUP, request.groupId)) return respond(() => ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const readable = authorizedNames(ctx, AclOperation.READ, AclResourceType.TOPIC, request.topics.map((t) => t.name), { logIfDenied: true });
    const unknown = new Map<string, Set<number>>();
    const topics: { name: string; partitions: OffsetCommitPartition[] }[] = [];
    for (const t of request.topics) {
      if (!readable.has(t.name)) continue;
      const topic = broker.topics.get(t.name);
      const partitions: OffsetCommitPartition[] = [];
      for (const p of t.partitions) {
        if (!topic || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions.length) {
          let set = unknown.get(t.name);
          if (!set) unknown.set(t.name, (set = new Set()));
          set.add(p.partitionIndex);
          continue;
        }
        partitions.push({
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: version >= 6 ? p.committedLeaderEpoch : -1,
          metadata: p.committedMetadata,
          commitTimestamp: version === 1 ? Number(p.commitTimestamp) : -1,
        });
      }
      if (partitions.length > 0) topics.push({ name: t.name, partitions });
    }
    // Nothing left to commit: the group is not consulted (nor created), as in Kafka.
    const verdicts =
      topics.length === 0
        ? new Map<string, Map<number, number>>()
        : await broker.groups.commitOffsets({
            groupId: request.groupId,
            generationId: version >= 1 ? request.generationIdOrMemberEpoch : -1,
            memberId: version >= 1 ? request.memberId : '',
            groupInstanceId: version >= 7 ? request.groupInstanceId : null,
            retentionTimeMs: version >= 2 && version <= 4 ? Number(request.retentionTimeMs) : -1,
            topics,
          });
    return respond((topic, partition) => {
      if (!readable.has(topic)) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      if (unknown.get(topic)?.has(partition)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      return verdicts.get(topic)?.get(partition) ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    });
  },
});
