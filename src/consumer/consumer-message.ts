/**
 * The record as the consumer hands it to the application: KafkaJS's
 * `KafkaMessage` (its record-batch entry), so handlers written for KafkaJS read
 * the same fields: offsets and timestamps as decimal strings, key and value as
 * Buffers or null, headers as an object whose repeated keys become arrays
 * (KafkaJS's record decoder builds them the same way).
 *
 * The hot path of the consumer: {@link readConsumerMessages} builds each message
 * straight from the batch bytes, one object per record plus its key and value
 * views and its headers object, with no intermediate record object and no
 * closure per record.
 */
import { type Reader } from '../protocol/primitives/reader.js';

/**
 * A record's headers: each key once, its value a Buffer, or an array of Buffers
 * when the key repeats (in wire order). A header written with a null value
 * arrives as null, as KafkaJS delivers it (its types do not say so either).
 */
export interface ConsumerMessageHeaders {
  [key: string]: Buffer | Buffer[] | undefined;
}

/**
 * One record, KafkaJS's `KafkaMessage` shape. `key`, `value` and header values
 * are views into the Fetch response (or the decompressed records), never copies:
 * copy one (`Buffer.from`) to keep it without keeping the whole response alive.
 */
export interface ConsumerMessage {
  /** Null when the record has no key. */
  key: Buffer | null;
  /** Null for a tombstone. */
  value: Buffer | null;
  /** Milliseconds since the epoch, as a decimal string (the batch's maxTimestamp when the topic uses LogAppendTime). */
  timestamp: string;
  /** Record-level attributes: unused by Kafka since magic 2, always 0 in practice. */
  attributes: number;
  /** The record's offset, as a decimal string. */
  offset: string;
  /** Bytes the record takes in its batch, length prefix included. */
  size: number;
  headers: ConsumerMessageHeaders;
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

/** What {@link readConsumerMessages} needs of the batch the records belong to. */
export interface RecordsContext {
  readonly baseOffset: number;
  readonly baseTimestamp: number;
  /** The batch's maxTimestamp when it is LogAppendTime, else null (the broker stamps only the header). */
  readonly logAppendTime: number | null;
  readonly recordCount: number;
}

/**
 * Decodes the records of one batch into messages, appending to `out` those at or
 * after `fromOffset` (a fetch that starts mid-batch gets the whole batch back),
 * as Java's `DefaultRecord.readFrom` reads them: a negative key or value length
 * is null, a negative header key length is an error, and each record must take
 * exactly its declared length.
 *
 * @param r - a reader over the batch's (decompressed) records
 * @param batch - the batch's header fields
 * @param fromOffset - the first offset wanted
 * @param beforeOffset - the first offset not wanted (the last stable offset for read_committed), or Infinity
 * @param out - where messages are appended
 * @throws RangeError when a record is malformed or runs past the end
 */
export function readConsumerMessages(r: Reader, batch: RecordsContext, fromOffset: number, beforeOffset: number, out: ConsumerMessage[]): void {
  const { baseOffset, baseTimestamp, logAppendTime, recordCount } = batch;
  // Records of one batch often share a timestamp: its string is made once.
  let lastTimestamp = NaN;
  let lastTimestampText = '';
  for (let i = 0; i < recordCount; i++) {
    const begin = r.pos;
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
    const keyLength = r.varint();
    const key = keyLength < 0 ? null : r.view(keyLength);
    const valueLength = r.varint();
    const value = valueLength < 0 ? null : r.view(valueLength);
    const headerCount = r.varint();
    if (headerCount < 0 || headerCount > r.remaining) throw new RangeError(`record ${i}: invalid header count ${headerCount}`);
    const headers: ConsumerMessageHeaders = {};
    for (let h = 0; h < headerCount; h++) {
      const headerKeyLength = r.varint();
      if (headerKeyLength < 0) throw new RangeError(`record ${i}: header ${h} has a negative key length`);
      const headerKey = r.utf8(headerKeyLength);
      const headerValueLength = r.varint();
      setHeader(headers, headerKey, headerValueLength < 0 ? null : r.view(headerValueLength));
    }
    if (r.pos !== end) throw new RangeError(`record ${i} declares ${length} bytes but its fields take ${r.pos - start}`);
    const timestamp = logAppendTime ?? baseTimestamp + timestampDelta;
    if (timestamp !== lastTimestamp) {
      lastTimestamp = timestamp;
      lastTimestampText = String(timestamp);
    }
    out.push({ key, value, timestamp: lastTimestampText, attributes, offset: String(offset), size: end - begin, headers });
  }
  if (r.remaining !== 0) throw new RangeError(`${r.remaining} bytes left after the declared ${recordCount} records`);
}

