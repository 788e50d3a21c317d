/**
 * The raw snappy block format (Google's format_description.txt): a varint of the
 * uncompressed length, then literal and copy elements.
 *
 * The compressor follows the reference implementation's fragment matcher (64 KiB
 * fragments, hash table sized to the input, skip heuristic), so the ratio matches what
 * snappy-java and librdkafka produce. The decompressor checks every length and offset,
 * so corrupt input fails with a {@link CompressionError} instead of reading or writing
 * out of bounds.
 */
import { CompressionError } from './compression-error.js';

const TAG_LITERAL = 0;
const TAG_COPY_1 = 1;
const TAG_COPY_2 = 2;
const TAG_COPY_4 = 3;
/** The reference compressor works on independent 64 KiB fragments, so 2-byte offsets suffice. */
const FRAGMENT_SIZE = 65536;
const MAX_HASH_LOG = 14;
const MIN_HASH_LOG = 8;
/** Below this many bytes a fragment is emitted as one literal (reference kInputMarginBytes). */
const INPUT_MARGIN = 15;
const SHORT_COPY = 32;
const MAX_EXPANSION = 22;

// One table reused by every call: compression is synchronous, so no two calls overlap.
const hashTable = new Uint16Array(1 << MAX_HASH_LOG);

/** The most bytes {@link compressSnappyBlock} can write for `length` input bytes (MaxCompressedLength). */
export function snappyBlockBound(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

function load32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

function writeVarint(dst: Uint8Array, pos: number, value: number): number {
  while (value >= 0x80) {
    dst[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  dst[pos++] = value;
  return pos;
}

function writeLiteral(dst: Uint8Array, pos: number, src: Uint8Array, from: number, to: number): number {
  const n = to - from - 1;
  if (n < 60) {
    dst[pos++] = (n << 2) | TAG_LITERAL;
  } else if (n < 0x100) {
    dst[pos++] = (60 << 2) | TAG_LITERAL;
    dst[pos++] = n;
  } else if (n < 0x10000) {
    dst[pos++] = (61 << 2) | TAG_LITERAL;
    dst[pos++] = n & 0xff;
    dst[pos++] = n >>> 8;
  } else if (n < 0x1000000) {
    dst[pos++] = (62 << 2) | TAG_LITERAL;
    dst[pos++] = n & 0xff;
    dst[pos++] = (n >>> 8) & 0xff;
    dst[pos++] = n >>> 16;
  } else {
    dst[pos++] = (63 << 2) | TAG_LITERAL;
    dst[pos++] = n & 0xff;
    dst[pos++] = (n >>> 8) & 0xff;
    dst[pos++] = (n >>> 16) & 0xff;
    dst[pos++] = n >>> 24;
  }
  if (to - from < SHORT_COPY) {
    for (let i = from; i < to; i++) dst[pos++] = src[i]!;
    return pos;
  }
  dst.set(src.subarray(from, to), pos);
  return pos + to - from;
}

/** One copy element of 4..64 bytes: the 2-byte form, or the 1-byte one when it fits. */
function writeCopyUpTo64(dst: Uint8Array, pos: number, offset: number, length: number): number {
  if (length < 12 && offset < 2048) {
    dst[pos++] = TAG_COPY_1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    dst[pos++] = offset & 0xff;
  } else {
    dst[pos++] = TAG_COPY_2 | ((length - 1) << 2);
    dst[pos++] = offset & 0xff;
    dst[pos++] = offset >>> 8;
  }
  return pos;
}

function writeCopy(dst: Uint8Array, pos: number, offset: number, length: number): number {
  // Split as the reference does, so no element is shorter than 4 bytes.
  while (length >= 68) {
    pos = writeCopyUpTo64(dst, pos, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    pos = writeCopyUpTo64(dst, pos, offset, 60);
    length -= 60;
  }
  return writeCopyUpTo64(dst, pos, offset, length);
}

function compressFragment(src: Uint8Array, base: number, end: number, dst: Uint8Array, pos: number): number {
  const length = end - base;
  let nextEmit = base;
  if (length >= INPUT_MARGIN) {
    let hashLog = MIN_HASH_LOG;
    while (hashLog < MAX_HASH_LOG && 1 << hashLog < length) hashLog++;
    const shift = 32 - hashLog;
    hashTable.fill(0, 0, 1 << hashLog);
    const ipLimit = end - INPUT_MARGIN;
    let ip = base + 1;
    let nextHash = Math.imul(load32(src, ip), 0x1e35a7bd) >>> shift;
    outer: for (;;) {
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      do {
        ip = nextIp;
        const h = nextHash;
        nextIp = ip + (skip++ >>> 5);
        if (nextIp > ipLimit) break outer;
        nextHash = Math.imul(load32(src, nextIp), 0x1e35a7bd) >>> shift;
        candidate = base + hashTable[h]!;
        hashTable[h] = ip - base;
      } while (load32(src, ip) !== load32(src, candidate));

      pos = writeLiteral(dst, pos, src, nextEmit, ip);
      do {
        const matchStart = ip;
        let s1 = candidate + 4;
        ip += 4;
        while (ip < end && src[ip] === src[s1]) {
          ip++;
          s1++;
        }
        pos = writeCopy(dst, pos, matchStart - candidate, ip - matchStart);
        nextEmit = ip;
        if (ip >= ipLimit) break outer;
        hashTable[Math.imul(load32(src, ip - 1), 0x1e35a7bd) >>> shift] = ip - 1 - base;
        const h = Math.imul(load32(src, ip), 0x1e35a7bd) >>> shift;
        candidate = base + hashTable[h]!;
        hashTable[h] = ip - base;
      } while (load32(src, ip) === load32(src, candidate));
      ip++;
      nextHash = Math.imul(load32(src, ip), 0x1e35a7bd) >>> shift;
    }
  }
  if (nextEmit < end) pos = writeLiteral(dst, pos, src, nextEmit, end);
  return pos;
}

/**
 * Compresses `src[start, end)` as one raw snappy block into `dst` at `dstPos`.
 *
 * @returns the position in `dst` just past the block
 * @remarks `dst` must have {@link snappyBlockBound}(end - start) bytes free at `dstPos`.
 */
export function compressSnappyBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, dstPos: number): number {
  let pos = writeVarint(dst, dstPos, end - start);
  for (let base = start; base < end; base += FRAGMENT_SIZE) {
    pos = compressFragment(src, base, Math.min(base + FRAGMENT_SIZE, end), dst, pos);
  }
  return pos;
}

function corrupt(detail: string): CompressionError {
  return new CompressionError('snappy', `snappy: corrupt block: ${detail}`);
}

/** The varint uncompressed length at the start of the raw block at `start`, and where the elements begin. */
export function readSnappyBlockLength(src: Uint8Array, start: number, end: number): { length: number; elementsStart: number } {
  let length = 0;
  let pos = start;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) throw corrupt('truncated length header');
    const b = src[pos++]!;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      if (length > 0xffffffff) throw corrupt('length header exceeds 32 bits');
      // No element expands more than 64/3 times (a 3-byte copy of 64 bytes): refuse to
      // allocate for a length the rest of the block cannot possibly produce.
      if (length > MAX_EXPANSION * (end - pos)) throw corrupt(`declared length ${length} is impossible for ${end - pos} bytes of elements`);
      return { length, elementsStart: pos };
    }
  }
  throw corrupt('length header longer than 5 bytes');
}

/**
 * Decompresses the raw snappy block `src[start, end)` into `dst` at `dstPos`.
 *
 * @returns the position in `dst` just past the decompressed bytes
 * @throws {@link CompressionError} on any malformed element, or if the block does not
 *   decompress to exactly the length its header declares or does not fit `dst`
 */
export function decompressSnappyBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, dstPos: number): number {
  const { length, elementsStart } = readSnappyBlockLength(src, start, end);
  if (length > dst.length - dstPos) throw corrupt(`declared length ${length} exceeds the space left (${dst.length - dstPos})`);
  const dstEnd = dstPos + length;
  let sp = elementsStart;
  let dp = dstPos;
  while (sp < end) {
    const tag = src[sp++]!;
    const type = tag & 3;
    if (type === TAG_LITERAL) {
      let n = tag >>> 2;
      if (n >= 60) {
        const bytes = n - 59;
        if (end - sp < bytes) throw corrupt('truncated literal length');
        n = src[sp]!;
        if (bytes > 1) n |= src[sp + 1]! << 8;
        if (bytes > 2) n |= src[sp + 2]! << 16;
        if (bytes > 3) n = (n | (src[sp + 3]! << 24)) >>> 0;
        sp += bytes;
      }
      n += 1;
      if (n > end - sp) throw corrupt('literal runs past the end of the input');
      if (n > dstEnd - dp) throw corrupt('output longer than the declared length');
      if (n < SHORT_COPY) {
        for (let i = 0; i < n; i++) dst[dp++] = src[sp++]!;
      } else {
        dst.set(src.subarray(sp, sp + n), dp);
        sp += n;
        dp += n;
      }
      continue;
    }
    let n: number;
    let offset: number;
    if (type === TAG_COPY_1) {
      if (sp >= end) throw corrupt('truncated copy');
      n = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[sp++]!;
    } else if (type === TAG_COPY_2) {
      if (end - sp < 2) throw corrupt('truncated copy');
      n = (tag >>> 2) + 1;
      offset = src[sp]! | (src[sp + 1]! << 8);
      sp += 2;
    } else {
      if (end - sp < 4) throw corrupt('truncated copy');
      n = (tag >>> 2) + 1;
      offset = (src[sp]! | (src[sp + 1]! << 8) | (src[sp + 2]! << 16) | (src[sp + 3]! << 24)) >>> 0;
      sp += 4;
    }
    if (offset === 0 || offset > dp - dstPos) throw corrupt(`copy offset ${offset} points before the output`);
    if (n > dstEnd - dp) throw corrupt('output longer than the declared length');
    let from = dp - offset;
    if (offset >= n && n >= SHORT_COPY) {
      dst.copyWithin(dp, from, from + n);
      dp += n;
    } else {
      // Overlapping copies repeat the last `offset` bytes: copy forwards byte by byte.
      const stop = dp + n;
      while (dp < stop) dst[dp++] = dst[from++]!;
    }
  }
  if (dp !== dstEnd) throw corrupt(`decompressed to ${dp - dstPos} bytes, header declared ${length}`);
  return dp;
}
