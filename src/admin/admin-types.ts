/**
 * The admin client's constants and argument/result types, with KafkaJS 2.2.4's
 * names and values (`kafkajs/types/index.d.ts`, `kafkajs/src/protocol/*Types.js`),
 * which are Kafka's own codes on the wire. KafkaJS declares the constants as
 * TypeScript enums; here they are frozen `as const` objects with a union type of
 * the same name, so `ConfigResourceTypes.TOPIC` reads and types the same way.
 */
import { AclOperation, AclPatternType, AclPermissionType, AclResourceType } from '../protocol/acl-types.js';

/** Config resource types (Kafka's `ConfigResource.Type`). */
export const ConfigResourceTypes = Object.freeze({ UNKNOWN: 0, TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const);
/** One of {@link ConfigResourceTypes}' values. */
export type ConfigResourceTypes = (typeof ConfigResourceTypes)[keyof typeof ConfigResourceTypes];

/** Where a config's value comes from (Kafka's `ConfigEntry.ConfigSource`; KafkaJS names 1 TOPIC_CONFIG). */
export const ConfigSource = Object.freeze({
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const);
/** One of {@link ConfigSource}'s values. */
export type ConfigSource = (typeof ConfigSource)[keyof typeof ConfigSource];

// KafkaJS 2.2.4's ACL tables are Kafka's codes (protocol/acl-types.ts) without the
// ones Kafka added later (USER, KIP-554; CREATE_TOKENS and DESCRIBE_TOKENS, KIP-373),
// which KafkaJS's argument checks refuse, as these do.
const { USER: _user, ...kafkaJsResourceTypes } = AclResourceType;
const { CREATE_TOKENS: _createTokens, DESCRIBE_TOKENS: _describeTokens, ...kafkaJsOperations } = AclOperation;

/** ACL resource types (Kafka's `ResourceType`). */
export const AclResourceTypes = Object.freeze(kafkaJsResourceTypes);
/** One of {@link AclResourceTypes}' values. */
export type AclResourceTypes = (typeof AclResourceTypes)[keyof typeof AclResourceTypes];

/** ACL operations (Kafka's `AclOperation`). */
export const AclOperationTypes = Object.freeze(kafkaJsOperations);
/** One of {@link AclOperationTypes}' values. */
export type AclOperationTypes = (typeof AclOperationTypes)[keyof typeof AclOperationTypes];

/** ACL permissions (Kafka's `AclPermissionType`). */
export const AclPermissionTypes = AclPermissionType;
/** One of {@link AclPermissionTypes}' values. */
export type AclPermissionTypes = AclPermissionType;

/** Resource pattern types (Kafka's `PatternType`, KIP-290). */
export const ResourcePatternTypes = AclPatternType;
/** One of {@link ResourcePatternTypes}' values. */
export type ResourcePatternTypes = AclPatternType;

/** IncrementalAlterConfigs operations (Kafka's `AlterConfigOp.OpType`, KIP-339). Not in KafkaJS. */
export const AlterConfigOpTypes = Object.freeze({ SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const);
/** One of {@link AlterConfigOpTypes}' values. */
export type AlterConfigOpTypes = (typeof AlterConfigOpTypes)[keyof typeof AlterConfigOpTypes];

/** ListOffsets isolation levels (KIP-98). Not in KafkaJS's admin. */
export const IsolationLevel = Object.freeze({ READ_UNCOMMITTED: 0, READ_COMMITTED: 1 } as const);
/** One of {@link IsolationLevel}'s values. */
export type IsolationLevel = (typeof IsolationLevel)[keyof typeof IsolationLevel];

// ---- topics ----

/** One config of a topic or resource: KafkaJS's `IResourceConfigEntry`. */
export interface IResourceConfigEntry {
  name: string;
  value: string;
}

/** A manual replica assignment for one partition. */
export interface ReplicaAssignment {
  partition: number;
  replicas: number[];
}

/** One topic to create: KafkaJS's `ITopicConfig`. */
export interface ITopicConfig {
  topic: string;
  /** Default -1: the broker's `num.partitions` (Kafka 2.4+, KIP-464). */
  numPartitions?: number;
  /** Default -1: the broker's `default.replication.factor`. */
  replicationFactor?: number;
  replicaAssignment?: ReplicaAssignment[];
  configEntries?: IResourceConfigEntry[];
}

/** Partitions to add to one topic: KafkaJS's `ITopicPartitionConfig`. */
export interface ITopicPartitionConfig {
  topic: string;
  /** The new total number of partitions. */
  count: number;
  /** Replicas of each new partition. */
  assignments?: number[][];
}

/**
 * One partition as `fetchTopicMetadata` describes it: KafkaJS's `PartitionMetadata`
 * (renamed: the partitioners' `PartitionMetadata` is the narrower shape they receive).
 */
export interface TopicPartitionMetadata {
  partitionErrorCode: number;
  partitionId: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offlineReplicas?: number[];
}

/** One topic as `fetchTopicMetadata` describes it: KafkaJS's `ITopicMetadata`. */
export interface ITopicMetadata {
  name: string;
  partitions: TopicPartitionMetadata[];
}

/** New replicas for partitions of one topic: KafkaJS's `PartitionReassignment`. */
export interface PartitionReassignment {
  topic: string;
  /** Each partition's target replicas; `replicas: null` cancels a move in progress (not in KafkaJS). */
  partitionAssignment: { partition: number; replicas: number[] | null }[];
}

/** Partitions of one topic: KafkaJS's `TopicPartitions`. */
export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** A partition move in progress: KafkaJS's `OngoingPartitionReassignment`. */
export interface OngoingPartitionReassignment {
  partitionIndex: number;
  replicas: number[];
  addingReplicas?: number[];
  removingReplicas?: number[];
}

/** `listPartitionReassignments`' answer: KafkaJS's `ListPartitionReassignmentsResponse`. */
export interface ListPartitionReassignmentsResponse {
  topics: { topic: string; partitions: OngoingPartitionReassignment[] }[];
}

// ---- offsets ----

/** A partition and an offset, as a decimal string (KafkaJS's `SeekEntry`). */
export interface SeekEntry {
  partition: number;
  offset: string;
}

/** A committed offset: KafkaJS's `FetchOffsetsPartition`. */
export interface FetchOffsetsPartition extends SeekEntry {
  metadata: string | null;
}

/** One partition's offset from `listOffsets`. */
export interface ListedOffset {
  partition: number;
  offset: string;
  /** The timestamp of the record found, as a decimal string; '-1' when the broker reports none. */
  timestamp: string;
  /** The leader epoch of the record found; -1 when unknown. */
  leaderEpoch: number;
}

// ---- configs ----

/** A config resource to describe: KafkaJS's `ResourceConfigQuery`. */
export interface ResourceConfigQuery {
  type: ConfigResourceTypes;
  name: string;
  /** Only these configs; absent or empty: all of them. */
  configNames?: string[];
}

/** Another source of a config's value: KafkaJS's `ConfigSynonyms`. */
export interface ConfigSynonyms {
  configName: string;
  configValue: string | null;
  configSource: ConfigSource;
}

/** One config of a described resource: KafkaJS's `ConfigEntries`. */
export interface ConfigEntries {
  configName: string;
  /** null for a sensitive config, or one without a value. */
  configValue: string | null;
  isDefault: boolean;
  configSource: ConfigSource;
  isSensitive: boolean;
  readOnly: boolean;
  configSynonyms: ConfigSynonyms[];
  /** The broker's description of the config (null when it has none); present only when `describeConfigs` asked with `includeDocumentation`. Not in KafkaJS. */
  documentation?: string | null;
}

/** `describeConfigs`' answer: KafkaJS's `DescribeConfigResponse`. */
export interface DescribeConfigResponse {
  resources: {
    configEntries: ConfigEntries[];
    errorCode: number;
    errorMessage: string | null;
    resourceName: string;
    resourceType: ConfigResourceTypes;
  }[];
  throttleTime: number;
}

/** A resource and the configs to give it: KafkaJS's `IResourceConfig`. */
export interface IResourceConfig {
  type: ConfigResourceTypes;
  name: string;
  configEntries: IResourceConfigEntry[];
}

/** One config change of `incrementalAlterConfigs`. */
export interface IncrementalConfigEntry {
  name: string;
  /** Required for SET, APPEND and SUBTRACT; ignored for DELETE. */
  value?: string | null;
  /** Default SET. */
  operation?: AlterConfigOpTypes;
}

/** A resource and the config changes to make: `incrementalAlterConfigs`' argument. */
export interface IncrementalResourceConfig {
  type: ConfigResourceTypes;
  name: string;
  configEntries: IncrementalConfigEntry[];
}

/** `alterConfigs`' and `incrementalAlterConfigs`' answer. */
export interface AlterConfigsResult {
  resources: { errorCode: number; errorMessage: string | null; resourceType: ConfigResourceTypes; resourceName: string }[];
  throttleTime: number;
}

// ---- groups ----

/** One group of `listGroups`: KafkaJS's `GroupOverview`, plus its state (ListGroups v4+; '' before). */
export interface GroupOverview {
  groupId: string;
  protocolType: string;
  groupState?: string;
}

/** One member of a described group: KafkaJS's `MemberDescription`. */
export interface MemberDescription {
  clientHost: string;
  clientId: string;
  memberId: string;
  memberAssignment: Buffer;
  memberMetadata: Buffer;
  /** The static member id (KIP-345), null for a dynamic member. */
  groupInstanceId?: string | null;
}

/** A group's state (Kafka's `ConsumerGroupState`). */
export type ConsumerGroupState = 'Unknown' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead' | 'Empty';

/** One described group: KafkaJS's `GroupDescription`. */
export interface GroupDescription {
  groupId: string;
  members: MemberDescription[];
  protocol: string;
  protocolType: string;
  state: ConsumerGroupState;
  errorCode: number;
}

/** `describeGroups`' answer: KafkaJS's `GroupDescriptions`. */
export interface GroupDescriptions {
  groups: GroupDescription[];
}

/** One group's outcome of `deleteGroups`: KafkaJS's `DeleteGroupsResult`. */
export interface DeleteGroupsResult {
  groupId: string;
  errorCode?: number;
  error?: Error;
}

// ---- ACLs ----

/** Who may do what: KafkaJS's `Acl`. */
export interface Acl {
  principal: string;
  host: string;
  operation: AclOperationTypes;
  permissionType: AclPermissionTypes;
}

/** The resource an ACL applies to: KafkaJS's `AclResource`. */
export interface AclResource {
  resourceType: AclResourceTypes;
  resourceName: string;
  resourcePatternType: ResourcePatternTypes;
}

/** One ACL binding: KafkaJS's `AclEntry`. */
export type AclEntry = Acl & AclResource;

/** Selects ACL bindings: KafkaJS's `AclFilter` (absent strings match any). */
export interface AclFilter {
  resourceType: AclResourceTypes;
  resourceName?: string;
  resourcePatternType: ResourcePatternTypes;
  principal?: string;
  host?: string;
  operation: AclOperationTypes;
  permissionType: AclPermissionTypes;
}

/** `describeAcls`' answer: KafkaJS's `DescribeAclResponse`. */
export interface DescribeAclResponse {
  throttleTime: number;
  errorCode: number;
  errorMessage?: string | null;
  resources: (AclResource & { acls: Acl[] })[];
}

/** One binding a delete filter removed: KafkaJS's `MatchingAcl`. */
export interface MatchingAcl extends AclEntry {
  errorCode: number;
  errorMessage?: string | null;
}

/** `deleteAcls`' answer: KafkaJS's `DeleteAclResponse`. */
export interface DeleteAclResponse {
  throttleTime: number;
  filterResponses: { errorCode: number; errorMessage?: string | null; matchingAcls: MatchingAcl[] }[];
}

// ---- cluster ----

/** `describeCluster`'s answer, KafkaJS's shape. */
export interface ClusterDescription {
  brokers: { nodeId: number; host: string; port: number }[];
  /** null when the cluster reports no controller. */
  controller: number | null;
  clusterId: string;
}

// ---- log directories, producers, leader elections (not in KafkaJS; Java's admin shapes) ----

/** A partition's replica in a log directory: Java's `ReplicaInfo`. */
export interface ReplicaInfo {
  partition: number;
  /** Bytes of its segment files. */
  size: number;
  /** How far its log end offset is behind the high watermark (current replica) or the current replica's (future one). */
  offsetLag: number;
  /** Whether it is a future replica, being moved here by AlterReplicaLogDirs. */
  isFuture: boolean;
}

/** One log directory of a broker: Java's `LogDirDescription`. */
export interface LogDirDescription {
  /** The directory's absolute path (`:memory:` for a tskafka broker in memory). */
  path: string;
  /** Why the directory is offline (KAFKA_STORAGE_ERROR...), null when it is online. */
  error: Error | null;
  /** The volume's total and usable bytes; null when unknown (the broker is older than Kafka 3.3, or cannot tell). */
  totalBytes: number | null;
  usableBytes: number | null;
  topics: { topic: string; partitions: ReplicaInfo[] }[];
}

/** `describeLogDirs`' answer for one broker. */
export interface BrokerLogDirs {
  brokerId: number;
  logDirs: LogDirDescription[];
}

/** An idempotent or transactional producer as a partition's leader remembers it: Java's `ProducerState`. */
export interface ProducerState {
  /** A decimal string: producer ids are 64-bit. */
  producerId: string;
  producerEpoch: number;
  /** The last sequence it wrote to the partition; -1 when none is known. */
  lastSequence: number;
  /** When it last wrote there, ms since the epoch. */
  lastTimestamp: number;
  /** The epoch of the transaction coordinator that last wrote a marker there; null for none. */
  coordinatorEpoch: number | null;
  /** The first offset of its open transaction (a decimal string); null for none. */
  currentTransactionStartOffset: string | null;
}

/** `describeProducers`' answer: per topic and partition asked for, its active producers. */
export type DescribeProducersResult = { topic: string; partitions: { partition: number; activeProducers: ProducerState[] }[] }[];

/** Leader election types (Kafka's `ElectionType`). */
export const ElectionTypes = Object.freeze({ PREFERRED: 0, UNCLEAN: 1 } as const);
/** One of {@link ElectionTypes}' values. */
export type ElectionTypes = (typeof ElectionTypes)[keyof typeof ElectionTypes];

/**
 * `electLeaders`' answer: per partition, whether it needed an election.
 * `electionNotNeeded` is Kafka's ELECTION_NOT_NEEDED: the partition already
 * had the leader asked for (the preferred replica; for UNCLEAN, any leader).
 */
export type ElectLeadersResult = { topic: string; partitions: { partition: number; electionNotNeeded: boolean }[] }[];

/** The SCRAM mechanisms whose credentials `alterUserScramCredentials` sets (KIP-554). */
export const ScramMechanisms = Object.freeze({ SCRAM_SHA_256: 'SCRAM-SHA-256', SCRAM_SHA_512: 'SCRAM-SHA-512' } as const);
/** One of {@link ScramMechanisms}' values. */
export type ScramMechanism = (typeof ScramMechanisms)[keyof typeof ScramMechanisms];

/** `describeUserScramCredentials`' answer: per user, the mechanisms it has a credential for (never a salt or key). */
export type UserScramCredentialsDescription = { user: string; credentials: { mechanism: ScramMechanism; iterations: number }[] }[];

/** A credential to install: the admin salts and hashes `password` (the password never leaves the client). */
export interface ScramCredentialUpsertion {
  user: string;
  mechanism: ScramMechanism;
  /** At least 4096 (Kafka's minimum), at most 16384; default 4096. */
  iterations?: number;
  password: string;
  /** Random (32 bytes) when absent. */
  salt?: Buffer;
}

/** A credential to remove. */
export interface ScramCredentialDeletion {
  user: string;
  mechanism: ScramMechanism;
}

/** How a client quota filter component matches an entity's name (KIP-546). */
export const ClientQuotaMatchTypes = Object.freeze({ EXACT: 0, DEFAULT: 1, ANY: 2 } as const);
/** One of {@link ClientQuotaMatchTypes}' values. */
export type ClientQuotaMatchTypes = (typeof ClientQuotaMatchTypes)[keyof typeof ClientQuotaMatchTypes];

/** One part of a quota entity: `user` or `client-id` (`ip` on brokers that serve it); a null name is the default. */
export interface ClientQuotaEntityPart {
  entityType: string;
  entityName: string | null;
}

/**
 * A filter component: `match` a string selects that name, null the default;
 * without `match`, any name or the default. `matchType` says it explicitly.
 */
export interface ClientQuotaFilterComponent {
  entityType: string;
  match?: string | null;
  matchType?: ClientQuotaMatchTypes;
}

/** `describeClientQuotas`' answer: the entities the filter selects and their values. */
export type DescribeClientQuotasResult = { entity: ClientQuotaEntityPart[]; values: Record<string, number> }[];

/** A change of one quota key: set `value`, or `remove` it. */
export interface ClientQuotaAlterationOp {
  key: string;
  value?: number;
  remove?: boolean;
}

/** The changes to one entity's quotas. */
export interface ClientQuotaAlteration {
  entity: ClientQuotaEntityPart[];
  ops: ClientQuotaAlterationOp[];
}
