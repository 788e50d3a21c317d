/**
 * Kafka record batches, magic 2: the `records` payload of Produce and Fetch and
 * the unit of the log. This module decodes; it re-exports the header reader
 * (record-batch-header.ts), the encoders (record-batch-builder.ts) and the
 * control records (control-record.ts), so
 * `record-batch.js` is the one import for the whole codec.
 */
import { Reader } from '../primitives/reader.js';
import { CompressionCodec, compressionCodecName, decompress } from './compression.js';
import { crc32c } from './crc32c.js';
import { type KafkaRecord, readRecord } from './record.js';
import {
  CorruptRecordError,
  LOG_OVERHEAD,
  RECORD_BATCH_MAGIC,
  RECORD_BATCH_OVERHEAD,
  type RecordBatchHeader,
  RecordBatchField,
  UnsupportedMagicError,
  baseOffsetAt,
  readRecordBatchHeader,
} from './record-batch-header.js';

export {
  CorruptRecordError,
  LOG_OVERHEAD,
  NO_VALUE,
  RECORD_BATCH_MAGIC,
  RECORD_BATCH_OVERHEAD,
  RecordBatchAttribute,
  type RecordBatchHeader,
  RecordBatchField,
  type TimestampType,
  UnsupportedMagicError,
  computeRecordBatchCrc,
  readRecordBatchHeader,
} from './record-batch-header.js';
export {
  RecordBatchBuilder,
  type RecordBatchBuilderOptions,
  type RecordBatchInput,
  type RecordBatchOptions,
  encodeRecordBatch,
  encodeRecordBatchSync,
} from './record-batch-builder.js';
export {
  type ControlBatchInput,
  type ControlRecordKey,
  ControlRecordType,
  type EndTxnMarker,
  decodeControlRecord,
  decodeEndTxnMarker,
  encodeControlBatch,
  encodeControlRecordKey,
  encodeEndTxnMarker,
} from './control-record.js';
export { type KafkaRecord, type RecordHeader, type RecordHeaderInput, type RecordHeadersInput, type RecordInput } from './record.js';

/** A decoded batch with its records. */
export interface RecordBatch extends RecordBatchHeader {
  records: KafkaRecord[];
}

/** Options for {@link decodeRecordBatches}. */
export interface DecodeRecordBatchesOptions {
  /** Check each batch's CRC-32C (default true), as Java's `check.crcs` consumer option. */
  verifyCrc?: boolean;
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Reads `header.recordCount` records from `records`, which must hold exactly them. */
function readRecords(header: RecordBatchHeader, records: Buffer): KafkaRecord[] {
  const { baseOffset, baseTimestamp, recordCount } = header;
  const logAppendTime = header.timestampType === 'LogAppendTime' ? header.maxTimestamp : null;
  // Every record takes at least 7 bytes; refuse absurd counts before allocating.
  if (recordCount < 0 || recordCount * 7 > records.length) {
    throw new CorruptRecordError(baseOffset, `recordCount ${recordCount} does not fit in ${records.length} bytes of records`);
  }
  const r = new Reader(records);
  const out: KafkaRecord[] = [];
  let i = 0;
  try {
    for (; i < recordCount; i++) out.push(readRecord(r, baseOffset, baseTimestamp, logAppendTime));
  } catch (err) {
    throw new CorruptRecordError(baseOffset, `record ${i} of ${recordCount}: ${(err as Error).message}`, { cause: err });
  }
  if (r.remaining !== 0) {
    // Java: "Incorrect declared batch size, records still remaining in file".
    throw new CorruptRecordError(baseOffset, `${r.remaining} bytes left after the declared ${recordCount} records`);
  }
  return out;
}

async function decompressRecords(header: RecordBatchHeader, compressed: Buffer): Promise<Buffer> {
  try {
    return await decompress(header.compression, compressed);
  } catch (err) {
    const name = compressionCodecName(header.compression);
    throw new CorruptRecordError(header.baseOffset, `cannot decompress ${name} records: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Decodes the record batches in a Produce or Fetch `records` field.
 *
 * A trailing batch cut short is dropped silently: brokers fill a Fetch response up
 * to maxBytes and may end it with a partial batch (Java's `ByteBufferLogInputStream`
 * stops there too). Keys, values and header values are views into `data` (or into
 * the decompressed records), not copies.
 *
 * @param data - zero or more concatenated batches
 * @param options - `verifyCrc` (default true)
 * @returns the complete batches, in order
 * @throws CorruptRecordError on a CRC mismatch (naming the offset and both CRCs) or malformed bytes
 * @throws UnsupportedMagicError on a magic 0/1 message set
 * @throws RangeError for an offset or timestamp beyond 2^53 (never rounded; producer ids are read whole: see record-batch-header.ts)
 */
export async function decodeRecordBatches(data: Buffer, options: DecodeRecordBatchesOptions = {}): Promise<RecordBatch[]> {
  const verifyCrc = options.verifyCrc ?? true;
  const batches: RecordBatch[] = [];
  let pos = 0;
  while (data.length - pos >= LOG_OVERHEAD) {
    const batchLength = data.readInt32BE(pos + RecordBatchField.batchLength);
    // The magic decides how to read the rest: refuse other formats before trusting batchLength.
    if (data.length - pos > RecordBatchField.magic && data[pos + RecordBatchField.magic] !== RECORD_BATCH_MAGIC) {
      throw new UnsupportedMagicError(baseOffsetAt(data, pos), data.readInt8(pos + RecordBatchField.magic));
    }
    if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) {
      throw new CorruptRecordError(baseOffsetAt(data, pos), `batchLength ${batchLength} is shorter than the ${RECORD_BATCH_OVERHEAD - LOG_OVERHEAD}-byte header`);
    }
    const end = pos + LOG_OVERHEAD + batchLength;
    if (end > data.length) break;
    const header = readRecordBatchHeader(data, pos);
    if (verifyCrc) {
      const computed = crc32c(data, pos + RecordBatchField.attributes, end);
      if (computed !== header.crc) {
        throw new CorruptRecordError(header.baseOffset, `CRC-32C mismatch: stored ${hex32(header.crc)}, computed ${hex32(computed)}`);
      }
    }
    let records = data.subarray(pos + RECORD_BATCH_OVERHEAD, end);
    if (header.compression !== CompressionCodec.None) {
      // An empty batch carries no stream to decompress (Java writes empty batches uncompressed).
      records = header.recordCount === 0 ? records.subarray(0, 0) : await decompressRecords(header, records);
    }
    batches.push({ ...header, records: readRecords(header, records) });
    pos = end;
  }
  return batches;
}
