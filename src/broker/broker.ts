/**
 * The embedded broker's state: config, topics and their logs, consumer groups,
 * idempotent producer state, the API handlers, and the background work
 * (retention, compaction, timed flushes). Sockets are server.ts's business.
 */
import { Authorizer } from './acl/authorizer.js';
import { type BrokerConfig } from './config.js';
import { type Connection } from './connection.js';
import { DynamicBrokerConfig } from './dynamic-config.js';
import { GroupCoordinator } from './groups/group-coordinator.js';
import { allHandlers } from './handlers/index.js';
import { type Handler } from './handlers/handler.js';
import { type BrokerLogger } from './logger.js';
import { ProducerStateManager } from './producer-state/producer-state-manager.js';
import { QueuedRequestBytes } from './queued-request-bytes.js';
import { ClientQuotas } from './quotas/client-quotas.js';
import { scramCredentialStore } from './scram-credential-store.js';
import { TopicRegistry } from './topics.js';

/** A listener's bound address and the address clients are told to use. */
export interface BoundListener {
  readonly name: string;
  readonly securityProtocol: string;
  readonly host: string;
  readonly port: number;
  readonly advertisedHost: string;
  readonly advertisedPort: number;
}

export class Broker {
  readonly handlers: ReadonlyMap<number, Handler>;
  readonly connections = new Set<Connection>();
  /** Bytes of requests read and not yet answered, over all connections (`queued.max.request.bytes`). */
  readonly queuedRequests: QueuedRequestBytes;
  listeners: BoundListener[] = [];
  readonly #timers: NodeJS.Timeout[] = [];

  private constructor(
    readonly config: BrokerConfig,
    readonly logger: BrokerLogger,
    readonly topics: TopicRegistry,
    readonly groups: GroupCoordinator,
    readonly producers: ProducerStateManager,
    /** The ACL authorizer, null when `authorizer.class.name` is empty (everything allowed); see acl/request-authorization.ts. */
    readonly authorizer: Authorizer | null,
    /** Client quotas (KIP-546) and their throttling (quotas/client-quotas.ts). */
    readonly clientQuotas: ClientQuotas,
    /** Broker configs changed at run time (AlterConfigs on a BROKER resource), layered over `config`: see dynamic-config.ts. */
    readonly dynamicConfig: DynamicBrokerConfig,
  ) {
    this.handlers = new Map(allHandlers.map((h) => [h.apiKey, h as Handler]));
    this.queuedRequests = new QueuedRequestBytes(config.queuedMaxRequestBytes);
  }

  /** Open the data directory (recovering logs, producer state and committed offsets) and start background work. */
  static async open(config: BrokerConfig, logger: BrokerLogger): Promise<Broker> {
    // ACLs first: a broker whose ACL file cannot be read must not start (nor recover logs first).
    const authorizer = config.authorizer === null ? null : await Authorizer.open(config.authorizer, config.logDir);
    // Likewise SCRAM credentials and client quotas changed at run time: read now, so a bad file stops the start.
    scramCredentialStore(config);
    const clientQuotas = await ClientQuotas.open(config);
    const topics = await TopicRegistry.open(config, logger);
    const dynamicConfig = DynamicBrokerConfig.open(config, topics, logger);
    const producers = await ProducerStateManager.open(config, topics, logger);
    const groups = await GroupCoordinator.open(config, logger);
    const broker = new Broker(config, logger, topics, groups, producers, authorizer, clientQuotas, dynamicConfig);
    broker.#startBackgroundWork();
    return broker;
  }

  /** The listener a client connected through is the one we advertise back to it (Kafka's rule). */
  listenerNamed(name: string): BoundListener | undefined {
    return this.listeners.find((l) => l.name === name);
  }

  #startBackgroundWork(): void {
    const every = (ms: number, what: string, fn: () => Promise<void>): void => {
      let running = false;
      const t = setInterval(() => {
        if (running) return;
        running = true;
        fn()
          .catch((e: unknown) => this.logger.error(`${what} failed`, { error: e instanceof Error ? e.message : String(e) }))
          .finally(() => (running = false));
      }, ms);
      t.unref();
      this.#timers.push(t);
    };
    every(this.config.logRetentionCheckIntervalMs, 'log retention', async () => {
      const now = Date.now();
      for (const t of this.topics.list()) {
        if (!t.config('cleanup.policy').includes('delete')) continue;
        for (const p of t.partitions) await p.log.enforceRetention(now);
      }
    });
    every(this.config.logCleanerBackoffMs, 'log cleaner', async () => {
      const now = Date.now();
      for (const t of this.topics.list()) {
        if (!t.config('cleanup.policy').includes('compact')) continue;
        for (const p of t.partitions) await p.log.compact(now);
      }
    });
    every(this.config.producerIdExpirationCheckIntervalMs, 'producer id expiration', async () => this.producers.removeExpiredProducers(Date.now()));
    // Kafka's LogManager.flushDirtyLogs: one check for every log, each flushed when its own
    // flush.ms (the topic's override or log.flush.interval.ms) elapsed since its last flush.
    // The broker-wide interval, when shorter than the check's, keeps its cadence.
    const brokerFlushMs = this.config.flush.kind === 'interval' ? this.config.flush.ms : Infinity;
    every(Math.min(this.config.logFlushSchedulerIntervalMs, brokerFlushMs), 'log flush', async () => {
      for (const t of this.topics.list()) {
        for (const p of t.partitions) {
          const { flush } = p.log.config;
          // A topic deleted mid-pass leaves closing logs in the snapshot: skip them, as the cleaner does.
          if (flush.kind !== 'interval' || p.log.isClosing) continue;
          if (Date.now() - p.log.lastFlushTime >= flush.ms) await p.log.flush();
        }
      }
    });
  }

  /** Run retention and compaction now on every partition (tests, admin). */
  async runLogMaintenance(now = Date.now()): Promise<void> {
    for (const t of this.topics.list()) {
      const policy = t.config('cleanup.policy');
      for (const p of t.partitions) {
        if (policy.includes('delete')) await p.log.enforceRetention(now);
        if (policy.includes('compact')) await p.log.compact(now);
      }
    }
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    for (const c of this.connections) c.socket.destroy();
    await this.groups.close();
    await this.producers.close();
    await this.topics.close();
    await this.authorizer?.close();
  }
}
