/**
 * The magic-2 record batch header (Kafka 0.11+, KIP-98): layout, attribute bits,
 * reading it without the records, the CRC, and the errors a batch can raise.
 *
 * ```
 * baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 |
 * crc uint32 | attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 |
 * maxTimestamp int64 | producerId int64 | producerEpoch int16 | baseSequence int32 |
 * recordCount int32 | records (compressed as one stream when the codec is set)
 * ```
 *
 * int64 fields (offsets, timestamps, producerId) are plain numbers: offsets and
 * millisecond timestamps stay far below 2^53 (2^53 ms is 285,000 years), and a
 * bigint per record would allocate on the hot path. Offsets and timestamps beyond
 * 2^53 throw (Reader.int64Number, Writer.int64), never round silently. The
 * producer id is the exception: a client may write any int64 there (Kafka stores
 * a batch whatever id it claims), so it is also read exactly, as
 * `producerIdExact`, and never throws.
 */
import { Reader } from '../primitives/reader.js';
import { CompressionCodec } from './compression.js';
import { crc32c } from './crc32c.js';

/** The only record format supported: magic 2. Magic 0 and 1 are the pre-0.11 message sets. */
export const RECORD_BATCH_MAGIC = 2;
/** baseOffset + batchLength: the bytes before what batchLength counts (Java `Records.LOG_OVERHEAD`). */
export const LOG_OVERHEAD = 12;
/** The fixed header, up to and including recordCount (Java `DefaultRecordBatch.RECORD_BATCH_OVERHEAD`). */
export const RECORD_BATCH_OVERHEAD = 61;

/**
 * Byte offsets of the header fields from the start of a batch, as Java's
 * `DefaultRecordBatch` names them: the broker patches baseOffset and
 * partitionLeaderEpoch in place (both outside the CRC), and the CRC covers
 * `attributes` to the end of the batch.
 */
export const RecordBatchField = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
  records: 61,
} as const;

/** Bits of the batch `attributes` int16; bits 7-15 are unused. */
export const RecordBatchAttribute = {
  /** Bits 0-2: the {@link CompressionCodec} id. */
  compressionMask: 0x07,
  /** Bit 3: LogAppendTime (else CreateTime). */
  logAppendTime: 0x08,
  /** Bit 4: written by a transactional producer. */
  transactional: 0x10,
  /** Bit 5: holds control records (transaction markers), never shown to applications. */
  control: 0x20,
  /** Bit 6: baseTimestamp holds the delete horizon set by compaction (KIP-534). */
  deleteHorizon: 0x40,
} as const;

/** Kafka's NO_TIMESTAMP, NO_PRODUCER_ID, NO_PRODUCER_EPOCH, NO_SEQUENCE, NO_PARTITION_LEADER_EPOCH: all -1. */
export const NO_VALUE = -1;

/** Whose clock the timestamps are: the producer's, or the broker's at append. */
export type TimestampType = 'CreateTime' | 'LogAppendTime';

/** The 61-byte header of a batch, decoded; all a broker needs to validate and assign offsets. */
export interface RecordBatchHeader {
  baseOffset: number;
  /** Bytes after this field: the batch is `LOG_OVERHEAD + batchLength` bytes. */
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  /** CRC-32C as stored (unsigned). */
  crc: number;
  /** The raw attributes; the fields below are decoded from it. */
  attributes: number;
  compression: CompressionCodec;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControlBatch: boolean;
  hasDeleteHorizon: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  /**
   * The producer id as a number: exact up to 2^53, which covers every id a broker
   * hands out; a larger one (only a client inventing ids writes those) is the
   * nearest double. Compare ids with {@link RecordBatchHeader.producerIdExact}.
   */
  producerId: number;
  /** The producer id exactly, any int64 (-1: none). */
  producerIdExact: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/**
 * A batch that fails its CRC or whose bytes do not parse: Kafka's CORRUPT_MESSAGE
 * (error code 2, Java `CorruptRecordException`).
 *
 * Not retriable here, although the Kafka code is: a broker answers CORRUPT_MESSAGE
 * to a producer whose intact batch it can resend, but bytes that fail to decode
 * fail the same way on every read of the same log, which is why Java's consumer
 * (`CompletedFetch`) raises a plain `KafkaException` for them.
 */
export class CorruptRecordError extends Error {
  override readonly name = 'CorruptRecordError';
  readonly retriable = false;
  /** Kafka's error code for CORRUPT_MESSAGE. */
  readonly code = 2;
  readonly type = 'CORRUPT_MESSAGE';

  /**
   * @param baseOffset - the batch's baseOffset, to locate it in the log
   * @param reason - what is wrong
   * @param options - `cause`: the underlying error
   */
  constructor(
    readonly baseOffset: number,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`CORRUPT_MESSAGE: record batch at offset ${baseOffset}: ${reason}`, options);
  }
}

/**
 * A batch in the pre-0.11 message format (magic 0 or 1), or with an unknown magic.
 * Only magic 2 is supported: brokers on 3.0+ write nothing else (KIP-724), though
 * a log written before an upgrade may still hold old message sets.
 */
export class UnsupportedMagicError extends Error {
  override readonly name = 'UnsupportedMagicError';
  readonly retriable = false;

  /**
   * @param baseOffset - the offset field of the message set entry
   * @param magic - the magic byte found
   */
  constructor(
    readonly baseOffset: number,
    readonly magic: number,
  ) {
    super(
      `record batch at offset ${baseOffset} has magic ${magic}` +
        (magic === 0 || magic === 1 ? ' (a pre-0.11 message set)' : '') +
        `; only magic ${RECORD_BATCH_MAGIC} record batches are supported`,
    );
  }
}

function timestampTypeOf(attributes: number): TimestampType {
  return attributes & RecordBatchAttribute.logAppendTime ? 'LogAppendTime' : 'CreateTime';
}

/**
 * Reads the 61-byte header of the batch at `offset`, without its records and
 * without checking the CRC (see {@link computeRecordBatchCrc}).
 *
 * @param buf - bytes holding at least the header
 * @param offset - where the batch starts
 * @throws RangeError when fewer than 61 bytes are left
 * @throws UnsupportedMagicError when the magic byte is not 2
 * @throws CorruptRecordError for an unknown codec id or a batchLength shorter than the header
 */
export function readRecordBatchHeader(buf: Buffer, offset = 0): RecordBatchHeader {
  if (buf.length - offset < RECORD_BATCH_OVERHEAD) {
    throw new RangeError(`a record batch header needs ${RECORD_BATCH_OVERHEAD} bytes at offset ${offset}, ${buf.length - offset} left`);
  }
  const r = new Reader(buf, offset);
  const baseOffset = r.int64Number();
  const batchLength = r.int32();
  const partitionLeaderEpoch = r.int32();
  const magic = r.int8();
  if (magic !== RECORD_BATCH_MAGIC) throw new UnsupportedMagicError(baseOffset, magic);
  if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) {
    throw new CorruptRecordError(baseOffset, `batchLength ${batchLength} is shorter than the ${RECORD_BATCH_OVERHEAD - LOG_OVERHEAD}-byte header`);
  }
  const crc = r.uint32();
  const attributes = r.int16();
  const compression = attributes & RecordBatchAttribute.compressionMask;
  if (compression > CompressionCodec.ZSTD) {
    throw new CorruptRecordError(baseOffset, `unknown compression codec id ${compression} in attributes 0x${(attributes & 0xffff).toString(16)}`);
  }
  return {
    baseOffset,
    batchLength,
    partitionLeaderEpoch,
    magic,
    crc,
    attributes,
    compression: compression as CompressionCodec,
    timestampType: timestampTypeOf(attributes),
    isTransactional: (attributes & RecordBatchAttribute.transactional) !== 0,
    isControlBatch: (attributes & RecordBatchAttribute.control) !== 0,
    hasDeleteHorizon: (attributes & RecordBatchAttribute.deleteHorizon) !== 0,
    lastOffsetDelta: r.int32(),
    baseTimestamp: r.int64Number(),
    maxTimestamp: r.int64Number(),
    // Read in place as a (possibly rounded) number, then exactly by the Reader, which moves past it.
    producerId: buf.readInt32BE(offset + RecordBatchField.producerId) * 0x1_0000_0000 + buf.readUInt32BE(offset + RecordBatchField.producerId + 4),
    producerIdExact: r.int64(),
    producerEpoch: r.int16(),
    baseSequence: r.int32(),
    recordCount: r.int32(),
  };
}

/**
 * Computes the CRC-32C of the batch at `offset` as Kafka defines it (attributes to
 * the end of the batch), to compare with the stored one or to restamp a batch
 * whose attributes or maxTimestamp a broker rewrote (LogAppendTime).
 *
 * @param buf - bytes holding the whole batch
 * @param offset - where the batch starts
 * @returns the unsigned CRC-32C
 */
export function computeRecordBatchCrc(buf: Buffer, offset = 0): number {
  const end = offset + LOG_OVERHEAD + buf.readInt32BE(offset + RecordBatchField.batchLength);
  return crc32c(buf, offset + RecordBatchField.attributes, end);
}

/** The baseOffset field of the batch at `pos`, for error messages before the header is trusted. */
export function baseOffsetAt(data: Buffer, pos: number): number {
  return new Reader(data, pos).int64Number();
}
