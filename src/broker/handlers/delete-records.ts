/**
 * DeleteRecords, v0-v2.
 *
 * Moves a partition's log start offset up to the given offset (-1 means the
 * high watermark), deleting whole segments below it; consumers can no longer
 * fetch below it. An offset above the high watermark is OFFSET_OUT_OF_RANGE.
 * Answers the new low watermark (log start offset).
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DeleteRecordsRequest } from '../../protocol/generated/delete-records-request.js';
import { DeleteRecordsResponse, type DeleteRecordsResponseDeleteRecordsPartitionResult } from '../../protocol/generated/delete-records-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { defineHandler } from './handler.js';

export const deleteRecordsHandler = defineHandler({
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  request: DeleteRecordsRequest,
  response: DeleteRecordsResponse,
  async handle(ctx, request) {
    const { broker } = ctx;
    const topics = [];
    for (const t of request.topics) {
      const topic = broker.topics.get(t.name);
      const partitions: Input<DeleteRecordsResponseDeleteRecordsPartitionResult>[] = [];
      for (const p of t.partitions) {
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
        const lowWatermark = await partition.withAppendLock(() => log.deleteRecordsBefore(offset));
        partitions.push({ partitionIndex: p.partitionIndex, lowWatermark, errorCode: ErrorCode.NONE });
      }
      topics.push({ name: t.name, partitions });
    }
    return { topics };
  },
});
