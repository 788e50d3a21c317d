/**
 * The consumer's public face, KafkaJS's (`kafkajs/src/consumer/index.js`):
 * connect, subscribe, run({ eachMessage | eachBatch }), stop, disconnect,
 * commitOffsets, seek, pause, resume, paused, describeGroup, events and `on`;
 * plus `messages()` (an async iterator), `metrics()` and rebalance callbacks.
 *
 * ```
 * run -> ConsumerSession: GroupMember (join, heartbeat timer, rebalance hooks)
 *                         Fetcher (fetch loops per leader, bounded buffer)
 *                         Runner (handlers, partitionsConsumedConcurrently)
 *                         OffsetManager (resolved / committed, autoCommit)
 * ```
 *
 * A crash (an error processing cannot get past) stops the session, emits
 * `consumer.crash` with `restart`, and, as KafkaJS, restarts the consumer after
 * a backoff when the error is retriable (or retries were exhausted) and
 * `retry.restartOnFailure` (if given) agrees.
 */
import { type Cluster } from '../client/cluster.js';
import { type Logger } from '../client/logger.js';
import { KafkaJSNonRetriableError } from '../errors/errors.js';
import { type NetworkEvent } from '../network/instrumentation.js';
import { createRetrier } from '../retry/retrier.js';
import { type Assigner } from './assignors/assigner.js';
import { type ResolvedConsumerConfig } from './consumer-config.js';
import { type ConsumerEventName, type ConsumerEventPayloads, ConsumerEventEmitter, ConsumerEvents, type InstrumentationEvent, type TopicOffsets } from './consumer-events.js';
import { ConsumerMetrics, type ConsumerMetricsSnapshot } from './consumer-metrics.js';
import { ConsumerSession, type PendingSeek } from './consumer-session.js';
import { createAssignerCluster, listTopicNames } from './group/group-metadata.js';
import { type GroupDescription, describeGroup } from './group/group-requests.js';
import { type ConsumerRunConfig, type RunHandlers, resolveRunConfig } from './handlers.js';
import { type ConsumedMessage, MessageStream, type MessagesOptions } from './messages.js';
import { SubscriptionState, type TopicPartition } from './subscription-state.js';
import { checkOffset, checkPartition, checkTopic, checkTopicPartitions } from './consumer-arguments.js';

/** `subscribe`'s argument, KafkaJS's `ConsumerSubscribeTopics | ConsumerSubscribeTopic`. */
export type ConsumerSubscribeTopics = { topics: (string | RegExp)[]; fromBeginning?: boolean } | { topic: string | RegExp; fromBeginning?: boolean };

/** How the current (or last) run consumes. */
interface RunMode {
  readonly handlers: RunHandlers;
  readonly stream: MessageStream | null;
}

/** A Kafka consumer in a consumer group; use `kafka.consumer(config)`. */
export class Consumer {
  readonly events = ConsumerEvents;
  readonly #cluster: Cluster;
  readonly #config: ResolvedConsumerConfig;
  readonly #logger: Logger;
  readonly #emitter: ConsumerEventEmitter;
  readonly #metrics = new ConsumerMetrics();
  readonly #assigners: Assigner[];
  readonly #subscriptions: { topics: string[]; fromBeginning: boolean }[] = [];
  readonly #pendingSeeks = new Map<string, PendingSeek>();
  #session: ConsumerSession | null = null;
  #mode: RunMode | null = null;
  #restartTimer: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | null = null;

  /** Use `kafka.consumer(config)`. */
  constructor(cluster: Cluster, config: ResolvedConsumerConfig, logger: Logger) {
    this.#cluster = cluster;
    this.#config = config;
    this.#logger = logger.namespace('Consumer');
    this.#emitter = new ConsumerEventEmitter(this.#logger);
    const assignerCluster = createAssignerCluster(cluster);
    this.#assigners = config.partitionAssigners.map((create) => create({ cluster: assignerCluster, groupId: config.groupId, logger }));
  }

  /** Whether `event` has a listener. */
  listening(event: string): boolean {
    return this.#emitter.listening(event);
  }

  /** Forward a network event of the cluster to `consumer.network.*` listeners. */
  onNetworkEvent(event: NetworkEvent): void {
    this.#emitter.emit(`consumer.${event.type}`, event.payload);
  }

  /** Connect to the cluster (metadata). */
  async connect(): Promise<void> {
    await this.#cluster.connect();
    this.#emitter.emit(ConsumerEvents.CONNECT, null);
  }

  /** Stop (see {@link stop}), then close every connection. */
  async disconnect(): Promise<void> {
    try {
      await this.stop();
      await this.#cluster.disconnect();
      this.#emitter.emit(ConsumerEvents.DISCONNECT, null);
    } catch (e) {
      this.#logger.error(`Caught error when disconnecting the consumer: ${e instanceof Error ? e.message : String(e)}`, { groupId: this.#config.groupId });
      throw e;
    }
  }

  /**
   * Stop consuming: no more fetches, the record or batch in progress finishes
   * (at most `shutdownTimeout` ms), resolved offsets are committed (autoCommit),
   * and the member leaves the group (a static member keeps its slot). Connections stay open.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearTimeout(this.#restartTimer);
      this.#restartTimer = undefined;
      const mode = this.#mode;
      this.#mode = null;
      try {
        if (await this.#stopSession()) this.#emitter.emit(ConsumerEvents.STOP, null);
        mode?.stream?.close();
        this.#logger.info('Stopped', { groupId: this.#config.groupId });
      } finally {
        this.#stopping = null;
      }
    })();
    return this.#stopping;
  }

  async #stopSession(): Promise<boolean> {
    const session = this.#session;
    if (!session) return false;
    this.#session = null;
    await session.stop();
    return true;
  }

  /**
   * Subscribe to topics by name or RegExp (a RegExp matches the topics that exist
   * now, as in KafkaJS). `fromBeginning`: partitions without a committed offset
   * start at the log start instead of the end.
   *
   * @throws KafkaJSNonRetriableError while the consumer runs, or for an invalid topic
   */
  async subscribe(subscription: ConsumerSubscribeTopics): Promise<void> {
    if (this.#mode) throw new KafkaJSNonRetriableError('Cannot subscribe to topic while consumer is running');
    const s = subscription as { topic?: string | RegExp; topics?: (string | RegExp)[]; fromBeginning?: boolean };
    if (!s || (!s.topic && !s.topics)) throw new KafkaJSNonRetriableError('Missing required argument "topics"');
    if (s.topics != null && !Array.isArray(s.topics)) throw new KafkaJSNonRetriableError('Argument "topics" must be an array');
    const wanted = s.topics ?? [s.topic!];
    for (const t of wanted) {
      if ((typeof t !== 'string' || t === '') && !(t instanceof RegExp)) {
        throw new KafkaJSNonRetriableError(`Invalid topic ${String(t)} (${typeof t}), the topic name has to be a String or a RegExp`);
      }
    }
    const existing = wanted.some((t) => t instanceof RegExp) ? await listTopicNames(this.#cluster) : [];
    const names: string[] = [];
    for (const t of wanted) {
      if (t instanceof RegExp) {
        const matched = existing.filter((name) => {
          t.lastIndex = 0;
          return t.test(name);
        });
        this.#logger.debug('Subscription based on RegExp', { groupId: this.#config.groupId, topicRegExp: String(t), matchedTopics: matched });
        names.push(...matched);
      } else {
        names.push(t as string);
      }
    }
    this.#subscriptions.push({ topics: names, fromBeginning: s.fromBeginning === true });
    // As KafkaJS's addMultipleTargetTopics: fetch their metadata now (creating them when allowed).
    if (names.length > 0) await this.#cluster.refreshMetadata(names);
  }

  /**
   * Join the group and start handing records to `eachMessage` or `eachBatch`.
   * Resolves once the first assignment is applied (as KafkaJS). A failure to
   * join is reported as `consumer.crash`, not thrown, as in KafkaJS.
   */
  async run(config: ConsumerRunConfig = {}): Promise<void> {
    if (this.#mode) {
      this.#logger.warn('consumer#run was called, but the consumer is already running', { groupId: this.#config.groupId });
      return;
    }
    this.#mode = { handlers: resolveRunConfig(config), stream: null };
    await this.#start();
  }

  /**
   * Consume as an async iterator (instead of `run`): see messages.ts for its
   * back-pressure and commit semantics.
   */
  messages(options: MessagesOptions = {}): AsyncIterableIterator<ConsumedMessage> {
    if (this.#mode) throw new KafkaJSNonRetriableError('The consumer is already running: messages() replaces run()');
    const highWaterMark = options.highWaterMark ?? 64;
    if (!Number.isInteger(highWaterMark) || highWaterMark < 1) throw new KafkaJSNonRetriableError(`Invalid highWaterMark ${String(highWaterMark)}: an integer >= 1`);
    const stream = new MessageStream(
      {
        resolve: (topic, partition, nextOffset) => {
          if (this.#session?.subscriptions.cursor(topic, partition)) this.#session.offsets.resolve(topic, partition, nextOffset);
        },
        end: () => this.stop(),
      },
      highWaterMark,
      options.signal,
    );
    const handlers = resolveRunConfig({
      eachMessage: stream.handler,
      autoCommit: options.autoCommit,
      autoCommitInterval: options.autoCommitInterval,
      autoCommitThreshold: options.autoCommitThreshold,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    });
    this.#mode = { handlers, stream };
    if (options.signal?.aborted) void stream.return();
    else void this.#start();
    return stream;
  }

  async #start(): Promise<void> {
    const mode = this.#mode;
    if (!mode) return;
    this.#logger.info('Starting', { groupId: this.#config.groupId });
    const subscriptions = new SubscriptionState(this.#config.autoOffsetReset);
    for (const s of this.#subscriptions) subscriptions.subscribe(s.topics, s.fromBeginning);
    const session = new ConsumerSession({
      cluster: this.#cluster,
      config: this.#config,
      handlers: mode.handlers,
      subscriptions,
      assigners: this.#assigners,
      events: this.#emitter,
      metrics: this.#metrics,
      logger: this.#logger,
      pendingSeeks: this.#pendingSeeks,
      resolveOnReturn: mode.stream === null,
      pausePartition: (topic, partition) => {
        this.pause([{ topic, partitions: [partition] }]);
        return () => this.resume([{ topic, partitions: [partition] }]);
      },
      onRelease: (partitions) => mode.stream?.release(partitions),
      onAssign: (partitions) => mode.stream?.assigned(partitions),
      onCrash: (error) => void this.#onCrash(session, error),
    });
    this.#session = session;
    try {
      await this.#cluster.connect();
      this.#emitter.emit(ConsumerEvents.CONNECT, null);
      await session.start();
    } catch (e) {
      await this.#onCrash(session, e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** KafkaJS's onCrash: stop, tell `consumer.crash` listeners, restart after a backoff when the error allows it. */
  async #onCrash(session: ConsumerSession, error: Error): Promise<void> {
    if (this.#session !== session) return;
    const mode = this.#mode;
    this.#logger.error(`Crash: ${error.name}: ${error.message}`, { groupId: this.#config.groupId, stack: error.stack });
    await this.#stopSession().catch((e: unknown) => this.#logger.error('Stopping after a crash failed', { error: String(e) }));
    let cause: unknown = error;
    while (cause instanceof Error && cause.cause !== undefined) cause = cause.cause;
    const retriable = error.name === 'KafkaJSNumberOfRetriesExceeded' || (cause as { retriable?: unknown } | null)?.retriable === true;
    let restart = retriable && mode !== null && this.#mode === mode;
    if (restart && this.#config.restartOnFailure) {
      restart = await this.#config.restartOnFailure(error).catch((e: unknown) => {
        this.#logger.error('Caught error when invoking user-provided "restartOnFailure" callback. Defaulting to restarting.', { error: String(e) });
        return true;
      });
    }
    this.#emitter.emit(ConsumerEvents.CRASH, { error, groupId: this.#config.groupId, restart });
    if (restart && this.#mode === mode) {
      const retryTime = (error as { retryTime?: number }).retryTime || this.#config.retry.initialRetryTime;
      this.#logger.error(`Restarting the consumer in ${retryTime}ms`, { groupId: this.#config.groupId });
      this.#restartTimer = setTimeout(() => void this.#start(), retryTime);
    } else if (this.#mode === mode) {
      this.#mode = null;
      mode?.stream?.fail(error);
    }
  }

  /** Commit offsets as given (KafkaJS: the offset is the next one to consume). Requires `run`. */
  async commitOffsets(topicPartitions: { topic: string; partition: number; offset: string; metadata?: string | null }[] = []): Promise<void> {
    const byTopic = new Map<string, TopicOffsets>();
    for (const { topic, partition, offset, metadata = null } of topicPartitions) {
      checkTopic(topic);
      checkPartition(partition);
      const o = checkOffset(offset, false);
      if (metadata !== null && typeof metadata !== 'string') throw new KafkaJSNonRetriableError(`Invalid offset metadata, expected string or null, received ${String(metadata)}`);
      let t = byTopic.get(topic);
      if (!t) byTopic.set(topic, (t = { topic, partitions: [] }));
      t.partitions.push({ partition, offset: o, ...(metadata === null ? {} : { metadata }) });
    }
    const session = this.#requireSession();
    await createRetrier(this.#config.retry)(() => session.offsets.commitOffsets({ topics: [...byTopic.values()] }));
  }

  /**
   * Move a partition to `offset` for the next fetch ('-2' earliest, '-1' latest), or, given
   * `timestamp` (ms) instead (tskafka), to its first record at or after that time, found with
   * ListOffsets (the end of the partition when there is none). A partition not assigned yet is
   * moved on assignment.
   */
  seek(seek: { topic: string; partition: number; offset: string } | { topic: string; partition: number; timestamp: number }): void {
    const { topic, partition } = seek;
    checkTopic(topic);
    checkPartition(partition);
    if ('timestamp' in seek && !('offset' in seek)) {
      if (!Number.isSafeInteger(seek.timestamp) || seek.timestamp < 0) throw new KafkaJSNonRetriableError(`Invalid timestamp, expected milliseconds since the epoch, received ${String(seek.timestamp)}`);
      this.#requireSession().seek(topic, partition, { timestamp: seek.timestamp });
      return;
    }
    const offset = checkOffset((seek as { offset: unknown }).offset, true);
    this.#requireSession().seek(topic, partition, offset);
  }

  /** Pause fetching topics or some of their partitions (KafkaJS). */
  pause(topicPartitions: { topic: string; partitions?: number[] }[] = []): void {
    checkTopicPartitions(topicPartitions);
    const session = this.#requireSession();
    this.#logger.info(`Pausing fetching from ${topicPartitions.length} topics`, { topicPartitions });
    for (const { topic, partitions } of topicPartitions) session.subscriptions.pause(topic, partitions);
  }

  /** Resume what `pause` paused. */
  resume(topicPartitions: { topic: string; partitions?: number[] }[] = []): void {
    checkTopicPartitions(topicPartitions);
    const session = this.#requireSession();
    this.#logger.info(`Resuming fetching from ${topicPartitions.length} topics`, { topicPartitions });
    for (const { topic, partitions } of topicPartitions) session.subscriptions.resume(topic, partitions);
  }

  /** The paused partitions by topic; [] when not running. */
  paused(): { topic: string; partitions: number[] }[] {
    return this.#session?.subscriptions.paused() ?? [];
  }

  /** The partitions assigned to this member now (tskafka). */
  assignment(): TopicPartition[] {
    return this.#session?.subscriptions.assignment() ?? [];
  }

  /** The group as DescribeGroups sees it (KafkaJS's GroupDescription). */
  async describeGroup(): Promise<GroupDescription> {
    const session = this.#session;
    if (session) return session.member.describe();
    return createRetrier(this.#config.retry)(async () => describeGroup(await this.#cluster.connectionForCoordinator(this.#config.groupId), this.#config.groupId));
  }

  /** Per-partition positions, committed offsets and lag, and fetch/process timings. */
  metrics(): ConsumerMetricsSnapshot {
    return this.#metrics.snapshot(this.#session?.subscriptions ?? null);
  }

  /** Listen to an event; returns the function that removes the listener. */
  on<E extends ConsumerEventName>(eventName: E, listener: (event: InstrumentationEvent<ConsumerEventPayloads[E]>) => void): () => void {
    return this.#emitter.on(eventName, listener as (event: InstrumentationEvent) => unknown);
  }

  /** The consumer's logger (KafkaJS's `consumer.logger()`). */
  logger(): Logger {
    return this.#logger;
  }

  /** `await using consumer = ...`: disconnects. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.disconnect();
  }

  #requireSession(): ConsumerSession {
    if (!this.#session) throw new KafkaJSNonRetriableError('Consumer group was not initialized, consumer#run must be called first');
    return this.#session;
  }
}
