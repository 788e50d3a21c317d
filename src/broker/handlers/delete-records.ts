/**
 * DeleteRecords, v0-v2.
 *
 * Moves a partition's log start offset up to the given offset (-1 means the
 * high watermark), deleting whole segments below it; consumers can no longer
 * fetch below it. An offset above the high watermark is OFFSET_OUT_OF_RANGE.
 * Answers the new low watermark (log start offset) once it is durable.
 *
 * Only the move of the log start offset holds the partition's append lock (it
 * must not interleave with an append's offset assignment, as Kafka moves it
 * under the log's lock); the segments below it are deleted afterwards, in the
 * log's maintenance queue, where they may wait behind a compaction pass without
 * stalling produce or this answer (Kafka's DeleteRecords does not wait for them
 * either: its old segments go at the next retention check).
 *
 * ACLs (KafkaApis), before existence: DELETE on each TOPIC, else
 * TOPIC_AUTHORIZATION_FAILED for each of its partitions.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DeleteRecordsRequest } from '../../protocol/generated/delete-records-request.js';
import { DeleteRecordsResponse, type DeleteRecordsResponseDeleteRecordsPartitionResult } from '../../protocol/generated/delete-records-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorizedNames } from '../acl/request-authorization.js';
import { KafkaStorageError, OffsetOutOfRangeError } from '../log/log-errors.js';
import { defineHandler } from './handler.js';

export const deleteRecordsHandler = defineHandler({
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  request: DeleteRecordsRequest,
  response: DeleteRecordsResponse,
  async handle(ctx, request) {
    const { broker } = ctx;
    const deletable = authorizedNames(ctx, AclOperation.DELETE, AclResourceType.TOPIC, request.topics.map((t) => t.name), { logIfDenied: true });
    const topics = [];
    for (const t of request.topics) {
      const topic = broker.topics.get(t.name);
      const partitions: Input<DeleteRecordsResponseDeleteRecordsPartitionResult>[] = [];
      for (const p of t.partitions) {
        if (!deletable.has(t.name)) {
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
          continue;
        }
        const partition = topic?.partitions[p.partitionIndex];
        if (!partition) {
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
          continue;
        }
        const log = partition.log;
        const offset = p.offset === -1n ? log.highWatermark : Number(p.offset);
        if (offset < 0 || offset > log.highWatermark) {
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: log.logStartOffset, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
          continue;
        }
        try {
          const moved = await partition.withAppendLock(async () => log.incrementLogStartOffset(offset));
          await moved.durable;
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: moved.logStartOffset, errorCode: ErrorCode.NONE });
        } catch (e) {
          if (!(e instanceof OffsetOutOfRangeError || e instanceof KafkaStorageError)) throw e;
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: log.logStartOffset, errorCode: e.code });
        }
      }
      topics.push({ name: t.name, partitions });
    }
    return { topics };
  },
});
