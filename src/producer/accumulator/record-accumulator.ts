/**
 * The record accumulator: one queue of batches per partition, and the memory
 * they hold.
 *
 * Records for a partition go into its newest open batch while it has room for
 * `batchSize` bytes (a record bigger than that gets a batch of its own), so
 * concurrent `send` calls within `lingerMs` share batches. The bytes held by
 * every unfinished batch count against `bufferMemory`; when it is full, `send`
 * waits for room (back-pressure) and fails after `maxBlockMs`.
 */
import { KafkaJSBufferExhaustedError } from '../../errors/errors.js';
import { type CompressionCodec } from '../../protocol/records/compression.js';
import { type RecordInput } from '../../protocol/records/record.js';
import { ProducerBatch, type SendCall } from './producer-batch.js';

/** The batches of one partition: queued (oldest first) and in flight (in send order). */
export class PartitionQueue {
  readonly queued: ProducerBatch[] = [];
  readonly inFlight: ProducerBatch[] = [];
  /** Next sequence number to assign (idempotent producer). */
  nextSequence = 0;
  /**
   * A batch failed and was put back: hold new sends until every in-flight batch
   * of this partition has come back, so retries go out in sequence order.
   */
  retrying = false;
  /**
   * The producer id and epoch the broker has acknowledged an idempotent batch of
   * this partition from (-1: none yet). Until it has, it keeps no state for them
   * here and would take any sequence as the first (see Sender).
   */
  ackedProducerId = -1;
  ackedEpoch = -1;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Put a failed batch back in sequence order (or first, without sequences). */
  requeue(batch: ProducerBatch): void {
    batch.state = 'closed';
    const i = this.inFlight.indexOf(batch);
    if (i >= 0) this.inFlight.splice(i, 1);
    let at = 0;
    if (batch.baseSequence >= 0) while (at < this.queued.length && this.queued[at]!.baseSequence >= 0 && this.queued[at]!.baseSequence < batch.baseSequence) at++;
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
  /** Bytes held by unfinished batches. */
  used = 0;
  /** Batches created and not yet done. */
  unfinished = 0;
  readonly #waiters: MemoryWaiter[] = [];
  #drainedWaiters: (() => void)[] = [];

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
      q.queued.push(batch);
      this.unfinished++;
    }
    const grew = batch.append(record, call, now);
    batch.reserved += grew;
    this.used += grew;
    if (batch.sizeInBytes < this.batchSize) return closed;
    this.#close(batch);
    return true;
  }

  /** No more records go in: start compressing it now, off the send path. */
  #close(batch: ProducerBatch): void {
    batch.state = 'closed';
    if (batch.compression !== 0) void batch.build();
  }

  /** A batch finished (acknowledged or failed): give its memory back. */
  release(batch: ProducerBatch): void {
    this.used -= batch.reserved;
    batch.reserved = 0;
    this.unfinished--;
    this.#serveWaiters();
    if (this.unfinished === 0) {
      const waiters = this.#drainedWaiters;
      this.#drainedWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves once every batch created so far (and since) has finished. */
  whenDrained(): Promise<void> {
    if (this.unfinished === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainedWaiters.push(resolve));
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
