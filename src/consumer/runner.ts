/**
 * The processing loop: takes fetched batches from the fetcher and hands them
 * to `eachMessage` or `eachBatch`, up to `partitionsConsumedConcurrently`
 * partitions at a time, each partition strictly in offset order.
 *
 * ```
 * fetcher.next() -> per-partition queues (stale batches dropped: cursor.version moved)
 *   -> workers (one per partition, at most `concurrency` at once)
 *   -> dispatch.ts: handler -> subscriptions.advance (position) + offsets.resolve (commit)
 * ```
 *
 * Heartbeats are not here: the group member sends them on its own timer, so a
 * slow handler never starves them (KafkaJS's weakness, #1527). A rebalance
 * revokes partitions through {@link Runner.revoke}, which stops handing them
 * out and waits for the handler in progress on them.
 *
 * A handler that throws: resolved offsets are committed (autoCommit), the
 * partition is rewound to the record that failed and retried after a backoff,
 * as KafkaJS's runner retries; after `retry.retries` failures in a row the
 * consumer crashes with KafkaJSNumberOfRetriesExceeded (and restarts, as
 * KafkaJS). An error marked `retriable: false` crashes it at once.
 */
import { type Logger } from '../client/logger.js';
import { KafkaJSNumberOfRetriesExceeded } from '../errors/errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { type ResolvedRetryOptions, retryBackoff } from '../retry/retrier.js';
import { Batch } from './batch.js';
import { type ConsumerMetrics } from './consumer-metrics.js';
import { type ConsumerBatchProcessPayload, ConsumerEvents } from './consumer-events.js';
import { type DispatchContext, dispatchEachBatch, dispatchEachMessage } from './dispatch.js';
import { type ConsumerMessage, messageOffset } from './consumer-message.js';
import { type FetchedBatch } from './fetcher/index.js';
import { type OffsetManager } from './offset-manager.js';
import { type PartitionCursor, type SubscriptionState, type TopicPartition, partitionKey } from './subscription-state.js';
import { type RunHandlers } from './handlers.js';

/** What the runner takes batches from (the fetcher's `next`). */
export interface BatchSource {
  next(signal?: AbortSignal): Promise<FetchedBatch[]>;
}

/** Options of a {@link Runner}. */
export interface RunnerOptions extends RunHandlers {
  readonly source: BatchSource;
  readonly subscriptions: SubscriptionState;
  readonly offsets: OffsetManager;
  readonly metrics: ConsumerMetrics;
  readonly retry: ResolvedRetryOptions;
  readonly logger: Logger;
  readonly emit: (type: string, payload: unknown) => void;
  readonly listening: (type: string) => boolean;
  /** An explicit heartbeat, for the handlers' `heartbeat()`. */
  readonly heartbeat: () => Promise<void>;
  /** Pause one partition; returns the function that resumes it (the handlers' `pause()`). */
  readonly pausePartition: (topic: string, partition: number) => () => void;
  /** False for `messages()`: a record is resolved when the next one is asked for, not when the handler returns. */
  readonly resolveOnReturn: boolean;
  /** Called once when processing cannot go on; the runner has stopped taking batches. */
  readonly onCrash: (error: Error) => void;
}

interface PartitionQueue {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly batches: FetchedBatch[];
  busy: boolean;
  /** Settles when the worker in progress is done. */
  idle: Promise<void> | null;
}

const PROGRAMMER_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError];

/**
 * Kafka's codes telling that the member's generation is over: ILLEGAL_GENERATION,
 * UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS. A handler that committed (commitOffsets,
 * commitOffsetsIfNecessary) on a stale batch gets one; the group member is already
 * rejoining, so the batch is abandoned, not retried and not fatal (KafkaJS rejoins on them too).
 */
const GENERATION_OVER: ReadonlySet<number> = new Set([ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.REBALANCE_IN_PROGRESS]);

function endsGeneration(e: Error): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' && GENERATION_OVER.has(code);
}

/** Whether the consumer must crash at once on a handler's error (KafkaJS's retrier bails on these). */
function isFatal(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return PROGRAMMER_ERRORS.some((t) => e instanceof t) || (e as { retriable?: unknown }).retriable === false;
}

/** Feeds fetched batches to the application's handlers. */
export class Runner {
  readonly #o: RunnerOptions;
  readonly #queues = new Map<string, PartitionQueue>();
  readonly #ready: PartitionQueue[] = [];
  readonly #revoking = new Set<string>();
  readonly #abort = new AbortController();
  /** Workers backing off after a handler failure, by partition key: a revoke wakes them. */
  readonly #sleepers = new Map<string, () => void>();
  #running = false;
  #active = 0;
  #queued = 0;
  #pumping: Promise<void> = Promise.resolve();
  #room: (() => void) | null = null;
  /** The last batch-end auto-commit, settled or in flight (see {@link #batchEndCommit}). */
  #batchCommit: Promise<void> = Promise.resolve();
  /** Handler failures in a row (any partition); a success resets it. */
  #failures = 0;
  readonly #concurrency: number;
  readonly #dispatch: DispatchContext;

  constructor(options: RunnerOptions) {
    this.#o = options;
    this.#concurrency = options.partitionsConsumedConcurrently;
    this.#dispatch = {
      options,
      running: () => this.#running,
      active: (key) => this.#running && !this.#revoking.has(key),
      interrupted: (cursor, b, key) => this.#interrupted(cursor, b, key),
      rewind: (cursor) => this.#rewind(cursor),
      failed: (cursor, b, error, offset) => this.#failed(cursor, b, error, offset),
      autoCommit: (batchEnd) => this.#autoCommit(batchEnd),
    };
  }

  /** Whether batches are being taken and handed out. */
  get running(): boolean {
    return this.#running;
  }

  /** Start taking batches. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#pumping = this.#pump();
  }

  /** Stop taking batches and wait for the handlers in progress (their current record or batch) to finish. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#abort.abort();
    this.#room?.();
    await this.#pumping;
    await this.#allIdle();
    await this.#batchCommit;
  }

  /** Stop handing out these partitions and wait for the handlers in progress on them. Call {@link released} after. */
  async revoke(partitions: readonly TopicPartition[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const p of partitions) {
      const key = partitionKey(p.topic, p.partition);
      this.#revoking.add(key);
      this.#sleepers.get(key)?.();
      const q = this.#queues.get(key);
      if (!q) continue;
      this.#queued -= q.batches.length;
      q.batches.length = 0;
      if (q.idle) waits.push(q.idle);
    }
    this.#room?.();
    await Promise.all(waits);
    await this.#batchCommit;
  }

  /** The revoked partitions are gone from the assignment: forget them (a later assignment starts afresh). */
  released(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) {
      const key = partitionKey(p.topic, p.partition);
      this.#revoking.delete(key);
      const q = this.#queues.get(key);
      if (q && !q.busy) this.#queues.delete(key);
    }
  }

  async #allIdle(): Promise<void> {
    for (;;) {
      const busy = [...this.#queues.values()].filter((q) => q.idle !== null).map((q) => q.idle);
      if (busy.length === 0) return;
      await Promise.all(busy);
    }
  }

  #crash(error: Error): void {
    if (!this.#running) return;
    this.#running = false;
    this.#abort.abort();
    this.#room?.();
    queueMicrotask(() => this.#o.onCrash(error));
  }

  async #pump(): Promise<void> {
    while (this.#running) {
      // Take more only when a worker could use it soon: the fetcher keeps the rest buffered (bounded in bytes).
      if (this.#queued >= this.#concurrency) {
        await new Promise<void>((resolve) => (this.#room = resolve));
        this.#room = null;
        continue;
      }
      let batches: FetchedBatch[] | null;
      try {
        batches = await this.#o.source.next(this.#abort.signal);
      } catch (e) {
        this.#crash(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      if (!this.#running) return;
      for (const b of batches) this.#enqueue(b);
      // Not held while waiting for room: the batches' messages must die with their processing.
      batches = null;
      this.#schedule();
    }
  }

  #enqueue(b: FetchedBatch): void {
    const key = partitionKey(b.topic, b.partition);
    const cursor = this.#o.subscriptions.cursor(b.topic, b.partition);
    if (!cursor || cursor.version !== b.version || this.#revoking.has(key)) return;
    if (cursor.paused) {
      this.#rewind(cursor);
      return;
    }
    let q = this.#queues.get(key);
    if (!q) this.#queues.set(key, (q = { key, topic: b.topic, partition: b.partition, batches: [], busy: false, idle: null }));
    q.batches.push(b);
    this.#queued++;
    if (!q.busy && q.batches.length === 1) this.#ready.push(q);
  }

  #schedule(): void {
    while (this.#running && this.#active < this.#concurrency && this.#ready.length > 0) {
      const q = this.#ready.shift()!;
      if (q.busy || q.batches.length === 0) continue;
      q.busy = true;
      this.#active++;
      q.idle = this.#work(q).finally(() => {
        q.busy = false;
        q.idle = null;
        this.#active--;
        if (q.batches.length > 0) this.#ready.push(q);
        else if (this.#revoking.has(q.key)) this.#queues.delete(q.key);
        this.#schedule();
      });
    }
  }

  async #work(q: PartitionQueue): Promise<void> {
    while (this.#running && q.batches.length > 0 && !this.#revoking.has(q.key)) {
      const b = q.batches.shift()!;
      this.#queued--;
      this.#room?.();
      try {
        await this.#process(b);
      } catch (e) {
        // Our own bug, not the handler's: never leave the partition silently stuck.
        this.#crash(e instanceof Error ? e : new Error(String(e)));
      }
    }
  }

  /** Whether processing of a batch for `cursor` must stop before the next record (a partition leaves the assignment only through revoke or lost, which mark it). */
  #interrupted(cursor: PartitionCursor, b: FetchedBatch, key: string): boolean {
    return !this.#running || cursor.version !== b.version || cursor.paused || this.#revoking.has(key);
  }

  /** Move the fetcher back to the cursor's position: data fetched past it is stale once the version moves. */
  #rewind(cursor: PartitionCursor): void {
    if (cursor.position !== null) this.#o.subscriptions.seek(cursor.topic, cursor.partition, cursor.position);
  }

  async #process(b: FetchedBatch): Promise<void> {
    const { topic, partition } = b;
    const key = partitionKey(topic, partition);
    const subscriptions = this.#o.subscriptions;
    const cursor = subscriptions.cursor(topic, partition);
    if (!cursor || cursor.version !== b.version || this.#revoking.has(key)) return;
    if (cursor.paused) return this.#rewind(cursor);
    const position = cursor.position;
    if (position !== null && b.nextOffset <= position) return;
    subscriptions.updateLogOffsets(topic, partition, b.highWatermark, b.lastStableOffset, b.logStartOffset);
    const started = Date.now();
    const listening = this.#o.listening(ConsumerEvents.START_BATCH_PROCESS) || this.#o.listening(ConsumerEvents.END_BATCH_PROCESS);
    // eachMessage walks the messages a record batch at a time (built as it reaches them); eachBatch and the batch events need them whole.
    let batch: Batch | null = null;
    if (this.#o.eachBatch || listening) {
      let messages: ConsumerMessage[] = b.messages;
      // Records before the position were processed already (a fetch may start mid-batch).
      if (position !== null && messages.length > 0 && messageOffset(messages[0]!) < position) messages = messages.filter((m) => messageOffset(m) >= position);
      batch = new Batch(b, messages);
    }
    const payload: ConsumerBatchProcessPayload | null = listening ? batch!.processEventPayload() : null;
    if (payload) this.#o.emit(ConsumerEvents.START_BATCH_PROCESS, payload);
    let ok: boolean;
    if (this.#o.eachMessage) {
      ok = await dispatchEachMessage(this.#dispatch, this.#o.eachMessage, cursor, b, position ?? -1, batch?.messages ?? null);
    } else if (batch!.messages.length === 0) {
      // Only control records or aborted records: move past them so the consumer does not stall (KafkaJS #1256).
      subscriptions.advance(topic, partition, b.version, b.nextOffset, b.lastLeaderEpoch);
      if (this.#o.resolveOnReturn) this.#o.offsets.resolver(topic, partition)(b.nextOffset);
      ok = true;
    } else {
      ok = await dispatchEachBatch(this.#dispatch, this.#o.eachBatch!, cursor, b, batch!);
    }
    const duration = Date.now() - started;
    this.#o.metrics.batchProcessed(duration);
    if (payload) this.#o.emit(ConsumerEvents.END_BATCH_PROCESS, { ...payload, duration });
    if (ok) {
      this.#failures = 0;
      await this.#batchEndCommit();
    }
  }

  /** A handler threw: commit what was processed, rewind to the failed record, back off, or crash. */
  async #failed(cursor: PartitionCursor, b: FetchedBatch, error: unknown, offset: string | null): Promise<void> {
    const e = error instanceof Error ? error : new Error(String(error));
    const where = { topic: b.topic, partition: b.partition, offset, error: e.message };
    if (endsGeneration(e)) this.#o.logger.warn(`A ${this.#o.eachMessage ? 'eachMessage' : 'eachBatch'} on a stale batch ended: the member is rejoining the group`, where);
    else this.#o.logger.error(`Error when calling ${this.#o.eachMessage ? 'eachMessage' : 'eachBatch'}`, { ...where, stack: e.stack });
    await this.#autoCommit(true);
    if (cursor.version === b.version && this.#o.subscriptions.cursor(b.topic, b.partition) === cursor) this.#rewind(cursor);
    if (endsGeneration(e)) return;
    if (isFatal(e)) return this.#crash(e);
    const retryCount = ++this.#failures;
    const retryTime = retryBackoff(this.#o.retry, retryCount);
    if (retryCount > this.#o.retry.retries) return this.#crash(new KafkaJSNumberOfRetriesExceeded(e, { retryCount: retryCount - 1, retryTime }));
    await this.#sleep(retryTime, partitionKey(b.topic, b.partition));
  }

  /** Sleep, unless the runner stops or the partition is revoked first. */
  #sleep(ms: number, key: string): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#abort.signal.removeEventListener('abort', done);
        this.#sleepers.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#abort.signal.addEventListener('abort', done);
      this.#sleepers.set(key, done);
    });
  }

  /**
   * Auto-commit: after a batch (`batchEnd`) when no interval or threshold is set
   * (KafkaJS), else when they say so. A failed commit is logged, not fatal: the
   * offsets stay resolved and go with the next commit (or the revoke's).
   */
  async #autoCommit(batchEnd: boolean): Promise<void> {
    const offsets = this.#o.offsets;
    if (!this.#o.autoCommit) return;
    await this.#batchCommit;
    try {
      if (batchEnd && !offsets.commitsOnCondition) await offsets.commitOffsets();
      else await offsets.commitOffsetsIfNecessary();
    } catch (e) {
      this.#o.logger.warn('Auto-commit failed; the offsets go with the next commit', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * The auto-commit at the end of a batch processed whole: sent, but awaited only
   * at the next batch's end (or stop, revoke, a failure), so the commit's round trip
   * overlaps the next batch's processing instead of stalling it; one at a time.
   * Awaited per batch, it cost a quarter of the eachMessage throughput.
   */
  async #batchEndCommit(): Promise<void> {
    const offsets = this.#o.offsets;
    if (!this.#o.autoCommit || offsets.commitsOnCondition) return this.#autoCommit(true);
    await this.#batchCommit;
    this.#batchCommit = offsets.commitOffsets().catch((e: unknown) => {
      this.#o.logger.warn('Auto-commit failed; the offsets go with the next commit', { error: e instanceof Error ? e.message : String(e) });
    });
  }
}
