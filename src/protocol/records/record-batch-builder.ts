/**
 * Encoding magic-2 record batches: {@link RecordBatchBuilder} for the producer's
 * accumulator, {@link encodeRecordBatch} / {@link encodeRecordBatchSync} for whole
 * batches. Layout and field rules: record-batch-header.ts.
 */
import { Writer } from '../primitives/writer.js';
import { CompressionCodec, compress, compressionCodecName } from './compression.js';
import { crc32c } from './crc32c.js';
import { type RecordInput, writeRecord } from './record.js';
import {
  LOG_OVERHEAD,
  NO_VALUE,
  RECORD_BATCH_MAGIC,
  RECORD_BATCH_OVERHEAD,
  RecordBatchAttribute,
  RecordBatchField,
  type TimestampType,
} from './record-batch-header.js';

/** Header fields of a batch to encode; every field has Kafka's default. */
export interface RecordBatchOptions {
  /** Default 0: the broker assigns real offsets on append. */
  baseOffset?: number;
  /** Default -1: the broker stamps its own. */
  partitionLeaderEpoch?: number;
  /** Default `CompressionCodec.None`. */
  compression?: CompressionCodec;
  /** Default 'CreateTime'. */
  timestampType?: TimestampType;
  isTransactional?: boolean;
  isControlBatch?: boolean;
  /** Sets attribute bit 6; give the delete horizon as `baseTimestamp`. */
  hasDeleteHorizon?: boolean;
  /** Default -1 (not idempotent). A bigint for ids past 2^53 (Kafka's are int64). */
  producerId?: number | bigint;
  /** Default -1. */
  producerEpoch?: number;
  /** Default -1. */
  baseSequence?: number;
  /**
   * Default: the first record's timestamp (Java's choice), -1 when empty. Record
   * timestamps are stored as deltas from it.
   */
  baseTimestamp?: number;
  /**
   * Default: the largest record timestamp, -1 when empty. Give the broker's append
   * time for LogAppendTime batches, as Java's `MemoryRecordsBuilder` does.
   */
  maxTimestamp?: number;
  /**
   * Default: the last record's offsetDelta, -1 when empty. Set it for the empty
   * batches compaction keeps: they retain their offset range with no records.
   */
  lastOffsetDelta?: number;
}

/** Options for {@link RecordBatchBuilder}. */
export interface RecordBatchBuilderOptions extends RecordBatchOptions {
  /**
   * Write the batch at the end of this writer (the Produce request being built,
   * say) instead of an own one. Nothing else may write to it until `build()` has
   * returned or resolved.
   */
  writer?: Writer;
  /** Initial size of the own writer; default 16 KiB, Java's `batch.size`. */
  initialCapacity?: number;
  /** The size the batch is expected to reach (`batch.size`): the own writer grows straight to it. */
  expectedCapacity?: number;
  /**
   * Leave the `crc` field 0: the caller computes it once it has written the fields it
   * owns (the producer stamps producer id, epoch and sequence at drain time), so the
   * batch is not checksummed twice.
   */
  deferCrc?: boolean;
}

/** A whole batch to encode in one call. */
export interface RecordBatchInput extends RecordBatchOptions {
  records: readonly RecordInput[];
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

function optionalInteger(name: string, value: number | undefined, min: number, max: number): number | undefined {
  return value === undefined ? undefined : checkInteger(name, value, min, max);
}

const INT16_MAX = 0x7fff;
const INT32_MAX = 0x7fff_ffff;
const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Moves the writer's cursor to `pos` without touching its bytes: `reset()` keeps
 * the memory and `reserve()` only advances. The builder writes the header in front
 * of records already written, and compressed records over the uncompressed ones.
 */
function moveTo(w: Writer, pos: number): void {
  w.reset();
  w.reserve(pos);
}

/**
 * Builds one batch, appending each record straight into a Writer: one size pass
 * and one write pass per record, no intermediate buffer, no closure. The header
 * space is reserved up front and written by `build()`, CRC last.
 *
 * Why a builder: the producer's accumulator appends records as they arrive and
 * needs the running size to close a batch at `batch.size`; a one-shot encoder
 * would hold every record object until the batch is sent. `build()` is async only
 * because compression is; uncompressed batches can use `buildSync()`.
 *
 * A builder builds once. The returned Buffer is a view of the writer, so a
 * `writer` passed in must not be reset while the batch is in use.
 */
export class RecordBatchBuilder {
  readonly #w: Writer;
  readonly #start: number;
  readonly #compression: CompressionCodec;
  /** Attribute bits other than the codec, fixed at construction. */
  readonly #flags: number;
  readonly #baseOffset: number;
  readonly #partitionLeaderEpoch: number;
  readonly #producerId: number | bigint;
  readonly #producerEpoch: number;
  readonly #baseSequence: number;
  readonly #baseTimestampOverride: number | undefined;
  readonly #maxTimestampOverride: number | undefined;
  readonly #lastOffsetDeltaOverride: number | undefined;
  readonly #lengths: number[] = [];
  readonly #deferCrc: boolean;
  #count = 0;
  #baseTimestamp = NO_VALUE;
  #maxTimestamp = NO_VALUE;
  #lastOffsetDelta = -1;
  #built = false;

  /**
   * @param options - batch header fields (validated and copied here, once) and where to write
   * @throws RangeError naming the first field out of its Kafka range
   */
  constructor(options: RecordBatchBuilderOptions = {}) {
    const { timestampType = 'CreateTime' } = options;
    if (timestampType !== 'CreateTime' && timestampType !== 'LogAppendTime') {
      throw new RangeError(`timestampType must be 'CreateTime' or 'LogAppendTime', got ${String(timestampType)}`);
    }
    this.#compression = checkInteger('compression', options.compression ?? CompressionCodec.None, 0, 4) as CompressionCodec;
    this.#baseOffset = checkInteger('baseOffset', options.baseOffset ?? 0, -SAFE, SAFE);
    this.#partitionLeaderEpoch = checkInteger('partitionLeaderEpoch', options.partitionLeaderEpoch ?? NO_VALUE, -1 - INT32_MAX, INT32_MAX);
    const producerId = options.producerId ?? NO_VALUE;
    if (typeof producerId === 'bigint') {
      if (producerId < -1n || producerId > 0x7fff_ffff_ffff_ffffn) throw new RangeError(`producerId must be an int64 >= -1, got ${producerId}`);
      this.#producerId = producerId;
    } else {
      this.#producerId = checkInteger('producerId', producerId, -SAFE, SAFE);
    }
    this.#producerEpoch = checkInteger('producerEpoch', options.producerEpoch ?? NO_VALUE, -1 - INT16_MAX, INT16_MAX);
    this.#baseSequence = checkInteger('baseSequence', options.baseSequence ?? NO_VALUE, -1 - INT32_MAX, INT32_MAX);
    this.#baseTimestampOverride = optionalInteger('baseTimestamp', options.baseTimestamp, -SAFE, SAFE);
    this.#maxTimestampOverride = optionalInteger('maxTimestamp', options.maxTimestamp, -SAFE, SAFE);
    this.#lastOffsetDeltaOverride = optionalInteger('lastOffsetDelta', options.lastOffsetDelta, -1, INT32_MAX);
    this.#flags =
      (timestampType === 'LogAppendTime' ? RecordBatchAttribute.logAppendTime : 0) |
      (options.isTransactional ? RecordBatchAttribute.transactional : 0) |
      (options.isControlBatch ? RecordBatchAttribute.control : 0) |
      (options.hasDeleteHorizon ? RecordBatchAttribute.deleteHorizon : 0);
    this.#deferCrc = options.deferCrc === true;
    this.#w = options.writer ?? new Writer(options.initialCapacity ?? 16384, options.expectedCapacity);
    this.#start = this.#w.length;
    this.#w.reserve(RECORD_BATCH_OVERHEAD);
  }

  /** Records appended so far. */
  get recordCount(): number {
    return this.#count;
  }

  /** Bytes allocated for the batch so far (its writer's buffer): what it holds in memory. */
  get capacity(): number {
    return this.#w.buffer.length - this.#start;
  }

  /** Bytes so far, header included, records uncompressed: what Java compares with `batch.size`. */
  get sizeInBytes(): number {
    return this.#w.length - this.#start;
  }

  /**
   * Appends one record.
   *
   * @param record - key, value, headers; timestamp defaults to `now`, offsetDelta to the next one
   * @param now - the timestamp of a record without one; default `Date.now()`
   * @returns the record's bytes in the (uncompressed) batch
   * @throws RangeError for a timestamp below -1 or an offsetDelta that does not increase (Java's rules)
   */
  append(record: RecordInput, now?: number): number {
    if (this.#built) throw new Error('RecordBatchBuilder.append after build(): a builder builds one batch');
    const timestamp = record.timestamp ?? now ?? Date.now();
    if (!Number.isSafeInteger(timestamp) || timestamp < NO_VALUE) {
      throw new RangeError(`invalid record timestamp ${timestamp}: must be an integer >= -1`);
    }
    const offsetDelta = record.offsetDelta ?? this.#lastOffsetDelta + 1;
    if (!Number.isInteger(offsetDelta) || offsetDelta <= this.#lastOffsetDelta || offsetDelta > INT32_MAX) {
      throw new RangeError(`offsetDelta ${offsetDelta} must be an int32 greater than the previous ${this.#lastOffsetDelta}`);
    }
    if (this.#count === 0) this.#baseTimestamp = this.#baseTimestampOverride ?? timestamp;
    if (timestamp > this.#maxTimestamp) this.#maxTimestamp = timestamp;
    this.#lastOffsetDelta = offsetDelta;
    this.#count++;
    return writeRecord(this.#w, record, timestamp - this.#baseTimestamp, offsetDelta, this.#lengths);
  }

  /**
   * Finishes an uncompressed batch.
   *
   * @returns the batch, a view of the writer
   * @throws TypeError when the batch is compressed: use {@link build}
   */
  buildSync(): Buffer {
    if (this.#compression !== CompressionCodec.None && this.#count > 0) {
      throw new TypeError(`buildSync() cannot compress (${compressionCodecName(this.#compression)}); use build()`);
    }
    this.#close();
    return this.#finish(this.#w.length);
  }

  /**
   * Finishes the batch, compressing its records as one stream when a codec is set.
   *
   * @returns the batch, a view of the writer
   * @throws CompressionError from the codec
   */
  async build(): Promise<Buffer> {
    if (this.#compression === CompressionCodec.None || this.#count === 0) return this.buildSync();
    this.#close();
    const w = this.#w;
    const recordsStart = this.#start + RECORD_BATCH_OVERHEAD;
    const compressed = await compress(this.#compression, w.buffer.subarray(recordsStart, w.length));
    moveTo(w, recordsStart);
    w.raw(compressed);
    return this.#finish(w.length);
  }

  #close(): void {
    if (this.#built) throw new Error('RecordBatchBuilder.build called twice: a builder builds one batch');
    this.#built = true;
  }

  /** Writes the header over the reserved bytes, then the CRC over attributes..end. */
  #finish(end: number): Buffer {
    const w = this.#w;
    const start = this.#start;
    const empty = this.#count === 0;
    // Empty batches are never compressed: Java's DefaultRecordBatch.writeEmptyHeader writes codec none.
    const attributes = (empty ? CompressionCodec.None : this.#compression) | this.#flags;

    moveTo(w, start);
    w.int64(this.#baseOffset);
    w.int32(end - start - LOG_OVERHEAD);
    w.int32(this.#partitionLeaderEpoch);
    w.int8(RECORD_BATCH_MAGIC);
    const crcAt = w.reserve(4);
    w.int16(attributes);
    w.int32(this.#lastOffsetDeltaOverride ?? this.#lastOffsetDelta);
    w.int64(empty ? (this.#baseTimestampOverride ?? NO_VALUE) : this.#baseTimestamp);
    w.int64(this.#maxTimestampOverride ?? this.#maxTimestamp);
    w.int64(this.#producerId);
    w.int16(this.#producerEpoch);
    w.int32(this.#baseSequence);
    w.int32(this.#count);
    moveTo(w, end);
    w.patchUInt32(crcAt, this.#deferCrc ? 0 : crc32c(w.buffer, start + RecordBatchField.attributes, end));
    return w.buffer.subarray(start, end);
  }
}

const SCRATCH_SIZE = 64 * 1024;
/** A scratch writer grown past this by one huge batch is dropped rather than kept for good. */
const SCRATCH_KEEP_MAX = 4 * 1024 * 1024;
/** Reused by encodeRecordBatchSync: encoding is synchronous, so no caller can see another's bytes. */
let scratch = new Writer(SCRATCH_SIZE);

/**
 * Encodes an uncompressed batch in one call, into a reused scratch writer.
 *
 * @param input - header fields and records
 * @returns a new Buffer holding exactly the batch
 * @throws TypeError when `input.compression` is set and there are records: use {@link encodeRecordBatch}
 */
export function encodeRecordBatchSync(input: RecordBatchInput): Buffer {
  const compression = input.compression ?? CompressionCodec.None;
  if (compression !== CompressionCodec.None && input.records.length > 0) {
    throw new TypeError(`encodeRecordBatchSync cannot compress (${compressionCodecName(compression)}); use encodeRecordBatch`);
  }
  scratch.reset();
  const builder = new RecordBatchBuilder({ ...input, writer: scratch });
  for (const record of input.records) builder.append(record);
  const batch = Buffer.from(builder.buildSync());
  if (scratch.buffer.length > SCRATCH_KEEP_MAX) scratch = new Writer(SCRATCH_SIZE);
  return batch;
}

/**
 * Encodes a batch in one call, compressed or not.
 *
 * @param input - header fields and records
 * @returns the batch bytes
 * @throws CompressionError from the codec
 */
export async function encodeRecordBatch(input: RecordBatchInput): Promise<Buffer> {
  if ((input.compression ?? CompressionCodec.None) === CompressionCodec.None) return encodeRecordBatchSync(input);
  // Not the scratch writer: compression runs on the thread pool while other calls encode.
  // The capacity is a guess for small records; the writer doubles when it is short.
  const builder = new RecordBatchBuilder({ ...input, initialCapacity: RECORD_BATCH_OVERHEAD + 128 * input.records.length });
  for (const record of input.records) builder.append(record);
  return builder.build();
}
