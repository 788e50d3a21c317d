/**
 * What the fetcher does with a partition's error code in a Fetch or ListOffsets
 * answer, as Java's `AbstractFetch.handleInitializeErrors` and `OffsetFetcherUtils`
 * sort them:
 * - leadership or metadata changed (NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH,
 *   UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID,
 *   INCONSISTENT_TOPIC_ID, LEADER_NOT_AVAILABLE, REPLICA_NOT_AVAILABLE,
 *   KAFKA_STORAGE_ERROR, OFFSET_NOT_AVAILABLE): refresh metadata, back off, retry;
 * - OFFSET_OUT_OF_RANGE: reset by the topic's strategy;
 * - any other retriable code: back off and retry;
 * - the rest (TOPIC_AUTHORIZATION_FAILED, CORRUPT_MESSAGE...): raised to the
 *   application, and the partition is not fetched again until it is seeked.
 */
import { ErrorCode, errorCodeInfo } from '../../protocol/error-codes.js';

/** See the module comment. */
export type PartitionErrorAction = 'refresh-metadata' | 'reset' | 'retry' | 'raise';

const REFRESH_METADATA: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.INCONSISTENT_TOPIC_ID,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.OFFSET_NOT_AVAILABLE,
]);

/** The fetcher's action for a non-zero partition error code. */
export function partitionErrorAction(code: number): PartitionErrorAction {
  if (REFRESH_METADATA.has(code)) return 'refresh-metadata';
  if (code === ErrorCode.OFFSET_OUT_OF_RANGE) return 'reset';
  return errorCodeInfo(code).retriable ? 'retry' : 'raise';
}
