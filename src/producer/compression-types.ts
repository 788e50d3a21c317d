/**
 * KafkaJS's `CompressionTypes`, so code written for KafkaJS
 * (`compression: CompressionTypes.GZIP`) runs unchanged. The ids are Kafka's
 * codec ids (record batch attributes bits 0-2), the same values as
 * {@link CompressionCodec}; unlike KafkaJS, every codec works out of the box,
 * with no codec package to register.
 */
import { CompressionCodec } from '../protocol/records/compression.js';

/**
 * Compression for `kafka.producer({ compression })` and `producer.send({ compression })`:
 * `None` 0, `GZIP` 1, `Snappy` 2, `LZ4` 3, `ZSTD` 4 (ZSTD needs Kafka 2.1+, KIP-110).
 */
export const CompressionTypes = Object.freeze({
  None: CompressionCodec.None,
  GZIP: CompressionCodec.GZIP,
  Snappy: CompressionCodec.Snappy,
  LZ4: CompressionCodec.LZ4,
  ZSTD: CompressionCodec.ZSTD,
} as const);

/** One of the {@link CompressionTypes} ids, usable as a type as KafkaJS's enum is. */
export type CompressionTypes = (typeof CompressionTypes)[keyof typeof CompressionTypes];
