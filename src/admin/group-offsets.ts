/**
 * A consumer group's committed offsets: `fetchOffsets`, `setOffsets`,
 * `resetOffsets` (KafkaJS's) and `deleteConsumerGroupOffsets` (OffsetDelete,
 * KIP-496; not in KafkaJS). Every request goes to the group's coordinator.
 *
 * `setOffsets` commits from outside group management (generation -1, no member
 * id), as Java's `alterConsumerGroupOffsets` and `kafka-consumer-groups
 * --reset-offsets` do, where KafkaJS runs a throwaway consumer: the coordinator
 * accepts such a commit only while the group has no members, which is also
 * KafkaJS's precondition (checked first, with KafkaJS's message). Offsets -1
 * (latest) and -2 (earliest) are resolved to real offsets before committing.
 */
import { KafkaJSAggregateError } from '../errors/errors.js';
import { createErrorFromCode } from '../errors/protocol-errors.js';
import { type RequestVersions } from '../network/api-versions.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { OffsetCommitRequest } from '../protocol/generated/offset-commit-request.js';
import { OffsetCommitResponse } from '../protocol/generated/offset-commit-response.js';
import { OffsetDeleteRequest } from '../protocol/generated/offset-delete-request.js';
import { OffsetDeleteResponse } from '../protocol/generated/offset-delete-response.js';
import { OffsetFetchRequest } from '../protocol/generated/offset-fetch-request.js';
import { OffsetFetchResponse } from '../protocol/generated/offset-fetch-response.js';
import { AdminContext, invalidArgument, isRoutingError, parseOffset, requireName } from './admin-context.js';
import { type FetchOffsetsPartition, IsolationLevel, type SeekEntry } from './admin-types.js';
import { partitionsOf } from './cluster-info.js';
import { describeGroups } from './groups.js';
import { fetchTopicOffsets, listPartitionOffsets } from './offsets.js';

/** Min 1: v0 read offsets from ZooKeeper; v1 names topics; v8+ batch groups (KIP-709), not used: checked to v7. */
const OFFSET_FETCH_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 7 });
/** Null topics ("every partition the group committed") exist from v2 (KIP-88). */
const OFFSET_FETCH_ALL_TOPICS_VERSIONS: RequestVersions = Object.freeze({ min: 2, max: 7 });

/** Min 2: v0-v1 are gone from Kafka 4.0 (KIP-896); v2-v4 retention left -1 (the broker's); v9 same fields for classic groups. */
const OFFSET_COMMIT_VERSIONS: RequestVersions = Object.freeze({ min: 2, max: 9 });

/** OffsetDelete has one version (Kafka 2.4+, KIP-496). */
const OFFSET_DELETE_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 0 });

/** KafkaJS's special offsets: -1 the latest, -2 the earliest. */
const LATEST_OFFSET = -1n;
const EARLIEST_OFFSET = -2n;

/** `fetchOffsets`' argument, KafkaJS's. */
export interface FetchOffsetsOptions {
  groupId: string;
  /** Default (absent or empty): every topic the group has committed offsets for. */
  topics?: string[];
  /** Replace -1 (nothing committed: latest) and -2 by the partitions' high and low watermarks, and commit them. */
  resolveOffsets?: boolean;
}

/** The group's committed offsets per topic: -1 where nothing is committed, metadata null when empty. */
export async function fetchOffsets(ctx: AdminContext, options: FetchOffsetsOptions): Promise<{ topic: string; partitions: FetchOffsetsPartition[] }[]> {
  const groupId = options?.groupId;
  if (!groupId) throw invalidArgument(`Invalid groupId ${String(groupId)}`);
  const topics = options.topics ?? [];
  if (!Array.isArray(topics)) throw invalidArgument('Expected topics array to be set');
  const fetched = await ctx.retry(
    'fetchOffsets',
    async () => {
      const requested = await Promise.all(topics.map(async (name) => ({ name, partitionIndexes: await partitionsOf(ctx, name) })));
      const connection = await ctx.cluster.connectionForCoordinator(groupId);
      const all = requested.length === 0;
      const versions = all ? OFFSET_FETCH_ALL_TOPICS_VERSIONS : OFFSET_FETCH_VERSIONS;
      const response = await connection.send(OffsetFetchRequest, OffsetFetchResponse, { groupId, topics: all ? null : requested }, { versions });
      AdminContext.check(response.errorCode, `group "${groupId}"`);
      return response.topics.map((t) => ({
        topic: t.name,
        partitions: t.partitions
          .map((p) => {
            AdminContext.check(p.errorCode, `partition ${p.partitionIndex} of topic "${t.name}", group "${groupId}"`);
            return { partition: p.partitionIndex, offset: p.committedOffset.toString(), metadata: p.metadata || null };
          })
          .sort((a, b) => a.partition - b.partition),
      }));
    },
    { groupId },
  );
  if (!options.resolveOffsets) return fetched;
  return Promise.all(
    fetched.map(async ({ topic, partitions }) => {
      const watermarks = new Map((await fetchTopicOffsets(ctx, topic)).map((o) => [o.partition, o]));
      const resolved = partitions.map((p) => {
        const offset = BigInt(p.offset);
        const w = watermarks.get(p.partition);
        if (offset === EARLIEST_OFFSET && w) return { ...p, offset: w.low };
        if (offset === LATEST_OFFSET && w) return { ...p, offset: w.high };
        return p;
      });
      await setOffsets(ctx, { groupId, topic, partitions: resolved });
      return { topic, partitions: resolved };
    }),
  );
}

/**
 * Commit `partitions`' offsets for the group, which must have no running
 * members (Empty or Dead). '-1' commits the partition's latest offset, '-2' its earliest.
 */
export async function setOffsets(ctx: AdminContext, options: { groupId: string; topic: string; partitions: SeekEntry[] }): Promise<void> {
  const groupId = options?.groupId;
  if (!groupId) throw invalidArgument(`Invalid groupId ${String(groupId)}`);
  const topic = options.topic;
  if (!topic) throw invalidArgument(`Invalid topic ${String(topic)}`);
  const partitions = options.partitions;
  if (!partitions || !Array.isArray(partitions) || partitions.length === 0) throw invalidArgument('Invalid partitions');
  const wanted = partitions.map((p) => ({ partition: p.partition, offset: parseOffset(p.offset, `partition ${p.partition}`) }));
  const [description] = (await describeGroups(ctx, [groupId])).groups;
  if (description && description.state !== 'Empty' && description.state !== 'Dead') {
    throw invalidArgument(`The consumer group must have no running instances, current state: ${description.state}`);
  }
  await ctx.retry(
    'setOffsets',
    async () => {
      const offsets = await resolveSpecialOffsets(ctx, topic, wanted);
      const connection = await ctx.cluster.connectionForCoordinator(groupId);
      const response = await connection.send(
        OffsetCommitRequest,
        OffsetCommitResponse,
        {
          groupId,
          generationIdOrMemberEpoch: -1,
          memberId: '',
          topics: [{ name: topic, partitions: offsets.map((p) => ({ partitionIndex: p.partition, committedOffset: p.offset, committedMetadata: null })) }],
        },
        { versions: OFFSET_COMMIT_VERSIONS },
      );
      for (const t of response.topics) {
        for (const p of t.partitions) AdminContext.check(p.errorCode, `partition ${p.partitionIndex} of topic "${t.name}", group "${groupId}"`);
      }
    },
    { groupId },
  );
}

/** -1 and -2 replaced by the partitions' latest and earliest offsets. */
async function resolveSpecialOffsets(ctx: AdminContext, topic: string, wanted: readonly { partition: number; offset: bigint }[]): Promise<{ partition: number; offset: bigint }[]> {
  const latest = wanted.filter((p) => p.offset === LATEST_OFFSET).map((p) => p.partition);
  const earliest = wanted.filter((p) => p.offset === EARLIEST_OFFSET).map((p) => p.partition);
  const [high, low] = await Promise.all([
    latest.length > 0 ? listPartitionOffsets(ctx, topic, latest, 'latest', IsolationLevel.READ_COMMITTED) : undefined,
    earliest.length > 0 ? listPartitionOffsets(ctx, topic, earliest, 'earliest', IsolationLevel.READ_COMMITTED) : undefined,
  ]);
  return wanted.map((p) => {
    const found = p.offset === LATEST_OFFSET ? high?.get(p.partition) : p.offset === EARLIEST_OFFSET ? low?.get(p.partition) : undefined;
    if (p.offset < 0n && !found) throw invalidArgument(`Invalid offset ${p.offset} for partition ${p.partition}: -1 (latest), -2 (earliest) or an offset >= 0`);
    return found ? { partition: p.partition, offset: BigInt(found.offset) } : p;
  });
}

/** Move the group's offsets of every partition of `topic` to the earliest, or (default) the latest. */
export async function resetOffsets(ctx: AdminContext, options: { groupId: string; topic: string; earliest?: boolean }): Promise<void> {
  const groupId = options?.groupId;
  if (!groupId) throw invalidArgument(`Invalid groupId ${String(groupId)}`);
  const topic = options.topic;
  if (!topic) throw invalidArgument(`Invalid topic ${String(topic)}`);
  const partitions = await ctx.retry('resetOffsets', () => partitionsOf(ctx, topic));
  const offset = (options.earliest ? EARLIEST_OFFSET : LATEST_OFFSET).toString();
  await setOffsets(ctx, { groupId, topic, partitions: partitions.map((partition) => ({ partition, offset })) });
}

/** `deleteConsumerGroupOffsets`' argument: the group, and each topic's partitions (default: all of them). */
export interface DeleteGroupOffsetsOptions {
  groupId: string;
  topics: { topic: string; partitions?: number[] }[];
}

/**
 * Delete the group's committed offsets of the given partitions (OffsetDelete,
 * KIP-496), so a consumer joining later starts by its reset policy there. The
 * group must be Empty, or not subscribed to those topics: a partition of a topic
 * the group consumes fails with GROUP_SUBSCRIBED_TO_TOPIC. A group error
 * (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP...) rejects with that protocol error;
 * partition errors reject together in a `KafkaJSAggregateError`, after the
 * others are deleted.
 */
export async function deleteConsumerGroupOffsets(ctx: AdminContext, options: DeleteGroupOffsetsOptions): Promise<void> {
  const groupId = requireName(options?.groupId, 'groupId');
  if (!Array.isArray(options.topics) || options.topics.length === 0) throw invalidArgument(`Invalid topics array ${String(options.topics)}`);
  for (const t of options.topics) requireName(t?.topic, 'topic');
  await ctx.retry(
    'deleteConsumerGroupOffsets',
    async () => {
      const topics = await Promise.all(options.topics.map(async (t) => ({ name: t.topic, partitions: (t.partitions ?? (await partitionsOf(ctx, t.topic))).map((partitionIndex) => ({ partitionIndex })) })));
      const connection = await ctx.cluster.connectionForCoordinator(groupId);
      const response = await connection.send(OffsetDeleteRequest, OffsetDeleteResponse, { groupId, topics }, { versions: OFFSET_DELETE_VERSIONS });
      AdminContext.check(response.errorCode, `group "${groupId}"`);
      const errors = response.topics.flatMap((t) =>
        t.partitions.filter((p) => p.errorCode !== ErrorCode.NONE).map((p) => createErrorFromCode(p.errorCode, `partition ${p.partitionIndex} of topic "${t.name}", group "${groupId}"`)),
      );
      if (errors.length > 0) throw new KafkaJSAggregateError('Offset deletion errors', errors);
    },
    { groupId, retryOn: isRoutingError },
  );
}
