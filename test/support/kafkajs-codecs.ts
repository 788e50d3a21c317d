/**
 * Registers Snappy, LZ4 and ZSTD with KafkaJS, which ships only GZIP, using
 * tskafka's own codecs (Kafka's framings: xerial Snappy, LZ4 frame, zstd
 * frame), so a KafkaJS consumer can read batches librdkafka compressed.
 */
import kafkajs from 'kafkajs';
import { CompressionCodec, compress, decompress } from '../../src/protocol/records/compression.js';

const adapter = (codec: CompressionCodec) => () => ({
  compress: (encoder: { buffer: Buffer }) => compress(codec, encoder.buffer),
  decompress: (buffer: Buffer) => decompress(codec, buffer),
});

/** Idempotent: later calls replace the same entries. */
export function registerKafkaJsCodecs(): void {
  // KafkaJS is CommonJS and assigns CompressionCodecs in a way Node cannot name as an ESM export.
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  CompressionCodecs[CompressionTypes.Snappy] = adapter(CompressionCodec.Snappy);
  CompressionCodecs[CompressionTypes.LZ4] = adapter(CompressionCodec.LZ4);
  CompressionCodecs[CompressionTypes.ZSTD] = adapter(CompressionCodec.ZSTD);
}
