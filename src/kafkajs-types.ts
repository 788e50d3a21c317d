/**
 * KafkaJS's type names (`kafkajs/types/index.d.ts`) where tskafka's own names
 * differ or the type has no home of its own, so a TypeScript program written for
 * KafkaJS compiles unchanged against tskafka. Each is an alias of the type the
 * API really takes or returns, never a second definition of it. Where KafkaJS
 * names a value and a type alike (its enums, `logLevel`, the `*Events` maps, the
 * partitioner factories), the value is re-exported here with the type beside it.
 * test/package/kafkajs-surface.test.ts checks every KafkaJS name is exported.
 */
import { type BrokersFunction } from './client/client-options.js';
import { type LogCreator, type LogEntryContent, type LogLevel, logLevel as logLevels } from './client/logger.js';
import { AdminEvents as adminEvents } from './admin/admin.js';
import { ConsumerEvents as consumerEvents } from './consumer/consumer-events.js';
import { DefaultPartitioner as defaultPartitioner, LegacyPartitioner as legacyPartitioner } from './producer/partitioners/index.js';
import { ProducerEvents as producerEvents } from './producer/producer.js';
import { type Assigner, type AssignerCluster, type AssignerGroupAssignment, type AssignerMember, type Assignment, type Serializer } from './consumer/assignors/index.js';
import {
  type ConsumerBatchProcessPayload,
  type ConsumerCommitOffsetsPayload,
  type ConsumerCrashPayload,
  type ConsumerEndBatchProcessPayload,
  type ConsumerFetchPayload,
  type ConsumerGroupJoinPayload,
  type ConsumerHeartbeatPayload,
  type ConsumerRebalancingPayload,
  type ConsumerReceivedUnsubscribedTopicsPayload,
  type TopicOffsets,
} from './consumer/consumer-events.js';
import { type ConsumerSubscribeTopics } from './consumer/consumer.js';
import { type EachBatchPayload, type EachMessagePayload } from './consumer/handlers.js';
import { type TopicPartition } from './consumer/subscription-state.js';
import { type Acl, type AclResource, type DeleteAclResponse, type ListPartitionReassignmentsResponse, type SeekEntry } from './admin/admin-types.js';
import {
  type ConnectionErrorDetails,
  type DeleteGroupsErrorGroup,
  type DeleteTopicRecordsErrorPartition,
  type KafkaJSDeleteTopicRecordsError,
  type KafkaJSErrorOptions,
  type KafkaJSServerDoesNotSupportApiKey,
  type KafkaJSStaleTopicMetadataAssignment,
  type KafkaJSTopicMetadataNotLoaded,
  type NumberOfRetriesExceededDetails,
  type RequestTimeoutErrorDetails,
} from './errors/errors.js';
import { type KafkaJSOffsetOutOfRange } from './errors/protocol-errors.js';
import { type InstrumentationEvent, type NetworkRequestEvent, type NetworkRequestQueueSizeEvent, type NetworkRequestTimeoutEvent } from './network/instrumentation.js';
import { type OauthbearerProviderResponse, type OauthbearerSaslOptions, type PasswordSaslOptions, type SaslOptions } from './network/sasl/mechanism.js';
import { type PartitionerFactory } from './producer/partitioners/index.js';
import { type Message, type ProducerBatchRecord } from './producer/producer.js';

export { type BrokersFunction };
export { type SaslOptions as SASLOptions };
/** The SASL mechanisms `sasl.mechanism` accepts. */
export type SASLMechanism = SaslOptions['mechanism'];
export { type OauthbearerProviderResponse, type OauthbearerSaslOptions, type PasswordSaslOptions };
/** `createPartitioner`: a factory returning `({ topic, partitionMetadata, message }) => partition`. */
export type ICustomPartitioner = PartitionerFactory;
/** `producer.sendBatch`'s argument. */
export type ProducerBatch = ProducerBatchRecord;
/** One topic's messages in a {@link ProducerBatch}. */
export type TopicMessages = ProducerBatchRecord['topicMessages'][number] & { messages: Message[] };
/** A partition and an offset (a decimal string). */
export type PartitionOffset = SeekEntry;
/** Offsets by topic. */
export interface Offsets {
  topics: TopicOffsets[];
}
/** What `uncommittedOffsets()` returns in eachBatch. */
export type OffsetsByTopicPartition = Offsets;
/** `consumer.seek`'s argument by offset. */
export type TopicPartitionOffset = TopicPartition & { offset: string };
/** `consumer.commitOffsets`' entries. */
export type TopicPartitionOffsetAndMetadata = TopicPartitionOffset & { metadata?: string | null };
/** A single-topic subscription (`subscribe({ topic, fromBeginning })`). */
export type ConsumerSubscribeTopic = Extract<ConsumerSubscribeTopics, { topic: unknown }>;
export type ConsumerEachMessagePayload = EachMessagePayload;
export type ConsumerEachBatchPayload = EachBatchPayload;

// Values KafkaJS also names as types.
/** Log levels: `logLevel.INFO`..., and as a type one of them (KafkaJS's enum). */
export const logLevel = logLevels;
export type logLevel = LogLevel;
/** The producer's event names; as a type, KafkaJS's map of them. */
export const ProducerEvents = producerEvents;
export type ProducerEvents = typeof producerEvents;
/** The consumer's event names; as a type, KafkaJS's map of them. */
export const ConsumerEvents = consumerEvents;
export type ConsumerEvents = typeof consumerEvents;
/** The admin client's event names; as a type, KafkaJS's map of them. */
export const AdminEvents = adminEvents;
export type AdminEvents = typeof adminEvents;
/** The default (Java-compatible) partitioner's factory; as a type, a partitioner factory. */
export const DefaultPartitioner = defaultPartitioner;
export type DefaultPartitioner = PartitionerFactory;
/** KafkaJS 1.x's default partitioner's factory; as a type, a partitioner factory. */
export const LegacyPartitioner = legacyPartitioner;
export type LegacyPartitioner = PartitionerFactory;

// The log creator's names, KafkaJS's spelling.
export type logCreator = LogCreator;
export type LoggerEntryContent = LogEntryContent;

// Custom assigners: what the group leader's assigner is given and returns.
/** What an assigner reads of the cluster (partition metadata). */
export type Cluster = AssignerCluster;
export type { Assignment };
export type GroupMember = AssignerMember;
export type GroupMemberAssignment = AssignerGroupAssignment;
/** An assigner's JoinGroup protocol entry. */
export type GroupState = ReturnType<Assigner['protocol']>;
/** Partition ids by topic, as in `consumer.group_join` events. */
export interface IMemberAssignment {
  [topic: string]: number[];
}
export type ISerializer<T> = Serializer<T>;

// Instrumentation events, by event.
/** What `on(...)` returns: removes the listener. */
export type RemoveInstrumentationEventListener<T> = () => void;
export type ConnectEvent = InstrumentationEvent<null>;
export type DisconnectEvent = InstrumentationEvent<null>;
export type RequestEvent = InstrumentationEvent<NetworkRequestEvent['payload']>;
export type RequestTimeoutEvent = InstrumentationEvent<NetworkRequestTimeoutEvent['payload']>;
export type RequestQueueSizeEvent = InstrumentationEvent<NetworkRequestQueueSizeEvent['payload']>;
export type ConsumerHeartbeatEvent = InstrumentationEvent<ConsumerHeartbeatPayload>;
export type ConsumerCommitOffsetsEvent = InstrumentationEvent<ConsumerCommitOffsetsPayload>;
export type ConsumerGroupJoinEvent = InstrumentationEvent<ConsumerGroupJoinPayload>;
export type ConsumerFetchStartEvent = InstrumentationEvent<{ nodeId: number }>;
export type ConsumerFetchEvent = InstrumentationEvent<ConsumerFetchPayload>;
export type ConsumerStartBatchProcessEvent = InstrumentationEvent<ConsumerBatchProcessPayload>;
export type ConsumerEndBatchProcessEvent = InstrumentationEvent<ConsumerEndBatchProcessPayload>;
export type ConsumerCrashEvent = InstrumentationEvent<ConsumerCrashPayload>;
export type ConsumerRebalancingEvent = InstrumentationEvent<ConsumerRebalancingPayload>;
export type ConsumerReceivedUnsubcribedTopicsEvent = InstrumentationEvent<ConsumerReceivedUnsubscribedTopicsPayload>;

// Admin answers' parts.
export type DescribeAclResource = AclResource & { acls: Acl[] };
export type DeleteAclFilterResponses = DeleteAclResponse['filterResponses'][number];
export type OngoingTopicReassignment = ListPartitionReassignmentsResponse['topics'][number];

// Errors' constructor details.
export type KafkaJSErrorMetadata = KafkaJSErrorOptions;
export type KafkaJSOffsetOutOfRangeMetadata = ConstructorParameters<typeof KafkaJSOffsetOutOfRange>[1];
export type KafkaJSNumberOfRetriesExceededMetadata = NumberOfRetriesExceededDetails;
export type KafkaJSConnectionErrorMetadata = ConnectionErrorDetails;
export type KafkaJSRequestTimeoutErrorMetadata = RequestTimeoutErrorDetails;
export type KafkaJSTopicMetadataNotLoadedMetadata = NonNullable<ConstructorParameters<typeof KafkaJSTopicMetadataNotLoaded>[1]>;
export type KafkaJSStaleTopicMetadataAssignmentMetadata = NonNullable<ConstructorParameters<typeof KafkaJSStaleTopicMetadataAssignment>[1]>;
export type KafkaJSServerDoesNotSupportApiKeyMetadata = NonNullable<ConstructorParameters<typeof KafkaJSServerDoesNotSupportApiKey>[1]>;
export type KafkaJSDeleteGroupsErrorGroups = DeleteGroupsErrorGroup;
export type KafkaJSDeleteTopicRecordsErrorPartition = DeleteTopicRecordsErrorPartition;
export type KafkaJSDeleteTopicRecordsErrorTopic = ConstructorParameters<typeof KafkaJSDeleteTopicRecordsError>[0];
