/**
 * Scratch space for the synchronous codecs (snappy, lz4): they compress into one
 * worst-case-sized buffer that is reused across calls, then copy out exactly the bytes
 * written, so each call allocates only its result.
 */

/** Scratch larger than this is not kept between calls, so one huge batch does not pin memory. */
const MAX_RETAINED = 4 * 1024 * 1024;

let scratch: Buffer = Buffer.allocUnsafe(64 * 1024);

/**
 * A buffer of at least `size` bytes to compress into; valid until the next call.
 * Callers must be synchronous between taking it and {@link takeResult}.
 */
export function scratchBuffer(size: number): Buffer {
  if (scratch.length >= size) return scratch;
  const buffer = Buffer.allocUnsafe(size);
  if (size <= MAX_RETAINED) scratch = buffer;
  return buffer;
}

/** A fresh buffer holding `buffer[0, length)`, so the caller may keep it after the scratch is reused. */
export function takeResult(buffer: Buffer, length: number): Buffer {
  const result = Buffer.allocUnsafe(length);
  buffer.copy(result, 0, 0, length);
  return result;
}

/**
 * `buffer[0, length)` for a decompression target sized to an upper bound: a view when the
 * bound was tight, a copy when most of it went unused (so the slack is not kept alive).
 */
export function trimmed(buffer: Buffer, length: number): Buffer {
  if (length >= buffer.length - (buffer.length >>> 3)) return buffer.subarray(0, length);
  return takeResult(buffer, length);
}
