/**
 * Fetch, v4-v17 (v0-v3 return pre-0.11 message formats; Kafka 4.0 dropped them).
 *
 * Returns whole record batches from each partition's fetch offset, never past
 * the high watermark (the last stable offset too, with no transactions yet).
 * Limits (KIP-74): `maxBytes` for the response and `partitionMaxBytes` per
 * partition; the first batch of the first non-empty partition is returned even
 * when larger, so a consumer always makes progress. A fetch offset outside
 * [log start offset, LEO] is OFFSET_OUT_OF_RANGE. A partition whose log cannot
 * be read (offline after an I/O error) is KAFKA_STORAGE_ERROR, alone: the other
 * partitions are answered as usual (ReplicaManager.readFromLocalLog). Any error
 * answers at once, whatever minBytes says. Fetch sessions (KIP-227): never
 * created; we answer session id 0, so clients send full fetches; an unknown
 * session id is FETCH_SESSION_ID_NOT_FOUND. v13+ names topics by id
 * (UNKNOWN_TOPIC_ID).
 *
 * Long poll: if fewer than `minBytes` are ready, wait until appends to the
 * fetched partitions bring that many, or `maxWaitMs` passes (at most
 * {@link MAX_WAIT_MS}), or the client hangs up, whichever is first. As Kafka's
 * DelayedFetch, a waiting fetch holds no records: it keeps the sizes it saw,
 * counts the bytes appended since, and reads again only to answer. A fetch whose
 * connection closes is dropped at once, unanswered.
 *
 * A read that finds nothing but batches compaction emptied reads on past them
 * (see {@link readPastEmptyBatches}).
 *
 * ACLs, before a topic is looked at (see {@link authorizeFetch}): READ on each
 * TOPIC, else TOPIC_AUTHORIZATION_FAILED for its partitions, which are not read
 * (the others are served, and may wait, as Kafka's); a follower needs
 * CLUSTER_ACTION on the CLUSTER.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { FetchRequest, type FetchRequestFetchTopic } from '../../protocol/generated/fetch-request.js';
import { FetchResponse, type FetchResponseFetchableTopicResponse, type FetchResponsePartitionData } from '../../protocol/generated/fetch-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, RecordBatchField, baseOffsetAt } from '../../protocol/records/record-batch-header.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorizeCluster, authorizedNames } from '../acl/request-authorization.js';
import { type Broker } from '../broker.js';
import { connectionClosedSignal } from '../connection-closed.js';
import { KafkaStorageError, OffsetOutOfRangeError } from '../log/log-errors.js';
import { type PartitionLog } from '../log/partition-log.js';
import { type Partition } from '../topics.js';
import { NO_RESPONSE, type RequestContext, defineHandler } from './handler.js';

/**
 * The longest a Fetch waits, whatever its `maxWaitMs` (Kafka's bound is the request's own:
 * up to 2^31-1 ms). 30 s is the Java clients' default `request.timeout.ms`, which the Java
 * consumer once required to exceed `fetch.max.wait.ms` (KAFKA-2428; default 500 ms): past it
 * such a client has given up on the answer. Answering sooner is always allowed (an empty
 * answer, and the client fetches again), while a longer wait only keeps a request of a
 * client that may be gone.
 */
export const MAX_WAIT_MS = 30_000;

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

/**
 * What a waiting fetch keeps of a partition it read: sizes, never records. Kafka's
 * DelayedFetch likewise keeps log positions and reads again when it completes.
 */
interface Watch {
  readonly partition: Partition;
  readonly fetchOffset: number;
  readonly partitionMaxBytes: number;
  /** Bytes the read found. */
  readonly bytes: number;
  /** The log's size when read: what it grows by since are bytes appended past the fetch offset. */
  readonly sizeInBytes: number;
}

/** A partition read without error: what a {@link Watch} starts from. */
type PartitionRead = Omit<Watch, 'sizeInBytes'>;

interface FetchRead {
  readonly responses: Input<FetchResponseFetchableTopicResponse>[];
  readonly bytes: number;
  /** Some partition has an error: answer at once. */
  readonly failed: boolean;
  readonly partitionsRead: PartitionRead[];
}

/**
 * The error code for a partition whose read threw, as ReplicaManager.readFromLocalLog maps
 * it: the log's KAFKA_STORAGE_ERROR and OFFSET_OUT_OF_RANGE, else UNKNOWN_SERVER_ERROR.
 */
function readErrorCode(broker: Broker, partition: Partition, e: unknown): number {
  if (e instanceof KafkaStorageError) return ErrorCode.KAFKA_STORAGE_ERROR;
  if (e instanceof OffsetOutOfRangeError) return ErrorCode.OFFSET_OUT_OF_RANGE;
  broker.logger.error(`Fetch cannot read ${partition.topic.name}-${partition.index}`, { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}

/** One pass over the requested partitions: what is readable now, and its size. */
function readOnce(broker: Broker, topics: readonly FetchRequestFetchTopic[], byId: boolean, maxBytes: number): FetchRead {
  let budget = maxBytes;
  let bytes = 0;
  let failed = false;
  const partitionsRead: PartitionRead[] = [];
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
      const log = partition.log;
      const fetchOffset = Number(fp.fetchOffset);
      if (fetchOffset < log.logStartOffset || fetchOffset > log.logEndOffset) {
        failed = true;
        partitions.push({ ...errorPartition(fp.partition, ErrorCode.OFFSET_OUT_OF_RANGE), highWatermark: log.highWatermark, lastStableOffset: log.highWatermark, logStartOffset: log.logStartOffset });
        continue;
      }
      let records: Buffer = EMPTY;
      const limit = Math.min(fp.partitionMaxBytes, budget);
      try {
        // Past the response budget only a partition still owed its first batch reads on (KIP-74).
        if (fetchOffset < log.highWatermark && (limit > 0 || bytes === 0)) records = readPastEmptyBatches(log, fetchOffset, limit, bytes === 0);
      } catch (e) {
        failed = true;
        partitions.push(errorPartition(fp.partition, readErrorCode(broker, partition, e)));
        continue;
      }
      bytes += records.length;
      budget = Math.max(0, budget - records.length);
      partitionsRead.push({ partition, fetchOffset, partitionMaxBytes: fp.partitionMaxBytes, bytes: records.length });
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
  return { responses, bytes, failed, partitionsRead };
}

/**
 * Whether a waiting fetch should answer now: appends since its read bring `minBytes` (each
 * partition counting up to its partitionMaxBytes, as DelayedFetch.tryComplete), or a
 * partition moved under it (deleted, its log start past the fetch offset, or its log smaller:
 * retention or compaction), which the answer will tell.
 */
function satisfied(broker: Broker, watches: readonly Watch[], minBytes: number): boolean {
  let bytes = 0;
  for (const w of watches) {
    const { topic, index } = w.partition;
    if (broker.topics.get(topic.name)?.partitions[index] !== w.partition) return true;
    const log = w.partition.log;
    // A log closing (shutdown, deletion) ends the wait: the answer tells what became of it.
    if (log.isClosing) return true;
    const size = log.sizeInBytes;
    if (size < w.sizeInBytes || log.logStartOffset > w.fetchOffset) return true;
    bytes += Math.min(w.partitionMaxBytes, w.bytes + size - w.sizeInBytes);
    if (bytes >= minBytes) return true;
  }
  return false;
}

type WaitOutcome = 'satisfied' | 'expired' | 'closed';

/**
 * Wait until {@link satisfied}, `waitMs` passes, or `closed` aborts; listening for appends to
 * the partitions read only. Called in the same turn as their read, so the log sizes taken
 * here are those the read saw.
 */
function waitForBytes(broker: Broker, partitionsRead: readonly PartitionRead[], minBytes: number, waitMs: number, closed: AbortSignal): Promise<WaitOutcome> {
  const watches: Watch[] = partitionsRead.map((p) => ({ ...p, sizeInBytes: p.partition.log.sizeInBytes }));
  return new Promise((resolve) => {
    let done = false;
    let cancels: (() => void)[] = [];
    const unlisten = (): void => {
      for (const cancel of cancels) cancel();
      cancels = [];
    };
    const finish = (outcome: WaitOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      closed.removeEventListener('abort', onClose);
      unlisten();
      resolve(outcome);
    };
    const onClose = (): void => finish('closed');
    const onAppend = (): void => {
      if (done) return;
      unlisten();
      if (satisfied(broker, watches, minBytes)) finish('satisfied');
      else listen();
    };
    const listen = (): void => {
      for (const w of watches) cancels.push(w.partition.onAppend(onAppend));
    };
    const timer = setTimeout(() => finish('expired'), waitMs);
    timer.unref();
    if (closed.aborted) return finish('closed');
    closed.addEventListener('abort', onClose);
    listen();
  });
}

/**
 * The topics a Fetch may read, and the answers for those it may not (KafkaApis.handleFetchRequest):
 * a consumer needs READ on each topic; a follower (replica id >= 0) CLUSTER_ACTION on the cluster,
 * else every partition is refused. A refused topic is TOPIC_AUTHORIZATION_FAILED for each of its
 * partitions, whether it exists or not; an id (v13+) that names no topic is left to the read,
 * which answers UNKNOWN_TOPIC_ID.
 */
function authorizeFetch(ctx: RequestContext, request: FetchRequest, byId: boolean): { readable: FetchRequestFetchTopic[]; refused: Input<FetchResponseFetchableTopicResponse>[] } {
  const replicaId = ctx.header.apiVersion >= 15 ? request.replicaState.replicaId : request.replicaId;
  const nameOf = (ft: FetchRequestFetchTopic): string | undefined => (byId ? ctx.broker.topics.byId(ft.topicId)?.name : ft.topic);
  const follower = replicaId >= 0;
  const clusterAction = follower && authorizeCluster(ctx, AclOperation.CLUSTER_ACTION);
  const readableNames = follower ? null : authorizedNames(ctx, AclOperation.READ, AclResourceType.TOPIC, request.topics.flatMap((ft) => nameOf(ft) ?? []), { logIfDenied: true });
  const readable: FetchRequestFetchTopic[] = [];
  const refused: Input<FetchResponseFetchableTopicResponse>[] = [];
  for (const ft of request.topics) {
    const name = nameOf(ft);
    if (name === undefined || (readableNames === null ? clusterAction : readableNames.has(name))) readable.push(ft);
    else refused.push({ topic: ft.topic, topicId: ft.topicId, partitions: ft.partitions.map((fp) => errorPartition(fp.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED)) });
  }
  return { readable, refused };
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
    const { readable, refused } = authorizeFetch(ctx, request, byId);
    const maxBytes = request.maxBytes > 0 ? request.maxBytes : 0x7fffffff;
    const waitMs = Math.min(Math.max(0, request.maxWaitMs), MAX_WAIT_MS);
    let read: FetchRead | null = readOnce(broker, readable, byId, maxBytes);
    if (read.bytes < request.minBytes && !read.failed && waitMs > 0 && read.partitionsRead.length > 0) {
      const { partitionsRead } = read;
      // Drop what was read: a waiting fetch holds no records.
      read = null;
      const outcome = await waitForBytes(broker, partitionsRead, request.minBytes, waitMs, connectionClosedSignal(broker, ctx.session));
      if (outcome === 'closed') return NO_RESPONSE;
      read = readOnce(broker, readable, byId, maxBytes);
    }
    return { errorCode: ErrorCode.NONE, sessionId: 0, responses: refused.length === 0 ? read.responses : [...read.responses, ...refused] };
  },
});
