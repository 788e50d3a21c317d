/**
 * DescribeProducers, v0 (KIP-664, Kafka 2.8; flexible): per partition asked
 * for, the idempotent producers its leader remembers, from the broker's
 * producer state (../producer-state/): producer id, epoch, the last sequence
 * it wrote here and when (its append time; the batch's max timestamp when
 * rebuilt from the log). Producers whose writes were all deleted are left out,
 * as Kafka's state has dropped them. Without transactions there is no
 * coordinator epoch and no open transaction: -1 and -1, Kafka's values then.
 *
 * Per partition, as KafkaApis.handleDescribeProducersRequest decides:
 * TOPIC_AUTHORIZATION_FAILED without READ on the TOPIC (before existence is
 * looked at); UNKNOWN_TOPIC_OR_PARTITION when it does not exist; else NONE.
 * Kafka answers NOT_LEADER_OR_FOLLOWER from a broker that does not lead the
 * partition; this broker leads every partition, so it never does.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DescribeProducersRequest } from '../../protocol/generated/describe-producers-request.js';
import { DescribeProducersResponse, type DescribeProducersResponsePartitionResponse } from '../../protocol/generated/describe-producers-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorizedNames } from '../acl/request-authorization.js';
import { defineHandler } from './handler.js';

/** No transaction coordinator wrote to the partition, no transaction is open: Kafka's -1 for both. */
const NO_COORDINATOR_EPOCH = -1;
const NO_TRANSACTION = -1n;

export const describeProducersHandler = defineHandler({
  apiKey: ApiKey.DescribeProducers,
  minVersion: 0,
  maxVersion: 0,
  request: DescribeProducersRequest,
  response: DescribeProducersResponse,
  handle(ctx, request) {
    const { broker } = ctx;
    const readable = authorizedNames(ctx, AclOperation.READ, AclResourceType.TOPIC, request.topics.map((t) => t.name), { logIfDenied: true });
    const failed = (partitionIndex: number, errorCode: number): Input<DescribeProducersResponsePartitionResponse> => ({ partitionIndex, errorCode, errorMessage: null, activeProducers: [] });
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((index) => {
          if (!readable.has(t.name)) return failed(index, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          const partition = broker.topics.get(t.name)?.partitions[index];
          if (partition === undefined) return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          return {
            partitionIndex: index,
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            activeProducers: broker.producers.activeProducers(partition).map((p) => {
              const last = p.batches[p.batches.length - 1];
              return {
                producerId: p.producerId,
                producerEpoch: p.epoch,
                lastSequence: last === undefined ? -1 : last.lastSeq,
                lastTimestamp: BigInt(p.lastTimestamp),
                coordinatorEpoch: NO_COORDINATOR_EPOCH,
                currentTxnStartOffset: NO_TRANSACTION,
              };
            }),
          };
        }),
      })),
    };
  },
});
