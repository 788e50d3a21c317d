/**
 * The LZ4 block format: the raw sequences inside each block of an LZ4 frame.
 *
 * The compressor is LZ4's "fast" greedy matcher (level 1, what Java's lz4-java
 * `fastCompressor()` and librdkafka's default use); it keeps the format's end-of-block
 * rules (last 5 bytes are literals, no match starts in the last 12) because lz4-java's
 * fast decompressor relies on them. The decompressor checks every length and offset,
 * so corrupt input fails with a {@link CompressionError} instead of reading or writing
 * out of bounds.
 */
import { CompressionError } from './compression-error.js';

const MIN_MATCH = 4;
/** No match may start within the last 12 bytes of a block (LZ4 block format spec). */
const MF_LIMIT = 12;
/** The last 5 bytes of a block are always literals (LZ4 block format spec). */
const LAST_LITERALS = 5;
const MAX_OFFSET = 65535;
const HASH_LOG = 13;
const HASH_SHIFT = 32 - HASH_LOG;
/** After 2^6 failed probes the matcher starts skipping ahead faster, as LZ4's does. */
const SKIP_TRIGGER = 6;
/** Literal and match runs shorter than this are copied byte by byte: cheaper than a call. */
const SHORT_COPY = 32;

// One table reused by every call: compression is synchronous, so no two calls overlap.
const hashTable = new Int32Array(1 << HASH_LOG);

/** The most bytes {@link compressLz4Block} can write for `length` input bytes (LZ4_compressBound). */
export function lz4BlockBound(length: number): number {
  return length + Math.floor(length / 255) + 16;
}

function load32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

function hashAt(b: Uint8Array, i: number): number {
  return Math.imul(load32(b, i), 2654435761) >>> HASH_SHIFT;
}

/** Writes a run length's continuation bytes (255, 255, ..., rest) after a token nibble of 15. */
function writeLengthTail(dst: Uint8Array, pos: number, length: number): number {
  let rest = length - 15;
  while (rest >= 255) {
    dst[pos++] = 255;
    rest -= 255;
  }
  dst[pos++] = rest;
  return pos;
}

function copyBytes(src: Uint8Array, from: number, to: number, dst: Uint8Array, pos: number): void {
  if (to - from < SHORT_COPY) {
    for (let i = from; i < to; i++) dst[pos++] = src[i]!;
  } else {
    dst.set(src.subarray(from, to), pos);
  }
}

function writeSequence(
  dst: Uint8Array,
  pos: number,
  src: Uint8Array,
  anchor: number,
  literalEnd: number,
  offset: number,
  matchLength: number,
): number {
  const literalLength = literalEnd - anchor;
  const matchCode = matchLength - MIN_MATCH;
  const tokenPos = pos++;
  if (literalLength >= 15) pos = writeLengthTail(dst, pos, literalLength);
  copyBytes(src, anchor, literalEnd, dst, pos);
  pos += literalLength;
  dst[pos++] = offset & 0xff;
  dst[pos++] = offset >>> 8;
  if (matchCode >= 15) pos = writeLengthTail(dst, pos, matchCode);
  dst[tokenPos] = (Math.min(literalLength, 15) << 4) | Math.min(matchCode, 15);
  return pos;
}

function writeLastLiterals(dst: Uint8Array, pos: number, src: Uint8Array, anchor: number, end: number): number {
  const literalLength = end - anchor;
  dst[pos++] = Math.min(literalLength, 15) << 4;
  if (literalLength >= 15) pos = writeLengthTail(dst, pos, literalLength);
  copyBytes(src, anchor, end, dst, pos);
  return pos + literalLength;
}

/**
 * Compresses `src[start, end)` as one independent LZ4 block into `dst` at `dstPos`.
 *
 * @returns the position in `dst` just past the block
 * @remarks `dst` must have {@link lz4BlockBound}(end - start) bytes free at `dstPos`.
 */
export function compressLz4Block(src: Uint8Array, start: number, end: number, dst: Uint8Array, dstPos: number): number {
  let pos = dstPos;
  let anchor = start;
  if (end - start < MF_LIMIT + 1) return writeLastLiterals(dst, pos, src, anchor, end);

  hashTable.fill(-1);
  const matchStartLimit = end - MF_LIMIT;
  const matchEndLimit = end - LAST_LITERALS;
  let ip = start;
  hashTable[hashAt(src, ip)] = ip;
  ip++;

  for (;;) {
    // Find a 4-byte match, probing further apart the longer nothing is found.
    let ref = -1;
    let probes = 1 << SKIP_TRIGGER;
    for (;;) {
      if (ip > matchStartLimit) return writeLastLiterals(dst, pos, src, anchor, end);
      const h = hashAt(src, ip);
      ref = hashTable[h]!;
      hashTable[h] = ip;
      if (ref >= start && ip - ref <= MAX_OFFSET && load32(src, ref) === load32(src, ip)) break;
      ip += probes++ >>> SKIP_TRIGGER;
    }

    for (;;) {
      while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      let matchEnd = ip + MIN_MATCH;
      let r = ref + MIN_MATCH;
      while (matchEnd < matchEndLimit && src[matchEnd] === src[r]) {
        matchEnd++;
        r++;
      }
      pos = writeSequence(dst, pos, src, anchor, ip, ip - ref, matchEnd - ip);
      ip = anchor = matchEnd;
      if (ip > matchStartLimit) return writeLastLiterals(dst, pos, src, anchor, end);

      hashTable[hashAt(src, ip - 2)] = ip - 2;
      // A match right after a match is common in record data (repeated field names).
      const h = hashAt(src, ip);
      ref = hashTable[h]!;
      hashTable[h] = ip;
      if (!(ref >= start && ip - ref <= MAX_OFFSET && load32(src, ref) === load32(src, ip))) break;
    }
    ip++;
  }
}

function corrupt(detail: string): CompressionError {
  return new CompressionError('lz4', `lz4: corrupt block: ${detail}`);
}

/**
 * Decompresses the LZ4 block `src[start, end)` into `dst` at `dstPos`.
 *
 * @param windowStart - the earliest position in `dst` a match may refer to: the start of
 *   the frame's output, so linked blocks (which refer back into earlier blocks) decode too
 * @param dstEnd - the position in `dst` the block must not write past (the block maximum size)
 * @returns the position in `dst` just past the decompressed bytes
 * @throws {@link CompressionError} on any malformed sequence
 */
export function decompressLz4Block(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  dstPos: number,
  dstEnd: number,
  windowStart: number,
): number {
  let sp = start;
  let dp = dstPos;
  while (sp < end) {
    const token = src[sp++]!;
    let literalLength = token >>> 4;
    if (literalLength === 15) {
      let b: number;
      do {
        if (sp >= end) throw corrupt('literal length runs past the end of the block');
        b = src[sp++]!;
        literalLength += b;
      } while (b === 255);
    }
    if (literalLength > end - sp) throw corrupt('literals run past the end of the block');
    if (literalLength > dstEnd - dp) throw corrupt('output larger than the block maximum size');
    copyBytes(src, sp, sp + literalLength, dst, dp);
    sp += literalLength;
    dp += literalLength;
    // The last sequence of a block has literals only.
    if (sp === end) break;

    if (end - sp < 2) throw corrupt('truncated match offset');
    const offset = src[sp]! | (src[sp + 1]! << 8);
    sp += 2;
    if (offset === 0 || offset > dp - windowStart) throw corrupt(`match offset ${offset} points before the output`);
    let matchLength = token & 15;
    if (matchLength === 15) {
      let b: number;
      do {
        if (sp >= end) throw corrupt('match length runs past the end of the block');
        b = src[sp++]!;
        matchLength += b;
      } while (b === 255);
    }
    matchLength += MIN_MATCH;
    if (matchLength > dstEnd - dp) throw corrupt('output larger than the block maximum size');
    let from = dp - offset;
    if (offset >= matchLength && matchLength >= SHORT_COPY) {
      dst.copyWithin(dp, from, from + matchLength);
      dp += matchLength;
    } else {
      // Overlapping matches repeat the last `offset` bytes: copy forwards byte by byte.
      const stop = dp + matchLength;
      while (dp < stop) dst[dp++] = dst[from++]!;
    }
  }
  return dp;
}
