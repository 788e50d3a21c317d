/**
 * The record batch compression codecs, as Kafka numbers them in bits 0-2 of a batch's
 * attributes, each writing exactly what Java's producer writes and reading what Java and
 * librdkafka write. One file per codec under ./compression/.
 */
import { CompressionError } from './compression/compression-error.js';
import { compressGzip, decompressGzip } from './compression/gzip.js';
import { compressLz4, decompressLz4, lz4DecompressedSizeBound } from './compression/lz4.js';
import { compressSnappy, decompressSnappy, snappyDecompressedSize } from './compression/snappy.js';
import { compressZstd, decompressZstd, zstdDecompressedBound } from './compression/zstd.js';

export { CompressionError } from './compression/compression-error.js';

/**
 * Compression codec ids, as in record batch attributes and Java's `CompressionType.id`.
 * ZSTD needs Produce v7+ / Fetch v10+ (Kafka 2.1, KIP-110).
 */
export const CompressionCodec = { None: 0, GZIP: 1, Snappy: 2, LZ4: 3, ZSTD: 4 } as const;
/** One of the {@link CompressionCodec} ids, 0-4. */
export type CompressionCodec = (typeof CompressionCodec)[keyof typeof CompressionCodec];

/** Java's `compression.type` names, indexed by codec id. */
const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const ACCEPTED = `${CODEC_NAMES.join(', ')} (any case) or their ids 0-4`;

function unknownCodec(codec: number): CompressionError {
  return new CompressionError(
    String(codec),
    `unknown compression codec id ${codec} (record batch attributes bits 0-2); known: ${CODEC_NAMES.map((n, id) => `${id} ${n}`).join(', ')}`,
  );
}

/**
 * Compresses the records section of a record batch with `codec`.
 *
 * @param codec - the codec id; `None` returns `data` itself
 * @param data - the encoded records
 * @returns the bytes Java's producer would write for this codec
 * @throws {@link CompressionError} for an unknown codec id, or when zstd has no implementation here
 */
export async function compress(codec: CompressionCodec, data: Buffer): Promise<Buffer> {
  switch (codec) {
    case CompressionCodec.None:
      return data;
    case CompressionCodec.GZIP:
      return compressGzip(data);
    case CompressionCodec.Snappy:
      return compressSnappy(data);
    case CompressionCodec.LZ4:
      return compressLz4(data);
    case CompressionCodec.ZSTD:
      return compressZstd(data);
    default:
      throw unknownCodec(codec);
  }
}

/**
 * Decompresses the records section of a record batch written with `codec`.
 *
 * @param codec - the codec id from the batch attributes; `None` returns `data` itself
 * @param data - the compressed records
 * @param maxOutput - refuse to produce more than this many bytes, checked before the
 *   output is allocated where the format declares sizes (snappy, lz4, zstd block
 *   headers) and as it grows for gzip: a broker decompressing what clients send must
 *   not be made to allocate gigabytes by a small batch (a decompression bomb)
 * @returns the encoded records
 * @throws {@link CompressionError} for an unknown codec id, a corrupt payload, or output
 *   over `maxOutput`, naming the codec
 */
export async function decompress(codec: CompressionCodec, data: Buffer, maxOutput = Number.POSITIVE_INFINITY): Promise<Buffer> {
  switch (codec) {
    case CompressionCodec.None:
      return data;
    case CompressionCodec.GZIP:
      return decompressGzip(data, maxOutput);
    case CompressionCodec.Snappy:
      return decompressSnappy(data, maxOutput);
    case CompressionCodec.LZ4:
      return decompressLz4(data, maxOutput);
    case CompressionCodec.ZSTD:
      return decompressZstd(data, maxOutput);
    default:
      throw unknownCodec(codec);
  }
}

/**
 * An upper bound of what `data` decompresses to, read from the format's own headers
 * without decompressing: declared sizes for snappy, block sizes for lz4 and zstd.
 * Null when the format does not declare it (gzip) or the headers do not parse (the
 * decoder then says why).
 */
export function decompressedSizeBound(codec: CompressionCodec, data: Buffer): number | null {
  try {
    switch (codec) {
      case CompressionCodec.None:
        return data.length;
      case CompressionCodec.Snappy:
        return snappyDecompressedSize(data);
      case CompressionCodec.LZ4:
        return lz4DecompressedSizeBound(data);
      case CompressionCodec.ZSTD:
        return zstdDecompressedBound(data);
      default:
        return null;
    }
  } catch {
    return null;
  }
}

/**
 * The codec's name as Java's `compression.type` spells it: 'none', 'gzip', 'snappy',
 * 'lz4' or 'zstd'.
 *
 * Never throws, so it is safe in log lines and error messages: an unknown id gives
 * `'unknown(5)'`.
 */
export function compressionCodecName(codec: number): string {
  return CODEC_NAMES[codec] ?? `unknown(${codec})`;
}

/**
 * Reads a codec from configuration: a name in any case ('gzip', 'LZ4', as Java's
 * `compression.type` and KafkaJS's `CompressionTypes` keys spell them) or an id 0-4, as
 * a number or a string of digits.
 *
 * @throws {@link CompressionError} naming the bad value and the accepted ones
 */
export function parseCompressionCodec(name: string | number): CompressionCodec {
  const text = typeof name === 'number' ? String(name) : name.trim().toLowerCase();
  const byName = CODEC_NAMES.indexOf(text as (typeof CODEC_NAMES)[number]);
  const id = byName >= 0 ? byName : /^[0-9]+$/.test(text) ? Number(text) : -1;
  if (isCompressionCodec(id)) return id;
  throw new CompressionError(String(name), `unknown compression codec ${JSON.stringify(name)}; expected ${ACCEPTED}`);
}

function isCompressionCodec(id: number): id is CompressionCodec {
  return Number.isInteger(id) && id >= 0 && id < CODEC_NAMES.length;
}
