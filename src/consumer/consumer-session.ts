/**
 * One run of a consumer, from `run()` (or a restart after a crash) to `stop()`:
 * the subscription state, the fetcher, the group member, the offset manager and
 * the runner, wired together, and the rebalance hooks the member calls.
 *
 * Rebalance hooks (the member calls them; heartbeats go on meanwhile):
 * - revoke: stop handing out the partitions, wait for their handler in
 *   progress, drop their fetched data, commit their resolved offsets
 *   (autoCommit), then the user's onPartitionsRevoked; the member then removes them;
 * - assign: position the new partitions (a seek asked for before the assignment,
 *   else the committed offset, else the reset policy; 'none' crashes the
 *   consumer), then the user's onPartitionsAssigned;
 * - lost: as revoke, without committing (the partitions may be someone else's
 *   already), then onPartitionsLost.
 */
import { type Cluster } from '../client/cluster.js';
import { type Logger } from '../client/logger.js';
import { KafkaJSOffsetOutOfRange, createErrorFromCode } from '../errors/protocol-errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { createRetrier } from '../retry/retrier.js';
import { type Assigner } from './assignors/assigner.js';
import { type ResolvedConsumerConfig, type RebalanceCallback } from './consumer-config.js';
import { ConsumerEvents, type ConsumerEventEmitter } from './consumer-events.js';
import { type ConsumerMetrics } from './consumer-metrics.js';
import { Fetcher } from './fetcher/index.js';
import { GroupMember, type RebalanceHooks } from './group/group-member.js';
import { type RunHandlers } from './handlers.js';
import { OffsetManager } from './offset-manager.js';
import { Runner } from './runner.js';
import { type SubscriptionState, type TopicPartition, partitionKey } from './subscription-state.js';

/** Where a seek goes: an offset as KafkaJS takes it ('-2' earliest, '-1' latest), or the first record at or after a timestamp. */
export type SeekTarget = string | { readonly timestamp: number };

/** A seek asked for before its partition was assigned: applied on assignment, as KafkaJS. */
export interface PendingSeek {
  readonly topic: string;
  readonly partition: number;
  readonly target: SeekTarget;
}

/** Options of a {@link ConsumerSession}. */
export interface SessionOptions {
  readonly cluster: Cluster;
  readonly config: ResolvedConsumerConfig;
  readonly handlers: RunHandlers;
  readonly subscriptions: SubscriptionState;
  readonly assigners: readonly Assigner[];
  readonly events: ConsumerEventEmitter;
  readonly metrics: ConsumerMetrics;
  readonly logger: Logger;
  /** Seeks waiting for their partition's assignment (shared with the consumer). */
  readonly pendingSeeks: Map<string, PendingSeek>;
  readonly resolveOnReturn: boolean;
  readonly pausePartition: (topic: string, partition: number) => () => void;
  /** Called before partitions are revoked or lost (the messages() iterator drops what it buffered of them). */
  readonly onRelease?: ((partitions: readonly TopicPartition[]) => void) | undefined;
  /** Called when partitions are assigned, before they are positioned. */
  readonly onAssign?: ((partitions: readonly TopicPartition[]) => void) | undefined;
  /** Called once when the session cannot go on. */
  readonly onCrash: (error: Error) => void;
}

/** One run of a consumer. */
export class ConsumerSession implements RebalanceHooks {
  readonly subscriptions: SubscriptionState;
  readonly offsets: OffsetManager;
  readonly member: GroupMember;
  readonly #o: SessionOptions;
  readonly #fetcher: Fetcher;
  readonly #runner: Runner;
  readonly #logger: Logger;
  #commitTimer: NodeJS.Timeout | undefined;
  #crashed = false;

  constructor(options: SessionOptions) {
    this.#o = options;
    const { cluster, config, handlers, events, metrics } = options;
    this.#logger = options.logger;
    this.subscriptions = options.subscriptions;
    const emit = (type: string, payload: unknown): void => events.emit(type, payload);
    this.#fetcher = new Fetcher({
      cluster,
      subscriptions: this.subscriptions,
      minBytes: config.minBytes,
      maxBytes: config.maxBytes,
      maxBytesPerPartition: config.maxBytesPerPartition,
      maxWaitTimeInMs: config.maxWaitTimeInMs,
      isolationLevel: config.isolationLevel,
      rackId: config.rackId,
      maxBufferedBytes: config.maxBufferedBytes,
      logger: options.logger,
      instrument: (type, payload) => {
        if (type === 'fetch') metrics.fetched(Number((payload as { duration?: unknown }).duration) || 0);
        emit(`consumer.${type}`, payload);
      },
    });
    this.member = new GroupMember({
      cluster,
      groupId: config.groupId,
      groupInstanceId: config.groupInstanceId,
      sessionTimeout: config.sessionTimeout,
      rebalanceTimeout: config.rebalanceTimeout,
      heartbeatInterval: config.heartbeatInterval,
      metadataMaxAge: config.metadataMaxAge,
      rackId: config.rackId,
      requireStableOffsets: config.isolationLevel === 1,
      assigners: [...options.assigners],
      subscriptions: this.subscriptions,
      hooks: this,
      logger: options.logger,
      retry: config.retry,
      instrument: (type, payload) => emit(`consumer.${type}`, payload),
      onFatal: (error) => this.#crash(error),
    });
    this.offsets = new OffsetManager({
      groupId: config.groupId,
      member: this.member,
      subscriptions: this.subscriptions,
      autoCommitInterval: handlers.autoCommitInterval,
      autoCommitThreshold: handlers.autoCommitThreshold,
      onCommit: (payload) => emit(ConsumerEvents.COMMIT_OFFSETS, payload),
      logger: options.logger,
    });
    this.#runner = new Runner({
      ...handlers,
      source: this.#fetcher,
      subscriptions: this.subscriptions,
      offsets: this.offsets,
      metrics,
      retry: config.retry,
      logger: options.logger,
      emit,
      listening: (type) => events.listening(type),
      heartbeat: () => this.member.heartbeat(),
      pausePartition: options.pausePartition,
      resolveOnReturn: options.resolveOnReturn,
      onCrash: (error) => this.#crash(error),
    });
  }

  /** Join the group (resolves once the first assignment is applied), then fetch and process. */
  async start(): Promise<void> {
    await this.member.join();
    if (this.#crashed) return;
    this.#fetcher.start();
    this.#runner.start();
    const interval = this.#o.handlers.autoCommitInterval;
    if (this.#o.handlers.autoCommit && interval !== null) {
      // Resolved offsets go out within the interval even while no record arrives to trigger the check.
      this.#commitTimer = setInterval(() => {
        this.offsets.commitOffsetsIfNecessary().catch((e: unknown) => this.#logger.warn('Auto-commit failed', { error: e instanceof Error ? e.message : String(e) }));
      }, Math.max(interval, 1));
      this.#commitTimer.unref();
    }
  }

  /**
   * Stop: no more batches, wait (at most shutdownTimeout) for the handler in
   * progress, commit what was processed (autoCommit), leave the group (a static
   * member keeps its slot).
   */
  async stop(): Promise<void> {
    clearInterval(this.#commitTimer);
    const stopped = this.#runner.stop();
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([stopped.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.#o.config.shutdownTimeout)))]);
    clearTimeout(timer);
    if (!finished) this.#logger.warn('A handler was still running after shutdownTimeout; leaving the group without it', { shutdownTimeout: this.#o.config.shutdownTimeout });
    await this.#fetcher.stop().catch((e: unknown) => this.#logger.warn('Stopping the fetcher failed', { error: String(e) }));
    if (this.#o.handlers.autoCommit && !this.#crashed) await this.#commitQuietly();
    // Java's and franz-go's close give the partitions back through onPartitionsRevoked, after the
    // final commit and before LeaveGroup, so an application can flush state it keeps per partition.
    const owned = this.subscriptions.assignment();
    if (owned.length > 0) {
      this.#o.onRelease?.(owned);
      await this.#callback('onPartitionsRevoked', this.#o.config.onPartitionsRevoked, owned);
    }
    await this.offsets.settled();
    await this.member.leave().catch((e: unknown) => this.#logger.warn('Leaving the group failed', { error: e instanceof Error ? e.message : String(e) }));
  }

  /** Seek a partition now when assigned, else on its assignment (KafkaJS). */
  seek(topic: string, partition: number, target: SeekTarget): void {
    if (!this.subscriptions.cursor(topic, partition)) {
      this.#o.pendingSeeks.set(partitionKey(topic, partition), { topic, partition, target });
      return;
    }
    this.#applySeek(topic, partition, target);
  }

  #applySeek(topic: string, partition: number, target: SeekTarget): void {
    if (typeof target !== 'string') {
      // By time: ListOffsets finds the first offset whose timestamp is at or after it (the end when none is).
      this.subscriptions.requestReset(topic, partition, { kind: 'timestamp', timestamp: target.timestamp });
      return;
    }
    const o = Number(target);
    // KafkaJS accepts -1 (latest) and -2 (earliest), resolved with ListOffsets.
    if (o === -1 || o === -2) {
      this.subscriptions.requestReset(topic, partition, { kind: o === -2 ? 'earliest' : 'latest' });
      return;
    }
    this.subscriptions.seek(topic, partition, o);
    // KafkaJS commits the offset sought (autoCommit), so a restart resumes there too.
    this.offsets.resolve(topic, partition, o);
    if (this.#o.handlers.autoCommit) void this.#commitQuietly([{ topic, partition }]);
  }

  async #commitQuietly(only?: readonly TopicPartition[]): Promise<void> {
    try {
      await this.offsets.commitOffsets(null, only);
    } catch (e) {
      this.#logger.warn('Committing offsets failed', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  #crash(error: Error): void {
    if (this.#crashed) return;
    this.#crashed = true;
    // Never from inside the member's or the runner's call stack: stopping waits for them.
    setImmediate(() => this.#o.onCrash(error));
  }

  async #callback(name: string, callback: RebalanceCallback | undefined, partitions: TopicPartition[]): Promise<void> {
    if (!callback || partitions.length === 0) return;
    try {
      await callback(partitions);
    } catch (e) {
      this.#logger.error(`${name} threw`, { error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** RebalanceHooks: give partitions back. */
  async revoke(partitions: TopicPartition[]): Promise<void> {
    this.#o.onRelease?.(partitions);
    await this.#runner.revoke(partitions);
    for (const p of partitions) this.#fetcher.discard(p.topic, p.partition);
    if (this.#o.handlers.autoCommit && !this.#crashed) await this.#commitQuietly(partitions);
    await this.#callback('onPartitionsRevoked', this.#o.config.onPartitionsRevoked, partitions);
    this.offsets.forget(partitions);
  }

  /** RebalanceHooks: partitions lost without a chance to commit. */
  async lost(partitions: TopicPartition[]): Promise<void> {
    this.#o.onRelease?.(partitions);
    await this.#runner.revoke(partitions);
    for (const p of partitions) this.#fetcher.discard(p.topic, p.partition);
    this.offsets.forget(partitions);
    await this.#callback('onPartitionsLost', this.#o.config.onPartitionsLost, partitions);
  }

  /** RebalanceHooks: position newly assigned partitions. */
  async assign(partitions: TopicPartition[]): Promise<void> {
    this.#runner.released(partitions);
    this.#o.onAssign?.(partitions);
    const needCommitted: TopicPartition[] = [];
    for (const p of partitions) {
      const key = partitionKey(p.topic, p.partition);
      const cursor = this.subscriptions.cursor(p.topic, p.partition);
      if (!cursor) continue;
      const pending = this.#o.pendingSeeks.get(key);
      if (pending) {
        this.#o.pendingSeeks.delete(key);
        this.#applySeek(p.topic, p.partition, pending.target);
      } else if (cursor.position === null && cursor.reset === null) {
        needCommitted.push(p);
      }
    }
    if (needCommitted.length > 0) {
      let committed: Map<string, { offset: number; metadata: string | null; leaderEpoch: number }>;
      try {
        committed = await createRetrier(this.#o.config.retry)(() => this.member.fetchCommittedOffsets(needCommitted));
      } catch (e) {
        this.#crash(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      const noOffset: TopicPartition[] = [];
      for (const p of needCommitted) {
        const c = committed.get(partitionKey(p.topic, p.partition));
        const offset = c !== undefined && c.offset >= 0 ? c.offset : null;
        this.offsets.setCommitted(p.topic, p.partition, offset);
        if (this.subscriptions.initializePosition(p.topic, p.partition, offset, c?.leaderEpoch ?? -1) === 'no-offset') noOffset.push(p);
      }
      if (noOffset.length > 0) {
        const first = noOffset[0]!;
        const list = noOffset.map((p) => `${p.topic}-${p.partition}`).join(', ');
        const source = createErrorFromCode(ErrorCode.OFFSET_OUT_OF_RANGE, `no committed offset for ${list} and autoOffsetReset is 'none'`);
        this.#crash(new KafkaJSOffsetOutOfRange({ type: source.type, code: source.code, message: source.message, retriable: false }, first));
        return;
      }
    }
    await this.#callback('onPartitionsAssigned', this.#o.config.onPartitionsAssigned, partitions);
  }
}
