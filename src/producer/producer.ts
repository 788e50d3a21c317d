/**
 * The producer's public face, KafkaJS-shaped: connect, send, sendBatch,
 * flush, disconnect, events, plus metrics() and a callback `produce`.
 *
 * ```
 * send -> validate -> partition -> accumulator (per-partition batch, bufferMemory)
 *      -> sender (ready: full | linger | flush) -> one Produce per leader -> answers
 * ```
 */
import { type Cluster } from '../client/cluster.js';
import { type ClusterMetadata } from '../client/metadata-cache.js';
import { type Logger } from '../client/logger.js';
import { MetadataRefresher } from '../client/metadata-refresher.js';
import {
  KafkaJSBufferExhaustedError,
  KafkaJSConfigurationError,
  KafkaJSDeliveryTimeoutError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSTimeout,
} from '../errors/errors.js';
import { isRetriable, retryBackoff } from '../retry/retrier.js';
import { createErrorFromCode } from '../errors/protocol-errors.js';
import { type InstrumentationEvent, type NetworkEvent } from '../network/instrumentation.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { type CompressionCodec } from '../protocol/records/compression.js';
import { type RecordInput } from '../protocol/records/record.js';
import { FlushWaiter, type RecordMetadata, SendCall } from './accumulator/producer-batch.js';
import { type PartitionQueue, RecordAccumulator } from './accumulator/record-accumulator.js';
import { TransactionManager } from './idempotence/transaction-manager.js';
import { type Message, checkMessage, recordOf, waitingSize } from './message.js';
import { Alerts } from './alerts.js';
import { ProducerMetrics, type ProducerMetricsSnapshot } from './metrics.js';
import { type Partitioner, type PartitionMetadata, createDefaultPartitioner } from './partitioners/index.js';
import { type Acks, type ResolvedProducerConfig, parseAcks, parseCompression } from './producer-config.js';
import { Sender } from './sender/sender.js';

export { type RecordMetadata } from './accumulator/producer-batch.js';
export { type Message } from './message.js';

/** One `send` (KafkaJS's ProducerRecord). */
export interface ProducerRecord {
  topic: string;
  messages: Message[];
  /** Overrides the producer's acks for this send. */
  acks?: Acks;
  /** Overrides the producer's broker-side timeout (ms) for this send. */
  timeout?: number;
  /** Overrides the producer's compression for this send. */
  compression?: string | number;
}

/** One `sendBatch` (KafkaJS's ProducerBatch). */
export interface ProducerBatchRecord {
  topicMessages: { topic: string; messages: Message[] }[];
  acks?: Acks;
  timeout?: number;
  compression?: string | number;
}

/** Event names, KafkaJS's. */
export const ProducerEvents = Object.freeze({
  CONNECT: 'producer.connect',
  DISCONNECT: 'producer.disconnect',
  REQUEST: 'producer.network.request',
  REQUEST_TIMEOUT: 'producer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'producer.network.request_queue_size',
  /** tskafka: a send failed (also emitted for sends nobody awaits). */
  SEND_ERROR: 'producer.send_error',
} as const);
export type ProducerEventName = (typeof ProducerEvents)[keyof typeof ProducerEvents];

// What listeners receive; declared with the network events it shares its envelope with.
export { type InstrumentationEvent };

type State = 'disconnected' | 'connecting' | 'connected' | 'disconnecting';

let eventId = 0;
const ignore = (): void => undefined;

export class Producer {
  readonly events = ProducerEvents;
  readonly #cluster: Cluster;
  readonly #config: ResolvedProducerConfig;
  readonly #logger: Logger;
  readonly #accumulator: RecordAccumulator;
  readonly #tm: TransactionManager;
  readonly #metrics = new ProducerMetrics();
  readonly #sender: Sender;
  readonly #partitioner: Partitioner;
  readonly #listeners = new Map<string, Set<(event: InstrumentationEvent) => void>>();
  #state: State = 'disconnected';
  #connecting: Promise<void> | undefined;
  #disconnecting: Promise<void> | undefined;
  #partitionMetadata = new WeakMap<object, Map<string, PartitionMetadata[]>>();
  /** The last slow-path send's append (never rejects), and how many are queued or running. */
  #slowPath: Promise<void> = Promise.resolve();
  #slowPending = 0;
  /** Bytes of the records of slow-path sends not appended yet (see #queueSlow). */
  #slowBytes = 0;
  /**
   * The error sends turned away at once share while the slow path stays full: a loop
   * firing a million sends must not also build a million errors with their stacks.
   */
  #turnedAway: { readonly error: KafkaJSBufferExhaustedError; readonly promise: Promise<never> } | null = null;

  /** Use `kafka.producer(config)`. */
  constructor(cluster: Cluster, config: ResolvedProducerConfig, logger: Logger) {
    this.#cluster = cluster;
    this.#config = config;
    this.#logger = logger.namespace('Producer');
    this.#accumulator = new RecordAccumulator(config.batchSize, config.bufferMemory, config.maxBlockMs, config.deliveryTimeoutMs);
    this.#tm = new TransactionManager(
      cluster,
      { idempotent: config.idempotent, transactionalId: null, transactionTimeoutMs: 60_000, retry: config.retry, maxBlockMs: config.maxBlockMs },
      this.#logger,
      () => this.#sender.wake(),
    );
    const refresher = new MetadataRefresher(
      cluster,
      { metadataMaxAge: config.metadataMaxAge, backoffMs: Math.min(config.retry.initialRetryTime, 100) },
      this.#logger,
      () => this.#topicsInUse(),
      () => this.#sender.wake(),
    );
    this.#sender = new Sender(cluster, this.#accumulator, config, this.#tm, refresher, this.#metrics, this.#logger);
    this.#partitioner = config.createPartitioner ? config.createPartitioner() : createDefaultPartitioner({ batchSize: config.batchSize });
    this.#alerts = new Alerts(config.onAlert, config.alertIntervalMs, (e) =>
      this.#logger.error('onAlert threw', { error: e instanceof Error ? e.message : String(e) }),
    );
  }

  readonly #alerts: Alerts;

  /** Whether `event` has a listener. */
  listening(event: string): boolean {
    const set = this.#listeners.get(event);
    return set !== undefined && set.size > 0;
  }

  /** Forward a network event of the cluster to `producer.network.*` listeners. */
  onNetworkEvent(event: NetworkEvent): void {
    this.#emit(`producer.${event.type}`, event.payload);
  }

  /** Connect: fetch metadata and, when idempotent, a producer id. Calling it again is harmless. */
  connect(): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    if (this.#disconnecting) return this.#disconnecting.then(() => this.connect());
    this.#connecting ??= (async () => {
      this.#state = 'connecting';
      this.#sender.resume();
      this.#abandoned = false;
      try {
        await this.#cluster.connect();
        await this.#tm.initialize();
        this.#state = 'connected';
        this.#emit(ProducerEvents.CONNECT, null);
      } catch (e) {
        this.#state = 'disconnected';
        await this.#cluster.disconnect().catch(() => undefined);
        throw e;
      } finally {
        this.#connecting = undefined;
      }
    })();
    return this.#connecting;
  }

  /**
   * Send everything pending, then close every connection. Records still
   * unsent after `timeout` ms (default: deliveryTimeoutMs) fail with the
   * delivery timeout. Calling it again is harmless.
   */
  disconnect(options: { timeout?: number } = {}): Promise<void> {
    if (this.#state === 'disconnected') return Promise.resolve();
    this.#disconnecting ??= (async () => {
      if (this.#connecting) await this.#connecting.catch(() => undefined);
      this.#state = 'disconnecting';
      try {
        const timeout = options.timeout ?? this.#config.deliveryTimeoutMs;
        let timer: NodeJS.Timeout | undefined;
        const flushed = await Promise.race([
          this.#sender.urgently(() => this.flush()).then(() => true),
          new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeout))),
        ]);
        clearTimeout(timer);
        const abandoned = new KafkaJSNonRetriableError(`The producer disconnected after ${timeout} ms with records not yet acknowledged (some may have been stored)`);
        this.#accumulator.rejectWaiters(abandoned);
        if (flushed) {
          this.#sender.stop();
        } else {
          this.#logger.warn('disconnect: records still pending after the timeout fail', { timeout, pendingBytes: this.#accumulator.used });
          this.#abandoned = true;
          this.#sender.abort(abandoned);
        }
        await this.#cluster.disconnect();
        this.#tm.reset();
      } finally {
        this.#alerts.flush();
        this.#state = 'disconnected';
        this.#disconnecting = undefined;
        this.#emit(ProducerEvents.DISCONNECT, null);
      }
    })();
    return this.#disconnecting;
  }

  /**
   * Resolves once every record sent before the call is acknowledged or failed. The
   * batches pending at the call are closed (so they go without waiting for linger)
   * and waited for; records sent after the call go into new batches, linger as
   * usual, and are not waited for. Sends still waiting for metadata or memory at the
   * call are "sent before" too: their records are waited for once appended.
   */
  async flush(): Promise<void> {
    if (this.#slowPending > 0) await this.#slowPath;
    const waiter = new FlushWaiter();
    this.#accumulator.closeOpenBatches();
    for (const b of this.#accumulator.pendingBatches()) {
      (b.flushWaiters ??= []).push(waiter);
      waiter.remaining++;
    }
    waiter.seal();
    this.#sender.wake();
    await waiter.promise;
  }

  /** The topics with records pending: the ones whose metadata the sender keeps fresh. */
  #topicsInUse(): string[] {
    const topics = new Set<string>();
    for (const q of this.#accumulator.partitions.values()) if (q.queued.length > 0 || q.state.inFlight.length > 0) topics.add(q.topic);
    return [...topics];
  }

  /** Whether this producer is idempotent (KafkaJS's isIdempotent). */
  isIdempotent(): boolean {
    return this.#config.idempotent;
  }

  /** Counters and latencies so far. */
  metrics(): ProducerMetricsSnapshot {
    return this.#metrics.snapshot(this.#accumulator.used, this.#config.bufferMemory, this.#sender.requestsInFlight);
  }

  logger(): Logger {
    return this.#logger;
  }

  /** Transactions arrive with a later release. */
  transaction(): never {
    throw new KafkaJSNotImplemented('Transactions are not supported yet');
  }

  /** Listen to an event; returns a function that removes the listener (KafkaJS's `on`). */
  on<T = unknown>(event: ProducerEventName, listener: (event: InstrumentationEvent<T>) => void): () => void {
    if (!Object.values(ProducerEvents).includes(event)) {
      throw new KafkaJSConfigurationError({ option: 'producer.on(event)', value: event, accepted: Object.values(ProducerEvents).join(', ') });
    }
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    const l = listener as (event: InstrumentationEvent) => void;
    set.add(l);
    return () => set.delete(l);
  }

  /** Send messages to one topic; resolves with one RecordMetadata per partition written. */
  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    if (record === null || typeof record !== 'object') return this.#rejected(new KafkaJSNonRetriableError(`send() takes { topic, messages }, got ${String(record)}`));
    return this.#send([record], record.acks, record.compression, 'send');
  }

  /** Send messages to several topics in one call. */
  sendBatch(batch: ProducerBatchRecord): Promise<RecordMetadata[]> {
    if (batch === null || typeof batch !== 'object' || !Array.isArray(batch.topicMessages)) {
      return this.#rejected(new KafkaJSNonRetriableError('sendBatch() takes { topicMessages: [{ topic, messages }] }'));
    }
    return this.#send(batch.topicMessages, batch.acks, batch.compression, 'sendBatch');
  }

  /**
   * Fire-and-forget with a callback (the Java client's `send(record, callback)`):
   * never throws, never leaves an unhandled rejection; failures reach the callback
   * and the `producer.send_error` event.
   */
  produce(record: ProducerRecord, callback?: (error: Error | null, metadata?: RecordMetadata[]) => void): void {
    this.send(record).then(
      (metadata) => callback?.(null, metadata),
      (error: Error) => callback?.(error),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.disconnect();
  }

  #rejected(error: Error): Promise<never> {
    const call = new SendCall(Date.now(), this.#observer);
    call.fail(error);
    return call.promise as Promise<never>;
  }

  #send(topicMessages: readonly { topic: string; messages: Message[] }[], acksOption: Acks | undefined, compressionOption: string | number | undefined, api: string): Promise<RecordMetadata[]> {
    const now = Date.now();
    let call: SendCall | undefined;
    try {
      const acks = acksOption === undefined ? this.#config.acks : acksOption === 1 || acksOption === -1 || acksOption === 0 ? acksOption : parseAcks(acksOption, `${api}.acks`);
      // Idempotence asked for explicitly cannot be dropped per send; the default one is, for
      // that send's batches only (Java's KIP-679: conflicting acks disable default idempotence).
      if (this.#config.idempotentExplicit && acks !== -1) {
        throw new KafkaJSConfigurationError({ option: `${api}.acks`, value: acksOption, accepted: "-1 or 'all' for an idempotent producer" });
      }
      const compression = compressionOption === undefined ? this.#config.compression : parseCompression(compressionOption, `${api}.compression`);
      if (this.#state !== 'connected') throw new KafkaJSError(`The producer is ${this.#state}: call connect() first`, { retriable: false });
      if (this.#tm.fatalError !== null && acks === -1 && this.#config.idempotent) throw this.#tm.fatalError;
      // Fast path: metadata known and room in the buffer, appended in this tick.
      // Otherwise the slow path waits for metadata or memory. Slow-path sends run one
      // after another, and while one waits every later send queues behind it, so
      // records reach each partition in the order of the send calls (as Java's
      // blocking send), also when the first sends wait for a topic's metadata.
      if (this.#slowPending > 0) {
        const bytes = waitingSize(topicMessages);
        if (this.#accumulator.used + this.#slowBytes + bytes > this.#config.bufferMemory + this.#config.maxRequestSize) return this.#turnAway(bytes);
        this.#queueSlow((call = new SendCall(now, this.#observer)), topicMessages, acks, compression, bytes);
      } else if (!this.#appendNow((call = new SendCall(now, this.#observer)), topicMessages, acks, compression)) {
        this.#queueSlow(call, topicMessages, acks, compression, waitingSize(topicMessages));
      }
    } catch (e) {
      (call ??= new SendCall(now, this.#observer)).fail(e instanceof Error ? e : new Error(String(e)));
    }
    return call.promise;
  }

  /**
   * Turn a send away at once: the slow path holds all it may (see #queueSlow). Every
   * send turned away while it stays full gets the same error and the same rejected
   * promise: a loop firing a million sends must not also make a million errors, stacks
   * and promises of ours (the caller's own `.then` is then all a send costs).
   */
  #turnAway(bytes: number): Promise<RecordMetadata[]> {
    if (this.#turnedAway === null) {
      const { bufferMemory, maxBlockMs } = this.#config;
      const error = new KafkaJSBufferExhaustedError({ bufferMemory, maxBlockMs, size: bytes, waitingBytes: this.#slowBytes });
      const promise = Promise.reject(error);
      promise.catch(ignore);
      this.#turnedAway = { error, promise };
    }
    this.#observer.sendFailed(null, this.#turnedAway.error);
    return this.#turnedAway.promise;
  }

  /**
   * A send for the slow path, after every slow-path send before it (its closures live
   * here, not in #send: V8 would allocate their context on every call).
   *
   * What waits is bounded, as Java's blocking `send` bounds it by blocking the
   * caller: a send may wait only while the records in batches plus those of the
   * sends already waiting, plus its own, fit in bufferMemory + maxRequestSize (the
   * room left, and one request's worth of slack); the first send to wait always
   * may. Past that it fails at once with KafkaJSBufferExhaustedError (#turnAway).
   * So a loop of sends that are never awaited holds at most that many bytes of
   * records, while an awaited loop (one send waiting at a time) still waits for room.
   */
  #queueSlow(call: SendCall, topicMessages: readonly { topic: string; messages: Message[] }[], acks: -1 | 0 | 1, compression: CompressionCodec, bytes: number): void {
    this.#slowPending++;
    this.#slowBytes += bytes;
    this.#slowPath = this.#slowPath
      .then(() => this.#appendLater(call, topicMessages, acks, compression))
      .catch((e: unknown) => call.fail(e instanceof Error ? e : new Error(String(e))))
      .finally(() => {
        this.#slowBytes -= bytes;
        if (--this.#slowPending === 0) this.#turnedAway = null;
      });
  }

  /** Metrics and the error event, told by each send call as it settles. */
  readonly #observer = {
    sendSucceeded: (call: SendCall, now: number): void => this.#metrics.sendLatency(now - call.createdAt),
    sendFailed: (_call: SendCall | null, error: Error): void => {
      this.#emit(ProducerEvents.SEND_ERROR, { error });
      this.#alerts.failed(error);
    },
  };

  /**
   * Check every message and pick its partition, into `placed`; throws on the first
   * bad one, before anything is appended, so a bad message fails the whole send
   * with nothing of it written. Returns false when a topic's metadata is missing.
   */
  #place(placed: Placement, topicMessages: readonly { topic: string; messages: Message[] }[], metadataFor: (topic: string) => PartitionMetadata[] | null): boolean {
    placed.clear();
    const maxRequestSize = this.#config.maxRequestSize;
    for (let t = 0; t < topicMessages.length; t++) {
      const { topic, messages } = topicMessages[t]!;
      if (typeof topic !== 'string' || topic === '') throw new KafkaJSNonRetriableError(`Invalid topic: ${JSON.stringify(topic)}`);
      if (!Array.isArray(messages)) throw new KafkaJSNonRetriableError(`Invalid messages array for topic "${topic}": ${String(messages)}`);
      if (messages.length === 0) continue;
      const partitionMetadata = metadataFor(topic);
      if (!partitionMetadata) return false;
      const queues = this.#accumulator.queues(topic);
      for (let i = 0; i < messages.length; i++) {
        const message = messages[i]!;
        const estimate = checkMessage(topic, i, message, maxRequestSize);
        const partition = message.partition ?? this.#partitioner({ topic, partitionMetadata, message });
        if (!Number.isInteger(partition) || partition < 0 || partition >= partitionMetadata.length) {
          throw createErrorFromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${String(partition)} of topic "${topic}" does not exist (it has ${partitionMetadata.length})`);
        }
        placed.add(recordOf(message), queues[partition] ?? this.#accumulator.queue(topic, partition), estimate);
      }
    }
    return true;
  }

  readonly #cachedPartitionsOf = (topic: string): PartitionMetadata[] | null => this.#cachedPartitions(topic);

  /** The fast path's placement, reused: #appendNow places and appends within one call. */
  readonly #placement = new Placement();

  #appendNow(call: SendCall, topicMessages: readonly { topic: string; messages: Message[] }[], acks: -1 | 0 | 1, compression: CompressionCodec): boolean {
    const placed = this.#placement;
    if (!this.#place(placed, topicMessages, this.#cachedPartitionsOf)) return false;
    if (placed.count === 0) {
      call.succeed();
      return true;
    }
    if (!this.#accumulator.hasRoom(placed.total)) return false;
    this.#appendPlaced(call, placed, acks, compression, 0);
    placed.clear();
    return true;
  }

  async #appendLater(call: SendCall, topicMessages: readonly { topic: string; messages: Message[] }[], acks: -1 | 0 | 1, compression: CompressionCodec): Promise<void> {
    this.#checkStillConnected();
    const metadata = new Map<string, PartitionMetadata[]>();
    for (const { topic, messages } of topicMessages) {
      if (typeof topic === 'string' && topic !== '' && Array.isArray(messages) && messages.length > 0 && !metadata.has(topic)) metadata.set(topic, await this.#waitForPartitions(topic, call));
    }
    const placed = new Placement();
    this.#place(placed, topicMessages, (topic) => metadata.get(topic) ?? null);
    if (placed.count === 0) {
      call.succeed();
      return;
    }
    // A send that fits in bufferMemory waits for room for all of it, then is appended
    // whole: when maxBlockMs passes first, none of its records is written, so a caller
    // retrying the failed send never stores any of them twice.
    if (placed.total <= this.#config.bufferMemory) {
      if (!this.#accumulator.hasRoom(placed.total)) {
        this.#sender.wake();
        await this.#accumulator.waitForRoom(placed.total, call.createdAt + this.#config.maxBlockMs);
        this.#checkStillConnected();
      }
      this.#appendPlaced(call, placed, acks, compression, 0);
      this.#accumulator.served();
      return;
    }
    // A larger send goes in one record at a time, waiting for room as needed (back-pressure);
    // if maxBlockMs passes half-way, the records already appended are still delivered.
    for (let at = 0; at < placed.count; ) {
      if (!this.#accumulator.hasRoom(placed.estimates[at]!)) {
        this.#sender.wake();
        await this.#accumulator.waitForRoom(placed.estimates[at]!, call.createdAt + this.#config.maxBlockMs);
        this.#checkStillConnected();
      }
      at = this.#appendPlaced(call, placed, acks, compression, at, true);
      this.#accumulator.served();
    }
  }

  /**
   * Append placed records from `from` (all of them, or with `whileRoom` only while
   * they fit in bufferMemory); returns the index of the first record not appended.
   */
  #appendPlaced(call: SendCall, placed: Placement, acks: -1 | 0 | 1, compression: CompressionCodec, from: number, whileRoom = false): number {
    const accumulator = this.#accumulator;
    const now = Date.now();
    let index = from;
    let filled = false;
    for (; index < placed.count; index++) {
      if (whileRoom && index > from && !accumulator.hasRoom(placed.estimates[index]!)) break;
      if (accumulator.append(placed.queues[index]!, placed.records[index]!, placed.estimates[index]!, acks, compression, call, now)) filled = true;
    }
    // Full batches go now, while the caller may still be sending; then wake anyway:
    // a new batch needs its linger timer.
    if (filled) this.#sender.drainFull();
    this.#sender.wake();
    return index;
  }

  /** Partition metadata from the current snapshot, without fetching; null when the topic is not usable. */
  #cachedPartitions(topic: string): PartitionMetadata[] | null {
    const metadata = this.#cluster.metadata;
    if (!metadata) return null;
    const cached = this.#partitionMetadata.get(metadata)?.get(topic);
    if (cached) return cached;
    if (!metadata.hasPartitions(topic)) return null;
    return this.#partitionsFrom(metadata, topic);
  }

  /**
   * A queued slow-path send whose turn comes after disconnect() gave up on pending
   * records (or finished) must not append: nothing would send it. While disconnect()
   * is still flushing, it appends, and the flush sends it.
   */
  #checkStillConnected(): void {
    if (this.#abandoned || this.#state === 'disconnected') throw new KafkaJSNonRetriableError(`The producer is ${this.#state}: this send was still waiting for metadata or buffer memory`);
  }

  /** Set when disconnect() timed out and failed what was pending; cleared by connect(). */
  #abandoned = false;

  /**
   * A topic's partitions for a send that must wait for metadata: retriable failures
   * (no broker reachable, leader not available, ...) are retried until the send's
   * maxBlockMs or deliveryTimeoutMs runs out, whichever is first, as Java bounds its
   * metadata wait by max.block.ms; the client's retry count alone does not end it.
   */
  async #waitForPartitions(topic: string, call: SendCall): Promise<PartitionMetadata[]> {
    const { maxBlockMs, deliveryTimeoutMs } = this.#config;
    const deadline = call.createdAt + Math.min(maxBlockMs, deliveryTimeoutMs);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#partitionsOf(topic);
      } catch (e) {
        const cause = (e as { cause?: unknown }).cause;
        if (!isRetriable(e) && !(e instanceof KafkaJSNumberOfRetriesExceeded && isRetriable(cause))) throw e;
        if (Date.now() >= deadline) {
          if (deliveryTimeoutMs <= maxBlockMs) throw new KafkaJSDeliveryTimeoutError({ deliveryTimeoutMs, retryCount: attempt - 1, cause: e });
          throw new KafkaJSTimeout(`Topic "${topic}" was not available in the metadata within maxBlockMs (${maxBlockMs} ms): ${e instanceof Error ? e.message : String(e)}`);
        }
        const wait = Math.min(retryBackoff(this.#config.retry, attempt), deadline - Date.now());
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /**
   * KafkaJS's partitionMetadata for a topic, fetching metadata only when the topic is
   * missing or in error: picking a partition needs only the partition count, and records
   * for a partition without a leader wait in the accumulator for one.
   */
  async #partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    let metadata = this.#cluster.metadata;
    if (!metadata || !metadata.hasPartitions(topic)) metadata = await this.#cluster.refreshMetadata([topic]);
    return this.#partitionsFrom(metadata, topic);
  }

  #partitionsFrom(metadata: ClusterMetadata, topic: string): PartitionMetadata[] {
    let byTopic = this.#partitionMetadata.get(metadata);
    if (!byTopic) this.#partitionMetadata.set(metadata, (byTopic = new Map()));
    let list = byTopic.get(topic);
    if (!list) {
      const t = metadata.topic(topic);
      if (!t) throw createErrorFromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic}" is not in the metadata`);
      if (t.errorCode !== ErrorCode.NONE) throw createErrorFromCode(t.errorCode, `topic "${topic}"`);
      list = t.partitions.map((p) => ({ partitionId: p.partitionId, leader: p.leaderId, replicas: [...p.replicas], isr: [...p.isr], offlineReplicas: [...p.offlineReplicas] }));
      byTopic.set(topic, list);
    }
    return list;
  }

  #emit(type: string, payload: unknown): void {
    const set = this.#listeners.get(type);
    if (!set || set.size === 0) return;
    const event: InstrumentationEvent = { id: ++eventId, type, timestamp: Date.now(), payload };
    for (const l of set) {
      try {
        l(event);
      } catch (e) {
        this.#logger.error(`listener for ${type} threw`, { error: e instanceof Error ? e.message : String(e) });
      }
    }
  }
}

/** A send's records, checked and placed in their partitions, not yet appended. */
class Placement {
  readonly records: RecordInput[] = [];
  readonly queues: PartitionQueue[] = [];
  readonly estimates: number[] = [];
  count = 0;
  total = 0;

  add(record: RecordInput, queue: PartitionQueue, estimate: number): void {
    const i = this.count++;
    this.records[i] = record;
    this.queues[i] = queue;
    this.estimates[i] = estimate;
    this.total += estimate;
  }

  /** Forget the records (and let go of them: the fast path's placement outlives its send). */
  clear(): void {
    if (this.count > 64) {
      this.records.length = this.queues.length = this.estimates.length = 0;
    } else {
      for (let i = 0; i < this.count; i++) this.records[i] = undefined!;
    }
    this.count = 0;
    this.total = 0;
  }
}
