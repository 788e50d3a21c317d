/**
 * tskafka: a Kafka client and an embedded Kafka-compatible broker, in TypeScript.
 *
 * This entry point exports the client (`Kafka`, its producer and consumer, in
 * KafkaJS's shapes), the embedded broker (`startBroker`) and the protocol
 * layer: every Kafka message's codec generated from Kafka's own specs, record
 * batches, compression codecs, and the Java-compatible murmur2 partitioner hash.
 */
export * from './protocol/generated/index.js';
export { type Input, type MessageCodec, type VersionRange, ProtocolDecodeError, ProtocolEncodeError } from './protocol/primitives/message.js';
export { Reader } from './protocol/primitives/reader.js';
export { Writer } from './protocol/primitives/writer.js';
export * from './protocol/framing.js';
export * from './protocol/records/record-batch.js';
export * from './protocol/records/record.js';
export { crc32c } from './protocol/records/crc32c.js';
export * from './protocol/records/compression.js';
export { murmur2, murmur2Partition, toPositive } from './protocol/murmur2.js';

export { ErrorCode, type ErrorCodeInfo, errorCodeInfo, errorCodes } from './protocol/error-codes.js';
export { type RunningBroker, type StartBrokerOptions, startBroker } from './broker/server.js';
export { type BrokerConfig, BrokerConfigError } from './broker/config.js';
export { type BrokerLogger, type LogLevel, consoleLogger } from './broker/logger.js';
export { Kafka } from './kafka.js';
export { type KafkaConfig, KAFKA_ENV } from './client/client-options.js';
export { logLevel, type LogCreator, type LogEntry } from './client/logger.js';
export { Producer, ProducerEvents, type ProducerRecord, type ProducerBatchRecord, type RecordMetadata, type Message, type InstrumentationEvent } from './producer/producer.js';
export { type ProducerConfig, type Acks } from './producer/producer-config.js';
export { CompressionTypes } from './producer/compression-types.js';
export { sendWithDeadLetter, isDeadLetterError, deadLetterHeaders, DeadLetterHeaders, KafkaJSDeadLetterError, type DeadLetterOptions, type DeadLetterEvent, type DeadLetterOutcome } from './producer/dead-letter.js';
export { type ProducerMetricsSnapshot } from './producer/metrics.js';
export { type ProducerAlert, type AlertHook } from './producer/alerts.js';
export * from './producer/partitioners/index.js';
export { Consumer, type ConsumerSubscribeTopics } from './consumer/consumer.js';
export { type ConsumerConfig, type RebalanceCallback, CONSUMER_DEFAULTS } from './consumer/consumer-config.js';
export {
  ConsumerEvents,
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
export { type ConsumerMessage, type ConsumerMessage as KafkaMessage, type ConsumerMessageHeaders } from './consumer/consumer-message.js';
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
export { Admin, AdminEvents, type AdminEventName, type AdminInstrumentationEvent, createAdmin } from './admin/admin.js';
export { type AdminConfig, ADMIN_DEFAULTS } from './admin/admin-config.js';
export {
  ConfigResourceTypes, ConfigSource, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes, AlterConfigOpTypes, IsolationLevel,
  type Acl, type AclEntry, type AclFilter, type AclResource, type AlterConfigsResult, type ClusterDescription, type ConfigEntries, type ConfigSynonyms,
  type ConsumerGroupState, type DeleteAclResponse, type DeleteGroupsResult, type DescribeAclResponse, type DescribeConfigResponse, type FetchOffsetsPartition,
  type GroupDescriptions, type GroupOverview, type IResourceConfig, type IResourceConfigEntry, type ITopicConfig, type ITopicMetadata, type ITopicPartitionConfig,
  type IncrementalConfigEntry, type IncrementalResourceConfig, type ListPartitionReassignmentsResponse, type ListedOffset, type MatchingAcl,
  type OngoingPartitionReassignment, type PartitionReassignment, type ReplicaAssignment, type ResourceConfigQuery, type SeekEntry, type TopicPartitionMetadata, type TopicPartitions,
} from './admin/admin-types.js';
export { type OffsetSpec, type ListOffsetsOptions } from './admin/offsets.js';
export { type CreateTopicsOptions } from './admin/topics.js';
export { type FetchOffsetsOptions, type DeleteGroupOffsetsOptions } from './admin/group-offsets.js';
export * from './errors/errors.js';
export * from './errors/protocol-errors.js';
