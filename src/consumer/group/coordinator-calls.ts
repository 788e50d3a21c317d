/**
 * Requests to the group's coordinator that are not part of joining:
 * committing and fetching offsets, describing the group. Each runs under the
 * member's retrier; NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE and a lost
 * connection make the coordinator be looked up again before the retry (Java's
 * `markCoordinatorUnknown`).
 *
 * Commit errors follow Java's ConsumerCoordinator:
 * - REBALANCE_IN_PROGRESS: a retriable error (Java's RebalanceInProgressException):
 *   the offsets can be committed once the rebalance completes, if still owned;
 * - ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID: not retriable (Java's
 *   CommitFailedException): the group rebalanced without this member, and its
 *   partitions may already be someone else's;
 * - FENCED_INSTANCE_ID: fatal, as everywhere.
 */
import { type Cluster } from '../../client/cluster.js';
import { type Logger } from '../../client/logger.js';
import { KafkaJSConnectionError, KafkaJSRequestTimeoutError } from '../../errors/errors.js';
import { KafkaJSProtocolError, createErrorFromCode } from '../../errors/protocol-errors.js';
import { type Connection } from '../../network/connection.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { type Retrier } from '../../retry/retrier.js';
import { type TopicPartition, partitionKey } from '../subscription-state.js';
import { type GroupDescription, describeGroup } from './group-requests.js';
import { type CommitIdentity, type OffsetToCommit, commitOffsets, fetchOffsets } from './offset-requests.js';

/** A committed offset as the consumer uses it. */
export interface CommittedOffset {
  /** -1 when the group has committed nothing for the partition. */
  readonly offset: number;
  readonly metadata: string | null;
  readonly leaderEpoch: number;
}

/** What the calls need from the member. */
export interface CoordinatorCallsContext {
  readonly cluster: Cluster;
  readonly groupId: string;
  readonly retrier: Retrier;
  readonly logger: Logger;
  /** Who commits now, or the error to fail the commit with (the member is rebalancing, or out of the group). */
  readonly commitIdentity: () => CommitIdentity | Error;
  /** A commit was answered with a group error (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID): the member reacts. */
  readonly onCommitGroupError: (errorCode: number, sentWith: CommitIdentity) => void;
  /** The offsets were committed. */
  readonly onCommitted: (offsets: readonly OffsetToCommit[]) => void;
  /** OffsetFetch's requireStable (KIP-447): true for read_committed consumers. */
  readonly requireStable: boolean;
}

const COORDINATOR_MOVED: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE]);

/** REBALANCE_IN_PROGRESS, retriable: commit again after the rebalance (Java's RebalanceInProgressException). */
export function rebalanceInProgressError(message: string): KafkaJSProtocolError {
  return new KafkaJSProtocolError(createErrorFromCode(ErrorCode.REBALANCE_IN_PROGRESS, message), { retriable: true });
}

/** The coordinator of `groupId`, forgotten when a request to it fails on the connection. */
export async function withCoordinator<T>(cluster: Cluster, groupId: string, fn: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await cluster.connectionForCoordinator(groupId);
  try {
    return await fn(connection);
  } catch (e) {
    if (e instanceof KafkaJSConnectionError || e instanceof KafkaJSRequestTimeoutError) cluster.invalidateCoordinator(groupId);
    throw e;
  }
}

/** Commit `offsets` for the member (see the file's comment for the errors). */
export async function commitGroupOffsets(ctx: CoordinatorCallsContext, offsets: readonly OffsetToCommit[]): Promise<void> {
  if (offsets.length === 0) return;
  await ctx.retrier(async (bail) => {
    const who = ctx.commitIdentity();
    if (who instanceof Error) return bail(who);
    const results = await withCoordinator(ctx.cluster, ctx.groupId, (c) => commitOffsets(c, who, offsets));
    let retriable: Error | undefined;
    for (const r of results) {
      if (r.errorCode === ErrorCode.NONE) continue;
      const error = createErrorFromCode(r.errorCode, `committing offsets of group "${ctx.groupId}" (topic "${r.topic}" partition ${r.partition})`);
      switch (r.errorCode) {
        case ErrorCode.REBALANCE_IN_PROGRESS:
          ctx.onCommitGroupError(r.errorCode, who);
          return bail(rebalanceInProgressError(`the group "${ctx.groupId}" is rebalancing; commit again once it completes`));
        case ErrorCode.ILLEGAL_GENERATION:
        case ErrorCode.UNKNOWN_MEMBER_ID:
        case ErrorCode.FENCED_INSTANCE_ID:
          ctx.onCommitGroupError(r.errorCode, who);
          return bail(
            new KafkaJSProtocolError(
              createErrorFromCode(
                r.errorCode,
                `Commit cannot be completed since the group "${ctx.groupId}" has already rebalanced and assigned the partitions to another member (generation ${who.generationId}, member "${who.memberId}")`,
              ),
              { retriable: false },
            ),
          );
        default:
          if (COORDINATOR_MOVED.has(r.errorCode)) ctx.cluster.invalidateCoordinator(ctx.groupId);
          if (!error.retriable) return bail(error);
          retriable = error;
      }
    }
    if (retriable) throw retriable;
    ctx.onCommitted(offsets);
  });
}

/** The group's committed offsets of `partitions`; -1 for partitions with none. */
export async function fetchGroupOffsets(ctx: CoordinatorCallsContext, partitions: readonly TopicPartition[]): Promise<Map<string, CommittedOffset>> {
  const out = new Map<string, CommittedOffset>();
  if (partitions.length === 0) return out;
  return ctx.retrier(async () => {
    const answer = await withCoordinator(ctx.cluster, ctx.groupId, (c) => fetchOffsets(c, ctx.groupId, partitions, ctx.requireStable));
    if (answer.errorCode !== ErrorCode.NONE) {
      if (COORDINATOR_MOVED.has(answer.errorCode)) ctx.cluster.invalidateCoordinator(ctx.groupId);
      throw createErrorFromCode(answer.errorCode, `fetching committed offsets of group "${ctx.groupId}"`);
    }
    for (const p of answer.partitions) {
      if (p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        // Java's OffsetFetch handler logs and treats the partition as having no committed offset.
        ctx.logger.warn('OffsetFetch: unknown topic or partition, no committed offset', { groupId: ctx.groupId, topic: p.topic, partition: p.partition });
      } else if (p.errorCode !== ErrorCode.NONE) {
        // UNSTABLE_OFFSET_COMMIT (a transaction still pending) is retriable and retried; the rest are not.
        throw createErrorFromCode(p.errorCode, `fetching the committed offset of group "${ctx.groupId}" for topic "${p.topic}" partition ${p.partition}`);
      }
      const offset = p.errorCode === ErrorCode.NONE ? p.offset : -1;
      out.set(partitionKey(p.topic, p.partition), { offset, metadata: offset < 0 ? null : p.metadata, leaderEpoch: offset < 0 ? -1 : p.leaderEpoch });
    }
    return out;
  });
}

/** DescribeGroups for the group, KafkaJS's GroupDescription; a group error is thrown, as KafkaJS's `describeGroup` does. */
export async function describeConsumerGroup(ctx: Pick<CoordinatorCallsContext, 'cluster' | 'groupId' | 'retrier'>): Promise<GroupDescription> {
  return ctx.retrier(async () => {
    const description = await withCoordinator(ctx.cluster, ctx.groupId, (c) => describeGroup(c, ctx.groupId));
    if (description.errorCode !== ErrorCode.NONE) {
      if (COORDINATOR_MOVED.has(description.errorCode)) ctx.cluster.invalidateCoordinator(ctx.groupId);
      throw createErrorFromCode(description.errorCode, `describing group "${ctx.groupId}"`);
    }
    return description;
  });
}
