/**
 * The fetcher: keeps records coming for every fetchable partition of the
 * assignment, ahead of the application, within a memory bound.
 *
 * One fetch loop per leader broker (franz-go's `source`, Java's per-node fetch
 * requests): a broker has at most one Fetch in flight, carrying every fetchable
 * partition it leads that has nothing buffered and is not already being
 * fetched. Which broker leads a partition comes from the cluster's metadata at
 * each round, so a partition moves to its new leader's loop when leadership
 * moves. Answers go to the {@link FetchBuffer}; `next()` hands them out.
 *
 * Prefetch: once a partition's data is handed out, its next fetch starts from
 * that data's `nextOffset` (same cursor version) while the application
 * processes it. The buffer's bytes plus the `maxBytes` of fetches in flight
 * stay within `maxBufferedBytes`, shared among the brokers fetched from (each
 * request asks for at most its share), so a long poll to one broker never
 * starves another; when the application is slower than the broker, fetching
 * waits. The one exception is Kafka's own (KIP-74): a first batch larger than a
 * request's `maxBytes` still arrives whole, so a large record never blocks a
 * partition.
 *
 * Follower fetching (KIP-392): with `rackId` set, a leader may answer a
 * partition with a preferred read replica instead of records; the partition is
 * then fetched from that broker's loop (see fetch-answers.ts for how long).
 * A replica missing from metadata or listed offline is not used. ListOffsets
 * always goes to the leader.
 *
 * Positions belong to the SubscriptionState: the fetcher reads cursors,
 * resolves pending resets with ListOffsets (`completeReset`), asks for resets
 * on OFFSET_OUT_OF_RANGE (`requestReset`), reports log offsets
 * (`updateLogOffsets`), and never moves a position otherwise. Data fetched for
 * a cursor version that changed since (seek, reset, reassignment) is dropped.
 * A runner that stops processing a handed-out batch before its end must seek
 * to where it stopped (bumping the version); pausing a partition drops its
 * buffered data and its prefetch.
 */
import { type Cluster } from '../../client/cluster.js';
import { type Logger } from '../../client/logger.js';
import { createErrorFromCode } from '../../errors/protocol-errors.js';
import { ErrorCode, errorCodeInfo } from '../../protocol/error-codes.js';
import { type PartitionCursor, type SubscriptionState, partitionKey } from '../subscription-state.js';
import { type FetchTarget, fetchFromBroker } from './broker-fetch.js';
import { FetchAnswers } from './fetch-answers.js';
import { FetchBackoff } from './fetch-backoff.js';
import { FetchBuffer, type FetchedBatch } from './fetch-buffer.js';
import { type ResetTarget, resolveResets } from './offset-reset.js';

export { type FetchedBatch } from './fetch-buffer.js';

/** What the fetcher needs; the consumer builds it from its config. */
export interface FetcherOptions {
  cluster: Cluster;
  subscriptions: SubscriptionState;
  /** Fetch's min_bytes: the broker waits for this many bytes (up to maxWaitTimeInMs). */
  minBytes: number;
  /** Fetch's max_bytes, per request (KIP-74: the first batch comes whole even when larger). */
  maxBytes: number;
  /** Per partition per request (KafkaJS's maxBytesPerPartition, Java's max.partition.fetch.bytes). */
  maxBytesPerPartition: number;
  maxWaitTimeInMs: number;
  /** 0 read_uncommitted, 1 read_committed. */
  isolationLevel: 0 | 1;
  /** The consumer's rack, sent in Fetch v11+ (KIP-392). */
  rackId: string | null;
  /** Bound of the bytes buffered and requested ahead of the application; default 2 x maxBytes. */
  maxBufferedBytes?: number;
  logger: Logger;
  /** KafkaJS's consumer.fetch_start ({ nodeId }) and consumer.fetch ({ numberOfBatches, duration, nodeId }) events. */
  instrument?: (type: 'fetch_start' | 'fetch', payload: object) => void;
}

/** The fetcher. */
export class Fetcher {
  readonly #cluster: Cluster;
  readonly #subscriptions: SubscriptionState;
  readonly #options: FetcherOptions;
  readonly #logger: Logger;
  readonly #maxBufferedBytes: number;
  readonly #buffer: FetchBuffer;
  readonly #backoff: FetchBackoff;
  #running = false;
  #unsubscribe: (() => void) | undefined;
  /** Brokers with a Fetch in flight. */
  readonly #busy = new Set<number>();
  /** Partitions in a Fetch or ListOffsets in flight. */
  readonly #inFlight = new Set<string>();
  readonly #answers: FetchAnswers;
  /** Bumped when a partition leaves the assignment: answers for an older incarnation are dropped. */
  readonly #incarnations = new Map<string, number>();
  /** Bytes requested by fetches in flight. */
  #reserved = 0;
  readonly #tasks = new Set<Promise<void>>();
  #scheduled = false;
  #refreshing = false;
  #lastMetadataCheck = 0;

  /** @param options - see {@link FetcherOptions}; not modified */
  constructor(options: FetcherOptions) {
    this.#options = options;
    this.#cluster = options.cluster;
    this.#subscriptions = options.subscriptions;
    this.#logger = options.logger.namespace('Fetcher');
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 2 * options.maxBytes;
    this.#backoff = new FetchBackoff(this.#cluster.config.retry, () => this.#wake());
    this.#buffer = new FetchBuffer(
      (batch) => {
        const c = this.#subscriptions.cursor(batch.topic, batch.partition);
        return c !== undefined && c.version === batch.version && !c.paused;
      },
      () => this.#wake(),
    );
    this.#answers = new FetchAnswers({
      cluster: this.#cluster,
      subscriptions: this.#subscriptions,
      buffer: this.#buffer,
      backoff: this.#backoff,
      logger: this.#logger,
      refreshMetadata: () => this.#refreshMetadata(),
    });
  }

  /** Bytes of fetched data waiting for `next()`. */
  get bufferedBytes(): number {
    return this.#buffer.bytes;
  }

  /** Start fetching. Idempotent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.#subscriptions.onChange((change) => {
      if (change === 'assignment') this.#forgetUnassigned();
      else if (change === 'pause') this.#dropPaused();
      this.#wake();
    });
    this.#wake();
  }

  /** Stop fetching; resolves once no request is left in flight (a long poll ends within maxWaitTimeInMs). Buffered data is dropped. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#backoff.clear();
    this.#buffer.clear();
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
    this.#buffer.clear();
    this.#answers.handedOut.clear();
  }

  /**
   * The batches fetched since the last call, oldest first, waiting until there is
   * one. An error raised for a partition (OFFSET_OUT_OF_RANGE with reset 'none',
   * an authorization failure, a corrupt batch) rejects the call that reaches it,
   * after the batches before it were returned. Resolves [] when `signal` aborts or
   * the fetcher stops.
   */
  async next(signal?: AbortSignal): Promise<FetchedBatch[]> {
    const batches = await this.#buffer.next(signal, () => !this.#running);
    for (const b of batches) this.#answers.handedOut.set(partitionKey(b.topic, b.partition), { version: b.version, nextOffset: b.nextOffset });
    return batches;
  }

  /** Drop the buffered data and prefetch of a partition (revoked). */
  discard(topic: string, partition: number): void {
    const key = partitionKey(topic, partition);
    this.#buffer.discard(key);
    this.#answers.handedOut.delete(key);
  }

  #forgetUnassigned(): void {
    const assigned = new Set<string>();
    for (const c of this.#subscriptions.cursors()) assigned.add(partitionKey(c.topic, c.partition));
    this.#answers.forget((key) => assigned.has(key));
    this.#buffer.discardWhere((key) => !assigned.has(key));
    for (const key of this.#inFlight) if (!assigned.has(key)) this.#incarnations.set(key, (this.#incarnations.get(key) ?? 0) + 1);
  }

  #dropPaused(): void {
    for (const c of this.#subscriptions.cursors()) {
      if (!c.paused) continue;
      this.discard(c.topic, c.partition);
    }
  }

  #wake(): void {
    if (this.#scheduled || !this.#running) return;
    this.#scheduled = true;
    setImmediate(this.#poll);
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  /** Whether a cursor may be worked on now: not in flight, not blocked by a raised error, not backing off. */
  #idle(c: PartitionCursor, key: string, now: number): boolean {
    if (this.#inFlight.has(key) || this.#answers.isBlocked(key, c.version)) return false;
    return this.#backoff.partitionReady(key, now);
  }

  /** One planning pass: resets to resolve, then a Fetch for each idle leader broker. */
  readonly #poll = (): void => {
    this.#scheduled = false;
    if (!this.#running) return;
    const now = Date.now();
    const metadata = this.#cluster.metadata;
    let needMetadata = now - this.#lastMetadataCheck >= 5_000;

    const resets = new Map<number, ResetTarget[]>();
    for (const c of this.#subscriptions.awaitingReset()) {
      const key = partitionKey(c.topic, c.partition);
      if (!this.#idle(c, key, now)) continue;
      const p = metadata?.partition(c.topic, c.partition);
      if (!p || p.leaderId < 0) {
        if (!this.#topicFailed(c, key)) needMetadata = true;
        continue;
      }
      if (!this.#backoff.brokerReady(p.leaderId, now)) continue;
      let list = resets.get(p.leaderId);
      if (!list) resets.set(p.leaderId, (list = []));
      list.push({ topic: c.topic, partition: c.partition, version: c.version, reset: c.reset!, currentLeaderEpoch: p.leaderEpoch });
    }
    for (const [nodeId, targets] of resets) this.#track(this.#reset(nodeId, targets));

    const fetches = new Map<number, FetchTarget[]>();
    for (const c of this.#subscriptions.fetchable()) {
      const key = partitionKey(c.topic, c.partition);
      if (this.#buffer.has(key) || !this.#idle(c, key, now)) continue;
      const p = metadata?.partition(c.topic, c.partition);
      if (!p || p.leaderId < 0) {
        if (!this.#topicFailed(c, key)) needMetadata = true;
        continue;
      }
      let nodeId = p.leaderId;
      const replica = this.#answers.readReplica(key, now);
      if (replica !== undefined) {
        if (metadata!.brokers.has(replica) && !p.offlineReplicas.includes(replica)) nodeId = replica;
        else {
          // Stale metadata or a replica gone: back to the leader, and learn what changed (Java's selectReadReplica).
          this.#answers.readReplicas.delete(key);
          needMetadata = true;
        }
      }
      if (this.#busy.has(nodeId) || !this.#backoff.brokerReady(nodeId, now)) continue;
      const fetchOffset = this.#answers.fetchOffset(c, key);
      let list = fetches.get(nodeId);
      if (!list) fetches.set(nodeId, (list = []));
      list.push({
        topic: c.topic,
        partition: c.partition,
        version: c.version,
        fetchOffset,
        currentLeaderEpoch: p.leaderEpoch,
        partitionMaxBytes: this.#answers.limits.get(key) ?? this.#options.maxBytesPerPartition,
        readReplica: nodeId === p.leaderId ? -1 : nodeId,
      });
    }
    // The bound is shared among the brokers fetched from, so a broker whose long poll
    // holds its share does not starve the others.
    const brokers = this.#busy.size + fetches.size;
    const share = Math.max(1, Math.min(this.#options.maxBytes, Math.floor(this.#maxBufferedBytes / Math.max(1, brokers))));
    for (const [nodeId, targets] of fetches) {
      const room = this.#maxBufferedBytes - this.#buffer.bytes - this.#reserved;
      const idle = this.#buffer.bytes === 0 && this.#reserved === 0;
      // A fetch goes when its answer fits beside what is buffered (at least one partition's worth), or when nothing is.
      let maxBytes = room >= share || idle ? share : room;
      if (maxBytes < Math.min(this.#options.maxBytesPerPartition, share)) continue;
      for (const t of targets) if (t.partitionMaxBytes > maxBytes) maxBytes = t.partitionMaxBytes;
      this.#track(this.#fetch(nodeId, targets, maxBytes));
    }
    if (needMetadata) this.#refreshMetadata();
  };

  /**
   * Whether metadata refused the cursor's topic for good (TOPIC_AUTHORIZATION_FAILED, an
   * invalid name): then the error is raised, as Java's poll() raises it, instead of
   * refreshing metadata forever.
   */
  #topicFailed(c: PartitionCursor, key: string): boolean {
    const code = this.#cluster.metadata?.topic(c.topic)?.errorCode ?? ErrorCode.NONE;
    if (code === ErrorCode.NONE || errorCodeInfo(code).retriable) return false;
    this.#answers.raise(c, key, createErrorFromCode(code, `metadata for topic "${c.topic}"`));
    return true;
  }

  #refreshMetadata(): void {
    const now = Date.now();
    if (this.#refreshing) return;
    if (!this.#backoff.metadataReady(now)) return;
    this.#refreshing = true;
    this.#lastMetadataCheck = now;
    const topics = [...new Set(this.#subscriptions.assignment().map((p) => p.topic))];
    this.#track(
      this.#cluster
        .refreshMetadataIfNeeded(topics)
        .then(
          () => undefined,
          (e: unknown) => {
            this.#logger.warn('Metadata refresh failed', { error: e instanceof Error ? e.message : String(e) });
          },
        )
        .finally(() => {
          this.#refreshing = false;
          this.#backoff.metadataRefreshed(Date.now());
          this.#wake();
        }),
    );
  }

  async #fetch(nodeId: number, targets: FetchTarget[], maxBytes: number): Promise<void> {
    const keys = targets.map((t) => partitionKey(t.topic, t.partition));
    const incarnations = keys.map((k) => this.#incarnations.get(k) ?? 0);
    this.#busy.add(nodeId);
    for (const k of keys) this.#inFlight.add(k);
    this.#reserved += maxBytes;
    const started = Date.now();
    let numberOfBatches = 0;
    this.#options.instrument?.('fetch_start', { nodeId });
    try {
      const connection = await this.#cluster.connectionFor(nodeId);
      const { config } = this.#cluster;
      const result = await fetchFromBroker(connection, this.#cluster.metadata, targets, {
        minBytes: this.#options.minBytes,
        maxBytes,
        maxWaitTimeInMs: this.#options.maxWaitTimeInMs,
        isolationLevel: this.#options.isolationLevel,
        rackId: this.#options.rackId,
        timeout: config.requestTimeout + this.#options.maxWaitTimeInMs,
      });
      if (!this.#running) return;
      this.#backoff.brokerSucceeded(nodeId);
      this.#logger.debug('Fetched', { nodeId, version: result.version, partitions: targets.length, ms: Date.now() - started });
      if (result.errorCode !== ErrorCode.NONE) {
        // FETCH_SESSION_ID_NOT_FOUND and kin: we hold no session, so only a broker bug gets here; try again later.
        this.#logger.warn('Fetch failed', { nodeId, error: createErrorFromCode(result.errorCode).message });
        this.#backoff.brokerFailed(nodeId, Date.now());
        this.#answers.forgetReadReplica(nodeId);
        return;
      }
      for (const answer of result.answers) {
        const i = targets.indexOf(answer.target);
        if ((this.#incarnations.get(keys[i]!) ?? 0) !== incarnations[i]) continue;
        if (this.#answers.fetched(answer, result)) numberOfBatches++;
      }
    } catch (e) {
      if (!this.#running) return;
      this.#failed(nodeId, e, 'Fetch');
    } finally {
      this.#busy.delete(nodeId);
      for (const k of keys) this.#inFlight.delete(k);
      this.#reserved -= maxBytes;
      this.#options.instrument?.('fetch', { numberOfBatches, duration: Date.now() - started, nodeId });
      this.#wake();
    }
  }

  /** A request to `nodeId` failed as a whole: retriable errors back off (and refresh metadata: the broker may be gone), others are raised. */
  #failed(nodeId: number, e: unknown, what: string): void {
    const error = e instanceof Error ? e : new Error(String(e));
    this.#backoff.brokerFailed(nodeId, Date.now());
    this.#answers.forgetReadReplica(nodeId);
    if ((error as { retriable?: unknown }).retriable === true) {
      this.#logger.warn(`${what} failed, retrying`, { nodeId, error: error.message });
      this.#cluster.markStale();
      this.#refreshMetadata();
    } else {
      this.#logger.error(`${what} failed`, { nodeId, error: error.message });
      this.#answers.raiseGeneral(error);
    }
  }

  async #reset(nodeId: number, targets: ResetTarget[]): Promise<void> {
    const keys = targets.map((t) => partitionKey(t.topic, t.partition));
    for (const k of keys) this.#inFlight.add(k);
    try {
      const connection = await this.#cluster.connectionFor(nodeId);
      const answers = await resolveResets(connection, this.#options.isolationLevel, targets);
      if (!this.#running) return;
      this.#backoff.brokerSucceeded(nodeId);
      for (const a of answers) this.#answers.reset(a);
    } catch (e) {
      if (this.#running) this.#failed(nodeId, e, 'ListOffsets');
    } finally {
      for (const k of keys) this.#inFlight.delete(k);
      this.#wake();
    }
  }
}
