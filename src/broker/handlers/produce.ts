/**
 * Produce, v3-v11 (v0-v2 carry the pre-0.11 message formats, which this broker
 * does not store; Kafka 4.0 dropped them too).
 *
 * Per partition, as Kafka's LogValidator and ReplicaManager do: exactly one
 * magic-2 batch (INVALID_RECORD otherwise), CRC-32C checked (CORRUPT_MESSAGE),
 * no bigger than the topic's max.message.bytes (MESSAGE_TOO_LARGE), zstd only
 * from v7 (UNSUPPORTED_COMPRESSION_TYPE), lastOffsetDelta = recordCount - 1, and
 * records that decode once decompressed (INVALID_RECORD; CORRUPT_MESSAGE when they
 * do not decompress), with a key on a compacted topic (INVALID_RECORD).
 * Idempotent batches go through the producer state: a retried batch is answered
 * with its original offset and not stored twice; a gap is
 * OUT_OF_ORDER_SEQUENCE_NUMBER, an old epoch INVALID_PRODUCER_EPOCH.
 * acks must be -1, 0 or 1 (INVALID_REQUIRED_ACKS); with acks -1 and
 * min.insync.replicas above 1 the single-replica ISR is too small
 * (NOT_ENOUGH_REPLICAS). acks 0 gets no response; if anything failed, the
 * connection is closed instead, which is how Kafka tells an acks=0 producer.
 * The log flushes per the broker's flush policy before the append resolves, so
 * what is acknowledged is as durable as that policy promises.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ProduceRequest } from '../../protocol/generated/produce-request.js';
import { ProduceResponse, type ProduceResponsePartitionProduceResponse, type ProduceResponseTopicProduceResponse } from '../../protocol/generated/produce-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { CompressionCodec, compressionCodecName, decompress, decompressedSizeBound } from '../../protocol/records/compression.js';
import { DecompressionLimitError } from '../../protocol/records/compression/compression-error.js';
import { checkRecords } from '../../protocol/records/record.js';
import { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, type RecordBatchHeader, computeRecordBatchCrc, readRecordBatchHeader } from '../../protocol/records/record-batch.js';
import { type Broker } from '../broker.js';
import { lastSequence } from '../producer-state/producer-state-manager.js';
import { type Partition } from '../topics.js';
import { NO_RESPONSE, defineHandler } from './handler.js';

type PartitionResult = Input<ProduceResponsePartitionProduceResponse>;

function failure(index: number, errorCode: number, errorMessage: string): PartitionResult {
  return { index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, errorMessage };
}

/** Check the one batch a v3+ partition entry must hold; returns its header or an error result. */
function validateBatch(records: Buffer | null, index: number, version: number, maxMessageBytes: number): RecordBatchHeader | PartitionResult {
  if (records === null || records.length < RECORD_BATCH_OVERHEAD) {
    return failure(index, ErrorCode.CORRUPT_MESSAGE, `records are ${records === null ? 'null' : `${records.length} bytes, less than one batch header`}`);
  }
  let header: RecordBatchHeader;
  try {
    header = readRecordBatchHeader(records, 0);
  } catch (e) {
    return failure(index, ErrorCode.CORRUPT_MESSAGE, e instanceof Error ? e.message : String(e));
  }
  const size = LOG_OVERHEAD + header.batchLength;
  if (size !== records.length) {
    return failure(index, ErrorCode.INVALID_RECORD, size < records.length ? 'produce requests may hold exactly one record batch per partition' : `batch claims ${size} bytes, ${records.length} given`);
  }
  if (size > maxMessageBytes) {
    return failure(index, ErrorCode.MESSAGE_TOO_LARGE, `the record batch is ${size} bytes, larger than max.message.bytes ${maxMessageBytes}`);
  }
  const crc = computeRecordBatchCrc(records, 0);
  if (crc !== header.crc) {
    return failure(index, ErrorCode.CORRUPT_MESSAGE, `record batch CRC-32C is 0x${header.crc.toString(16)}, computed 0x${crc.toString(16)}`);
  }
  if (header.compression === CompressionCodec.ZSTD && version < 7) {
    return failure(index, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'zstd needs Produce v7 or later');
  }
  if (header.recordCount < 1 || header.lastOffsetDelta !== header.recordCount - 1) {
    return failure(index, ErrorCode.INVALID_RECORD, `record count ${header.recordCount} does not match lastOffsetDelta ${header.lastOffsetDelta}`);
  }
  if (header.isControlBatch) return failure(index, ErrorCode.INVALID_RECORD, 'clients may not produce control batches');
  if (header.isTransactional) return failure(index, ErrorCode.INVALID_RECORD, 'transactional batches are not supported yet');
  return header;
}

/**
 * Check the records behind a batch header, as Kafka's LogValidator: decompressed
 * when compressed (CORRUPT_MESSAGE when that fails; INVALID_RECORD when they would
 * expand past `maxOutput`, socket.request.max.bytes: Kafka streams through them
 * instead, this broker holds them whole), each record decodes (INVALID_RECORD
 * otherwise), and a compacted topic refuses records without a key. Returns an
 * error result, or null when the records are good.
 */
async function validateRecords(records: Buffer, header: RecordBatchHeader, index: number, compacted: boolean, maxOutput: number): Promise<PartitionResult | null> {
  let body = records.subarray(RECORD_BATCH_OVERHEAD);
  if (header.compression !== CompressionCodec.None) {
    try {
      body = await decompress(header.compression, body, maxOutput);
    } catch (e) {
      const message = `cannot decompress the ${compressionCodecName(header.compression)} records: ${e instanceof Error ? e.message : String(e)}`;
      // Too big to expand is not corrupt: not retriable, unlike CORRUPT_MESSAGE.
      return failure(index, e instanceof DecompressionLimitError ? ErrorCode.INVALID_RECORD : ErrorCode.CORRUPT_MESSAGE, message);
    }
  }
  const check = checkRecords(body, header.recordCount);
  if (check.error !== null) return failure(index, ErrorCode.INVALID_RECORD, `the records do not decode: ${check.error}`);
  if (compacted && check.nullKey) return failure(index, ErrorCode.INVALID_RECORD, 'a compacted topic cannot accept a record without a key');
  return null;
}

async function appendToPartition(broker: Broker, partition: Partition, records: Buffer, header: RecordBatchHeader): Promise<PartitionResult> {
  const topic = partition.topic.name;
  const index = partition.index;
  const idempotent = header.producerId >= 0;
  const lastSeq = idempotent ? lastSequence(header.baseSequence, header.lastOffsetDelta) : -1;
  // The check, the offset assignment and the write are one step under the lock;
  // waiting for durability (fsync under flush policy every-write) happens outside
  // it, so concurrent appends share one fsync (group commit).
  const outcome = await partition.withAppendLock(async () => {
    const log = partition.log;
    if (idempotent) {
      const check = broker.producers.check(topic, index, header.producerId, header.producerEpoch, header.baseSequence, lastSeq);
      if (check.kind === 'error') return { kind: 'failed' as const, result: failure(index, check.errorCode, check.message) };
      if (check.kind === 'duplicate') return { kind: 'duplicate' as const, firstOffset: check.firstOffset };
    }
    const pending = log.write(records, Date.now());
    if (idempotent) broker.producers.recordAppend(topic, index, header.producerId, header.producerEpoch, header.baseSequence, lastSeq, pending.baseOffset, pending.lastOffset);
    return { kind: 'written' as const, pending };
  });
  const log = partition.log;
  switch (outcome.kind) {
    case 'failed':
      return outcome.result;
    case 'duplicate':
      // The original may not be durable yet: answer only once it is.
      await log.flush();
      return { index, errorCode: ErrorCode.NONE, baseOffset: outcome.firstOffset, logAppendTimeMs: -1n, logStartOffset: log.logStartOffset, errorMessage: null };
    case 'written': {
      const { pending } = outcome;
      await pending.durable;
      partition.notifyAppend();
      return { index, errorCode: ErrorCode.NONE, baseOffset: pending.baseOffset, logAppendTimeMs: pending.logAppendTime, logStartOffset: log.logStartOffset, errorMessage: null };
    }
  }
}

/**
 * The decompressed bytes one request may hold at once (socket.request.max.bytes):
 * its batches expand side by side while the sizes their headers declare fit, and
 * wait their turn otherwise, so a request of many partitions cannot multiply the
 * memory a decompression bomb could take.
 */
class DecompressionBudget {
  #free: number;
  readonly #waiting: { bytes: number; go: () => void }[] = [];

  constructor(readonly limit: number) {
    this.#free = limit;
  }

  async run<T>(bound: number, fn: () => Promise<T>): Promise<T> {
    const bytes = Math.min(bound, this.limit);
    if (this.#waiting.length === 0 && bytes <= this.#free) this.#free -= bytes;
    else await new Promise<void>((go) => this.#waiting.push({ bytes, go }));
    try {
      return await fn();
    } finally {
      this.#free += bytes;
      while (this.#waiting.length > 0 && this.#waiting[0]!.bytes <= this.#free) {
        const next = this.#waiting.shift()!;
        this.#free -= next.bytes;
        next.go();
      }
    }
  }
}

export const produceHandler = defineHandler({
  apiKey: ApiKey.Produce,
  minVersion: 3,
  maxVersion: 11,
  request: ProduceRequest,
  response: ProduceResponse,
  async handle(ctx, request) {
    const { broker } = ctx;
    const version = ctx.header.apiVersion;
    const acks = request.acks;
    const responses: Input<ProduceResponseTopicProduceResponse>[] = [];
    let failed: string | null = null;
    const pending: Promise<void>[] = [];
    const budget = new DecompressionBudget(broker.config.socketRequestMaxBytes);
    for (const t of request.topicData) {
      const topic = broker.topics.get(t.name);
      const partitionResponses: PartitionResult[] = [];
      responses.push({ name: t.name, partitionResponses });
      for (const pd of t.partitionData) {
        const slot = partitionResponses.length;
        const set = (r: PartitionResult): void => {
          partitionResponses[slot] = r;
          if (r.errorCode !== ErrorCode.NONE) failed ??= `${t.name}-${pd.index}: ${r.errorMessage ?? `error ${r.errorCode}`}`;
        };
        partitionResponses.push(failure(pd.index, ErrorCode.UNKNOWN_SERVER_ERROR, 'not processed'));
        const partition = topic?.partitions[pd.index];
        if (acks !== -1 && acks !== 0 && acks !== 1) {
          set(failure(pd.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, got ${acks}`));
          continue;
        }
        if (!topic || !partition) {
          set(failure(pd.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.'));
          continue;
        }
        if (acks === -1 && topic.config('min.insync.replicas') > 1) {
          set(failure(pd.index, ErrorCode.NOT_ENOUGH_REPLICAS, `the ISR has 1 replica, fewer than min.insync.replicas ${topic.config('min.insync.replicas')}`));
          continue;
        }
        const header = validateBatch(pd.records, pd.index, version, topic.config('max.message.bytes'));
        if (!('batchLength' in header)) {
          set(header);
          continue;
        }
        const compacted = topic.config('cleanup.policy').includes('compact');
        const records = pd.records!;
        const validate = (): Promise<PartitionResult | null> => validateRecords(records, header, pd.index, compacted, budget.limit);
        const validated =
          header.compression === CompressionCodec.None
            ? validate()
            : // Gzip declares no size: it reserves the whole budget and expands alone.
              budget.run(decompressedSizeBound(header.compression, records.subarray(RECORD_BATCH_OVERHEAD)) ?? budget.limit, validate);
        // Partitions of one request append concurrently; each partition's appends stay ordered.
        const done = validated.then((invalid) => invalid ?? appendToPartition(broker, partition, records, header));
        pending.push(done.then(set, (e: unknown) => set(failure(pd.index, ErrorCode.KAFKA_STORAGE_ERROR, e instanceof Error ? e.message : String(e)))));
      }
    }
    await Promise.all(pending);
    if (acks === 0) {
      if (failed !== null) ctx.closeConnection(`acks=0 produce failed: ${failed}`);
      return NO_RESPONSE;
    }
    return { responses };
  },
});
