/**
 * Messages as `send` takes them (KafkaJS's shape), checked and turned into
 * record inputs before they touch a batch, so a bad message fails its own
 * `send` with an error naming the topic, the message and the field.
 */
import { KafkaJSMessageTooLargeError, KafkaJSSerializationError } from '../errors/errors.js';
import { utf8Length } from '../protocol/primitives/writer.js';
import { type RecordHeadersInput, type RecordInput } from '../protocol/records/record.js';

/** Header values: strings, Buffers, or arrays of them (one header per element). */
export type IHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** One message of a `send` (KafkaJS's Message). */
export interface Message {
  key?: Buffer | string | null;
  /** null is a tombstone: on a compacted topic it deletes the key. */
  value: Buffer | string | null;
  /** Explicit partition; wins over the partitioner. */
  partition?: number;
  headers?: IHeaders;
  /** Milliseconds since the epoch, as a number or a numeric string (KafkaJS); default now. */
  timestamp?: string | number;
}

/** The fixed bytes of a record beyond its key, value and headers (worst-case varints). */
const RECORD_OVERHEAD = 21;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? `an object (${value.constructor?.name ?? 'Object'})` : `a ${typeof value}`;
}

/**
 * Check one message and return an upper estimate of its size as a record. Objects
 * are refused with a clear error rather than silently turned into "[object Object]":
 * serialize them first (JSON.stringify, Avro, ...).
 */
export function checkMessage(topic: string, index: number, message: Message, maxRequestSize: number): number {
  if (message === null || typeof message !== 'object') {
    throw new KafkaJSSerializationError({ topic, messageIndex: index, field: 'value', cause: new TypeError(`message ${index} is ${describe(message)}, not { key?, value, headers?, partition?, timestamp? }`) });
  }
  const { key, value, headers } = message;
  if (value !== null && typeof value !== 'string' && !Buffer.isBuffer(value)) {
    throw new KafkaJSSerializationError({ topic, messageIndex: index, field: 'value', cause: new TypeError(`value is ${describe(value)}; give a string, a Buffer or null (serialize objects first, e.g. JSON.stringify)`) });
  }
  if (key !== undefined && key !== null && typeof key !== 'string' && !Buffer.isBuffer(key)) {
    throw new KafkaJSSerializationError({ topic, messageIndex: index, field: 'key', cause: new TypeError(`key is ${describe(key)}; give a string, a Buffer or null`) });
  }
  // In UTF-8 bytes, as written: what bufferMemory and batchSize are measured in.
  let estimate = RECORD_OVERHEAD + sizeOf(key) + sizeOf(value);
  if (headers !== undefined) {
    if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) {
      throw new KafkaJSSerializationError({ topic, messageIndex: index, field: 'headers', cause: new TypeError(`headers is ${describe(headers)}; give an object of string or Buffer values`) });
    }
    for (const name in headers) {
      const v = headers[name];
      const values = Array.isArray(v) ? v : [v];
      for (const h of values) {
        if (h !== undefined && h !== null && typeof h !== 'string' && !Buffer.isBuffer(h)) {
          throw new KafkaJSSerializationError({ topic, messageIndex: index, field: 'headers', cause: new TypeError(`header "${name}" is ${describe(h)}; give a string or a Buffer`) });
        }
        estimate += 10 + utf8Length(name) + sizeOf(h);
      }
    }
  }
  let timestamp: number | undefined;
  if (message.timestamp !== undefined) {
    timestamp = typeof message.timestamp === 'string' ? Number(message.timestamp) : message.timestamp;
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
      throw new KafkaJSSerializationError({ topic, messageIndex: index, field: 'value', cause: new TypeError(`timestamp ${String(message.timestamp)} is not a number of milliseconds since the epoch`) });
    }
  }
  if (estimate > maxRequestSize) throw new KafkaJSMessageTooLargeError({ size: estimate, maxRequestSize, topic, messageIndex: index });
  return estimate;
}

/**
 * The record input of a message {@link checkMessage} accepted. The message itself is
 * one (same field names) unless its timestamp is a string: it is reused rather than
 * a record allocated per message.
 */
export function recordOf(message: Message): RecordInput {
  if (typeof message.timestamp !== 'string') return message as RecordInput;
  return { key: message.key, value: message.value, headers: message.headers as RecordHeadersInput | undefined, timestamp: Number(message.timestamp) };
}

/**
 * The bytes a send's records will take, measured cheaply (keys and values in UTF-8,
 * headers left out), for a send that cannot be appended yet: what waits is bounded
 * with it. Messages that are not well formed count only their overhead here; they
 * fail when checked.
 */
export function waitingSize(topicMessages: readonly { messages: readonly Message[] }[]): number {
  let n = 0;
  for (const { messages } of topicMessages) {
    if (!Array.isArray(messages)) continue;
    for (const m of messages) {
      n += RECORD_OVERHEAD;
      if (m === null || typeof m !== 'object') continue;
      n += sizeOf(m.key) + sizeOf(m.value);
    }
  }
  return n;
}

function sizeOf(v: unknown): number {
  return typeof v === 'string' ? utf8Length(v) : Buffer.isBuffer(v) ? v.length : 0;
}
