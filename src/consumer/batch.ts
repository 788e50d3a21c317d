/**
 * KafkaJS's `Batch` (`kafkajs/src/consumer/batch.js`): the records of one
 * partition from one fetch, as `eachBatch` receives them. Offsets are decimal
 * strings, as in KafkaJS.
 *
 * Control records and records of aborted transactions are not in `messages`,
 * but `lastOffset()` counts them (it is `nextOffset - 1`), so resolving
 * `lastOffset()` moves past a trailing commit marker, as KafkaJS arranges in
 * its `resolveOffset` (Java's Fetcher does the same).
 */
import { type ConsumerBatchProcessPayload } from './consumer-events.js';
import { type ConsumerMessage, messageOffset } from './consumer-message.js';
import { type FetchedBatch } from './fetcher/index.js';

/** The records of one partition from one fetch. */
export class Batch {
  readonly topic: string;
  readonly partition: number;
  /** The partition's high watermark when fetched. */
  readonly highWatermark: string;
  readonly messages: ConsumerMessage[];
  /** The offset this fetch started at. */
  readonly fetchedOffset: string;
  readonly #fetchOffset: number;
  readonly #nextOffset: number;
  readonly #highWatermark: number;

  /**
   * @param fetched - what the fetcher returned
   * @param messages - its messages still to process (those before the position already were)
   */
  constructor(fetched: FetchedBatch, messages: ConsumerMessage[] = fetched.messages) {
    this.topic = fetched.topic;
    this.partition = fetched.partition;
    this.highWatermark = String(fetched.highWatermark);
    this.messages = messages;
    this.#fetchOffset = messages.length > 0 ? messageOffset(messages[0]!) : fetched.fetchOffset;
    this.fetchedOffset = String(fetched.fetchOffset);
    this.#nextOffset = fetched.nextOffset;
    this.#highWatermark = fetched.highWatermark;
  }

  /** Where the position goes once the whole batch is processed (past skipped control records too). */
  get nextOffset(): number {
    return this.#nextOffset;
  }

  /** No records for the application (there may have been control records). */
  isEmpty(): boolean {
    return this.messages.length === 0;
  }

  /** Nothing at all was fetched, not even control records. */
  isEmptyIncludingFiltered(): boolean {
    return this.messages.length === 0 && this.#nextOffset <= this.#fetchOffset;
  }

  /** Records were fetched but all were control records or aborted (KafkaJS's isEmptyDueToFiltering). */
  isEmptyDueToFiltering(): boolean {
    return this.messages.length === 0 && this.#nextOffset > this.#fetchOffset;
  }

  /** The first offset of the batch, null when nothing was fetched. */
  firstOffset(): string | null {
    if (this.messages.length > 0) return this.messages[0]!.offset;
    return this.#nextOffset > this.#fetchOffset ? String(this.#fetchOffset) : null;
  }

  /** The last offset of the batch, control records included; `highWatermark - 1` when nothing was fetched, as KafkaJS. */
  lastOffset(): string {
    if (this.#nextOffset > this.#fetchOffset) return String(this.#nextOffset - 1);
    return String(this.#highWatermark - 1);
  }

  /** Records after the batch's last offset: `highWatermark - 1 - lastOffset`. */
  offsetLag(): string {
    return String(this.#highWatermark - 1 - Number(this.lastOffset()));
  }

  /** Records after the batch's first offset: `highWatermark - 1 - firstOffset` ('0' when empty). */
  offsetLagLow(): string {
    const first = this.firstOffset();
    return first === null ? '0' : String(this.#highWatermark - 1 - Number(first));
  }

  /** The payload of `consumer.start_batch_process` (KafkaJS's IBatchProcessEvent). */
  processEventPayload(): ConsumerBatchProcessPayload {
    return {
      topic: this.topic,
      partition: this.partition,
      highWatermark: this.highWatermark,
      offsetLag: this.offsetLag(),
      offsetLagLow: this.offsetLagLow(),
      batchSize: this.messages.length,
      firstOffset: this.firstOffset(),
      lastOffset: this.lastOffset(),
    };
  }
}
