/**
 * tskafka: a Kafka client in KafkaJS's shapes, in TypeScript.
 *
 * This entry point exports what a client program uses: `Kafka`, its producer,
 * consumer and admin client, their options and result types, KafkaJS's
 * constants (`CompressionTypes`, `PartitionAssigners`, `logLevel`, ...) and
 * `KafkaJS*` errors, so a KafkaJS program's imports resolve unchanged.
 * The wire protocol (generated codecs, record batches, murmur2...) is
 * `tskafka/protocol`; the embedded broker (`startBroker`) is `tskafka/broker`.
 */
export { Kafka } from './kafka.js';
export { type KafkaConfig, KAFKA_ENV } from './client/client-options.js';
export { type LogLevel, type LogCreator, type LogEntry, type Logger } from './client/logger.js';
export { type RetryOptions } from './retry/retrier.js';
export { Producer, type ProducerRecord, type ProducerBatchRecord, type RecordMetadata, type Message, type InstrumentationEvent } from './producer/producer.js';
export { type ProducerConfig, type Acks } from './producer/producer-config.js';
export { CompressionTypes } from './producer/compression-types.js';
export { CompressionCodecs, type CompressionCodecImplementation } from './producer/compression-codecs.js';
export { type IHeaders } from './producer/message.js';
export { sendWithDeadLetter, isDeadLetterError, deadLetterHeaders, DeadLetterHeaders, KafkaJSDeadLetterError, type DeadLetterOptions, type DeadLetterEvent, type DeadLetterOutcome } from './producer/dead-letter.js';
export { type ProducerMetricsSnapshot } from './producer/metrics.js';
export { type ProducerAlert, type AlertHook } from './producer/alerts.js';
export * from './producer/partitioners/index.js';
export { Consumer, type ConsumerSubscribeTopics } from './consumer/consumer.js';
export { type ConsumerConfig, type RebalanceCallback, CONSUMER_DEFAULTS } from './consumer/consumer-config.js';
export {
  type ConsumerEventName,
  type TopicOffsets,
  type ConsumerHeartbeatPayload,
  type ConsumerCommitOffsetsPayload,
  type ConsumerBatchProcessPayload,
  type ConsumerEndBatchProcessPayload,
  type ConsumerCrashPayload,
  type ConsumerFetchPayload,
} from './consumer/consumer-events.js';
export { type ConsumerRunConfig, type EachMessagePayload, type EachBatchPayload, type EachMessageHandler, type EachBatchHandler } from './consumer/handlers.js';
export { Batch } from './consumer/batch.js';
export { type ConsumedMessage, type MessagesOptions } from './consumer/messages.js';
export { type ConsumerMetricsSnapshot, type PartitionMetrics } from './consumer/consumer-metrics.js';
export { type ConsumerMessage, type ConsumerMessage as KafkaMessage, type ConsumerMessageHeaders, type RecordBatchContext } from './consumer/consumer-message.js';
export { type OffsetResetStrategy, type TopicPartition } from './consumer/subscription-state.js';
export { type GroupDescription, type MemberDescription } from './consumer/group/group-requests.js';
export {
  PartitionAssigners,
  AssignerProtocol,
  type Assigner,
  type AssignerCluster,
  type AssignerGroupAssignment,
  type AssignerMember,
  type AssignerSubscription,
  type PartitionAssigner,
  type MemberAssignment,
  type MemberMetadata,
} from './consumer/assignors/index.js';
export { Admin, type AdminEventName, type AdminInstrumentationEvent, createAdmin } from './admin/admin.js';
export { type AdminConfig, ADMIN_DEFAULTS } from './admin/admin-config.js';
export {
  ConfigResourceTypes, ConfigSource, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes, AlterConfigOpTypes, IsolationLevel,
  type Acl, type AclEntry, type AclFilter, type AclResource, type AlterConfigsResult, type ClusterDescription, type ConfigEntries, type ConfigSynonyms,
  type ConsumerGroupState, type DeleteAclResponse, type DeleteGroupsResult, type DescribeAclResponse, type DescribeConfigResponse, type FetchOffsetsPartition,
  type GroupDescriptions, type GroupOverview, type IResourceConfig, type IResourceConfigEntry, type ITopicConfig, type ITopicMetadata, type ITopicPartitionConfig,
  type IncrementalConfigEntry, type IncrementalResourceConfig, type ListPartitionReassignmentsResponse, type ListedOffset, type MatchingAcl,
  type OngoingPartitionReassignment, type PartitionReassignment, type ReplicaAssignment, type ResourceConfigQuery, type SeekEntry, type TopicPartitionMetadata, type TopicPartitions,
} from './admin/admin-types.js';
export {
  ElectionTypes, ScramMechanisms, ClientQuotaMatchTypes,
  type ReplicaInfo, type LogDirDescription, type BrokerLogDirs, type ProducerState, type DescribeProducersResult, type ElectLeadersResult,
  type ScramMechanism, type UserScramCredentialsDescription, type ScramCredentialUpsertion, type ScramCredentialDeletion,
  type ClientQuotaEntityPart, type ClientQuotaFilterComponent, type DescribeClientQuotasResult, type ClientQuotaAlterationOp, type ClientQuotaAlteration,
} from './admin/admin-types.js';
export { type ElectLeadersOptions } from './admin/elect-leaders.js';
export { type DescribeLogDirsOptions } from './admin/log-dirs.js';
export { type OffsetSpec, type ListOffsetsOptions } from './admin/offsets.js';
export { type CreateTopicsOptions } from './admin/topics.js';
export { type FetchOffsetsOptions, type DeleteGroupOffsetsOptions } from './admin/group-offsets.js';
export * from './errors/errors.js';
export * from './errors/protocol-errors.js';
export * from './kafkajs-types.js';
// Named here, so that they win over the same names of the star exports above: each is the
// same value, given KafkaJS's type of the same name in kafkajs-types.ts.
export { logLevel, ProducerEvents, ConsumerEvents, AdminEvents, DefaultPartitioner, LegacyPartitioner } from './kafkajs-types.js';
