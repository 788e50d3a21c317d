/**
 * The record accumulator: one queue of batches per partition, and the memory
 * they hold.
 *
 * Records for a partition go into its newest open batch while it has room for
 * `batchSize` bytes (a record bigger than that gets a batch of its own), so
 * concurrent `send` calls within `lingerMs` share batches. Every unfinished
 * batch's allocated buffer counts against `bufferMemory`; when it is full,
 * `send` waits for room (back-pressure) and fails after `maxBlockMs`. What
 * waits is bounded too (see the producer's `#queueSlow`).
 */
import { KafkaJSBufferExhaustedError } from '../../errors/errors.js';
import { type CompressionCodec } from '../../protocol/records/compression.js';
import { type RecordInput } from '../../protocol/records/record.js';
import { PartitionState } from '../idempotence/partition-state.js';
import { ProducerBatch, type SendCall } from './producer-batch.js';

/** The batches of one partition still queued (oldest first), and its state once they are sent. */
export class PartitionQueue {
  /** Batches not written yet: new ones, and retries put back at their place. */
  readonly queued: ProducerBatch[] = [];
  /** In flight, sequences, producer id and epoch (the TransactionManager's). */
  readonly state = new PartitionState();
  /** Batches created so far: the next one's `order`. */
  created = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Put a batch that came back for a retry at its place: before every batch created after it. */
  requeue(batch: ProducerBatch): void {
    batch.state = 'closed';
    let at = 0;
    while (at < this.queued.length && this.queued[at]!.order < batch.order) at++;
    this.queued.splice(at, 0, batch);
  }
}

interface MemoryWaiter {
  bytes: number;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class RecordAccumulator {
  readonly partitions = new Map<string, PartitionQueue>();
  /** Bytes held by unfinished batches (their allocated buffers). */
  used = 0;
  readonly #waiters: MemoryWaiter[] = [];

  constructor(
    readonly batchSize: number,
    readonly bufferMemory: number,
    readonly maxBlockMs: number,
    readonly deliveryTimeoutMs: number,
  ) {}

  /** Queues by topic, indexed by partition: no string built per record on the hot path. */
  readonly #byTopic = new Map<string, PartitionQueue[]>();

  /** A topic's queues by partition (sparse: a queue exists once its partition got a record). */
  queues(topic: string): readonly (PartitionQueue | undefined)[] {
    let list = this.#byTopic.get(topic);
    if (!list) this.#byTopic.set(topic, (list = []));
    return list;
  }

  queue(topic: string, partition: number): PartitionQueue {
    const list = this.queues(topic) as PartitionQueue[];
    let q = list[partition];
    if (!q) {
      q = list[partition] = new PartitionQueue(topic, partition);
      this.partitions.set(`${topic}\u0000${partition}`, q);
    }
    return q;
  }

  /** Whether `bytes` more fit in bufferMemory right now (and nobody waits before us). */
  hasRoom(bytes: number): boolean {
    return this.#waiters.length === 0 && (this.used + bytes <= this.bufferMemory || this.used === 0);
  }

  /**
   * Wait until `bytes` fit in bufferMemory, until `deadline` (default maxBlockMs from
   * now); waiters are served in order. The producer passes its send call's time plus
   * maxBlockMs, so a send queued behind others does not get a fresh maxBlockMs of its
   * own (Java's max.block.ms bounds the whole `send`).
   */
  waitForRoom(bytes: number, deadline = Date.now() + this.maxBlockMs): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: MemoryWaiter = {
        bytes,
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(new KafkaJSBufferExhaustedError({ bufferMemory: this.bufferMemory, maxBlockMs: this.maxBlockMs, size: bytes }));
          this.#serveWaiters();
        }, Math.max(0, deadline - Date.now())),
      };
      this.#waiters.push(waiter);
    });
  }

  /**
   * Append one record to its partition's open batch, opening a new one when the
   * open one is full or differs in acks or compression. Returns whether a batch was
   * closed (so the sender can send it without waiting for linger).
   */
  append(q: PartitionQueue, record: RecordInput, estimate: number, acks: -1 | 0 | 1, compression: CompressionCodec, call: SendCall, now: number): boolean {
    let batch = q.queued[q.queued.length - 1];
    let closed = false;
    if (batch === undefined || batch.state !== 'open' || batch.acks !== acks || batch.compression !== compression || (batch.recordCount > 0 && batch.sizeInBytes + estimate > this.batchSize)) {
      if (batch !== undefined && batch.state === 'open') {
        this.#close(batch);
        closed = true;
      }
      // Small at first (a quiet partition's batch holds a few records), then straight to batch.size.
      batch = new ProducerBatch(q, acks, compression, now, now + this.deliveryTimeoutMs, Math.min(this.batchSize + 128, 4000), this.batchSize + 128);
      batch.order = q.created++;
      q.queued.push(batch);
    }
    batch.append(record, call, now);
    // What the batch holds is its buffer, header and spare room included, not just its records.
    const capacity = batch.builder.capacity;
    if (capacity > batch.reserved) {
      this.used += capacity - batch.reserved;
      batch.reserved = capacity;
    }
    if (batch.sizeInBytes < this.batchSize) return closed;
    this.#close(batch);
    return true;
  }

  /** No more records go in: start compressing it now, off the send path. */
  #close(batch: ProducerBatch): void {
    batch.state = 'closed';
    if (batch.compression !== 0) void batch.build();
  }

  /** Close every open batch (flush: later records go into new batches). */
  closeOpenBatches(): void {
    for (const q of this.partitions.values()) {
      const last = q.queued[q.queued.length - 1];
      if (last !== undefined && last.state === 'open') this.#close(last);
    }
  }

  /** Every batch not finished yet: queued, or in flight with its sends still waiting. */
  *pendingBatches(): Generator<ProducerBatch> {
    for (const q of this.partitions.values()) {
      yield* q.queued;
      for (const b of q.state.inFlight) if (b.state !== 'done') yield b;
    }
  }

  /** A batch finished (acknowledged or failed): give its memory back. */
  release(batch: ProducerBatch): void {
    this.used -= batch.reserved;
    batch.reserved = 0;
    this.#serveWaiters();
  }

  /**
   * Let the first waiter go if its bytes fit. One at a time: its append happens
   * after a turn of the event loop, and the next waiter is served when that
   * append (or another release) calls this again, so two waiters never both
   * count on the same room.
   */
  #serveWaiters(): void {
    const w = this.#waiters[0];
    if (!w || (this.used + w.bytes > this.bufferMemory && this.used > 0)) return;
    this.#waiters.shift();
    clearTimeout(w.timer);
    w.resolve();
  }

  /** Called after a waiter's append: serve the next waiter if room remains. */
  served(): void {
    this.#serveWaiters();
  }

  /** Fail every memory waiter (producer closing). */
  rejectWaiters(error: Error): void {
    for (const w of this.#waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(error);
    }
  }
}
