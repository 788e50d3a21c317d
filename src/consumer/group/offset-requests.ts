/**
 * OffsetCommit and OffsetFetch to a group coordinator, with the versions
 * declared here. Error codes come back as data (per partition, or per group);
 * the group member decides what each means.
 *
 * OffsetFetch v8+ asks in the per-group form (KIP-709), v1-v7 in the top-level
 * form; both answers are folded into one shape.
 */
import { type Connection } from '../../network/connection.js';
import { type RequestVersions } from '../../network/api-versions.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { OffsetCommitRequest } from '../../protocol/generated/offset-commit-request.js';
import { OffsetCommitResponse } from '../../protocol/generated/offset-commit-response.js';
import { OffsetFetchRequest } from '../../protocol/generated/offset-fetch-request.js';
import { OffsetFetchResponse } from '../../protocol/generated/offset-fetch-response.js';
import { type TopicPartition } from '../subscription-state.js';

/** Min 2: generation and member id with v1's per-partition timestamp gone (v0-v1 are removed in Kafka 4.0, KIP-896); v6+ leader epochs, v7+ group.instance.id. */
const OFFSET_COMMIT_VERSIONS: RequestVersions = Object.freeze({ min: 2, max: 9 });
/** Min 7: group.instance.id exists from v7 (KIP-345). */
const STATIC_OFFSET_COMMIT_VERSIONS: RequestVersions = Object.freeze({ min: 7, max: 9 });
/** Min 1: v0 read offsets from ZooKeeper; v5+ leader epochs, v7+ requireStable (KIP-447), v8+ groups (KIP-709), v9 KIP-848 member fields (null for classic groups). */
const OFFSET_FETCH_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 9 });

/** One offset to commit. */
export interface OffsetToCommit {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly metadata?: string | null | undefined;
  /** The leader epoch of the record before `offset` (KIP-320); -1 when unknown. */
  readonly leaderEpoch?: number | undefined;
}

/** The member's identity in a commit: generation -1 and an empty member id commit from outside group management. */
export interface CommitIdentity {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

/** OffsetCommit; returns each partition's error code. */
export async function commitOffsets(
  connection: Connection,
  who: CommitIdentity,
  offsets: readonly OffsetToCommit[],
): Promise<{ topic: string; partition: number; errorCode: number }[]> {
  const versions = who.groupInstanceId !== null ? STATIC_OFFSET_COMMIT_VERSIONS : OFFSET_COMMIT_VERSIONS;
  const version = connection.versionFor(ApiKey.OffsetCommit, versions);
  const byTopic = new Map<string, OffsetToCommit[]>();
  for (const o of offsets) {
    const list = byTopic.get(o.topic) ?? [];
    list.push(o);
    byTopic.set(o.topic, list);
  }
  const response = await connection.send(
    OffsetCommitRequest,
    OffsetCommitResponse,
    {
      groupId: who.groupId,
      generationIdOrMemberEpoch: who.generationId,
      memberId: who.memberId,
      groupInstanceId: version >= 7 ? who.groupInstanceId : null,
      // -1: the broker's offsets.retention.minutes applies (v2-v4 only).
      retentionTimeMs: -1,
      topics: [...byTopic].map(([name, list]) => ({
        name,
        partitions: list.map((o) => ({
          partitionIndex: o.partition,
          committedOffset: BigInt(o.offset),
          committedLeaderEpoch: version >= 6 ? (o.leaderEpoch ?? -1) : -1,
          committedMetadata: o.metadata ?? null,
        })),
      })),
    },
    { version, versions },
  );
  return response.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode })));
}

/** One committed offset as OffsetFetch answered it. */
export interface FetchedCommittedOffset {
  readonly topic: string;
  readonly partition: number;
  /** -1 when nothing is committed. */
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
  readonly errorCode: number;
}

/** OffsetFetch for one group's partitions; `errorCode` is the group's (v8+) or top-level one (v2-v7), else 0. */
export async function fetchOffsets(
  connection: Connection,
  groupId: string,
  partitions: readonly TopicPartition[],
  requireStable: boolean,
): Promise<{ errorCode: number; partitions: FetchedCommittedOffset[] }> {
  const versions = OFFSET_FETCH_VERSIONS;
  const version = connection.versionFor(ApiKey.OffsetFetch, versions);
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) {
    const list = byTopic.get(p.topic) ?? [];
    list.push(p.partition);
    byTopic.set(p.topic, list);
  }
  const topics = [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
  const body =
    version >= 8
      ? { groups: [{ groupId, memberId: null, memberEpoch: -1, topics }], requireStable }
      : { groupId, topics, ...(version >= 7 ? { requireStable } : {}) };
  const response = await connection.send(OffsetFetchRequest, OffsetFetchResponse, body, { version, versions });
  const fold = (t: { name: string; partitions: { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[] }) =>
    t.partitions.map((p) => ({
      topic: t.name,
      partition: p.partitionIndex,
      offset: Number(p.committedOffset),
      leaderEpoch: p.committedLeaderEpoch,
      metadata: p.metadata,
      errorCode: p.errorCode,
    }));
  if (version >= 8) {
    const group = response.groups.find((g) => g.groupId === groupId);
    if (!group) return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, partitions: [] };
    return { errorCode: group.errorCode, partitions: group.topics.flatMap(fold) };
  }
  return { errorCode: version >= 2 ? response.errorCode : ErrorCode.NONE, partitions: response.topics.flatMap(fold) };
}
