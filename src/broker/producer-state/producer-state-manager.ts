/**
 * Idempotent producer state, as Kafka's ProducerStateManager keeps it.
 *
 * Producer ids are allocated from a persisted counter in blocks (like Kafka's
 * AllocateProducerIds), so an id is never handed out twice, even across
 * crashes. Per partition and producer id the broker remembers the epoch and the
 * sequence ranges and offsets of the last 5 batches (the most a producer may
 * have in flight), which is enough to answer a retried batch with its original
 * offset instead of storing it twice. The state is rebuilt from the logs on
 * start, so it survives restarts.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../protocol/error-codes.js';
import { type BrokerConfig } from '../config.js';
import { type TopicRegistry } from '../topics.js';

/** Batches remembered per producer and partition: Kafka's limit on in-flight requests with idempotence. */
export const BATCHES_REMEMBERED = 5;
const ID_BLOCK = 1000;
const ID_FILE = 'tskafka-producer-ids';

interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
}

interface ProducerEntry {
  epoch: number;
  /** Oldest first, at most BATCHES_REMEMBERED. */
  batches: BatchMetadata[];
}

/** What the sequence check decided for one incoming batch. */
export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; firstOffset: number; lastOffset: number }
  | { kind: 'error'; errorCode: number; message: string };

/** The next sequence after `seq`: sequences wrap from Int32 max to 0 (Kafka's DefaultRecordBatch.incrementSequence). */
function nextSeq(seq: number): number {
  return seq === 0x7fffffff ? 0 : seq + 1;
}

/** A batch's last sequence: first + lastOffsetDelta, wrapping past Int32 max like Kafka. */
export function lastSequence(firstSeq: number, lastOffsetDelta: number): number {
  return (firstSeq + lastOffsetDelta) % 0x8000_0000;
}

export class ProducerStateManager {
  /** key: `${topic}\u0000${partition}` */
  readonly #partitions = new Map<string, Map<number, ProducerEntry>>();
  #nextId = 0;
  #blockEnd = 0;

  private constructor(readonly config: BrokerConfig) {}

  /** Load the id counter and rebuild per-partition state from every log. */
  static async open(config: BrokerConfig, topics: TopicRegistry): Promise<ProducerStateManager> {
    const m = new ProducerStateManager(config);
    if (config.logDir !== null && existsSync(join(config.logDir, ID_FILE))) {
      const stored = Number(readFileSync(join(config.logDir, ID_FILE), 'utf8').trim());
      if (Number.isSafeInteger(stored) && stored >= 0) m.#nextId = m.#blockEnd = stored;
    }
    for (const topic of topics.list()) {
      for (const p of topic.partitions) {
        for await (const b of p.log.batches()) {
          if (b.producerId < 0) continue;
          m.#record(topic.name, p.index, b.producerId, b.producerEpoch, b.baseSequence, lastSequence(b.baseSequence, b.lastOffsetDelta), b.baseOffset, b.baseOffset + b.lastOffsetDelta);
          // Never hand out an id a log already holds, even if the counter file was lost.
          if (b.producerId >= m.#nextId) m.#nextId = m.#blockEnd = b.producerId + 1;
        }
      }
    }
    return m;
  }

  /** A new producer id (epoch 0). */
  allocateProducerId(): number {
    if (this.#nextId >= this.#blockEnd) {
      this.#blockEnd = this.#nextId + ID_BLOCK;
      this.#persistBlockEnd();
    }
    return this.#nextId++;
  }

  /**
   * Decide what to do with an idempotent batch before it is appended. Caller
   * must hold the partition's append lock from check to `recordAppend`.
   */
  check(topic: string, partition: number, producerId: number, epoch: number, firstSeq: number, lastSeq: number): SequenceCheck {
    const entry = this.#partitions.get(`${topic}\u0000${partition}`)?.get(producerId);
    if (!entry) {
      // Unknown producer id here (new, or its state expired): accept any sequence,
      // as Kafka does since KIP-360; the client owns the sequence from now on.
      return { kind: 'append' };
    }
    if (epoch < entry.epoch) {
      return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `producer ${producerId} epoch ${epoch} is older than the current epoch ${entry.epoch}` };
    }
    if (epoch > entry.epoch) {
      // A bumped epoch (KIP-360) restarts sequences at 0.
      if (firstSeq !== 0) return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `producer ${producerId} new epoch ${epoch} must start at sequence 0, got ${firstSeq}` };
      return { kind: 'append' };
    }
    for (const b of entry.batches) {
      if (b.firstSeq === firstSeq && b.lastSeq === lastSeq) return { kind: 'duplicate', firstOffset: b.firstOffset, lastOffset: b.lastOffset };
    }
    const last = entry.batches[entry.batches.length - 1];
    if (last && firstSeq !== nextSeq(last.lastSeq)) {
      return {
        kind: 'error',
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `producer ${producerId} epoch ${epoch}: expected sequence ${nextSeq(last.lastSeq)}, got ${firstSeq}`,
      };
    }
    return { kind: 'append' };
  }

  /** Remember an appended idempotent batch. */
  recordAppend(topic: string, partition: number, producerId: number, epoch: number, firstSeq: number, lastSeq: number, firstOffset: number, lastOffset: number): void {
    this.#record(topic, partition, producerId, epoch, firstSeq, lastSeq, firstOffset, lastOffset);
  }

  /** Drop state of a deleted topic. */
  async forgetTopic(topic: string): Promise<void> {
    for (const key of [...this.#partitions.keys()]) if (key.startsWith(`${topic}\u0000`)) this.#partitions.delete(key);
  }

  #record(topic: string, partition: number, producerId: number, epoch: number, firstSeq: number, lastSeq: number, firstOffset: number, lastOffset: number): void {
    const key = `${topic}\u0000${partition}`;
    let producers = this.#partitions.get(key);
    if (!producers) this.#partitions.set(key, (producers = new Map()));
    let entry = producers.get(producerId);
    if (!entry || epoch > entry.epoch) producers.set(producerId, (entry = { epoch, batches: [] }));
    entry.batches.push({ firstSeq, lastSeq, firstOffset, lastOffset });
    if (entry.batches.length > BATCHES_REMEMBERED) entry.batches.shift();
  }

  #persistBlockEnd(): void {
    if (this.config.logDir === null) return;
    const file = join(this.config.logDir, ID_FILE);
    writeFileSync(`${file}.tmp`, `${this.#blockEnd}\n`);
    const fd = openSync(`${file}.tmp`, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(`${file}.tmp`, file);
  }
}
