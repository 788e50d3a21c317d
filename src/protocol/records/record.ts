/**
 * One record inside a magic-2 record batch (Kafka's `DefaultRecord`):
 *
 * ```
 * length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
 * keyLength varint | key | valueLength varint | value | headerCount varint |
 * headers: [keyLength varint | key UTF-8 | valueLength varint | value]
 * ```
 * Every varint is zigzag-signed; a length of -1 means null. The batch codec in
 * record-batch.ts drives these functions; they are exported for it and for tests.
 */
import { Reader } from '../primitives/reader.js';
import { type Writer, utf8Length } from '../primitives/writer.js';

/** A record header as decoded: Kafka header keys are UTF-8 strings, values bytes or null. */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/**
 * A decoded record. `key`, `value` and header values are views into the bytes the
 * batch was decoded from (the Fetch response, or the decompressed records), not
 * copies: they keep that buffer alive, and copy them (`Buffer.from`) to keep one
 * record past the response.
 */
export interface KafkaRecord {
  /** baseOffset + offsetDelta. */
  offset: number;
  /**
   * Milliseconds since the epoch: baseTimestamp + timestampDelta, or the batch's
   * maxTimestamp when the batch is LogAppendTime (as Java's `DefaultRecordBatch`
   * reports it: the broker stamps only the batch header).
   */
  timestamp: number;
  key: Buffer | null;
  /** null is a tombstone (deletes the key under compaction). */
  value: Buffer | null;
  /** In wire order; shared and frozen when empty, so treat as read-only. */
  headers: readonly RecordHeader[];
}

/** Bytes as the encoder accepts them: a string is written as its UTF-8 bytes. */
export type RecordData = Uint8Array | string;

/** One header to encode; duplicate keys are allowed and keep their order. */
export interface RecordHeaderInput {
  key: string;
  value: RecordData | null;
}

/**
 * Headers to encode, KafkaJS-style as an object (an array value writes one header per
 * element, under the same key) or as a list. Object keys follow JavaScript's property
 * order, which puts integer-like keys ("1", "42") first in ascending order whatever
 * the insertion order: use the list form when the order on the wire matters.
 * `undefined` values are written as null.
 */
export type RecordHeadersInput =
  | { readonly [key: string]: RecordData | null | undefined | readonly (RecordData | null)[] }
  | readonly RecordHeaderInput[];

/** A record to encode. */
export interface RecordInput {
  /** Absent, undefined and null all write a null key. */
  key?: RecordData | null | undefined;
  /** null writes a tombstone. */
  value: RecordData | null;
  headers?: RecordHeadersInput | undefined;
  /** Milliseconds since the epoch; default: `Date.now()` when appended (CreateTime). */
  timestamp?: number | undefined;
  /** Default: one more than the previous record's (0 for the first). Must increase, as in Java's `MemoryRecordsBuilder`. */
  offsetDelta?: number | undefined;
}

const EMPTY_HEADERS: readonly RecordHeader[] = Object.freeze([]);

/**
 * Bytes a zigzag varint of a 32-bit signed value takes (1-5).
 *
 * @param value - a 32-bit signed integer
 */
export function sizeOfVarint(value: number): number {
  const u = ((value << 1) ^ (value >> 31)) >>> 0;
  if (u < 0x80) return 1;
  if (u < 0x4000) return 2;
  if (u < 0x20_0000) return 3;
  if (u < 0x1000_0000) return 4;
  return 5;
}

/**
 * Bytes a zigzag varlong takes (1-10), for a safe-integer value; past 32 bits
 * it counts with arithmetic as `Writer.varlong` writes.
 *
 * @param value - a safe integer
 */
export function sizeOfVarlong(value: number): number {
  if (value >= -0x4000_0000 && value < 0x4000_0000) return sizeOfVarint(value);
  let x = value >= 0 ? value * 2 : -value * 2 - 1;
  let n = 1;
  while (x >= 0x80) {
    x = Math.floor(x / 0x80);
    n++;
  }
  return n;
}

/** Bytes of a nullable varint-prefixed field of `length` bytes (-1 = null). */
function sizeOfField(length: number): number {
  return length < 0 ? 1 : sizeOfVarint(length) + length;
}

function byteLength(data: RecordData | null | undefined): number {
  if (data == null) return -1;
  return typeof data === 'string' ? utf8Length(data) : data.length;
}

function writeField(w: Writer, data: RecordData | null | undefined, length: number): void {
  w.varint(length);
  if (length <= 0) return;
  if (typeof data === 'string') w.utf8(data, length);
  else w.raw(data!);
}

function isHeaderList(headers: RecordHeadersInput): headers is readonly RecordHeaderInput[] {
  return Array.isArray(headers);
}

/**
 * Measures the headers section and records each header's key and value byte
 * lengths in `lengths` (pairs, in wire order) so the write pass does not measure
 * strings again. Returns the section's size, count varint included.
 */
function measureHeaders(headers: RecordHeadersInput, lengths: number[]): number {
  lengths.length = 0;
  let size = 0;
  if (isHeaderList(headers)) {
    for (const h of headers) size += measureHeader(h.key, h.value, lengths);
  } else {
    for (const key in headers) {
      if (!Object.hasOwn(headers, key)) continue;
      const value = headers[key];
      if (Array.isArray(value)) {
        for (const v of value as readonly (RecordData | null)[]) size += measureHeader(key, v, lengths);
      } else {
        size += measureHeader(key, value as RecordData | null | undefined, lengths);
      }
    }
  }
  return size + sizeOfVarint(lengths.length >>> 1);
}

function measureHeader(key: string, value: RecordData | null | undefined, lengths: number[]): number {
  const keyLength = utf8Length(key);
  const valueLength = byteLength(value);
  lengths.push(keyLength, valueLength);
  return sizeOfVarint(keyLength) + keyLength + sizeOfField(valueLength);
}

/** Writes the headers in the order {@link measureHeaders} measured them. */
function writeHeaders(w: Writer, headers: RecordHeadersInput, lengths: readonly number[]): void {
  w.varint(lengths.length >>> 1);
  let i = 0;
  if (isHeaderList(headers)) {
    for (const h of headers) {
      writeField(w, h.key, lengths[i]!);
      writeField(w, h.value, lengths[i + 1]!);
      i += 2;
    }
    return;
  }
  for (const key in headers) {
    if (!Object.hasOwn(headers, key)) continue;
    const value = headers[key];
    if (Array.isArray(value)) {
      for (const v of value as readonly (RecordData | null)[]) {
        writeField(w, key, lengths[i]!);
        writeField(w, v, lengths[i + 1]!);
        i += 2;
      }
    } else {
      writeField(w, key, lengths[i]!);
      writeField(w, value as RecordData | null | undefined, lengths[i + 1]!);
      i += 2;
    }
  }
}

/**
 * Appends one record to `w`. The `length` prefix must be minimal, as Java writes
 * it, so the body size is computed arithmetically first (one pass over the
 * strings to measure, one to write) rather than written and patched.
 *
 * @param w - the writer, positioned after the batch's previous record
 * @param record - the record; `timestamp` and `offsetDelta` are ignored in favour of the arguments
 * @param timestampDelta - record timestamp minus the batch's baseTimestamp
 * @param offsetDelta - record offset minus the batch's baseOffset
 * @param lengths - scratch space reused across calls (header byte lengths)
 * @returns the bytes written
 */
export function writeRecord(w: Writer, record: RecordInput, timestampDelta: number, offsetDelta: number, lengths: number[]): number {
  const key = record.key;
  const value = record.value;
  const headers = record.headers;
  const keyLength = byteLength(key);
  const valueLength = byteLength(value);
  const headersSize = headers === undefined ? 1 : measureHeaders(headers, lengths);
  const bodySize =
    1 + // attributes: no record-level attribute is defined yet
    sizeOfVarlong(timestampDelta) +
    sizeOfVarint(offsetDelta) +
    sizeOfField(keyLength) +
    sizeOfField(valueLength) +
    headersSize;
  const total = sizeOfVarint(bodySize) + bodySize;
  w.ensure(total);
  w.varint(bodySize);
  w.int8(0);
  w.varlong(timestampDelta);
  w.varint(offsetDelta);
  writeField(w, key, keyLength);
  writeField(w, value, valueLength);
  if (headers === undefined) w.varint(0);
  else writeHeaders(w, headers, lengths);
  return total;
}

/**
 * Reads one record at the reader's cursor, as Java's `DefaultRecord.readFrom`:
 * any negative key or value length is null, a negative header key length or count
 * is an error, and the fields must use exactly the declared length.
 *
 * @param r - reader positioned at the record's length varint
 * @param baseOffset - the batch's baseOffset
 * @param baseTimestamp - the batch's baseTimestamp
 * @param logAppendTime - the batch's maxTimestamp when it is LogAppendTime, else null
 * @throws RangeError when the record is malformed or runs past the end
 */
export function readRecord(r: Reader, baseOffset: number, baseTimestamp: number, logAppendTime: number | null): KafkaRecord {
  const length = r.varint();
  const start = r.pos;
  if (length < 0 || length > r.remaining) {
    throw new RangeError(`record length ${length} at byte ${start} exceeds the ${r.remaining} bytes left`);
  }
  r.skip(1); // attributes: unused since magic 2
  const timestampDelta = r.varlong();
  const offsetDelta = r.varint();
  const keyLength = r.varint();
  const key = keyLength < 0 ? null : r.view(keyLength);
  const valueLength = r.varint();
  const value = valueLength < 0 ? null : r.view(valueLength);
  const headerCount = r.varint();
  if (headerCount < 0 || headerCount > r.remaining) {
    throw new RangeError(`invalid header count ${headerCount} at byte ${r.pos}`);
  }
  let headers = EMPTY_HEADERS;
  if (headerCount > 0) {
    const list: RecordHeader[] = [];
    for (let i = 0; i < headerCount; i++) {
      const headerKeyLength = r.varint();
      if (headerKeyLength < 0) throw new RangeError(`negative header key length ${headerKeyLength} at byte ${r.pos}`);
      const headerKey = r.utf8(headerKeyLength);
      const headerValueLength = r.varint();
      list.push({ key: headerKey, value: headerValueLength < 0 ? null : r.view(headerValueLength) });
    }
    headers = list;
  }
  if (r.pos - start !== length) {
    throw new RangeError(`record at byte ${start} declares ${length} bytes but its fields take ${r.pos - start}`);
  }
  return {
    offset: baseOffset + offsetDelta,
    timestamp: logAppendTime ?? baseTimestamp + timestampDelta,
    key,
    value,
    headers,
  };
}

/** What {@link checkRecords} found. */
export interface RecordsCheck {
  /** Why the records do not decode, or null when they all do. */
  error: string | null;
  /** Whether some record has a null key (a compacted topic refuses it). */
  nullKey: boolean;
  /** The smallest and largest timestampDelta of the records (0 and 0 for no records), for the broker's timestamp window. */
  minTimestampDelta: number;
  maxTimestampDelta: number;
}

/**
 * Walks a batch's (uncompressed) records without building them, as Kafka's
 * LogValidator does on produce: each record must decode within its declared
 * length, record i must have offsetDelta i, and the records must fill `records`
 * exactly. A batch that passed its CRC can still hold records that do not decode;
 * stored, they would break every later reader of the partition.
 *
 * @param records - the records of one batch, after the batch header (decompressed)
 * @param count - the batch's recordCount
 */
export function checkRecords(records: Buffer, count: number): RecordsCheck {
  const r = new Reader(records);
  let nullKey = false;
  let minTimestampDelta = Number.POSITIVE_INFINITY;
  let maxTimestampDelta = Number.NEGATIVE_INFINITY;
  const fail = (error: string): RecordsCheck => ({ error, nullKey, minTimestampDelta: 0, maxTimestampDelta: 0 });
  let i = 0;
  try {
    for (; i < count; i++) {
      const length = r.varint();
      const start = r.pos;
      if (length < 0 || length > r.remaining) return fail(`record ${i}: length ${length} exceeds the ${r.remaining} bytes left`);
      r.skip(1); // attributes
      const timestampDelta = r.varlong();
      if (timestampDelta < minTimestampDelta) minTimestampDelta = timestampDelta;
      if (timestampDelta > maxTimestampDelta) maxTimestampDelta = timestampDelta;
      const offsetDelta = r.varint();
      if (offsetDelta !== i) return fail(`record ${i} has offsetDelta ${offsetDelta}`);
      const keyLength = r.varint();
      if (keyLength < 0) nullKey = true;
      else r.skip(keyLength);
      const valueLength = r.varint();
      if (valueLength > 0) r.skip(valueLength);
      const headerCount = r.varint();
      if (headerCount < 0 || headerCount > r.remaining) return fail(`record ${i}: invalid header count ${headerCount}`);
      for (let h = 0; h < headerCount; h++) {
        const headerKeyLength = r.varint();
        if (headerKeyLength < 0) return fail(`record ${i}: header ${h} has a null key`);
        r.skip(headerKeyLength);
        const headerValueLength = r.varint();
        if (headerValueLength > 0) r.skip(headerValueLength);
      }
      if (r.pos - start !== length) return fail(`record ${i} declares ${length} bytes but its fields take ${r.pos - start}`);
    }
  } catch (e) {
    return fail(`record ${i}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (r.remaining !== 0) return fail(`${r.remaining} bytes left after the declared ${count} records`);
  if (count <= 0) return { error: null, nullKey, minTimestampDelta: 0, maxTimestampDelta: 0 };
  return { error: null, nullKey, minTimestampDelta, maxTimestampDelta };
}
