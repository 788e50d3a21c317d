/**
 * Raw idempotent Produce for the producer-state tests: batches carrying any
 * producer id (a bigint, up to 2^63-1, as a client may claim), sent over one
 * socket with our codecs, answers decoded but not interpreted.
 */
import { ProduceRequest } from '../../src/protocol/generated/produce-request.js';
import { ProduceResponse } from '../../src/protocol/generated/produce-response.js';
import { RecordBatchField, computeRecordBatchCrc, encodeRecordBatchSync } from '../../src/protocol/records/record-batch.js';
import { type RawClient } from '../broker/groups/raw-client.js';

/** Produce v9: flexible, the version librdkafka 2.x sends. */
const PRODUCE_VERSION = 9;

/**
 * A batch of `count` records from producer `producerId` (written into the
 * header after encoding, so any int64 goes), epoch and first sequence as given.
 */
export function idempotentBatch(producerId: bigint, producerEpoch: number, baseSequence: number, count = 1): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`${producerId}/${producerEpoch}/${baseSequence + i}`) }));
  const batch = encodeRecordBatchSync({ producerId: 0, producerEpoch, baseSequence, records });
  batch.writeBigInt64BE(producerId, RecordBatchField.producerId);
  batch.writeUInt32BE(computeRecordBatchCrc(batch), RecordBatchField.crc);
  return batch;
}

/** What the broker answered for the one partition. */
export interface PartitionAnswer {
  readonly errorCode: number;
  readonly baseOffset: bigint;
  readonly errorMessage: string | null;
}

/** Send one batch to `topic`-`partition` with acks=-1. */
export async function produceBatch(client: RawClient, topic: string, partition: number, batch: Buffer): Promise<PartitionAnswer> {
  const response = await client.send(ProduceRequest, ProduceResponse, PRODUCE_VERSION, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
  });
  const answer = response.responses[0]!.partitionResponses[0]!;
  return { errorCode: answer.errorCode, baseOffset: answer.baseOffset, errorMessage: answer.errorMessage };
}
