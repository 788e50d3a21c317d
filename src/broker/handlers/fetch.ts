/**
 * Fetch, v4-v17 (v0-v3 return pre-0.11 message formats; Kafka 4.0 dropped them).
 *
 * Returns whole record batches from each partition's fetch offset, never past
 * the high watermark (the last stable offset too, with no transactions yet).
 * Limits (KIP-74): `maxBytes` for the response and `partitionMaxBytes` per
 * partition; the first batch of the first non-empty partition is returned even
 * when larger, so a consumer always makes progress. Long poll: if fewer than
 * `minBytes` are ready, wait for an append to a fetched partition or for
 * `maxWaitMs`, whichever is first. A fetch offset outside [log start offset,
 * LEO] is OFFSET_OUT_OF_RANGE. Fetch sessions (KIP-227): never created; we
 * answer session id 0, so clients send full fetches; an unknown session id is
 * FETCH_SESSION_ID_NOT_FOUND. v13+ names topics by id (UNKNOWN_TOPIC_ID).
 * A read that finds nothing but batches compaction emptied reads on past them
 * (see {@link readPastEmptyBatches}).
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { FetchRequest, type FetchRequestFetchTopic } from '../../protocol/generated/fetch-request.js';
import { FetchResponse, type FetchResponseFetchableTopicResponse, type FetchResponsePartitionData } from '../../protocol/generated/fetch-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, RecordBatchField, baseOffsetAt } from '../../protocol/records/record-batch-header.js';
import { type PartitionLog } from '../log/partition-log.js';
import { type Broker } from '../broker.js';
import { type Partition } from '../topics.js';
import { defineHandler } from './handler.js';

type PartitionData = Input<FetchResponsePartitionData>;

const EMPTY = Buffer.alloc(0);

function errorPartition(partitionIndex: number, errorCode: number): PartitionData {
  return { partitionIndex, errorCode, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, abortedTransactions: null, records: EMPTY };
}

/**
 * The offset after `records` when they hold only batches with no records, else null (the usual
 * case, answered from the first batch's header).
 */
function nextOffsetAfterEmptyBatches(records: Buffer): number | null {
  let next: number | null = null;
  for (let at = 0; at + RECORD_BATCH_OVERHEAD <= records.length; at += LOG_OVERHEAD + records.readInt32BE(at + RecordBatchField.batchLength)) {
    if (records.readInt32BE(at + RecordBatchField.recordCount) !== 0) return null;
    next = baseOffsetAt(records, at) + records.readInt32BE(at + RecordBatchField.lastOffsetDelta) + 1;
  }
  return next;
}

/**
 * `log.read`, but past batches compaction emptied when they are all a read finds. The cleaner
 * keeps the last batch of each cleaned segment as a header with no records (log-cleaner.ts),
 * and a read stops at the end of a segment, so a consumer may get nothing but such headers.
 * Java's consumer moves on past them; KafkaJS moves on only past records it sees, and would
 * fetch the same offset forever. Kafka's cleaner drops those batches, and a Kafka read goes on
 * to the next segment; so do we, returning the headers only when nothing follows them below
 * the high watermark.
 */
function readPastEmptyBatches(log: PartitionLog, fetchOffset: number, maxBytes: number, minOneBatch: boolean): Buffer {
  let records = log.read(fetchOffset, maxBytes, log.highWatermark, minOneBatch).records;
  for (let next = nextOffsetAfterEmptyBatches(records); next !== null && next < log.highWatermark; next = nextOffsetAfterEmptyBatches(records)) {
    const more = log.read(next, maxBytes, log.highWatermark, minOneBatch).records;
    if (more.length === 0) break;
    records = more;
  }
  return records;
}

/** One pass over the requested partitions: what is readable now, and its size. */
async function readOnce(broker: Broker, topics: readonly FetchRequestFetchTopic[], byId: boolean, maxBytes: number): Promise<{ responses: Input<FetchResponseFetchableTopicResponse>[]; bytes: number; failed: boolean; partitions: Partition[] }> {
  let budget = maxBytes;
  let bytes = 0;
  let failed = false;
  const watched: Partition[] = [];
  const responses: Input<FetchResponseFetchableTopicResponse>[] = [];
  for (const ft of topics) {
    const topic = byId ? broker.topics.byId(ft.topicId) : broker.topics.get(ft.topic);
    const partitions: PartitionData[] = [];
    responses.push({ topic: ft.topic, topicId: ft.topicId, partitions });
    for (const fp of ft.partitions) {
      const partition = topic?.partitions[fp.partition];
      if (!topic || !partition) {
        failed = true;
        partitions.push(errorPartition(fp.partition, byId && !topic ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        continue;
      }
      watched.push(partition);
      const log = partition.log;
      const fetchOffset = Number(fp.fetchOffset);
      if (fetchOffset < log.logStartOffset || fetchOffset > log.logEndOffset) {
        failed = true;
        partitions.push({ ...errorPartition(fp.partition, ErrorCode.OFFSET_OUT_OF_RANGE), highWatermark: log.highWatermark, lastStableOffset: log.highWatermark, logStartOffset: log.logStartOffset });
        continue;
      }
      let records: Buffer = EMPTY;
      const limit = Math.min(fp.partitionMaxBytes, budget);
      // Past the response budget only a partition still owed its first batch reads on (KIP-74).
      if (fetchOffset < log.highWatermark && (limit > 0 || bytes === 0)) {
        records = readPastEmptyBatches(log, fetchOffset, limit, bytes === 0);
        bytes += records.length;
        budget = Math.max(0, budget - records.length);
      }
      partitions.push({
        partitionIndex: fp.partition,
        errorCode: ErrorCode.NONE,
        highWatermark: log.highWatermark,
        lastStableOffset: log.highWatermark,
        logStartOffset: log.logStartOffset,
        abortedTransactions: null,
        preferredReadReplica: -1,
        records,
      });
    }
  }
  // Kafka answers at once when any partition has an error, whatever minBytes says.
  return { responses, bytes, failed, partitions: watched };
}

export const fetchHandler = defineHandler({
  apiKey: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 17,
  request: FetchRequest,
  response: FetchResponse,
  async handle(ctx, request) {
    const { broker } = ctx;
    const version = ctx.header.apiVersion;
    if (version >= 7 && request.sessionId !== 0) {
      return { errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const byId = version >= 13;
    const maxBytes = request.maxBytes > 0 ? request.maxBytes : 0x7fffffff;
    const deadline = Date.now() + Math.max(0, request.maxWaitMs);
    let result = await readOnce(broker, request.topics, byId, maxBytes);
    while (result.bytes < request.minBytes && !result.failed && Date.now() < deadline && result.partitions.length > 0) {
      // Long poll: sleep until a fetched partition grows or the wait is over.
      await new Promise<void>((resolve) => {
        const cancels: (() => void)[] = [];
        const done = (): void => {
          clearTimeout(timer);
          for (const c of cancels) c();
          resolve();
        };
        const timer = setTimeout(done, deadline - Date.now());
        timer.unref();
        for (const p of result.partitions) cancels.push(p.onAppend(done));
      });
      result = await readOnce(broker, request.topics, byId, maxBytes);
    }
    return { errorCode: ErrorCode.NONE, sessionId: 0, responses: result.responses };
  },
});
