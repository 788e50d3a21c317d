/**
 * The size a message will take in a record batch, estimated before it is encoded, for the
 * uniform sticky partitioner's "switch after about batch.size bytes" (KIP-794). Java's
 * `BuiltInPartitioner.updatePartitionInfo` counts the bytes the accumulator actually
 * appended; the partitioner runs before encoding here, so it counts what Java's
 * `DefaultRecord.sizeInBytes` would give with zero timestamp and offset deltas.
 */
import { sizeOfVarint } from '../../protocol/records/record.js';
import { type PartitionerMessage } from './types.js';

function byteLength(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data, 'utf8');
  if (data instanceof Uint8Array) return data.length;
  return -1;
}

/** A nullable varint-prefixed field of `length` bytes (-1 = null). */
function sizeOfField(length: number): number {
  return length < 0 ? 1 : sizeOfVarint(length) + length;
}

/**
 * The estimated bytes of `message` as one magic-2 record: length prefix, attributes,
 * timestamp and offset deltas (1 byte each), key, value and headers (an array value
 * counts once per element, as KafkaJS writes one header per element).
 *
 * @param message - the message, key and value already serialized
 * @returns the record's size in bytes, batch header excluded
 */
export function estimateRecordSize(message: PartitionerMessage): number {
  let body = 3 + sizeOfField(byteLength(message.key)) + sizeOfField(byteLength(message.value));
  let headerCount = 0;
  const headers = message.headers;
  if (headers !== undefined && headers !== null) {
    for (const key in headers) {
      if (!Object.hasOwn(headers, key)) continue;
      const keySize = sizeOfField(Buffer.byteLength(key, 'utf8'));
      const value = headers[key];
      if (Array.isArray(value)) {
        for (const v of value as unknown[]) {
          body += keySize + sizeOfField(byteLength(v));
          headerCount++;
        }
      } else {
        body += keySize + sizeOfField(byteLength(value));
        headerCount++;
      }
    }
  }
  body += sizeOfVarint(headerCount);
  return sizeOfVarint(body) + body;
}
