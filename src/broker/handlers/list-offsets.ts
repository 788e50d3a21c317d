/**
 * ListOffsets, v1-v9 (v0's list of old-style offsets is gone from Kafka 4.0).
 *
 * Special timestamps: -1 latest (the high watermark; also the last stable
 * offset, as there are no transactions yet), -2 earliest (log start offset),
 * -3 max timestamp (v7+, KIP-734: the record with the largest timestamp),
 * -4 earliest local (v8+, = log start offset: no tiered storage), -5 latest
 * tiered (v9+: none, so -1). A real timestamp finds the first offset whose
 * timestamp is at or after it, or -1 when there is none. currentLeaderEpoch
 * (v4+) is checked against our epoch 0 (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH).
 * A topic the caller may not DESCRIBE is TOPIC_AUTHORIZATION_FAILED for each of
 * its partitions, before its existence is looked at (KafkaApis).
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ListOffsetsRequest } from '../../protocol/generated/list-offsets-request.js';
import { ListOffsetsResponse, type ListOffsetsResponseListOffsetsPartitionResponse } from '../../protocol/generated/list-offsets-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorizedNames } from '../acl/request-authorization.js';
import { type Partition } from '../topics.js';
import { defineHandler } from './handler.js';

/** Kafka's ListOffsetsRequest special timestamps. */
export const OffsetSpec = { LATEST: -1, EARLIEST: -2, MAX_TIMESTAMP: -3, EARLIEST_LOCAL: -4, LATEST_TIERED: -5 } as const;

async function lookup(partition: Partition, timestamp: number): Promise<{ offset: number; timestamp: number }> {
  const log = partition.log;
  switch (timestamp) {
    case OffsetSpec.LATEST:
      return { offset: log.highWatermark, timestamp: -1 };
    case OffsetSpec.EARLIEST:
    case OffsetSpec.EARLIEST_LOCAL:
      return { offset: log.logStartOffset, timestamp: -1 };
    case OffsetSpec.LATEST_TIERED:
      return { offset: -1, timestamp: -1 };
    case OffsetSpec.MAX_TIMESTAMP:
      return (await log.offsetOfMaxTimestamp()) ?? { offset: -1, timestamp: -1 };
    default:
      // Other negative timestamps mean nothing special to Kafka: it looks them up like any
      // other, finding the first record; the log's lookup takes only timestamps >= 0.
      return (await log.offsetForTimestamp(Math.max(0, timestamp))) ?? { offset: -1, timestamp: -1 };
  }
}

export const listOffsetsHandler = defineHandler({
  apiKey: ApiKey.ListOffsets,
  minVersion: 1,
  maxVersion: 9,
  request: ListOffsetsRequest,
  response: ListOffsetsResponse,
  async handle(ctx, request) {
    const { broker } = ctx;
    const version = ctx.header.apiVersion;
    const describable = authorizedNames(ctx, AclOperation.DESCRIBE, AclResourceType.TOPIC, request.topics.map((t) => t.name), { logIfDenied: true });
    const topics = [];
    for (const t of request.topics) {
      const topic = broker.topics.get(t.name);
      const partitions: Input<ListOffsetsResponseListOffsetsPartitionResponse>[] = [];
      for (const p of t.partitions) {
        const partition = topic?.partitions[p.partitionIndex];
        const fail = (errorCode: number): void => void partitions.push({ partitionIndex: p.partitionIndex, errorCode, timestamp: -1n, offset: -1n, leaderEpoch: -1 });
        if (!describable.has(t.name)) {
          fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          continue;
        }
        if (!partition) {
          fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        if (version >= 4 && p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== partition.leaderEpoch) {
          fail(p.currentLeaderEpoch < partition.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH);
          continue;
        }
        const found = await lookup(partition, Number(p.timestamp));
        partitions.push({
          partitionIndex: p.partitionIndex,
          errorCode: ErrorCode.NONE,
          timestamp: found.timestamp,
          offset: found.offset,
          leaderEpoch: version >= 4 ? partition.leaderEpoch : undefined,
        });
      }
      topics.push({ name: t.name, partitions });
    }
    return { topics };
  },
});
