/**
 * Kafka's zstd codec (attribute 4, Kafka 2.1+, Produce v7+/Fetch v10+): standard zstd
 * frames.
 *
 * Java's producer writes through zstd-jni's streaming `ZstdOutputStream`, whose frames
 * carry no content size, so every backend here decodes streaming frames (and
 * concatenated ones). Backends, in order: node:zlib's zstd (Node >= 22.15 / 23.8), then
 * the `@mongodb-js/zstd` napi-rs binding (prebuilt binaries, no install script). Both are
 * loaded on first use only, so a platform without a binary fails only when zstd is used.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { CompressionError, causeMessage, outputTooLarge } from './compression-error.js';

interface ZstdBackend {
  readonly name: string;
  compress(data: Uint8Array): Promise<Buffer>;
  decompress(data: Uint8Array): Promise<Buffer>;
}

type ZlibCallback = (error: Error | null, result: Buffer) => void;
/** The part of node:zlib that Node >= 22.15 adds; @types/node 20 does not declare it. */
interface ZlibWithZstd {
  zstdCompress?: (data: Uint8Array, callback: ZlibCallback) => void;
  zstdDecompress?: (data: Uint8Array, callback: ZlibCallback) => void;
}

async function loadBackend(): Promise<ZstdBackend> {
  const { zstdCompress, zstdDecompress } = zlib as ZlibWithZstd;
  if (typeof zstdCompress === 'function' && typeof zstdDecompress === 'function') {
    return { name: 'node:zlib', compress: promisify(zstdCompress), decompress: promisify(zstdDecompress) };
  }
  try {
    const binding = await import('@mongodb-js/zstd');
    // ESM sees the CommonJS exports as named exports or under `default`, depending on the loader.
    const api = typeof binding.compress === 'function' ? binding : binding.default;
    return {
      name: '@mongodb-js/zstd',
      compress: (data) => api.compress(Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
      decompress: (data) => api.decompress(Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
    };
  } catch (err) {
    throw new CompressionError(
      'zstd',
      `zstd: no implementation available on Node ${process.version} (${process.platform}-${process.arch}): ` +
        `node:zlib has zstd from Node 22.15, and the '@mongodb-js/zstd' package could not be loaded: ${causeMessage(err)}`,
      { cause: err },
    );
  }
}

let backend: Promise<ZstdBackend> | undefined;

function zstdBackend(): Promise<ZstdBackend> {
  backend ??= loadBackend();
  return backend;
}

/** Which zstd implementation this process uses: 'node:zlib' or '@mongodb-js/zstd'. */
export async function zstdImplementation(): Promise<string> {
  return (await zstdBackend()).name;
}

/**
 * Compresses `data` into one zstd frame at the default level 3, as Java's producer does.
 *
 * @param data - the uncompressed records section of a record batch
 * @throws {@link CompressionError} when no zstd implementation can be loaded
 */
export async function compressZstd(data: Uint8Array): Promise<Buffer> {
  const { compress } = await zstdBackend();
  try {
    return await compress(data);
  } catch (err) {
    throw new CompressionError('zstd', `zstd: compression failed: ${causeMessage(err)}`, { cause: err });
  }
}

const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames: magic 0x184D2A50-0x184D2A5F, a 4-byte size, then that many bytes. */
const SKIPPABLE_MAGIC = 0x184d2a50;
/** RFC 8878: a block regenerates at most 128 KiB (Block_Maximum_Size, never above the window). */
const BLOCK_MAXIMUM_SIZE = 128 * 1024;

const u32le = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

/**
 * An upper bound of what zstd frames decompress to, read from their frame and block
 * headers (RFC 8878) without decompressing: raw and RLE blocks declare their size, a
 * compressed block regenerates at most 128 KiB. Null when the headers do not parse.
 */
export function zstdDecompressedBound(data: Uint8Array): number | null {
  let bound = 0;
  let pos = 0;
  while (pos < data.length) {
    if (data.length - pos < 8) return null;
    const magic = u32le(data, pos);
    if ((magic & 0xfffffff0) >>> 0 === SKIPPABLE_MAGIC) {
      pos += 8 + u32le(data, pos + 4);
      continue;
    }
    if (magic !== ZSTD_MAGIC) return null;
    const descriptor = data[pos + 4]!;
    const singleSegment = (descriptor >> 5) & 1;
    const contentSizeBytes = [singleSegment, 2, 4, 8][descriptor >> 6]!;
    pos += 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3]! + contentSizeBytes;
    for (let last = 0; !last; ) {
      if (data.length - pos < 3) return null;
      const header = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16);
      pos += 3;
      last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 0) {
        bound += size; // raw: the bytes themselves
        pos += size;
      } else if (type === 1) {
        bound += size; // RLE: one byte, repeated size times
        pos += 1;
      } else if (type === 2) {
        bound += BLOCK_MAXIMUM_SIZE;
        pos += size;
      } else {
        return null; // reserved block type
      }
      if (pos > data.length) return null;
    }
    if ((descriptor >> 2) & 1) pos += 4; // content checksum
  }
  return pos === data.length ? bound : null;
}

/**
 * Decompresses one or more zstd frames, with or without a content size in their headers.
 *
 * @param data - the compressed records section of a record batch
 * @throws {@link CompressionError} when the input is not valid zstd, or no implementation can be loaded
 */
export async function decompressZstd(data: Uint8Array, maxOutput = Number.POSITIVE_INFINITY): Promise<Buffer> {
  if (Number.isFinite(maxOutput)) {
    // Neither backend can stop at a size: bound the output from the headers first.
    const bound = zstdDecompressedBound(data);
    if (bound === null) throw new CompressionError('zstd', `zstd: cannot decompress ${data.length} bytes: malformed frame or block header`);
    if (bound > maxOutput) throw outputTooLarge('zstd', bound, maxOutput);
  }
  const { decompress } = await zstdBackend();
  try {
    return await decompress(data);
  } catch (err) {
    const reason = causeMessage(err).replace(/^zstd: /, '');
    throw new CompressionError('zstd', `zstd: cannot decompress ${data.length} bytes: ${reason}`, { cause: err });
  }
}
