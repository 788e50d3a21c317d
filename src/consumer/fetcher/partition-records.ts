/**
 * One partition's answer in a Fetch response, turned into what the application
 * sees: the records at or after the fetch offset, in order, as
 * {@link ConsumerMessage}s, and the offset the position moves to once they are
 * processed. As Java's `CompletedFetch`:
 *
 * - a batch that starts before the fetch offset (the broker answers from the
 *   start of the batch holding it) contributes only the records from there;
 * - control batches (transaction markers) are never shown, but the position
 *   moves past them, so a partition ending in a marker is not fetched forever;
 * - with read_committed, transactional batches of aborted transactions (the
 *   response's `abortedTransactions`: producer id and first offset) are
 *   dropped, and nothing at or past the last stable offset is returned;
 * - each batch's CRC-32C is checked (Java's `check.crcs`, default true);
 * - a trailing batch cut short (the broker filled the size limit) is ignored:
 *   the next fetch starts at it. A response holding only such a piece is
 *   `partial`: the caller retries with a larger limit (old brokers; KIP-74
 *   brokers return the first batch whole).
 */
import { CompressionCodec, decompress } from '../../protocol/records/compression.js';
import { crc32c } from '../../protocol/records/crc32c.js';
import { Reader } from '../../protocol/primitives/reader.js';
import { LOG_OVERHEAD, RECORD_BATCH_MAGIC, RECORD_BATCH_OVERHEAD, RecordBatchAttribute, RecordBatchField } from '../../protocol/records/record-batch-header.js';
import { type ConsumerMessage, type RecordsContext, readConsumerMessages } from '../consumer-message.js';

/** An aborted transaction as Fetch v4+ lists it for read_committed. */
export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

/** What {@link decodePartitionRecords} needs besides the bytes. */
export interface PartitionRecordsInput {
  /** The offset the fetch asked for: records before it are skipped. */
  readonly fetchOffset: number;
  /** 1 for read_committed. */
  readonly isolationLevel: 0 | 1;
  /** From the response; -1 when unknown. Only read_committed looks at it. */
  readonly lastStableOffset: number;
  /** From the response (null or empty when none). */
  readonly abortedTransactions: readonly AbortedTransaction[] | null;
}

/** The records of one partition, ready for the application. */
export interface PartitionRecords {
  /** Built afresh on every read (see {@link CheckedRecords}): read it once. */
  readonly messages: ConsumerMessage[];
  /**
   * The same messages, built one record batch at a time as the iteration reaches it:
   * what `eachMessage` walks, so that the messages not yet handed out are bytes, not
   * objects that outlive young collections.
   */
  chunks(): Iterable<ConsumerMessage[]>;
  /** How many messages there are, known without building them. */
  readonly count: number;
  /** Where the position goes once `messages` are processed: past every complete batch read, skipped ones included. */
  nextOffset: number;
  /** The partition leader epoch of the last batch read, -1 when none. */
  lastLeaderEpoch: number;
  /** Bytes were returned but not one whole batch: retry with a larger partition limit. */
  partial: boolean;
  /** A batch that cannot be read (CRC mismatch, bad magic, malformed records): `messages` hold what came before it. */
  corrupt: { offset: number; reason: string; cause: unknown } | null;
}

/** One batch's records, checked, to build as messages later. */
interface RecordsSpan {
  readonly body: Buffer;
  readonly context: RecordsContext;
}

/**
 * A partition's records, checked when the response arrives (CRC, framing, every
 * record's fields) and built as messages when `messages` or `chunks()` is read:
 * the runner reads one of them when it takes the batch, so what waits in the fetch
 * buffer is bytes, not objects.
 *
 * Nothing built is kept here. This object waits in the fetch buffer long enough to
 * be promoted to the old generation; a reference from it to the young messages
 * would keep every one of them alive through young collections (an old object is
 * not known dead until a full one), and they would all be promoted in turn.
 */
export class CheckedRecords implements PartitionRecords {
  nextOffset: number;
  lastLeaderEpoch = -1;
  partial = false;
  corrupt: PartitionRecords['corrupt'] = null;
  count = 0;
  readonly #spans: RecordsSpan[] = [];
  readonly #fetchOffset: number;
  readonly #before: number;

  constructor(fetchOffset: number, before: number) {
    this.#fetchOffset = fetchOffset;
    this.nextOffset = fetchOffset;
    this.#before = before;
  }

  /** Check a batch's records and keep them for {@link messages}; throws RangeError when one is malformed. */
  add(body: Buffer, context: RecordsContext): void {
    this.count += readConsumerMessages(new Reader(body), context, this.#fetchOffset, this.#before, null);
    this.#spans.push({ body, context });
  }

  get messages(): ConsumerMessage[] {
    const out: ConsumerMessage[] = [];
    for (const { body, context } of this.#spans) readConsumerMessages(new Reader(body), context, this.#fetchOffset, this.#before, out);
    return out;
  }

  *chunks(): Generator<ConsumerMessage[]> {
    for (const { body, context } of this.#spans) {
      const out: ConsumerMessage[] = [];
      readConsumerMessages(new Reader(body), context, this.#fetchOffset, this.#before, out);
      if (out.length > 0) yield out;
    }
  }
}

/** The control bit and the transactional bit, tested without decoding the whole header. */
const CONTROL = RecordBatchAttribute.control;
const TRANSACTIONAL = RecordBatchAttribute.transactional;

/**
 * Whether a control batch holds an ABORT marker (its one record's key: version int16,
 * type int16 = 0); throws RangeError when the record does not parse.
 */
function isAbortMarker(records: Buffer, start: number, end: number): boolean {
  // The record: length varint, attributes int8, timestampDelta varlong, offsetDelta varint, keyLength varint, key...
  const r = new Reader(records.subarray(start, end));
  r.varint();
  r.skip(1);
  r.varlong();
  r.varint();
  const keyLength = r.varint();
  if (keyLength < 4) return false;
  const key = r.view(keyLength);
  return key.readInt16BE(2) === 0;
}

/**
 * Decodes the records Fetch returned for one partition.
 *
 * @param records - the partition's `records` field (null or empty when none)
 * @param input - fetch offset, isolation level, last stable offset, aborted transactions
 */
export async function decodePartitionRecords(records: Buffer | null, input: PartitionRecordsInput): Promise<PartitionRecords> {
  const { fetchOffset, isolationLevel } = input;
  const readCommitted = isolationLevel === 1;
  // Nothing at or past the last stable offset for read_committed (a broker never sends it; a proxy or bug might).
  const before = readCommitted && input.lastStableOffset >= 0 ? input.lastStableOffset : Infinity;
  const out = new CheckedRecords(fetchOffset, before);
  if (records === null || records.length === 0) return out;
  // Java's CompletedFetch: aborted transactions in firstOffset order, producers added as their first offset is reached.
  const aborted = readCommitted && input.abortedTransactions ? [...input.abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0)) : [];
  let nextAborted = 0;
  const abortedProducers = new Set<bigint>();
  let pos = 0;
  let complete = 0;
  while (records.length - pos >= LOG_OVERHEAD) {
    const batchOffset = readInt64(records, pos);
    const batchLength = records.readInt32BE(pos + RecordBatchField.batchLength);
    const end = pos + LOG_OVERHEAD + batchLength;
    if (batchLength >= 0 && end > records.length) break;
    const magic = records[pos + RecordBatchField.magic];
    if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD || magic !== RECORD_BATCH_MAGIC) {
      const reason = batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD ? `batchLength ${batchLength} is shorter than the header` : `magic ${magic}: only magic 2 record batches are supported`;
      out.corrupt = { offset: batchOffset, reason, cause: null };
      return out;
    }
    complete++;
    const lastOffset = batchOffset + records.readInt32BE(pos + RecordBatchField.lastOffsetDelta);
    const batchStart = pos;
    pos = end;
    if (lastOffset < fetchOffset) continue;
    if (batchOffset >= before) break;
    const stored = records.readUInt32BE(batchStart + RecordBatchField.crc);
    const computed = crc32c(records, batchStart + RecordBatchField.attributes, end);
    if (stored !== computed) {
      out.corrupt = { offset: batchOffset, reason: `CRC-32C mismatch: stored 0x${stored.toString(16).padStart(8, '0')}, computed 0x${computed.toString(16).padStart(8, '0')}`, cause: null };
      return out;
    }
    out.lastLeaderEpoch = records.readInt32BE(batchStart + RecordBatchField.partitionLeaderEpoch);
    const attributes = records.readInt16BE(batchStart + RecordBatchField.attributes);
    const producerId = records.readBigInt64BE(batchStart + RecordBatchField.producerId);
    if (readCommitted && producerId >= 0n) {
      while (nextAborted < aborted.length && Number(aborted[nextAborted]!.firstOffset) <= lastOffset) abortedProducers.add(aborted[nextAborted++]!.producerId);
      if (attributes & CONTROL) {
        // The ABORT marker ends the producer's aborted transaction: its later batches are read again.
        let abort: boolean;
        try {
          abort = isAbortMarker(records, batchStart + RECORD_BATCH_OVERHEAD, end);
        } catch (e) {
          out.corrupt = { offset: batchOffset, reason: `unreadable control record: ${e instanceof Error ? e.message : String(e)}`, cause: e };
          return out;
        }
        if (abort) abortedProducers.delete(producerId);
      } else if (attributes & TRANSACTIONAL && abortedProducers.has(producerId)) {
        moveTo(out, lastOffset + 1, before);
        continue;
      }
    }
    if (attributes & CONTROL) {
      moveTo(out, lastOffset + 1, before);
      continue;
    }
    const recordCount = records.readInt32BE(batchStart + RecordBatchField.recordCount);
    const codec = (attributes & RecordBatchAttribute.compressionMask) as CompressionCodec;
    try {
      let body = records.subarray(batchStart + RECORD_BATCH_OVERHEAD, end);
      if (codec !== CompressionCodec.None && recordCount > 0) body = await decompress(codec, body);
      if (recordCount > 0) {
        out.add(body, {
          baseOffset: batchOffset,
          baseTimestamp: readInt64(records, batchStart + RecordBatchField.baseTimestamp),
          maxTimestamp: readInt64(records, batchStart + RecordBatchField.maxTimestamp),
          attributes,
          partitionLeaderEpoch: out.lastLeaderEpoch,
          lastOffsetDelta: lastOffset - batchOffset,
          producerId,
          producerEpoch: records.readInt16BE(batchStart + RecordBatchField.producerEpoch),
          baseSequence: records.readInt32BE(batchStart + RecordBatchField.baseSequence),
          recordCount,
        });
      }
    } catch (e) {
      out.corrupt = { offset: batchOffset, reason: e instanceof Error ? e.message : String(e), cause: e };
      return out;
    }
    moveTo(out, lastOffset + 1, before);
  }
  out.partial = complete === 0;
  return out;
}

/** Move the position past a batch read, never past the last stable offset. */
function moveTo(out: CheckedRecords, next: number, before: number): void {
  const offset = Math.min(next, before);
  if (offset > out.nextOffset) out.nextOffset = offset;
}

/** An int64 field as a number: offsets and timestamps stay far below 2^53. */
function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
}
