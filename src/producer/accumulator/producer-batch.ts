/**
 * One record batch on its way to a partition, and the `send` calls waiting on it.
 *
 * Records are written straight into the batch's RecordBatchBuilder as they are
 * appended. The batch remembers, in runs, which `send` call each record came
 * from, so that when the broker answers, every call learns its records'
 * offsets without a closure or an object per record.
 */
import { CompressionCodec } from '../../protocol/records/compression.js';
import { RecordBatchBuilder } from '../../protocol/records/record-batch-builder.js';
import { computeRecordBatchCrc, RecordBatchField } from '../../protocol/records/record-batch-header.js';
import { type KafkaRecord, type RecordInput } from '../../protocol/records/record.js';
import { type Connection } from '../../network/connection.js';
import { type ProducerIdAndEpoch } from '../idempotence/producer-id-state.js';
import { type PartitionQueue } from './record-accumulator.js';

/** What a `send` call is told about one partition it wrote to (KafkaJS's RecordMetadata, plus offsets). */
export interface RecordMetadata {
  topicName: string;
  partition: number;
  errorCode: number;
  /** Offset of this call's first record in the partition (a string, as KafkaJS). */
  baseOffset: string;
  /** The broker's timestamp for LogAppendTime topics, else '-1'. */
  logAppendTime: string;
  logStartOffset: string;
  /** Offsets of this call's records in this partition, in the order they were given; '-1' each for acks 0. */
  offsets: string[];
  /**
   * In KafkaJS's type, never set by KafkaJS 2.x (it reports `baseOffset`), nor here: declared so
   * a KafkaJS program that reads it still compiles.
   */
  offset?: string;
  /** As `offset`: in KafkaJS's type, never set; the broker's time is `logAppendTime`. */
  timestamp?: string;
}

/** Told when a send call settles (the producer: metrics and the error event), without a closure per call. */
export interface SendCallObserver {
  /** @param now - Date.now() when it settled */
  sendSucceeded(call: SendCall, now: number): void;
  /** `call` is null for a send turned away before a call was made for it. */
  sendFailed(call: SendCall | null, error: Error): void;
}

const ignore = (): void => undefined;

// One executor for every SendCall's promise: it hands the resolving functions over
// through these two slots, so a call allocates no closure of its own for them.
let capturedResolve: (value: RecordMetadata[]) => void = ignore;
let capturedReject: (error: Error) => void = ignore;
function capture(resolve: (value: RecordMetadata[]) => void, reject: (error: Error) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * One `send` call in flight: resolves when every batch holding its records is done.
 * Most calls write to one partition, so the first partition's result is a field and
 * only a call spanning several partitions gets a Map.
 */
export class SendCall {
  /** Batches holding records of this call and not yet finished. */
  pending = 0;
  failed: Error | null = null;
  /** The batch the previous record went to (to extend runs and count batches). */
  lastBatch: ProducerBatch | null = null;
  /** Every batch of this call, kept only once a call spans more than one. */
  batches: Set<ProducerBatch> | null = null;
  /** The batch that last reported to this call (one report per batch). */
  reportedBy: ProducerBatch | null = null;
  readonly promise: Promise<RecordMetadata[]>;
  readonly #resolve: (value: RecordMetadata[]) => void;
  readonly #reject: (error: Error) => void;
  /** Results by partition (the key is the partition's queue), in the order they came. */
  #firstKey: object | null = null;
  #first: RecordMetadata | null = null;
  #more: Map<object, RecordMetadata> | null = null;
  settled = false;

  constructor(
    readonly createdAt: number,
    readonly observer: SendCallObserver,
  ) {
    this.promise = new Promise<RecordMetadata[]>(capture);
    this.#resolve = capturedResolve;
    this.#reject = capturedReject;
  }

  /** The result for one partition, if it has one yet. */
  result(key: object): RecordMetadata | undefined {
    if (this.#firstKey === key) return this.#first!;
    return this.#more?.get(key);
  }

  addResult(key: object, meta: RecordMetadata): void {
    if (this.#first === null) {
      this.#firstKey = key;
      this.#first = meta;
    } else {
      (this.#more ??= new Map()).set(key, meta);
    }
  }

  /** A batch of this call finished (with an error or not); settles the call after the last one. */
  batchDone(now: number): void {
    if (--this.pending > 0) return;
    if (this.failed) this.fail(this.failed);
    else this.succeed(now);
  }

  succeed(now = Date.now()): void {
    if (this.settled) return;
    this.settled = true;
    this.observer.sendSucceeded(this, now);
    const first = this.#first;
    this.#resolve(first === null ? [] : this.#more === null ? [first] : [first, ...this.#more.values()]);
  }

  /** Settle with an error now (also for errors before any record was appended). */
  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.observer.sendFailed(this, error);
    // Handled here so a send nobody awaits never becomes an unhandled rejection;
    // whoever awaits the promise still gets the error.
    this.promise.catch(ignore);
    this.#reject(error);
  }
}

/** Where a batch stands. */
export type BatchState = 'open' | 'closed' | 'in-flight' | 'done';

/**
 * A flush() waiting for the batches pending when it was called: resolves when
 * `remaining` reaches 0. A batch split in two hands its waiters to both halves.
 */
export class FlushWaiter {
  remaining = 0;
  readonly promise: Promise<void>;
  #resolve: () => void = () => undefined;

  constructor() {
    this.promise = new Promise<void>((resolve) => (this.#resolve = resolve));
  }

  /** One of the batches is done. */
  done(): void {
    if (--this.remaining === 0) this.#resolve();
  }

  /** Resolve now if nothing was pending. */
  seal(): void {
    if (this.remaining === 0) this.#resolve();
  }
}

export class ProducerBatch {
  readonly builder: RecordBatchBuilder;
  state: BatchState = 'open';
  /** Send attempts so far. */
  attempts = 0;
  /** Not before this time (retry backoff). */
  retryAt = 0;
  /**
   * The producer id and epoch this batch is sent with (idempotent), given with its
   * sequence when first drained and kept until its outcome is known
   * (TransactionManager); null without.
   */
  identity: ProducerIdAndEpoch | null = null;
  /** Sequence of the first record under `identity`; -1 until assigned. */
  baseSequence = -1;
  /** Some attempt had no answer (timeout, lost connection): the broker may hold this batch. */
  mayBeStored = false;
  /**
   * This batch's place in its partition, for putting a retry back where it was:
   * batches are numbered as they are created; the halves of a split share their
   * batch's [order, order + span).
   */
  order = 0;
  span = 1;
  /** flush() calls waiting for this batch. */
  flushWaiters: FlushWaiter[] | null = null;
  /** The connection this attempt's request was written on; null until it is written. */
  sentOn: Connection | null = null;
  /** The encoded batch, built at first drain. */
  bytes: Buffer | null = null;
  /** Bytes reserved from bufferMemory for this batch. */
  reserved = 0;
  // Runs of consecutive records from one send call: the call, the batch index of the
  // run's first record, the run's length.
  readonly runCalls: SendCall[] = [];
  readonly runStart: number[] = [];
  readonly runCount: number[] = [];
  /** The last error a retried attempt got, for the final error if the batch fails. */
  lastError: Error | null = null;

  constructor(
    /** The partition's queue, also the key of this partition's result in a SendCall. */
    readonly queue: PartitionQueue,
    readonly acks: -1 | 0 | 1,
    readonly compression: CompressionCodec,
    readonly createdAt: number,
    /** When the oldest record's delivery timeout expires. */
    readonly deadline: number,
    initialCapacity: number,
    expectedCapacity: number,
  ) {
    this.topic = queue.topic;
    this.partition = queue.partition;
    this.builder = new RecordBatchBuilder({ compression, initialCapacity, expectedCapacity, deferCrc: true });
  }

  readonly topic: string;
  readonly partition: number;

  get recordCount(): number {
    return this.builder.recordCount;
  }

  get sizeInBytes(): number {
    return this.builder.sizeInBytes;
  }

  /** Append a record of `call` (timestamp `now` unless it has one); returns the bytes it took. */
  append(record: RecordInput, call: SendCall, now: number): number {
    const index = this.builder.recordCount;
    const size = this.builder.append(record, now);
    const last = this.runCalls.length - 1;
    // A call appends its records in order: when its previous record went to this batch
    // and is this batch's last run, this record continues that run.
    if (call.lastBatch === this && last >= 0 && this.runCalls[last] === call) {
      this.runCount[last]!++;
    } else {
      if (call.lastBatch === null) {
        call.pending++;
      } else if (call.lastBatch !== this) {
        call.batches ??= new Set([call.lastBatch]);
        if (!call.batches.has(this)) {
          call.batches.add(this);
          call.pending++;
        }
      }
      this.runCalls.push(call);
      this.runStart.push(index);
      this.runCount.push(1);
    }
    call.lastBatch = this;
    return size;
  }

  /**
   * This batch's records in two batches of half as many records each, for a broker
   * that refused it as too large (MESSAGE_TOO_LARGE: the topic's max.message.bytes
   * is below batchSize). Java's Sender.splitAndReenqueue re-cuts at batch.size,
   * which loops when the topic limit is the smaller one (KAFKA-8350); halving
   * reaches single records in log2(n) rounds, and only a record too large on its
   * own fails. The halves keep the records' timestamps, each send call's runs, the
   * delivery deadline, the attempts, and the sequences this batch was given (the
   * first half starts at its base sequence, the second right after), so batches
   * queued behind keep theirs.
   *
   * @param records - this batch's records, decoded from what was sent
   */
  split(records: readonly KafkaRecord[]): [ProducerBatch, ProducerBatch] {
    const n = records.length;
    if (n < 2 || n !== this.recordCount) throw new RangeError(`cannot split a batch of ${this.recordCount} records given ${n}`);
    const mid = Math.ceil(n / 2);
    const first = this.#part(records, 0, mid, this.baseSequence);
    const second = this.#part(records, mid, n, this.baseSequence < 0 ? -1 : (this.baseSequence + mid) % 0x8000_0000);
    for (let i = 0; i < this.runCalls.length; i++) {
      const call = this.runCalls[i]!;
      const start = this.runStart[i]!;
      const end = start + this.runCount[i]!;
      if (start < mid) first.#addRun(call, start, Math.min(end, mid) - start);
      if (end > mid) second.#addRun(call, Math.max(start, mid) - mid, end - Math.max(start, mid));
    }
    // A call was waiting on this batch once; it now waits once on each half holding its records.
    for (const call of new Set(this.runCalls)) if (first.runCalls.includes(call) && second.runCalls.includes(call)) call.pending++;
    first.reserved = Math.min(this.reserved, first.sizeInBytes);
    second.reserved = this.reserved - first.reserved;
    this.reserved = 0;
    this.state = 'done';
    // The halves carry this batch's flush waiters now.
    this.#releaseFlushWaiters();
    return [first, second];
  }

  #part(records: readonly KafkaRecord[], from: number, to: number, baseSequence: number): ProducerBatch {
    const part = new ProducerBatch(this.queue, this.acks, this.compression, this.createdAt, this.deadline, 4000, 0);
    for (let i = from; i < to; i++) {
      const r = records[i]!;
      part.builder.append({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
    }
    part.state = 'closed';
    part.attempts = this.attempts;
    part.lastError = this.lastError;
    part.baseSequence = baseSequence;
    part.mayBeStored = this.mayBeStored;
    if (baseSequence >= 0) part.identity = this.identity;
    const half = this.span / 2;
    part.order = from === 0 ? this.order : this.order + half;
    part.span = half;
    if (this.flushWaiters !== null) {
      part.flushWaiters = [...this.flushWaiters];
      for (const w of this.flushWaiters) w.remaining++;
    }
    return part;
  }

  #addRun(call: SendCall, start: number, count: number): void {
    this.runCalls.push(call);
    this.runStart.push(start);
    this.runCount.push(count);
  }

  /** Bytes of the records before compression (set when built). */
  uncompressedSize = 0;
  #building: Promise<Buffer> | null = null;

  /**
   * Build the batch (compressing it) once. Started as soon as a compressed batch
   * closes, so compression runs on the thread pool while earlier requests are in
   * flight, not on the send path.
   */
  build(): Promise<Buffer> {
    if (!this.#building) {
      this.uncompressedSize = this.builder.sizeInBytes;
      if (this.compression === CompressionCodec.None) {
        this.bytes = this.builder.buildSync();
        this.#building = Promise.resolve(this.bytes);
      } else {
        this.#building = this.builder.build();
        this.#building.then(
          (bytes) => (this.bytes ??= bytes),
          () => undefined, // surfaced by encode()
        );
      }
    }
    return this.#building;
  }

  /** The bytes to send: built once, stamped with the idempotent producer fields of this attempt. */
  async encode(): Promise<Buffer> {
    this.bytes ??= await this.build();
    return this.#stamped(this.bytes);
  }

  /**
   * As {@link encode}, without waiting: null while a compressed batch is still
   * being compressed.
   */
  encodeNow(): Buffer | null {
    if (this.bytes === null && this.compression === CompressionCodec.None) void this.build();
    return this.bytes === null ? null : this.#stamped(this.bytes);
  }

  /** Whether the CRC of `bytes` is computed (the builder leaves it to the first encode). */
  #checksummed = false;
  /** The identity and sequence the bytes carry, so a retry with the same ones is not stamped again. */
  #stampedIdentity: ProducerIdAndEpoch | null = null;
  #stampedSequence = -1;

  #stamped(bytes: Buffer): Buffer {
    const identity = this.identity;
    if (identity !== null) {
      if (identity !== this.#stampedIdentity || this.baseSequence !== this.#stampedSequence) {
        stampProducer(bytes, identity.producerId, identity.epoch, this.baseSequence);
        this.#stampedIdentity = identity;
        this.#stampedSequence = this.baseSequence;
      }
    } else if (!this.#checksummed) {
      bytes.writeUInt32BE(computeRecordBatchCrc(bytes, 0), RecordBatchField.crc);
    }
    this.#checksummed = true;
    return bytes;
  }

  /** Tell the flush() calls waiting for this batch that it is done. */
  #releaseFlushWaiters(): void {
    const waiters = this.flushWaiters;
    if (waiters === null) return;
    this.flushWaiters = null;
    for (const w of waiters) w.done();
  }

  /** Tell every send call of this batch its records' fate. */
  complete(baseOffset: number, logAppendTime: number, logStartOffset: number, errorCode: number): void {
    this.state = 'done';
    const key = this.queue;
    const appendTime = String(logAppendTime);
    const startOffset = String(logStartOffset);
    for (let i = 0; i < this.runCalls.length; i++) {
      const call = this.runCalls[i]!;
      const count = this.runCount[i]!;
      const first = baseOffset < 0 ? -1 : baseOffset + this.runStart[i]!;
      const firstText = String(first);
      let meta = call.result(key);
      if (meta === undefined) {
        const offsets = count === 1 ? [firstText] : new Array<string>(count);
        meta = { topicName: this.topic, partition: this.partition, errorCode, baseOffset: firstText, logAppendTime: appendTime, logStartOffset: startOffset, offsets };
        call.addResult(key, meta);
        if (count === 1) continue;
        for (let k = 0; k < count; k++) offsets[k] = first < 0 ? '-1' : String(first + k);
        continue;
      }
      // A later run of the same call in this partition (its records were interleaved with another call's).
      if (meta.baseOffset === '-1' || (first >= 0 && first < Number(meta.baseOffset))) meta.baseOffset = firstText;
      for (let k = 0; k < count; k++) meta.offsets.push(first < 0 ? '-1' : String(first + k));
    }
    this.#report(Date.now());
    this.#releaseFlushWaiters();
  }

  /** Fail every send call of this batch. */
  fail(error: Error): void {
    this.state = 'done';
    for (const call of this.runCalls) call.failed ??= error;
    this.#report(Date.now());
    this.#releaseFlushWaiters();
  }

  /** One report per call, however many runs it has here. */
  #report(now: number): void {
    for (const call of this.runCalls) {
      if (call.reportedBy === this) continue;
      call.reportedBy = this;
      call.batchDone(now);
    }
  }
}

/**
 * Write producer id, epoch and base sequence into an encoded batch and redo its
 * CRC (which covers them). Done at drain time: sequences are assigned when a
 * batch is first sent, and reassigned only when its partition starts over under
 * a new epoch (KIP-360) with the batch known not to be stored.
 */
export function stampProducer(batch: Buffer, producerId: bigint, producerEpoch: number, baseSequence: number): void {
  batch.writeBigInt64BE(producerId, RecordBatchField.producerId);
  batch.writeInt16BE(producerEpoch, RecordBatchField.producerEpoch);
  batch.writeInt32BE(baseSequence, RecordBatchField.baseSequence);
  batch.writeUInt32BE(computeRecordBatchCrc(batch, 0), RecordBatchField.crc);
}
