/**
 * Kafka's lz4 codec (attribute 3): the standard LZ4 frame format.
 *
 * Written as Java's `KafkaLZ4BlockOutputStream` writes it for magic 1 and 2 batches:
 * FLG 0x60 (version 01, independent blocks, no block or content checksum, no content
 * size), BD 0x40 (64 KiB blocks), a header checksum over FLG and BD, blocks that do not
 * shrink stored uncompressed, then the end mark. Read: any valid frame (checksums,
 * content size, linked blocks, any block size, concatenated and skippable frames), as
 * librdkafka and other clients may write them.
 *
 * Header checksums are checked strictly. Kafka before 0.10 computed that byte over the
 * magic too (KAFKA-3160); only magic 0 batches carry that variant and it is not
 * accepted here, but the error says so when it is the cause.
 */
import { CompressionError, outputTooLarge } from './compression-error.js';
import { compressLz4Block, decompressLz4Block, lz4BlockBound } from './lz4-block.js';
import { scratchBuffer, takeResult, trimmed } from './output-buffer.js';
import { xxhash32 } from './xxhash32.js';

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENT = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;

/** High bit of a block size: the block is stored uncompressed. */
const BLOCK_UNCOMPRESSED = 0x80000000;

/** Java's KafkaLZ4BlockOutputStream default: BD block maximum size id 4, 64 KiB. */
const WRITE_BLOCK_SIZE = 64 * 1024;
const WRITE_FLG = FLG_VERSION_01 | FLG_BLOCK_INDEPENDENT;
const WRITE_BD = 4 << 4;

/** Block maximum size ids 4..7 of the BD byte: 64 KiB, 256 KiB, 1 MiB, 4 MiB. */
function blockMaxSize(bd: number): number | undefined {
  const id = (bd >>> 4) & 7;
  return id >= 4 ? 1 << (8 + 2 * id) : undefined;
}

/** The header checksum byte: the second byte of xxHash32 over the frame descriptor. */
function headerChecksum(b: Uint8Array, start: number, end: number): number {
  return (xxhash32(b, start, end) >>> 8) & 0xff;
}

/**
 * Compresses `data` into one LZ4 frame, byte-compatible with Java's producer.
 *
 * @param data - the uncompressed records section of a record batch
 * @returns a new buffer holding the frame
 */
export function compressLz4(data: Uint8Array): Buffer {
  const blocks = Math.ceil(data.length / WRITE_BLOCK_SIZE);
  const out = scratchBuffer(7 + blocks * (4 + lz4BlockBound(WRITE_BLOCK_SIZE)) + 4);
  out.writeUInt32LE(FRAME_MAGIC, 0);
  out[4] = WRITE_FLG;
  out[5] = WRITE_BD;
  out[6] = headerChecksum(out, 4, 6);
  let pos = 7;
  for (let start = 0; start < data.length; start += WRITE_BLOCK_SIZE) {
    const end = Math.min(start + WRITE_BLOCK_SIZE, data.length);
    const blockEnd = compressLz4Block(data, start, end, out, pos + 4);
    const compressedSize = blockEnd - pos - 4;
    if (compressedSize < end - start) {
      out.writeUInt32LE(compressedSize, pos);
      pos = blockEnd;
    } else {
      // Java stores a block that did not shrink as is, flagged by the size's high bit.
      out.writeUInt32LE(((end - start) | BLOCK_UNCOMPRESSED) >>> 0, pos);
      out.set(data.subarray(start, end), pos + 4);
      pos += 4 + end - start;
    }
  }
  out.writeUInt32LE(0, pos);
  return takeResult(out, pos + 4);
}

function corrupt(detail: string, offset: number): CompressionError {
  return new CompressionError('lz4', `lz4: invalid frame at byte ${offset}: ${detail}`);
}

interface FrameHeader {
  flags: number;
  maxBlockSize: number;
  contentSize: number | undefined;
  /** Position of the first block size. */
  blocksStart: number;
}

function readFrameHeader(data: Buffer, start: number): FrameHeader {
  if (data.length - start < 7) throw corrupt('truncated frame header', start);
  const flags = data[start + 4]!;
  const bd = data[start + 5]!;
  if ((flags & FLG_VERSION_MASK) !== FLG_VERSION_01) {
    throw corrupt(`unsupported frame version ${(flags & FLG_VERSION_MASK) >>> 6} (FLG 0x${flags.toString(16)})`, start + 4);
  }
  if ((flags & FLG_DICT_ID) !== 0) throw corrupt('frame needs a dictionary (Dict-ID flag set); Kafka never uses one', start + 4);
  const maxBlockSize = blockMaxSize(bd);
  if (maxBlockSize === undefined) throw corrupt(`invalid block maximum size id ${(bd >>> 4) & 7}`, start + 5);
  let pos = start + 6;
  let contentSize: number | undefined;
  if ((flags & FLG_CONTENT_SIZE) !== 0) {
    if (data.length - pos < 9) throw corrupt('truncated frame header', start);
    contentSize = Number(data.readBigUInt64LE(pos));
    pos += 8;
  }
  if (pos >= data.length) throw corrupt('truncated frame header', start);
  const expected = headerChecksum(data, start + 4, pos);
  const actual = data[pos]!;
  if (actual !== expected) {
    const hint =
      actual === headerChecksum(data, start, pos)
        ? ' (computed over the magic too: the pre-0.10 Kafka variant of KAFKA-3160, valid only in magic 0 message sets)'
        : '';
    throw corrupt(`header checksum 0x${actual.toString(16)} != 0x${expected.toString(16)}${hint}`, pos);
  }
  return { flags, maxBlockSize, contentSize, blocksStart: pos + 1 };
}

/**
 * Walks the input once without decompressing: validates the framing and returns an upper
 * bound of the decompressed size, so the output is allocated once.
 */
/** An upper bound of what LZ4 frames decompress to, from their headers and block sizes. */
export function lz4DecompressedSizeBound(data: Buffer): number {
  // Java's KafkaLZ4BlockInputStream fails on a payload without a frame; so do we.
  if (data.length === 0) throw corrupt('empty payload, no frame', 0);
  let bound = 0;
  let pos = 0;
  while (pos < data.length) {
    if (data.length - pos < 4) throw corrupt('trailing bytes after the last frame', pos);
    const magic = data.readUInt32LE(pos);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (data.length - pos < 8) throw corrupt('truncated skippable frame', pos);
      pos += 8 + data.readUInt32LE(pos + 4);
      if (pos > data.length) throw corrupt('truncated skippable frame', data.length);
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt(`bad magic 0x${magic.toString(16)} (expected 0x${FRAME_MAGIC.toString(16)})`, pos);
    const header = readFrameHeader(data, pos);
    const blockChecksumSize = (header.flags & FLG_BLOCK_CHECKSUM) !== 0 ? 4 : 0;
    pos = header.blocksStart;
    for (;;) {
      if (data.length - pos < 4) throw corrupt('truncated block size (missing end mark?)', pos);
      const word = data.readUInt32LE(pos);
      pos += 4;
      if (word === 0) break;
      const size = word & ~BLOCK_UNCOMPRESSED;
      if (size > header.maxBlockSize) throw corrupt(`block of ${size} bytes exceeds the frame's ${header.maxBlockSize}-byte maximum`, pos - 4);
      if (data.length - pos < size + blockChecksumSize) throw corrupt('truncated block', pos);
      // A compressed byte expands to at most 255 bytes (one length-continuation byte).
      bound += (word & BLOCK_UNCOMPRESSED) !== 0 ? size : Math.min(header.maxBlockSize, size * 255 + 16);
      pos += size + blockChecksumSize;
    }
    if ((header.flags & FLG_CONTENT_CHECKSUM) !== 0) {
      if (data.length - pos < 4) throw corrupt('truncated content checksum', pos);
      pos += 4;
    }
  }
  return bound;
}

/**
 * Decompresses one or more LZ4 frames (skippable frames are skipped).
 *
 * @param data - the compressed records section of a record batch
 * @returns the concatenated content of the frames
 * @throws {@link CompressionError} naming the offending byte on any malformed input
 */
export function decompressLz4(data: Buffer, maxOutput = Number.POSITIVE_INFINITY): Buffer {
  const bound = lz4DecompressedSizeBound(data);
  if (bound > maxOutput) throw outputTooLarge('lz4', bound, maxOutput);
  const out = Buffer.allocUnsafe(bound);
  let dp = 0;
  let pos = 0;
  while (pos < data.length) {
    const magic = data.readUInt32LE(pos);
    if (magic !== FRAME_MAGIC) {
      pos += 8 + data.readUInt32LE(pos + 4);
      continue;
    }
    const header = readFrameHeader(data, pos);
    const frameStart = dp;
    pos = header.blocksStart;
    for (;;) {
      const word = data.readUInt32LE(pos);
      pos += 4;
      if (word === 0) break;
      const size = word & ~BLOCK_UNCOMPRESSED;
      if ((header.flags & FLG_BLOCK_CHECKSUM) !== 0) {
        const stored = data.readUInt32LE(pos + size);
        if (stored !== xxhash32(data, pos, pos + size)) throw corrupt('block checksum mismatch', pos + size);
      }
      if ((word & BLOCK_UNCOMPRESSED) !== 0) {
        data.copy(out, dp, pos, pos + size);
        dp += size;
      } else {
        const blockEnd = Math.min(out.length, dp + header.maxBlockSize);
        try {
          dp = decompressLz4Block(data, pos, pos + size, out, dp, blockEnd, frameStart);
        } catch (err) {
          if (err instanceof CompressionError) throw corrupt(`${err.message.replace(/^lz4: /, '')}`, pos);
          throw err;
        }
      }
      pos += size + ((header.flags & FLG_BLOCK_CHECKSUM) !== 0 ? 4 : 0);
    }
    if (header.contentSize !== undefined && header.contentSize !== dp - frameStart) {
      throw corrupt(`content size ${dp - frameStart} != ${header.contentSize} declared in the header`, pos);
    }
    if ((header.flags & FLG_CONTENT_CHECKSUM) !== 0) {
      if (data.readUInt32LE(pos) !== xxhash32(out, frameStart, dp)) throw corrupt('content checksum mismatch', pos);
      pos += 4;
    }
  }
  return trimmed(out, dp);
}
