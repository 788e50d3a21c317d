/**
 * The record as the consumer hands it to the application: the object KafkaJS's
 * record decoder builds (`kafkajs/src/protocol/recordBatch/record/v0/decoder.js`),
 * own data properties in its order, so handlers written for KafkaJS read, spread,
 * copy, compare and serialize the same thing: offsets and timestamps as decimal
 * strings, key and value as Buffers or null, headers as an object whose repeated
 * keys become arrays.
 *
 * The hot path of the consumer: {@link readConsumerMessages} checks a batch's
 * records when they arrive (nothing allocated), and builds the messages when the
 * runner takes the batch, so what waits in the fetch buffer is bytes.
 */
import { type Reader } from '../protocol/primitives/reader.js';
import { RecordBatchAttribute } from '../protocol/records/record-batch-header.js';

/**
 * A record's headers: each key once, its value a Buffer, or an array of Buffers
 * when the key repeats (in wire order). A header written with a null value
 * arrives as null, as KafkaJS delivers it (its types do not say so either).
 */
export interface ConsumerMessageHeaders {
  [key: string]: Buffer | Buffer[] | undefined;
}

/**
 * The record batch a message came from, as KafkaJS puts it on every message
 * (`batchContext`, undocumented there): one object shared by the batch's messages.
 */
export interface RecordBatchContext {
  /** The batch's base offset, as a decimal string. */
  firstOffset: string;
  /** The batch's base timestamp, as a decimal string. */
  firstTimestamp: string;
  partitionLeaderEpoch: number;
  /** Written by a transactional producer. */
  inTransaction: boolean;
  /** Always false here: control batches never reach the application. */
  isControlBatch: boolean;
  lastOffsetDelta: number;
  /** As a decimal string; '-1' when the producer is not idempotent. */
  producerId: string;
  producerEpoch: number;
  /** The batch's base sequence (KafkaJS's name). */
  firstSequence: number;
  /** As a decimal string. */
  maxTimestamp: string;
  /** 0 CreateTime, 1 LogAppendTime (KafkaJS's TimestampTypes). */
  timestampType: number;
  /** Always 2. */
  magicByte: number;
}

/**
 * One record, KafkaJS's `KafkaMessage` as its consumer delivers it, own
 * enumerable properties in its order. `key`, `value` and header values are views
 * into the Fetch response (or the decompressed records), never copies: copy one
 * (`Buffer.from`) to keep it without keeping the whole response alive.
 */
export interface ConsumerMessage {
  /** The record batch format, always 2 (KafkaJS sets it; its types do not list it). */
  magicByte: number;
  /** Record-level attributes: unused by Kafka since magic 2, always 0 in practice. */
  attributes: number;
  /** Milliseconds since the epoch, as a decimal string (the batch's maxTimestamp when the topic uses LogAppendTime). */
  timestamp: string;
  /** The record's offset, as a decimal string. */
  offset: string;
  /** Null when the record has no key. */
  key: Buffer | null;
  /** Null for a tombstone. */
  value: Buffer | null;
  headers: ConsumerMessageHeaders;
  /** Always false: control records never reach the application (KafkaJS sets it; its types do not list it). */
  isControlRecord: boolean;
  /** The record batch's header fields, shared by its messages (KafkaJS sets it; its types do not list it). */
  batchContext: RecordBatchContext;
}

/** Adds one header, turning a repeated key's values into an array (KafkaJS's record decoder does the same). */
function setHeader(headers: ConsumerMessageHeaders, key: string, value: Buffer | null): void {
  // Own properties only: an inherited name ("toString", "__proto__") is not a header seen before.
  if (!Object.hasOwn(headers, key)) {
    // "__proto__" must become an own property, not the prototype (KafkaJS builds headers with computed keys, which do the same).
    if (key === '__proto__') Object.defineProperty(headers, key, { value, enumerable: true, writable: true, configurable: true });
    else headers[key] = value as Buffer;
    return;
  }
  const previous = headers[key];
  if (Array.isArray(previous)) previous.push(value as Buffer);
  else headers[key] = [previous as Buffer, value as Buffer];
}

/** The header fields of the batch the records belong to, as numbers (what waits in the fetch buffer). */
export interface RecordsContext {
  readonly baseOffset: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  /** The batch's attributes (int16): timestamp type, transactional bit. */
  readonly attributes: number;
  readonly partitionLeaderEpoch: number;
  readonly lastOffsetDelta: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
}

/** KafkaJS's `batchContext` of a batch: its fields in KafkaJS's order, int64s as decimal strings. */
function batchContextOf(batch: RecordsContext): RecordBatchContext {
  return {
    firstOffset: String(batch.baseOffset),
    firstTimestamp: String(batch.baseTimestamp),
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    inTransaction: (batch.attributes & RecordBatchAttribute.transactional) !== 0,
    isControlBatch: (batch.attributes & RecordBatchAttribute.control) !== 0,
    lastOffsetDelta: batch.lastOffsetDelta,
    producerId: String(batch.producerId),
    producerEpoch: batch.producerEpoch,
    firstSequence: batch.baseSequence,
    maxTimestamp: String(batch.maxTimestamp),
    timestampType: batch.attributes & RecordBatchAttribute.logAppendTime ? 1 : 0,
    magicByte: 2,
  };
}

/**
 * Decodes the records of one batch, as Java's `DefaultRecord.readFrom` reads
 * them: a negative key or value length is null, a negative header key length is
 * an error, and each record must take exactly its declared length. Records
 * before `fromOffset` (a fetch that starts mid-batch gets the whole batch back)
 * or at or past `beforeOffset` are skipped.
 *
 * Two passes, so that what waits in the fetch buffer is bytes, not objects: with
 * `out` null the records are checked and counted and nothing is allocated (the
 * fetcher does this when a response arrives, so a corrupt record is reported
 * then); with `out`, on records checked before, one plain {@link ConsumerMessage}
 * per record is appended (the runner does this when it takes the batch). Built
 * when the response arrived (a whole 6 MB response at once), the messages
 * outlived young collections and their promotion was most of the consumer's CPU.
 *
 * @param r - a reader over the batch's (decompressed) records
 * @param batch - the batch's header fields
 * @param fromOffset - the first offset wanted
 * @param beforeOffset - the first offset not wanted (the last stable offset for read_committed), or Infinity
 * @param out - where messages are appended; null to check and count only
 * @returns how many records are at or after `fromOffset` and before `beforeOffset`
 * @throws RangeError when a record is malformed or runs past the end
 */
export function readConsumerMessages(r: Reader, batch: RecordsContext, fromOffset: number, beforeOffset: number, out: ConsumerMessage[] | null): number {
  const { baseOffset, baseTimestamp, recordCount } = batch;
  let count = 0;
  const logAppendTime = (batch.attributes & RecordBatchAttribute.logAppendTime) !== 0;
  // KafkaJS's timestamp of a LogAppendTime batch is its maxTimestamp, the same string for every record.
  const fixedTimestamp = logAppendTime ? String(batch.maxTimestamp) : null;
  const batchContext = out === null ? null : batchContextOf(batch);
  // Records of a batch mostly share their timestamp: its string is built once, not per record.
  let lastDelta = Number.NaN;
  let lastTimestamp = '';
  for (let i = 0; i < recordCount; i++) {
    const length = r.varint();
    const start = r.pos;
    if (length < 0 || length > r.remaining) throw new RangeError(`record ${i}: length ${length} exceeds the ${r.remaining} bytes left`);
    const end = start + length;
    const attributes = r.int8();
    const timestampDelta = r.varlong();
    const offset = baseOffset + r.varint();
    if (offset < fromOffset || offset >= beforeOffset) {
      // Skipped whole: its fields are not needed (Java's CompletedFetch also walks past them).
      r.pos = end;
      continue;
    }
    count++;
    if (out === null) checkRecordFields(r, i, start, end);
    else {
      if (timestampDelta !== lastDelta) {
        lastDelta = timestampDelta;
        lastTimestamp = fixedTimestamp ?? String(baseTimestamp + timestampDelta);
      }
      out.push(buildMessage(r.buf, r.pos, attributes, lastTimestamp, String(offset), batchContext!));
      r.pos = end;
    }
  }
  if (r.remaining !== 0) throw new RangeError(`${r.remaining} bytes left after the declared ${recordCount} records`);
  return count;
}

/** The checks {@link readConsumerMessages} makes of a record's key, value and headers, without building them. */
function checkRecordFields(r: Reader, i: number, start: number, end: number): void {
  const keyLength = r.varint();
  if (keyLength > 0) r.skip(keyLength);
  const valueLength = r.varint();
  if (valueLength > 0) r.skip(valueLength);
  const headerCount = r.varint();
  if (headerCount < 0 || headerCount > r.remaining) throw new RangeError(`record ${i}: invalid header count ${headerCount}`);
  for (let h = 0; h < headerCount; h++) {
    const headerKeyLength = r.varint();
    if (headerKeyLength < 0) throw new RangeError(`record ${i}: header ${h} has a negative key length`);
    r.skip(headerKeyLength);
    const headerValueLength = r.varint();
    if (headerValueLength > 0) r.skip(headerValueLength);
  }
  if (r.pos !== end) throw new RangeError(`record ${i} declares ${end - start} bytes but its fields take ${r.pos - start}`);
}

/** Where {@link varintAt} stopped: the position after the varint it read. */
let varintEnd = 0;

/** The zigzag varint at `pos` of a record already checked; sets {@link varintEnd}. */
function varintAt(buf: Buffer, pos: number): number {
  let u = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[pos++]!;
    u |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  varintEnd = pos;
  u >>>= 0;
  return (u >>> 1) ^ -(u & 1);
}

/**
 * The constructor of messages: plain objects (their prototype is `Object.prototype`,
 * their properties own data properties in KafkaJS's order, one hidden class for
 * all), made with `new` rather than as an object literal. V8 tracks an object
 * literal's allocation site and, when most objects from it survive a young
 * collection, allocates the site's later objects straight in the old generation
 * ("pretenuring"). A batch's messages stay alive while `eachBatch` runs, so a few
 * early collections could tenure the literal for the life of the process, and every
 * message after that cost a full collection and fresh pages: the same consumer ran
 * at twice the CPU per record from one run to the next. `new` has no such site.
 */
const PlainMessage = function PlainMessage(
  this: ConsumerMessage,
  attributes: number,
  timestamp: string,
  offset: string,
  key: Buffer | null,
  value: Buffer | null,
  headers: ConsumerMessageHeaders,
  batchContext: RecordBatchContext,
): void {
  this.magicByte = 2;
  this.attributes = attributes;
  this.timestamp = timestamp;
  this.offset = offset;
  this.key = key;
  this.value = value;
  this.headers = headers;
  this.isControlRecord = false;
  this.batchContext = batchContext;
} as unknown as new (attributes: number, timestamp: string, offset: string, key: Buffer | null, value: Buffer | null, headers: ConsumerMessageHeaders, batchContext: RecordBatchContext) => ConsumerMessage;
PlainMessage.prototype = Object.prototype;

/** One message from a record already checked, its key length at `at`. */
function buildMessage(buf: Buffer, at: number, attributes: number, timestamp: string, offset: string, batchContext: RecordBatchContext): ConsumerMessage {
  const keyLength = varintAt(buf, at);
  let pos = varintEnd;
  const key = keyLength < 0 ? null : buf.subarray(pos, (pos += keyLength));
  const valueLength = varintAt(buf, pos);
  pos = varintEnd;
  const value = valueLength < 0 ? null : buf.subarray(pos, (pos += valueLength));
  const headerCount = varintAt(buf, pos);
  pos = varintEnd;
  // A fresh object even with no headers: handlers may add to it, as to KafkaJS's.
  const headers: ConsumerMessageHeaders = {};
  for (let h = 0; h < headerCount; h++) {
    const headerKeyLength = varintAt(buf, pos);
    const name = buf.toString('utf8', varintEnd, varintEnd + headerKeyLength);
    const length = varintAt(buf, varintEnd + headerKeyLength);
    setHeader(headers, name, length < 0 ? null : buf.subarray(varintEnd, varintEnd + length));
    pos = length > 0 ? varintEnd + length : varintEnd;
  }
  return new PlainMessage(attributes, timestamp, offset, key, value, headers, batchContext);
}

/**
 * A message's offset as a number, for the runner. Read from `message.offset`, as
 * KafkaJS's runner resolves `message.offset` after the handler: a handler that
 * assigns it moves what is resolved, in both libraries.
 */
export function messageOffset(message: ConsumerMessage): number {
  return Number(message.offset);
}
