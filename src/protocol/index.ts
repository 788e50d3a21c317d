/**
 * `tskafka/protocol`: Kafka's wire protocol, bytes only and no I/O. Every
 * message's codec generated from Kafka's own specs, the Reader and Writer they
 * are built on, request and response framing, record batches, compression
 * codecs, crc32c, the Java-compatible murmur2 partitioner hash and the error
 * code table.
 *
 * Kept apart from the package root so that regenerating the protocol (new APIs,
 * new fields) changes this subpath, never the client API that `tskafka` exports.
 */
export * from './generated/index.js';
export { type Input, type MessageCodec, type VersionRange, ProtocolDecodeError, ProtocolEncodeError } from './primitives/message.js';
export { Reader } from './primitives/reader.js';
export { Writer } from './primitives/writer.js';
export * from './framing.js';
export * from './records/record-batch.js';
export * from './records/record.js';
export { crc32c } from './records/crc32c.js';
export * from './records/compression.js';
export { murmur2, murmur2Partition, toPositive } from './murmur2.js';
export { ErrorCode, type ErrorCodeInfo, errorCodeInfo, errorCodes } from './error-codes.js';
