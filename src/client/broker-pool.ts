/**
 * The client's connections: one per broker node id, opened lazily on first
 * use, plus short-lived connections to bootstrap addresses.
 *
 * A bootstrap connection exists to fetch the first Metadata. When its address
 * turns out to be a broker's advertised address it is adopted as that node's
 * connection, so bootstrapping costs no second socket; otherwise it is closed
 * (Java likewise stops using bootstrap connections once it knows the brokers).
 * Reconnects after a failure wait out each connection's own backoff.
 */
import { KafkaJSError, KafkaJSNoBrokerAvailableError, KafkaJSNonRetriableError } from '../errors/errors.js';
import { Connection } from '../network/connection.js';
import { type NetworkInstrumentation } from '../network/instrumentation.js';
import { type BrokerAddress, type ResolvedKafkaConfig, parseBrokerList } from './client-options.js';
import { type Logger } from './logger.js';
import { type BrokerNode, type ClusterMetadata } from './metadata-cache.js';

/** What every connection of the pool shares. */
export interface BrokerPoolOptions {
  readonly config: ResolvedKafkaConfig;
  readonly maxInFlightRequests: number | null;
  readonly instrumentation: NetworkInstrumentation | undefined;
  /** The connections' logger. */
  readonly logger: Logger;
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  // Fisher-Yates: spreads the first connection of many clients over the bootstrap list (KafkaJS shuffles too).
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Connections by node id, and the bootstrap connections not yet adopted. */
export class BrokerPool {
  readonly #options: BrokerPoolOptions;
  readonly #byNode = new Map<number, Connection>();
  /** Connections to coordinators, by node id: apart from the node's own connection (see coordinatorConnection). */
  readonly #coordinators = new Map<number, Connection>();
  readonly #bootstrap = new Set<Connection>();

  constructor(options: BrokerPoolOptions) {
    this.#options = options;
  }

  /** Every connection the pool holds, bootstrap ones included (tests, metrics). */
  get connections(): readonly Connection[] {
    return [...this.#byNode.values(), ...this.#coordinators.values(), ...this.#bootstrap];
  }

  /**
   * The connection to `node`, created (not connected) if there is none. A node
   * whose advertised address changed gets a new connection; the old one is closed.
   */
  connectionForNode(node: Pick<BrokerNode, 'nodeId' | 'host' | 'port'>): Connection {
    const existing = this.#byNode.get(node.nodeId);
    if (existing && existing.host === node.host && existing.port === node.port) return existing;
    if (existing) void existing.disconnect();
    const connection = this.#create(node, node.nodeId);
    this.#byNode.set(node.nodeId, connection);
    return connection;
  }

  /**
   * The connection to `node` as a group or transaction coordinator, created (not
   * connected) if there is none: a second connection to that broker, as Java's
   * clients open one (they key it by Integer.MAX_VALUE - nodeId). A broker
   * answers a connection's requests one at a time, in order (Kafka mutes a
   * channel while a request is in progress), so on the node's own connection a
   * commit, heartbeat or LeaveGroup would wait behind a Fetch long poll for up to
   * its maxWaitTimeInMs.
   */
  coordinatorConnection(node: Pick<BrokerNode, 'nodeId' | 'host' | 'port'>): Connection {
    const existing = this.#coordinators.get(node.nodeId);
    if (existing && existing.host === node.host && existing.port === node.port) return existing;
    if (existing) void existing.disconnect();
    const connection = this.#create(node, node.nodeId);
    this.#coordinators.set(node.nodeId, connection);
    return connection;
  }

  /**
   * A connected connection to any broker, for requests any broker answers
   * (Metadata, FindCoordinator). The least loaded ready connection when there
   * is one (Java's leastLoadedNode); else the known brokers in random order;
   * else the bootstrap addresses. A non-retriable failure (SASL refused)
   * stops the search at once: another broker would refuse it too.
   */
  async anyConnection(metadata: ClusterMetadata | undefined): Promise<Connection> {
    let best: Connection | undefined;
    for (const c of this.#byNode.values()) {
      if (c.isReady && (!best || c.inFlightCount + c.queueSize < best.inFlightCount + best.queueSize)) best = c;
    }
    if (best) return best;

    const failures: string[] = [];
    const attempt = async (connection: Connection): Promise<boolean> => {
      try {
        await connection.connect();
        return true;
      } catch (e) {
        if (e instanceof Error && (e as { retriable?: unknown }).retriable !== true) throw e;
        failures.push(`${connection.broker} (${e instanceof Error ? e.message : String(e)})`);
        return false;
      }
    };
    for (const node of shuffled([...(metadata?.brokers.values() ?? [])])) {
      const connection = this.connectionForNode(node);
      if (await attempt(connection)) return connection;
    }
    for (const address of shuffled(await this.#bootstrapAddresses())) {
      const connection = this.#create(address, -1);
      this.#bootstrap.add(connection);
      if (await attempt(connection)) return connection;
      this.#bootstrap.delete(connection);
      await connection.disconnect();
    }
    throw new KafkaJSNoBrokerAvailableError(`No broker available: ${failures.join('; ')}`);
  }

  /**
   * After a Metadata response: adopt bootstrap connections whose address is a
   * broker's, close the others, and close connections to nodes that left the cluster.
   */
  reconcile(metadata: ClusterMetadata): void {
    for (const connection of this.#bootstrap) {
      this.#bootstrap.delete(connection);
      const node = [...metadata.brokers.values()].find((b) => b.host === connection.host && b.port === connection.port);
      const current = node && this.#byNode.get(node.nodeId);
      if (node && connection.isReady && (!current || !current.isReady)) {
        if (current) void current.disconnect();
        this.#byNode.set(node.nodeId, connection);
      } else {
        void connection.disconnect();
      }
    }
    for (const connections of [this.#byNode, this.#coordinators]) {
      for (const [nodeId, connection] of connections) {
        if (metadata.brokers.has(nodeId)) continue;
        connections.delete(nodeId);
        void connection.disconnect();
      }
    }
  }

  /** Close every connection and forget them; resolves once every socket is closed. */
  async disconnect(): Promise<void> {
    const all = this.connections;
    this.#byNode.clear();
    this.#coordinators.clear();
    this.#bootstrap.clear();
    await Promise.all(all.map((c) => c.disconnect()));
  }

  async #bootstrapAddresses(): Promise<readonly BrokerAddress[]> {
    const source = this.#options.config.bootstrap;
    if (source.kind === 'list') return source.addresses;
    let result: unknown;
    try {
      result = await source.brokers();
    } catch (e) {
      // KafkaJS treats a failing brokers function as fatal for this attempt, and so do we.
      throw new KafkaJSNonRetriableError(`Failed to connect: the brokers function threw: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    try {
      return parseBrokerList(result, 'brokers()');
    } catch (e) {
      throw e instanceof KafkaJSError ? e : new KafkaJSNonRetriableError(String(e));
    }
  }

  #create(address: BrokerAddress, nodeId: number): Connection {
    const { config, maxInFlightRequests, instrumentation, logger } = this.#options;
    return new Connection({
      host: address.host,
      port: address.port,
      nodeId,
      clientId: config.clientId,
      ssl: config.ssl,
      sasl: config.sasl,
      connectionTimeout: config.connectionTimeout,
      authenticationTimeout: config.authenticationTimeout,
      reauthenticationThreshold: config.reauthenticationThreshold,
      requestTimeout: config.requestTimeout,
      enforceRequestTimeout: config.enforceRequestTimeout,
      maxInFlightRequests,
      logger,
      instrumentation,
    });
  }
}
