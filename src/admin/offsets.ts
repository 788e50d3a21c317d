/**
 * Partition offsets: `fetchTopicOffsets`, `fetchTopicOffsetsByTimestamp`,
 * `listOffsets` (any offset spec and isolation level, beyond KafkaJS) and
 * `deleteTopicRecords`. ListOffsets and DeleteRecords go to each partition's
 * leader, one request per leader; offsets are decimal strings, as KafkaJS's.
 */
import { KafkaJSDeleteTopicRecordsError, type DeleteTopicRecordsErrorPartition } from '../errors/errors.js';
import { createErrorFromCode } from '../errors/protocol-errors.js';
import { type RequestVersions } from '../network/api-versions.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { DeleteRecordsRequest } from '../protocol/generated/delete-records-request.js';
import { DeleteRecordsResponse } from '../protocol/generated/delete-records-response.js';
import { ListOffsetsRequest } from '../protocol/generated/list-offsets-request.js';
import { ListOffsetsResponse } from '../protocol/generated/list-offsets-response.js';
import { AdminContext, invalidArgument, parseOffset, requireName } from './admin-context.js';
import { IsolationLevel, type ListedOffset, type SeekEntry } from './admin-types.js';
import { partitionsOf } from './cluster-info.js';

/** Min 1: v0 answers old-style offset lists (gone from Kafka 4.0); v4 currentLeaderEpoch (left -1); checked to v9. */
const LIST_OFFSETS_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 9 });
/** READ_COMMITTED needs the isolation level field, v2+ (KIP-98). */
const LIST_OFFSETS_COMMITTED_VERSIONS: RequestVersions = Object.freeze({ min: 2, max: 9 });
/** The max-timestamp spec (-3) exists from v7 (KIP-734). */
const LIST_OFFSETS_MAX_TIMESTAMP_VERSIONS: RequestVersions = Object.freeze({ min: 7, max: 9 });

/** v0 has every field; v2 flexible. */
const DELETE_RECORDS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 2 });

/** ListOffsets' special timestamps. */
const LATEST_TIMESTAMP = -1n;
const EARLIEST_TIMESTAMP = -2n;
const MAX_TIMESTAMP = -3n;

/** Which offset to look up: the first, the next to be written, the record with the largest timestamp, or the first at or after a timestamp (ms). */
export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | number;

function timestampOf(spec: OffsetSpec): bigint {
  if (spec === 'earliest') return EARLIEST_TIMESTAMP;
  if (spec === 'latest') return LATEST_TIMESTAMP;
  if (spec === 'max-timestamp') return MAX_TIMESTAMP;
  if (typeof spec === 'number' && Number.isSafeInteger(spec) && spec >= 0) return BigInt(spec);
  throw invalidArgument(`Invalid offset spec ${String(spec)}: 'earliest', 'latest', 'max-timestamp' or a timestamp in ms >= 0`);
}

/** `partitions` of `topic` grouped by their leader's node id: one request per leader. */
async function partitionsByLeader(ctx: AdminContext, topic: string, partitions: readonly number[]): Promise<Map<number, number[]>> {
  const byLeader = new Map<number, number[]>();
  for (const partition of partitions) {
    const { nodeId } = await ctx.cluster.leaderFor(topic, partition);
    const list = byLeader.get(nodeId);
    if (list) list.push(partition);
    else byLeader.set(nodeId, [partition]);
  }
  return byLeader;
}

/**
 * One ListOffsets per leader of `partitions` of `topic`. Throws the first
 * partition error (retriable ones are retried by the caller's `ctx.retry`).
 */
export async function listPartitionOffsets(ctx: AdminContext, topic: string, partitions: readonly number[], spec: OffsetSpec, isolationLevel: IsolationLevel): Promise<Map<number, ListedOffset>> {
  const timestamp = timestampOf(spec);
  const byLeader = await partitionsByLeader(ctx, topic, partitions);
  const found = new Map<number, ListedOffset>();
  await Promise.all(
    [...byLeader].map(async ([nodeId, ids]) => {
      const connection = await ctx.cluster.connectionFor(nodeId);
      const versions = timestamp === MAX_TIMESTAMP ? LIST_OFFSETS_MAX_TIMESTAMP_VERSIONS : isolationLevel === IsolationLevel.READ_COMMITTED ? LIST_OFFSETS_COMMITTED_VERSIONS : LIST_OFFSETS_VERSIONS;
      const response = await connection.send(
        ListOffsetsRequest,
        ListOffsetsResponse,
        { replicaId: -1, isolationLevel, topics: [{ name: topic, partitions: ids.map((partitionIndex) => ({ partitionIndex, timestamp })) }] },
        { versions },
      );
      for (const t of response.topics) {
        for (const p of t.partitions) {
          AdminContext.check(p.errorCode, `partition ${p.partitionIndex} of topic "${topic}"`);
          found.set(p.partitionIndex, { partition: p.partitionIndex, offset: p.offset.toString(), timestamp: p.timestamp.toString(), leaderEpoch: p.leaderEpoch });
        }
      }
    }),
  );
  for (const partition of partitions) {
    if (!found.has(partition)) throw createErrorFromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `the leader did not answer partition ${partition} of topic "${topic}"`);
  }
  return found;
}

/** Each partition's low and high watermarks: KafkaJS's `[{ partition, offset, high, low }]` (offset = high). */
export function fetchTopicOffsets(ctx: AdminContext, topic: string): Promise<(SeekEntry & { high: string; low: string })[]> {
  requireName(topic, 'topic');
  return ctx.retry('fetchTopicOffsets', async () => {
    const partitions = await partitionsOf(ctx, topic);
    // KafkaJS asks at READ_COMMITTED: the high end is the last stable offset.
    const [high, low] = await Promise.all([
      listPartitionOffsets(ctx, topic, partitions, 'latest', IsolationLevel.READ_COMMITTED),
      listPartitionOffsets(ctx, topic, partitions, 'earliest', IsolationLevel.READ_COMMITTED),
    ]);
    return partitions.map((partition) => {
      const h = high.get(partition)!.offset;
      return { partition, offset: h, high: h, low: low.get(partition)!.offset };
    });
  });
}

/**
 * Each partition's first offset whose record's timestamp is at or after `timestamp`
 * (ms); the high watermark where there is none, or when `timestamp` is absent (KafkaJS's rule).
 */
export function fetchTopicOffsetsByTimestamp(ctx: AdminContext, topic: string, timestamp?: number): Promise<SeekEntry[]> {
  requireName(topic, 'topic');
  return ctx.retry('fetchTopicOffsetsByTimestamp', async () => {
    const partitions = await partitionsOf(ctx, topic);
    const [high, found] = await Promise.all([
      listPartitionOffsets(ctx, topic, partitions, 'latest', IsolationLevel.READ_COMMITTED),
      listPartitionOffsets(ctx, topic, partitions, timestamp ?? 'latest', IsolationLevel.READ_COMMITTED),
    ]);
    return partitions.map((partition) => {
      const offset = found.get(partition)!.offset;
      return { partition, offset: BigInt(offset) >= 0n ? offset : high.get(partition)!.offset };
    });
  });
}

/** `listOffsets`' argument (not in KafkaJS; Java's `Admin.listOffsets`). */
export interface ListOffsetsOptions {
  /** Each topic, with the partitions to look up (default: all of them). */
  topics: { topic: string; partitions?: number[] }[];
  /** Default 'latest'. */
  spec?: OffsetSpec;
  /** READ_COMMITTED (the default, as Java's admin) stops 'latest' at the last stable offset. */
  isolationLevel?: IsolationLevel;
}

/** Offsets of partitions by spec and isolation level, with the found record's timestamp and leader epoch. */
export function listOffsets(ctx: AdminContext, options: ListOffsetsOptions): Promise<{ topic: string; partitions: ListedOffset[] }[]> {
  if (!options || !Array.isArray(options.topics)) throw invalidArgument(`Invalid topics array ${String(options?.topics)}`);
  for (const t of options.topics) requireName(t?.topic, 'topic');
  const spec = options.spec ?? 'latest';
  timestampOf(spec);
  const isolationLevel = options.isolationLevel ?? IsolationLevel.READ_COMMITTED;
  if (isolationLevel !== IsolationLevel.READ_COMMITTED && isolationLevel !== IsolationLevel.READ_UNCOMMITTED) {
    throw invalidArgument(`Invalid isolationLevel ${String(isolationLevel)}: IsolationLevel.READ_UNCOMMITTED (0) or READ_COMMITTED (1)`);
  }
  return ctx.retry('listOffsets', () =>
    Promise.all(
      options.topics.map(async ({ topic, partitions }) => {
        const ids = partitions ?? (await partitionsOf(ctx, topic));
        const found = await listPartitionOffsets(ctx, topic, ids, spec, isolationLevel);
        return { topic, partitions: ids.map((p) => found.get(p)!) };
      }),
    ),
  );
}

/**
 * Delete the records of `topic` before each given offset ('-1': the high
 * watermark). Partitions that fail reject together in a
 * `KafkaJSDeleteTopicRecordsError` naming each with its offset and error
 * (OFFSET_OUT_OF_RANGE beyond the high watermark), as KafkaJS; partitions
 * whose errors are all retriable are retried, alone.
 */
export async function deleteTopicRecords(ctx: AdminContext, options: { topic: string; partitions: SeekEntry[] }): Promise<void> {
  const topic = options?.topic;
  if (!topic || typeof topic !== 'string') throw invalidArgument(`Invalid topic "${String(topic)}"`);
  const partitions = options.partitions;
  if (!partitions || !Array.isArray(partitions) || partitions.length === 0) throw invalidArgument('Invalid partitions');
  const offsets = new Map(partitions.map((p) => [p.partition, parseOffset(p.offset, `partition ${p.partition}`)]));
  const low = new Map((await fetchTopicOffsets(ctx, topic)).map((o) => [o.partition, BigInt(o.low)]));
  for (const [partition, offset] of offsets) {
    const lowWatermark = low.get(partition);
    if (lowWatermark === undefined) {
      const error = createErrorFromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic}" has no partition ${partition}`);
      throw new KafkaJSDeleteTopicRecordsError({ topic, partitions: [{ partition, offset: offset.toString(), error }] });
    }
    if (offset !== -1n && offset < lowWatermark) {
      ctx.logger.warn('The requested offset is before the earliest offset maintained on the partition - no records will be deleted from this partition', { topic, partition, offset: offset.toString() });
    }
  }
  let pending = [...offsets.keys()];
  await ctx.retry('deleteTopicRecords', async () => {
    const byLeader = await partitionsByLeader(ctx, topic, pending);
    const errors: DeleteTopicRecordsErrorPartition[] = [];
    const done = new Set<number>();
    await Promise.all(
      [...byLeader].map(async ([nodeId, ids]) => {
        const connection = await ctx.cluster.connectionFor(nodeId);
        const response = await connection.send(
          DeleteRecordsRequest,
          DeleteRecordsResponse,
          { topics: [{ name: topic, partitions: ids.map((partitionIndex) => ({ partitionIndex, offset: offsets.get(partitionIndex)! })) }], timeoutMs: ctx.cluster.config.requestTimeout },
          { versions: DELETE_RECORDS_VERSIONS },
        );
        for (const p of response.topics.flatMap((t) => t.partitions)) {
          if (p.errorCode === ErrorCode.NONE) done.add(p.partitionIndex);
          else errors.push({ partition: p.partitionIndex, offset: offsets.get(p.partitionIndex)!.toString(), error: createErrorFromCode(p.errorCode, `partition ${p.partitionIndex} of topic "${topic}"`) });
        }
      }),
    );
    pending = pending.filter((p) => !done.has(p));
    // A retry asks for leaders again: NOT_LEADER_OR_FOLLOWER and the like mean they moved.
    if (errors.some((e) => e.error?.retriable)) ctx.cluster.markStale();
    if (errors.length > 0) throw new KafkaJSDeleteTopicRecordsError({ topic, partitions: errors });
  });
}
