/**
 * `consumer.messages()`: the consumer as an async iterator, for
 * `for await (const { topic, partition, message } of consumer.messages({ signal }))`.
 *
 * Back-pressure: the runner hands records to this stream as `eachMessage` does,
 * and waits while `highWaterMark` records are buffered and not yet taken; the
 * fetcher, bounded in bytes, waits behind it. So a slow loop body holds at most
 * `highWaterMark` records here plus the fetcher's buffer.
 *
 * Commits: a record counts as processed when the loop asks for the next one
 * (the body finished with it), so its offset + 1 is resolved then, and
 * committed as `run()` commits (autoCommit, interval, threshold, on revoke, on
 * stop). Leaving the loop (`break`, `return`, an exception, or the signal
 * aborting) stops the consumer; the record being processed then is not
 * resolved, so it is delivered again after a restart (at least once).
 */
import { type ConsumerMessage, messageOffset } from './consumer-message.js';
import { type TopicPartition, partitionKey } from './subscription-state.js';

/** One record, with its topic and partition. */
export interface ConsumedMessage {
  topic: string;
  partition: number;
  message: ConsumerMessage;
}

/** What `consumer.messages(options)` accepts. */
export interface MessagesOptions {
  /** Aborting ends the iteration and stops the consumer. */
  signal?: AbortSignal;
  /** Records buffered ahead of the loop, at most. Default 64. */
  highWaterMark?: number;
  /** As `run()`'s. */
  autoCommit?: boolean;
  autoCommitInterval?: number | null;
  autoCommitThreshold?: number | null;
  partitionsConsumedConcurrently?: number;
}

/** What the stream needs of the consumer. */
export interface MessageStreamHost {
  /** Resolve a processed record (offset + 1), when its partition is still assigned. */
  resolve(topic: string, partition: number, nextOffset: number): void;
  /** The iteration ended: stop the consumer. */
  end(): Promise<void>;
}

/** The iterator `consumer.messages()` returns, and the `eachMessage` that feeds it. */
export class MessageStream implements AsyncIterableIterator<ConsumedMessage> {
  readonly #host: MessageStreamHost;
  readonly #highWaterMark: number;
  readonly #queue: ConsumedMessage[] = [];
  #head = 0;
  #puller: ((result: IteratorResult<ConsumedMessage>) => void) | null = null;
  #pullerFailed: ((error: Error) => void) | null = null;
  #roomWaiters: (() => void)[] = [];
  #taken: ConsumedMessage | null = null;
  #ended = false;
  #error: Error | null = null;
  readonly #released = new Set<string>();
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => void this.return();

  constructor(host: MessageStreamHost, highWaterMark: number, signal?: AbortSignal) {
    this.#host = host;
    this.#highWaterMark = highWaterMark;
    this.#signal = signal;
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  get #size(): number {
    return this.#queue.length - this.#head;
  }

  /** The `eachMessage` handler the runner calls: buffer the record, waiting while the buffer is full. */
  readonly handler = async ({ topic, partition, message }: { topic: string; partition: number; message: ConsumerMessage }): Promise<void> => {
    const key = partitionKey(topic, partition);
    while (!this.#ended && this.#size >= this.#highWaterMark && !this.#released.has(key)) {
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    }
    if (this.#ended || this.#released.has(key)) return;
    const item = { topic, partition, message };
    if (this.#puller) {
      const deliver = this.#puller;
      this.#puller = this.#pullerFailed = null;
      this.#take(item);
      deliver({ value: item, done: false });
      return;
    }
    this.#queue.push(item);
  };

  #take(item: ConsumedMessage): void {
    this.#taken = item;
  }

  #wakeRoom(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const w of waiters) w();
  }

  /** Partitions revoked or lost: drop what is buffered of them, release a handler waiting with one. */
  release(partitions: readonly TopicPartition[]): void {
    const keys = new Set(partitions.map((p) => partitionKey(p.topic, p.partition)));
    for (const k of keys) this.#released.add(k);
    const kept = this.#queue.slice(this.#head).filter((m) => !keys.has(partitionKey(m.topic, m.partition)));
    this.#queue.length = 0;
    this.#head = 0;
    this.#queue.push(...kept);
    if (this.#taken && keys.has(partitionKey(this.#taken.topic, this.#taken.partition))) this.#taken = null;
    this.#wakeRoom();
  }

  /** Partitions assigned (again): accept their records. */
  assigned(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.#released.delete(partitionKey(p.topic, p.partition));
  }

  /** The consumer crashed for good: the loop gets `error`. */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#error = error;
    this.#finish();
    if (this.#pullerFailed) {
      const fail = this.#pullerFailed;
      this.#puller = this.#pullerFailed = null;
      fail(error);
    }
  }

  #finish(): void {
    this.#ended = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#queue.length = 0;
    this.#head = 0;
    this.#wakeRoom();
  }

  next(): Promise<IteratorResult<ConsumedMessage>> {
    // The loop asks for the next record: the previous one is processed.
    const done = this.#taken;
    this.#taken = null;
    if (done && !this.#ended) this.#host.resolve(done.topic, done.partition, messageOffset(done.message) + 1);
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    if (this.#size > 0) {
      const item = this.#queue[this.#head++]!;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#head);
        this.#head = 0;
      }
      this.#take(item);
      this.#wakeRoom();
      return Promise.resolve({ value: item, done: false });
    }
    return new Promise((resolve, reject) => {
      this.#puller = resolve;
      this.#pullerFailed = reject;
    });
  }

  /** The loop ended (`break`, `return`, an exception) or the signal aborted: stop the consumer. */
  async return(): Promise<IteratorResult<ConsumedMessage>> {
    if (!this.#ended) {
      this.close();
      await this.#host.end();
    }
    return { value: undefined, done: true };
  }

  /** End the iteration without stopping the consumer (it is stopping already). */
  close(): void {
    if (this.#ended) return;
    this.#taken = null;
    this.#finish();
    if (this.#puller) {
      const deliver = this.#puller;
      this.#puller = this.#pullerFailed = null;
      deliver({ value: undefined, done: true });
    }
  }

  async throw(error?: unknown): Promise<IteratorResult<ConsumedMessage>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ConsumedMessage> {
    return this;
  }
}
