/**
 * The admin client's public face, KafkaJS 2.2.4's `Admin`: the same method
 * names, arguments and results, plus what Java's admin has and KafkaJS lacks
 * (`incrementalAlterConfigs`, `deleteConsumerGroupOffsets`, `listOffsets` with
 * an isolation level). Each concern lives in its own file; this class holds the
 * cluster, the events and the one context every operation shares.
 *
 * ```
 * admin.createTopics ──> topics.ts ──> controller
 * admin.fetchOffsets ──> group-offsets.ts ──> group coordinator
 * admin.fetchTopicOffsets ──> offsets.ts ──> each partition's leader
 * ```
 */
import { Cluster } from '../client/cluster.js';
import { type KafkaConfig, type ResolvedKafkaConfig, resolveKafkaConfig } from '../client/client-options.js';
import { type Logger, createLogger } from '../client/logger.js';
import { KafkaJSNonRetriableError } from '../errors/errors.js';
import { type InstrumentationEvent, type NetworkEvent } from '../network/instrumentation.js';
import { type AdminConfig, type ResolvedAdminConfig, resolveAdminConfig } from './admin-config.js';
import { AdminContext } from './admin-context.js';
import * as acls from './acls.js';
import {
  type AclEntry,
  type AclFilter,
  type AlterConfigsResult,
  type BrokerLogDirs,
  type ClusterDescription,
  type DeleteAclResponse,
  type DeleteGroupsResult,
  type DescribeAclResponse,
  type DescribeConfigResponse,
  type DescribeProducersResult,
  type ElectLeadersResult,
  type FetchOffsetsPartition,
  type GroupDescriptions,
  type GroupOverview,
  type IncrementalResourceConfig,
  type IResourceConfig,
  type ITopicMetadata,
  type ITopicPartitionConfig,
  type ListedOffset,
  type ListPartitionReassignmentsResponse,
  type PartitionReassignment,
  type ResourceConfigQuery,
  type SeekEntry,
  type TopicPartitions,
} from './admin-types.js';
import {
  type ClientQuotaAlteration,
  type ClientQuotaFilterComponent,
  type DescribeClientQuotasResult,
  type ScramCredentialDeletion,
  type ScramCredentialUpsertion,
  type UserScramCredentialsDescription,
} from './admin-types.js';
import * as clientQuotas from './client-quotas.js';
import * as clusterInfo from './cluster-info.js';
import * as configs from './configs.js';
import * as elections from './elect-leaders.js';
import * as groupOffsets from './group-offsets.js';
import * as groups from './groups.js';
import * as logDirs from './log-dirs.js';
import * as offsets from './offsets.js';
import * as producers from './producers.js';
import * as reassignments from './reassignments.js';
import * as scramCredentials from './scram-credentials.js';
import * as topics from './topics.js';

/** Event names, KafkaJS's. */
export const AdminEvents = Object.freeze({
  CONNECT: 'admin.connect',
  DISCONNECT: 'admin.disconnect',
  REQUEST: 'admin.network.request',
  REQUEST_TIMEOUT: 'admin.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'admin.network.request_queue_size',
} as const);
/** One of {@link AdminEvents}' values. */
export type AdminEventName = (typeof AdminEvents)[keyof typeof AdminEvents];

/** What listeners receive (KafkaJS's InstrumentationEvent). */
export type AdminInstrumentationEvent<T = unknown> = InstrumentationEvent<T>;

const EVENT_NAMES: ReadonlySet<string> = new Set(Object.values(AdminEvents));
let eventId = 0;

/**
 * The admin client; build it with `kafka.admin(config)` (or {@link createAdmin}).
 * Every operation is `async`, as KafkaJS's: a bad argument rejects, never throws.
 */
export class Admin {
  readonly events = AdminEvents;
  readonly #cluster: Cluster;
  readonly #ctx: AdminContext;
  readonly #logger: Logger;
  readonly #listeners = new Map<string, Set<(event: AdminInstrumentationEvent) => void>>();

  /** Use `kafka.admin(config)`: the cluster must be this admin's own. */
  constructor(cluster: Cluster, config: ResolvedAdminConfig, logger: Logger) {
    this.#cluster = cluster;
    this.#logger = logger.namespace('Admin');
    this.#ctx = new AdminContext(cluster, config, this.#logger);
  }

  /** Whether `event` has a listener (network events are only built then). */
  listening(event: string): boolean {
    const set = this.#listeners.get(event);
    return set !== undefined && set.size > 0;
  }

  /** Forward a network event of the cluster to `admin.network.*` listeners. */
  onNetworkEvent(event: NetworkEvent): void {
    this.#emit(`admin.${event.type}`, event.payload);
  }

  /** Connect to a bootstrap broker and fetch metadata. */
  async connect(): Promise<void> {
    await this.#cluster.connect();
    this.#emit(AdminEvents.CONNECT, null);
  }

  /** Close every connection. */
  async disconnect(): Promise<void> {
    await this.#cluster.disconnect();
    this.#emit(AdminEvents.DISCONNECT, null);
  }

  /** The admin's logger (KafkaJS's `admin.logger()`). */
  logger(): Logger {
    return this.#logger;
  }

  /** Listen to an event; returns a function that removes the listener. */
  on<T = unknown>(eventName: AdminEventName, listener: (event: AdminInstrumentationEvent<T>) => void): () => void {
    if (!EVENT_NAMES.has(eventName)) {
      throw new KafkaJSNonRetriableError(`Event name should be one of ${Object.keys(AdminEvents).map((k) => `admin.events.${k}`).join(', ')}`);
    }
    let set = this.#listeners.get(eventName);
    if (!set) this.#listeners.set(eventName, (set = new Set()));
    const l = listener as (event: AdminInstrumentationEvent) => void;
    set.add(l);
    return () => set.delete(l);
  }

  // ---- topics ----

  /** The names of every topic. */
  async listTopics(): Promise<string[]> {
    return clusterInfo.listTopics(this.#ctx);
  }

  /** Create topics: true, or false when the ones that failed already existed. */
  async createTopics(options: topics.CreateTopicsOptions): Promise<boolean> {
    return topics.createTopics(this.#ctx, options);
  }

  /** Delete topics. */
  async deleteTopics(options: { topics: string[]; timeout?: number }): Promise<void> {
    return topics.deleteTopics(this.#ctx, options);
  }

  /** Add partitions to topics. */
  async createPartitions(options: { topicPartitions: ITopicPartitionConfig[]; validateOnly?: boolean; timeout?: number }): Promise<boolean> {
    return topics.createPartitions(this.#ctx, options);
  }

  /** Partitions, leaders and replicas of the topics (all when none are named). */
  async fetchTopicMetadata(options?: { topics?: string[] }): Promise<{ topics: ITopicMetadata[] }> {
    return clusterInfo.fetchTopicMetadata(this.#ctx, options);
  }

  /** The brokers, the controller and the cluster id. */
  async describeCluster(): Promise<ClusterDescription> {
    return clusterInfo.describeCluster(this.#ctx);
  }

  /** Move partitions to other replicas (KIP-455). */
  async alterPartitionReassignments(options: { topics: PartitionReassignment[]; timeout?: number }): Promise<void> {
    return reassignments.alterPartitionReassignments(this.#ctx, options);
  }

  /** The partition moves in progress. */
  async listPartitionReassignments(options: { topics?: TopicPartitions[] | null; timeout?: number } = {}): Promise<ListPartitionReassignmentsResponse> {
    return reassignments.listPartitionReassignments(this.#ctx, options);
  }

  /** Elect the preferred (or, without a leader, any live) replica as leader (KIP-460). Not in KafkaJS. */
  async electLeaders(options: elections.ElectLeadersOptions): Promise<ElectLeadersResult> {
    return elections.electLeaders(this.#ctx, options);
  }

  /** Each broker's log directories and the size of each partition replica in them (KIP-113). Not in KafkaJS. */
  async describeLogDirs(options: logDirs.DescribeLogDirsOptions = {}): Promise<BrokerLogDirs[]> {
    return logDirs.describeLogDirs(this.#ctx, options);
  }

  /** The idempotent producers each partition's leader remembers (KIP-664). Not in KafkaJS. */
  async describeProducers(options: { topics: TopicPartitions[] }): Promise<DescribeProducersResult> {
    return producers.describeProducers(this.#ctx, options);
  }

  // ---- partition offsets ----

  /** Each partition's low and high watermarks. */
  async fetchTopicOffsets(topic: string): Promise<(SeekEntry & { high: string; low: string })[]> {
    return offsets.fetchTopicOffsets(this.#ctx, topic);
  }

  /** Each partition's first offset at or after `timestamp`. */
  async fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<SeekEntry[]> {
    return offsets.fetchTopicOffsetsByTimestamp(this.#ctx, topic, timestamp);
  }

  /** Offsets by spec ('earliest', 'latest', 'max-timestamp', a timestamp) and isolation level. Not in KafkaJS. */
  async listOffsets(options: offsets.ListOffsetsOptions): Promise<{ topic: string; partitions: ListedOffset[] }[]> {
    return offsets.listOffsets(this.#ctx, options);
  }

  /** Delete the records before the given offsets. */
  async deleteTopicRecords(options: { topic: string; partitions: SeekEntry[] }): Promise<void> {
    return offsets.deleteTopicRecords(this.#ctx, options);
  }

  // ---- group offsets ----

  /** A group's committed offsets. */
  async fetchOffsets(options: groupOffsets.FetchOffsetsOptions): Promise<{ topic: string; partitions: FetchOffsetsPartition[] }[]> {
    return groupOffsets.fetchOffsets(this.#ctx, options);
  }

  /** Commit offsets for a group without running members. */
  async setOffsets(options: { groupId: string; topic: string; partitions: SeekEntry[] }): Promise<void> {
    return groupOffsets.setOffsets(this.#ctx, options);
  }

  /** Move a group's offsets of a topic to the earliest or latest. */
  async resetOffsets(options: { groupId: string; topic: string; earliest?: boolean }): Promise<void> {
    return groupOffsets.resetOffsets(this.#ctx, options);
  }

  /** Delete a group's committed offsets of some partitions (OffsetDelete, KIP-496). Not in KafkaJS. */
  async deleteConsumerGroupOffsets(options: groupOffsets.DeleteGroupOffsetsOptions): Promise<void> {
    return groupOffsets.deleteConsumerGroupOffsets(this.#ctx, options);
  }

  // ---- groups ----

  /** Every group of every broker. */
  async listGroups(): Promise<{ groups: GroupOverview[] }> {
    return groups.listGroups(this.#ctx);
  }

  /** State, protocol and members of groups. */
  async describeGroups(groupIds: string[]): Promise<GroupDescriptions> {
    return groups.describeGroups(this.#ctx, groupIds);
  }

  /** Delete groups with their offsets. */
  async deleteGroups(groupIds: string[]): Promise<DeleteGroupsResult[]> {
    return groups.deleteGroups(this.#ctx, groupIds);
  }

  // ---- configs ----

  /** Configs of topics and brokers; `includeDocumentation` (not in KafkaJS) adds each config's description. */
  async describeConfigs(options: { resources: ResourceConfigQuery[]; includeSynonyms?: boolean; includeDocumentation?: boolean }): Promise<DescribeConfigResponse> {
    return configs.describeConfigs(this.#ctx, options);
  }

  /** Replace the configs of resources. */
  async alterConfigs(options: { resources: IResourceConfig[]; validateOnly?: boolean }): Promise<AlterConfigsResult> {
    return configs.alterConfigs(this.#ctx, options);
  }

  /** Change individual configs (KIP-339). Not in KafkaJS. */
  async incrementalAlterConfigs(options: { resources: IncrementalResourceConfig[]; validateOnly?: boolean }): Promise<AlterConfigsResult> {
    return configs.incrementalAlterConfigs(this.#ctx, options);
  }

  // ---- ACLs ----

  /** Store ACL bindings. */
  async createAcls(options: { acl: AclEntry[] }): Promise<boolean> {
    return acls.createAcls(this.#ctx, options);
  }

  /** The bindings a filter selects. */
  async describeAcls(filter: AclFilter): Promise<DescribeAclResponse> {
    return acls.describeAcls(this.#ctx, filter);
  }

  /** Remove the bindings filters select. */
  async deleteAcls(options: { filters: AclFilter[] }): Promise<DeleteAclResponse> {
    return acls.deleteAcls(this.#ctx, options);
  }

  // ---- SCRAM credentials (KIP-554) and client quotas (KIP-546) ----

  /** The users asked for (all when none) and the SCRAM mechanisms each has a credential for. */
  async describeUserScramCredentials(options: { users?: string[] } = {}): Promise<UserScramCredentialsDescription> {
    return scramCredentials.describeUserScramCredentials(this.#ctx, options);
  }

  /** Install (the password salted and hashed here, never sent) and remove SCRAM credentials. */
  async alterUserScramCredentials(options: { upsertions?: ScramCredentialUpsertion[]; deletions?: ScramCredentialDeletion[] }): Promise<void> {
    return scramCredentials.alterUserScramCredentials(this.#ctx, options);
  }

  /** The client quotas a filter selects. */
  async describeClientQuotas(options: { components: ClientQuotaFilterComponent[]; strict?: boolean }): Promise<DescribeClientQuotasResult> {
    return clientQuotas.describeClientQuotas(this.#ctx, options);
  }

  /** Set or remove client quota values (`validateOnly`: check only). */
  async alterClientQuotas(options: { entries: ClientQuotaAlteration[]; validateOnly?: boolean }): Promise<void> {
    return clientQuotas.alterClientQuotas(this.#ctx, options);
  }

  #emit(type: string, payload: unknown): void {
    const set = this.#listeners.get(type);
    if (!set || set.size === 0) return;
    const event: AdminInstrumentationEvent = { id: ++eventId, type, timestamp: Date.now(), payload };
    for (const l of set) {
      try {
        l(event);
      } catch (e) {
        this.#logger.error(`Failed to execute listener: ${e instanceof Error ? e.message : String(e)}`, { eventName: type });
      }
    }
  }
}

/**
 * An admin client with its own cluster view (connections, metadata), as
 * `kafka.admin(config)` builds it: topics are never created by its metadata
 * requests (KafkaJS's `allowAutoTopicCreation: false`), and the cluster's
 * network events reach `admin.network.*` listeners. `rootLogger` defaults to
 * one built from the client options' `logLevel` and `logCreator`.
 *
 * @throws KafkaJSConfigurationError naming an invalid option
 */
export function createAdmin(kafkaConfig: KafkaConfig | ResolvedKafkaConfig, adminConfig: AdminConfig = {}, rootLogger?: Logger): Admin {
  const resolvedKafka = resolveKafkaConfig(kafkaConfig);
  const logger = rootLogger ?? createLogger({ level: resolvedKafka.logLevel, logCreator: resolvedKafka.logCreator });
  const resolved = resolveAdminConfig(adminConfig, resolvedKafka.retry);
  let admin: Admin | undefined;
  const cluster = new Cluster(
    // The cluster's own retries (metadata, coordinators) follow the client's options, as KafkaJS's.
    resolvedKafka,
    {
      metadataMaxAge: resolved.metadataMaxAge,
      allowAutoTopicCreation: false,
      logger,
      instrumentation: Object.assign((event: NetworkEvent) => admin?.onNetworkEvent(event), {
        listening: (type: NetworkEvent['type']) => admin?.listening(`admin.${type}`) ?? false,
      }),
    },
  );
  admin = new Admin(cluster, resolved, logger);
  return admin;
}
