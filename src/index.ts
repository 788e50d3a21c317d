/**
 * tskafka: a Kafka client and an embedded Kafka-compatible broker, in TypeScript.
 *
 * This entry point exports the embedded broker (`startBroker`) and the protocol
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
export * from './errors/errors.js';
export * from './errors/protocol-errors.js';
