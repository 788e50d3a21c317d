/**
 * The cluster as the client sees it: where to bootstrap, which broker leads
 * which partition, which broker coordinates which group or transaction, and a
 * connection to each broker. Producers, consumers and the admin client share
 * this; none of them opens sockets itself.
 *
 * Metadata is fetched for the topics callers have asked about (the "target
 * topics", as KafkaJS and Java's producer track them), with the highest
 * Metadata version both sides support within METADATA_VERSIONS, and refreshed:
 * - on demand (`refreshMetadata`),
 * - when older than `metadataMaxAge` (default 300000 ms, Java's and KafkaJS's),
 * - after a caller saw NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION or
 *   LEADER_NOT_AVAILABLE and called `markStale()`: the next
 *   `refreshMetadataIfNeeded` (or `leaderFor`) fetches again.
 * Concurrent refreshes share one request. Retriable failures (no broker
 * reachable, timeouts) are retried with the client's `retry` options.
 */
import { KafkaJSBrokerNotFound, KafkaJSConfigurationError, KafkaJSTopicMetadataNotLoaded } from '../errors/errors.js';
import { createErrorFromCode } from '../errors/protocol-errors.js';
import { type RequestVersions } from '../network/api-versions.js';
import { type Connection } from '../network/connection.js';
import { type NetworkInstrumentation } from '../network/instrumentation.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { FindCoordinatorRequest } from '../protocol/generated/find-coordinator-request.js';
import { FindCoordinatorResponse } from '../protocol/generated/find-coordinator-response.js';
import { MetadataRequest } from '../protocol/generated/metadata-request.js';
import { MetadataResponse } from '../protocol/generated/metadata-response.js';
import { type Retrier, createRetrier } from '../retry/retrier.js';
import { BrokerPool } from './broker-pool.js';
import { type KafkaConfig, type ResolvedKafkaConfig, resolveKafkaConfig } from './client-options.js';
import { type Logger, createLogger } from './logger.js';
import { type BrokerNode, ClusterMetadata, type LeaderHint } from './metadata-cache.js';

/** FindCoordinator key types (Kafka's CoordinatorType). */
export const CoordinatorType = Object.freeze({ GROUP: 0, TRANSACTION: 1 } as const);

/** One of {@link CoordinatorType}'s values. */
export type CoordinatorType = (typeof CoordinatorType)[keyof typeof CoordinatorType];

/** What a cluster adds to the client options; set by the producer, consumer or admin that owns it. */
export interface ClusterOptions {
  /** Refresh metadata older than this, ms. Default 300000. */
  readonly metadataMaxAge?: number | undefined;
  /** Let Metadata requests create missing topics (broker's `auto.create.topics.enable` permitting). Default true, as KafkaJS. */
  readonly allowAutoTopicCreation?: boolean | undefined;
  /** Each connection's in-flight window; null for no limit (default). */
  readonly maxInFlightRequests?: number | null | undefined;
  /** Receives every connection's network events. */
  readonly instrumentation?: NetworkInstrumentation | undefined;
  /** Defaults to a logger built from the config's `logLevel` and `logCreator`. */
  readonly logger?: Logger | undefined;
}

/** Metadata as #fetchMetadata speaks it. Min 1: v0 reads an empty topic list as "all topics" and lacks controllerId; fields checked to v12. */
const METADATA_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 12 });

/** FindCoordinator for groups. Min 0: one group key is v0's whole request; v4 batches (KIP-699), v5-v6 add only an error code and share groups. */
const FIND_GROUP_COORDINATOR_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 6 });

/** FindCoordinator for transactional ids. Min 1: keyType, which names a transaction coordinator, exists from v1. */
const FIND_TRANSACTION_COORDINATOR_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 6 });

/** The defaults of {@link ClusterOptions}. */
export const CLUSTER_DEFAULTS = Object.freeze({
  metadataMaxAge: 300_000,
  allowAutoTopicCreation: true,
  maxInFlightRequests: null,
} as const);

/** A partition's leader. */
export interface PartitionLeader {
  readonly nodeId: number;
  /** -1 when the broker does not report epochs (Metadata before v7). */
  readonly leaderEpoch: number;
}

const coordinatorTypeName = (type: CoordinatorType): string => (type === CoordinatorType.GROUP ? 'group' : 'transactional id');

/** The client's view of a Kafka cluster. */
export class Cluster {
  readonly config: ResolvedKafkaConfig;
  readonly #logger: Logger;
  readonly #pool: BrokerPool;
  readonly #retrier: Retrier;
  readonly #metadataMaxAge: number;
  readonly #allowAutoTopicCreation: boolean;
  readonly #targetTopics = new Set<string>();
  readonly #coordinators = new Map<string, BrokerNode>();
  #metadata: ClusterMetadata | undefined;
  #stale = false;
  #refreshing: { readonly promise: Promise<ClusterMetadata>; readonly topics: ReadonlySet<string> } | undefined;

  /**
   * @param config - the client options (validated here unless already resolved)
   * @param options - what the owner of this cluster adds
   * @throws KafkaJSConfigurationError naming an invalid option
   */
  constructor(config: KafkaConfig | ResolvedKafkaConfig, options: ClusterOptions = {}) {
    this.config = resolveKafkaConfig(config);
    const metadataMaxAge = options.metadataMaxAge ?? CLUSTER_DEFAULTS.metadataMaxAge;
    if (typeof metadataMaxAge !== 'number' || !(metadataMaxAge >= 0)) {
      throw new KafkaJSConfigurationError({ option: 'metadataMaxAge', value: metadataMaxAge, accepted: 'a number of milliseconds >= 0' });
    }
    const allowAutoTopicCreation = options.allowAutoTopicCreation ?? CLUSTER_DEFAULTS.allowAutoTopicCreation;
    if (typeof allowAutoTopicCreation !== 'boolean') throw new KafkaJSConfigurationError({ option: 'allowAutoTopicCreation', value: allowAutoTopicCreation, accepted: 'true or false' });
    const maxInFlightRequests = options.maxInFlightRequests ?? CLUSTER_DEFAULTS.maxInFlightRequests;
    if (maxInFlightRequests !== null && !(Number.isInteger(maxInFlightRequests) && maxInFlightRequests > 0)) {
      throw new KafkaJSConfigurationError({ option: 'maxInFlightRequests', value: maxInFlightRequests, accepted: 'an integer > 0, or null for no limit' });
    }
    this.#metadataMaxAge = metadataMaxAge;
    this.#allowAutoTopicCreation = allowAutoTopicCreation;
    const root = options.logger ?? createLogger({ level: this.config.logLevel, logCreator: this.config.logCreator });
    this.#logger = root.namespace('Cluster');
    this.#retrier = createRetrier(this.config.retry);
    this.#pool = new BrokerPool({ config: this.config, maxInFlightRequests, instrumentation: options.instrumentation, logger: root.namespace('Connection') });
  }

  /** Metadata older than this is refreshed, ms; also how long a KIP-392 preferred read replica is followed. */
  get metadataMaxAge(): number {
    return this.#metadataMaxAge;
  }

  /** The last metadata fetched, or undefined before the first. */
  get metadata(): ClusterMetadata | undefined {
    return this.#metadata;
  }

  /** Every connection currently held (tests, metrics). */
  get connections(): readonly Connection[] {
    return this.#pool.connections;
  }

  /** Connect to a bootstrap broker and fetch the first metadata. Idempotent. */
  async connect(): Promise<void> {
    await this.refreshMetadataIfNeeded();
  }

  /** Close every connection (no sockets are left open) and forget metadata and coordinators. */
  async disconnect(): Promise<void> {
    this.#metadata = undefined;
    this.#coordinators.clear();
    await this.#pool.disconnect();
  }

  /**
   * Apply the new leaders a broker named in an answer (KIP-951), so a retry goes
   * to the right broker without a Metadata round trip. Returns whether every hint
   * was applied or already known (otherwise a refresh is still needed).
   */
  applyLeaderHints(hints: readonly LeaderHint[], nodes: readonly BrokerNode[]): boolean {
    const m = this.#metadata;
    if (!m) return false;
    const next = m.withLeaders(hints, nodes);
    if (next !== m) {
      this.#metadata = next;
      this.#pool.reconcile(next);
      this.#logger.debug('Leaders moved, as a broker told', { hints: hints.length, nodes: nodes.length });
    }
    return hints.every((h) => {
      const p = next.partition(h.topic, h.partition);
      return p !== undefined && p.leaderEpoch >= h.leaderEpoch && next.brokers.has(p.leaderId);
    });
  }

  /** Mark the metadata stale: the next `refreshMetadataIfNeeded` fetches it again. */
  markStale(): void {
    this.#stale = true;
  }

  /**
   * Fetch metadata now, for `topics` and every topic asked about before.
   * Concurrent calls share one request when it covers their topics.
   */
  async refreshMetadata(topics: readonly string[] = []): Promise<ClusterMetadata> {
    for (const [i, topic] of topics.entries()) {
      if (typeof topic !== 'string' || topic === '') throw new KafkaJSConfigurationError({ option: `topics[${i}]`, value: topic, accepted: 'a non-empty topic name' });
      this.#targetTopics.add(topic);
    }
    const running = this.#refreshing;
    if (running) {
      const covered = [...this.#targetTopics].every((t) => running.topics.has(t));
      const metadata = await running.promise;
      if (covered) return metadata;
      // Several callers may wait here; the first to arrive starts the next refresh and the others share it.
      if (this.#refreshing && this.#refreshing !== running) return this.refreshMetadata(topics);
    }
    const wanted = new Set(this.#targetTopics);
    const promise = this.#retrier(async () => this.#fetchMetadata(await this.#pool.anyConnection(this.#metadata), [...wanted])).finally(() => {
      if (this.#refreshing?.promise === promise) this.#refreshing = undefined;
    });
    this.#refreshing = { promise, topics: wanted };
    return promise;
  }

  /**
   * Refresh when there is no metadata yet, when it was marked stale, when it
   * is older than `metadataMaxAge`, or when one of `topics` is unknown, in
   * error or without a leader for some partition; else return it as it is.
   */
  async refreshMetadataIfNeeded(topics: readonly string[] = []): Promise<ClusterMetadata> {
    const m = this.#metadata;
    const needed = !m || this.#stale || Date.now() - m.fetchedAt >= this.#metadataMaxAge || topics.some((t) => !this.#targetTopics.has(t) || !m.isUsable(t));
    return needed ? this.refreshMetadata(topics) : m;
  }

  /**
   * The leader of a partition, fetching metadata if needed. Throws the
   * topic's or partition's protocol error (UNKNOWN_TOPIC_OR_PARTITION,
   * LEADER_NOT_AVAILABLE, TOPIC_AUTHORIZATION_FAILED...), retriable or not as
   * Kafka classifies it.
   */
  async leaderFor(topic: string, partition: number): Promise<PartitionLeader> {
    const metadata = await this.refreshMetadataIfNeeded([topic]);
    const t = metadata.topic(topic);
    if (!t) throw new KafkaJSTopicMetadataNotLoaded(`Topic "${topic}" is not in the metadata`, { topic });
    if (t.errorCode !== ErrorCode.NONE) throw createErrorFromCode(t.errorCode, `topic "${topic}"`);
    const p = metadata.partition(topic, partition);
    if (!p) {
      throw createErrorFromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic}" has no partition ${partition} (it has ${t.partitions.length})`);
    }
    if (p.leaderId < 0) {
      this.markStale();
      throw createErrorFromCode(p.errorCode !== ErrorCode.NONE ? p.errorCode : ErrorCode.LEADER_NOT_AVAILABLE, `partition ${partition} of topic "${topic}" has no leader`);
    }
    return { nodeId: p.leaderId, leaderEpoch: p.leaderEpoch };
  }

  /** A connected connection to the broker with id `nodeId`; refreshes metadata once if the id is unknown. */
  async connectionFor(nodeId: number): Promise<Connection> {
    let node = this.#metadata?.brokers.get(nodeId);
    if (!node) node = (await this.refreshMetadata()).brokers.get(nodeId);
    if (!node) throw new KafkaJSBrokerNotFound(`Broker ${nodeId} is not in the cluster metadata`);
    const connection = this.#pool.connectionForNode(node);
    await connection.connect();
    return connection;
  }

  /**
   * The connection to a broker if it is ready to take a request now, else undefined
   * (not in the metadata, not connected yet, reconnecting): for callers that write
   * synchronously when they can and fall back to {@link connectionFor}.
   */
  readyConnectionFor(nodeId: number): Connection | undefined {
    const node = this.#metadata?.brokers.get(nodeId);
    if (!node) return undefined;
    const connection = this.#pool.connectionForNode(node);
    return connection.isReady ? connection : undefined;
  }

  /** A connected connection to the leader of a partition. */
  async connectionForLeader(topic: string, partition: number): Promise<Connection> {
    return this.connectionFor((await this.leaderFor(topic, partition)).nodeId);
  }

  /** A connected connection to any broker (the least loaded one), for requests every broker answers. */
  async anyConnection(): Promise<Connection> {
    return this.#pool.anyConnection(this.#metadata ?? (await this.refreshMetadataIfNeeded()));
  }

  /** The coordinator of a group (or transactional id), cached until `invalidateCoordinator`. */
  async findCoordinator(key: string, type: CoordinatorType = CoordinatorType.GROUP): Promise<BrokerNode> {
    const found = await this.findCoordinators([key], type);
    return found.get(key)!;
  }

  /**
   * The coordinators of several keys of one type: one FindCoordinator request
   * for all of them on v4+ (KIP-699), one per key before. Cached answers are
   * reused; retriable errors (COORDINATOR_NOT_AVAILABLE while the coordinator
   * loads) are retried for the keys still missing.
   */
  async findCoordinators(keys: readonly string[], type: CoordinatorType = CoordinatorType.GROUP): Promise<ReadonlyMap<string, BrokerNode>> {
    const found = new Map<string, BrokerNode>();
    for (const key of keys) {
      const cached = this.#coordinators.get(`${type}:${key}`);
      if (cached) found.set(key, cached);
    }
    if (found.size === keys.length) return found;
    await this.#retrier(async () => {
      const missing = keys.filter((k) => !found.has(k));
      const connection = await this.anyConnection();
      const versions = type === CoordinatorType.GROUP ? FIND_GROUP_COORDINATOR_VERSIONS : FIND_TRANSACTION_COORDINATOR_VERSIONS;
      // The body's shape depends on the version: choose it here and send exactly that one.
      const version = connection.versionFor(ApiKey.FindCoordinator, versions);
      const answers: { key: string; nodeId: number; host: string; port: number; errorCode: number; errorMessage: string | null }[] = [];
      if (version >= 4) {
        const response = await connection.send(FindCoordinatorRequest, FindCoordinatorResponse, { keyType: type, coordinatorKeys: missing }, { version, versions });
        answers.push(...response.coordinators);
      } else {
        for (const key of missing) {
          const response = await connection.send(FindCoordinatorRequest, FindCoordinatorResponse, version >= 1 ? { key, keyType: type } : { key }, { version, versions });
          answers.push({ ...response, key });
        }
      }
      let retriable: Error | undefined;
      for (const a of answers) {
        if (a.errorCode === ErrorCode.NONE) {
          const node: BrokerNode = Object.freeze({ nodeId: a.nodeId, host: a.host, port: a.port, rack: null });
          this.#coordinators.set(`${type}:${a.key}`, node);
          found.set(a.key, node);
          continue;
        }
        const error = createErrorFromCode(a.errorCode, `${a.errorMessage ?? 'no coordinator'} (${coordinatorTypeName(type)} "${a.key}")`);
        if (!error.retriable) throw error;
        retriable = error;
      }
      if (retriable) throw retriable;
    });
    return found;
  }

  /**
   * A connected connection to the coordinator of `key`, apart from the broker's
   * connection for Fetch and Produce (so a commit or heartbeat never waits behind
   * a Fetch long poll); a coordinator that cannot be reached is forgotten.
   */
  async connectionForCoordinator(key: string, type: CoordinatorType = CoordinatorType.GROUP): Promise<Connection> {
    const node = await this.findCoordinator(key, type);
    const connection = this.#pool.coordinatorConnection(node);
    try {
      await connection.connect();
    } catch (e) {
      this.invalidateCoordinator(key, type);
      throw e;
    }
    return connection;
  }

  /** Forget the cached coordinator of `key` (after NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE). */
  invalidateCoordinator(key: string, type: CoordinatorType = CoordinatorType.GROUP): void {
    this.#coordinators.delete(`${type}:${key}`);
  }

  /** A connected connection to the controller (admin requests Kafka before KRaft must send there). */
  async connectionForController(): Promise<Connection> {
    const metadata = await this.refreshMetadataIfNeeded();
    if (metadata.controllerId < 0) throw new KafkaJSBrokerNotFound('The cluster reported no controller');
    return this.connectionFor(metadata.controllerId);
  }

  async #fetchMetadata(connection: Connection, topics: readonly string[]): Promise<ClusterMetadata> {
    const version = connection.versionFor(ApiKey.Metadata, METADATA_VERSIONS);
    // allowAutoTopicCreation exists from v4; before, the broker's auto.create.topics.enable alone decides.
    const response = await connection.send(
      MetadataRequest,
      MetadataResponse,
      { topics: topics.map((name) => ({ name })), ...(version >= 4 ? { allowAutoTopicCreation: this.#allowAutoTopicCreation } : {}) },
      { version, versions: METADATA_VERSIONS },
    );
    const metadata = ClusterMetadata.fromResponse(response, this.#metadata, Date.now());
    this.#metadata = metadata;
    this.#stale = false;
    this.#pool.reconcile(metadata);
    for (const t of metadata.topics.values()) {
      if (t.errorCode !== ErrorCode.NONE) this.#logger.debug('Topic metadata has an error', { topic: t.name, error: createErrorFromCode(t.errorCode).type });
    }
    this.#logger.debug('Metadata refreshed', { broker: connection.broker, version, brokers: metadata.brokers.size, topics: metadata.topics.size, controllerId: metadata.controllerId });
    return metadata;
  }
}
