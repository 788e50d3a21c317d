/**
 * Kafka's snappy codec (attribute 2): snappy-java's "xerial" stream framing around raw
 * snappy blocks, which is neither raw snappy nor Google's snappy framing format.
 *
 * Written as Java's producer writes it (`SnappyOutputStream` with its default 32 KiB
 * block size): the 16-byte header (magic `82 53 4E 41 50 50 59 00`, int32 version 1,
 * int32 compatible version 1), then per 32 KiB of input an int32 big-endian compressed
 * length and one raw snappy block. Read as `SnappyInputStream` reads: the xerial framing
 * with any number of blocks (and a repeated header where two streams were concatenated),
 * or, when the magic is absent, one bare raw snappy block, which librdkafka may send.
 */
import { CompressionError, outputTooLarge } from './compression-error.js';
import { scratchBuffer, takeResult } from './output-buffer.js';
import { compressSnappyBlock, decompressSnappyBlock, readSnappyBlockLength, snappyBlockBound } from './snappy-block.js';

/** snappy-java's SnappyCodec.MAGIC_HEADER. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
/** SnappyCodec.DEFAULT_VERSION and MINIMUM_COMPATIBLE_VERSION, as Java writes them. */
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
/** SnappyOutputStream.DEFAULT_BLOCK_SIZE, the chunk size Kafka's Java producer ends up with. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

function hasXerialMagic(data: Uint8Array, pos: number): boolean {
  if (data.length - pos < XERIAL_HEADER_SIZE) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[pos + i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/**
 * Compresses `data` into snappy-java's xerial framing, byte-compatible with Java's producer.
 *
 * @param data - the uncompressed records section of a record batch
 * @returns a new buffer: the 16-byte header, then length-prefixed raw snappy blocks
 */
export function compressSnappy(data: Uint8Array): Buffer {
  const blocks = Math.ceil(data.length / XERIAL_BLOCK_SIZE);
  const out = scratchBuffer(XERIAL_HEADER_SIZE + blocks * (4 + snappyBlockBound(XERIAL_BLOCK_SIZE)));
  XERIAL_MAGIC.copy(out, 0);
  out.writeInt32BE(XERIAL_VERSION, 8);
  out.writeInt32BE(XERIAL_COMPATIBLE_VERSION, 12);
  let pos = XERIAL_HEADER_SIZE;
  for (let start = 0; start < data.length; start += XERIAL_BLOCK_SIZE) {
    const blockEnd = compressSnappyBlock(data, start, Math.min(start + XERIAL_BLOCK_SIZE, data.length), out, pos + 4);
    out.writeInt32BE(blockEnd - pos - 4, pos);
    pos = blockEnd;
  }
  return takeResult(out, pos);
}

function corrupt(detail: string, offset: number): CompressionError {
  return new CompressionError('snappy', `snappy: invalid xerial stream at byte ${offset}: ${detail}`);
}

interface XerialBlock {
  start: number;
  end: number;
}

/** Walks the xerial framing once: the block boundaries and their total decompressed size. */
function xerialBlocks(data: Buffer): { blocks: XerialBlock[]; totalLength: number } {
  const blocks: XerialBlock[] = [];
  let totalLength = 0;
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    // SnappyInputStream skips the header of a second stream appended to the first.
    if (hasXerialMagic(data, pos)) {
      pos += XERIAL_HEADER_SIZE;
      continue;
    }
    if (data.length - pos < 4) throw corrupt('truncated block length', pos);
    const size = data.readInt32BE(pos);
    if (size < 0 || size > data.length - pos - 4) throw corrupt(`block length ${size} exceeds the ${data.length - pos - 4} bytes left`, pos);
    const start = pos + 4;
    const end = start + size;
    try {
      totalLength += readSnappyBlockLength(data, start, end).length;
    } catch (err) {
      if (err instanceof CompressionError) throw corrupt(err.message.replace(/^snappy: /, ''), start);
      throw err;
    }
    blocks.push({ start, end });
    pos = end;
  }
  return { blocks, totalLength };
}

/** The size a snappy payload declares it decompresses to (xerial framing or one raw block), without decompressing. */
export function snappyDecompressedSize(data: Buffer): number {
  return hasXerialMagic(data, 0) ? xerialBlocks(data).totalLength : readSnappyBlockLength(data, 0, data.length).length;
}

/**
 * Decompresses a snappy payload: snappy-java's xerial framing, or one bare raw block.
 *
 * @param data - the compressed records section of a record batch
 * @returns the decompressed bytes
 * @throws {@link CompressionError} naming the offending byte on any malformed input
 */
export function decompressSnappy(data: Buffer, maxOutput = Number.POSITIVE_INFINITY): Buffer {
  if (!hasXerialMagic(data, 0)) {
    const { length } = readSnappyBlockLength(data, 0, data.length);
    if (length > maxOutput) throw outputTooLarge('snappy', length, maxOutput);
    const out = Buffer.allocUnsafe(length);
    decompressSnappyBlock(data, 0, data.length, out, 0);
    return out;
  }
  const { blocks, totalLength } = xerialBlocks(data);
  if (totalLength > maxOutput) throw outputTooLarge('snappy', totalLength, maxOutput);
  const out = Buffer.allocUnsafe(totalLength);
  let dp = 0;
  for (const block of blocks) {
    try {
      dp = decompressSnappyBlock(data, block.start, block.end, out, dp);
    } catch (err) {
      if (err instanceof CompressionError) throw corrupt(err.message.replace(/^snappy: /, ''), block.start);
      throw err;
    }
  }
  return out;
}
