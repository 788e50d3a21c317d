/**
 * KafkaJS's `CompressionCodecs`: in KafkaJS, GZIP is built in and the other
 * codecs are registered by assigning a codec package to this object
 * (`CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec`). tskafka has
 * every codec built in, so such assignments are accepted and change nothing:
 * the producer and consumer never read this object. Its entries are codec
 * factories of KafkaJS's shape, backed by the built-in codecs, for code that
 * calls them directly.
 */
import { compress, decompress } from '../protocol/records/compression.js';
import { CompressionTypes } from './compression-types.js';

/** A KafkaJS codec: `compress` takes KafkaJS's encoder (anything with a `buffer`) or a Buffer. */
export interface CompressionCodecImplementation {
  compress(encoder: { buffer: Buffer } | Buffer): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** KafkaJS's codec registry shape: a factory per compressed type, replaceable. */
export type CompressionCodecRegistry = { [type in Exclude<CompressionTypes, 0>]: () => any };

function builtIn(type: Exclude<CompressionTypes, 0>): () => CompressionCodecImplementation {
  return () => ({
    compress: (encoder) => compress(type, Buffer.isBuffer(encoder) ? encoder : encoder.buffer),
    decompress: (buffer) => decompress(type, buffer),
  });
}

/**
 * KafkaJS's `CompressionCodecs`, kept mutable so KafkaJS programs that register a
 * codec package still run; what is assigned here is never used, the built-in
 * codecs always are.
 */
export const CompressionCodecs: CompressionCodecRegistry = {
  [CompressionTypes.GZIP]: builtIn(CompressionTypes.GZIP),
  [CompressionTypes.Snappy]: builtIn(CompressionTypes.Snappy),
  [CompressionTypes.LZ4]: builtIn(CompressionTypes.LZ4),
  [CompressionTypes.ZSTD]: builtIn(CompressionTypes.ZSTD),
};
