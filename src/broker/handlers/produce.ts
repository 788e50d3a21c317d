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
 *
 * ACLs come first (KafkaApis.handleProduceRequest): transactional batches need
 * WRITE on the TRANSACTIONAL_ID, else every partition is
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED; then WRITE on each TOPIC, else its
 * partitions are TOPIC_AUTHORIZATION_FAILED before the topic is looked at. A
 * refused batch never reaches the producer state, whatever producer id it claims.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ProduceRequest } from '../../protocol/generated/produce-request.js';
import { ProduceResponse, type ProduceResponsePartitionProduceResponse, type ProduceResponseTopicProduceResponse } from '../../protocol/generated/produce-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { CompressionCodec, compressionCodecName } from '../../protocol/records/compression.js';
import { DecompressionLimitError } from '../../protocol/records/compression/compression-error.js';
import { checkRecords } from '../../protocol/records/record.js';
import { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, type RecordBatchHeader, computeRecordBatchCrc, readRecordBatchHeader } from '../../protocol/records/record-batch.js';
import { RecordBatchAttribute, RecordBatchField } from '../../protocol/records/record-batch-header.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorize, authorizedNames } from '../acl/request-authorization.js';
import { type Broker } from '../broker.js';
import { connectionClosedSignal } from '../connection-closed.js';
import { type BudgetWait, type DecompressionBudget, DecompressionBudgetWaitError, decompressionBudgetOf } from '../decompression-budget.js';
import { type Partition, type Topic } from '../topics.js';
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
 * when compressed, within the broker's decompression budget (CORRUPT_MESSAGE when
 * that fails; INVALID_RECORD when they would expand past socket.request.max.bytes:
 * Kafka streams through them instead, this broker holds them whole;
 * REQUEST_TIMED_OUT when the budget stays busy for the request's timeoutMs), each
 * record decodes (INVALID_RECORD otherwise), a compacted topic refuses records
 * without a key, and a CreateTime topic refuses records whose timestamp is outside
 * its window (INVALID_TIMESTAMP, see {@link timestampWindow}). Returns an error
 * result, or null when the records are good.
 */
async function validateRecords(
  records: Buffer,
  header: RecordBatchHeader,
  index: number,
  compacted: boolean,
  window: TimestampWindow | null,
  budget: DecompressionBudget,
  wait: BudgetWait,
): Promise<PartitionResult | null> {
  let check: ReturnType<typeof checkRecords>;
  try {
    check = await budget.expand(header.compression, records.subarray(RECORD_BATCH_OVERHEAD), wait, (body) => checkRecords(body, header.recordCount));
  } catch (e) {
    if (e instanceof DecompressionBudgetWaitError) return failure(index, ErrorCode.REQUEST_TIMED_OUT, e.message);
    const message = `cannot decompress the ${compressionCodecName(header.compression)} records: ${e instanceof Error ? e.message : String(e)}`;
    // Too big to expand is not corrupt: not retriable, unlike CORRUPT_MESSAGE.
    return failure(index, e instanceof DecompressionLimitError ? ErrorCode.INVALID_RECORD : ErrorCode.CORRUPT_MESSAGE, message);
  }
  if (check.error !== null) return failure(index, ErrorCode.INVALID_RECORD, `the records do not decode: ${check.error}`);
  if (compacted && check.nullKey) return failure(index, ErrorCode.INVALID_RECORD, 'a compacted topic cannot accept a record without a key');
  if (window !== null && header.recordCount > 0) {
    const now = Date.now();
    const lowest = header.baseTimestamp + check.minTimestampDelta;
    const highest = header.baseTimestamp + check.maxTimestampDelta;
    const offending = now - lowest > window.beforeMs ? lowest : highest - now > window.afterMs ? highest : null;
    if (offending !== null) {
      return failure(index, ErrorCode.INVALID_TIMESTAMP, `timestamp ${offending} is out of range: records must be within [${now} - ${window.beforeMs}, ${now} + ${window.afterMs}] (message.timestamp.before.max.ms, message.timestamp.after.max.ms)`);
    }
  }
  return null;
}

/** How far a CreateTime record's timestamp may lie before and after the broker's clock. */
interface TimestampWindow {
  readonly beforeMs: number;
  readonly afterMs: number;
}

/**
 * A topic's timestamp window (KIP-937): `message.timestamp.before.max.ms` and
 * `message.timestamp.after.max.ms`, each falling back to the deprecated
 * `message.timestamp.difference.max.ms` while left at its default, as Kafka 3.6+'s
 * LogConfig does. Null for LogAppendTime topics (the broker stamps the time) and
 * when nothing limits it.
 */
function timestampWindow(topic: Topic): TimestampWindow | null {
  if (topic.config('message.timestamp.type') === 'LogAppendTime') return null;
  const unlimited = Number.MAX_SAFE_INTEGER;
  // Topic overrides only: the broker-wide log.message.timestamp.* keys keep their defaults (unlimited).
  const limit = (key: string): number => {
    const value = topic.overrides.get(key);
    return typeof value === 'number' ? value : unlimited;
  };
  const difference = limit('message.timestamp.difference.max.ms');
  const before = limit('message.timestamp.before.max.ms');
  const after = limit('message.timestamp.after.max.ms');
  const beforeMs = before >= unlimited ? difference : before;
  const afterMs = after >= unlimited ? difference : after;
  return beforeMs >= unlimited && afterMs >= unlimited ? null : { beforeMs, afterMs };
}

async function appendToPartition(broker: Broker, partition: Partition, records: Buffer, header: RecordBatchHeader): Promise<PartitionResult> {
  const index = partition.index;
  // Any id >= 0 is idempotent, up to 2^63-1: Kafka stores a batch whatever id it claims (unknown ids at any sequence).
  const idempotent = header.producerIdExact >= 0n;
  // The check, the offset assignment and the write are one step under the lock;
  // waiting for durability (fsync under flush policy every-write) happens outside
  // it, so concurrent appends share one fsync (group commit).
  const outcome = await partition.withAppendLock(async () => {
    const log = partition.log;
    if (idempotent) {
      const check = broker.producers.check(partition, header);
      if (check.kind === 'error') return { kind: 'failed' as const, result: failure(index, check.errorCode, check.message) };
      if (check.kind === 'duplicate') return { kind: 'duplicate' as const, firstOffset: check.firstOffset };
    }
    const now = Date.now();
    const pending = log.write(records, now);
    broker.producers.recordAppend(partition, header, pending.baseOffset, pending.lastOffset, now);
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

/** Kafka's `ProduceRequest.hasTransactionalRecords`: some partition's batch is marked transactional. */
function hasTransactionalBatch(request: ProduceRequest): boolean {
  return request.topicData.some((t) =>
    t.partitionData.some((pd) => pd.records !== null && pd.records.length >= RECORD_BATCH_OVERHEAD && (pd.records.readInt16BE(RecordBatchField.attributes) & RecordBatchAttribute.transactional) !== 0),
  );
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
    // One budget for the whole broker: concurrent requests cannot together expand past it.
    const budget = decompressionBudgetOf(broker);
    const wait: BudgetWait = { timeoutMs: request.timeoutMs, closed: connectionClosedSignal(broker, ctx.session) };
    const transactionalRefused = hasTransactionalBatch(request) && (request.transactionalId === null || !authorize(ctx, AclOperation.WRITE, AclResourceType.TRANSACTIONAL_ID, request.transactionalId));
    const writable = authorizedNames(ctx, AclOperation.WRITE, AclResourceType.TOPIC, request.topicData.map((t) => t.name), { logIfDenied: true });
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
        if (transactionalRefused) {
          set(failure(pd.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, `Not authorized to use transactional id ${request.transactionalId ?? '(none)'}`));
          continue;
        }
        if (!writable.has(t.name)) {
          set(failure(pd.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Not authorized to write to topic ${t.name}`));
          continue;
        }
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
        const validated = validateRecords(records, header, pd.index, compacted, timestampWindow(topic), budget, wait);
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
