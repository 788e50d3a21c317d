/**
 * The zstd implementations the codec (./zstd.ts) can run on, each behind the same two
 * calls, so the codec and the zstd benchmark (bench/zstd.ts) measure and use the very
 * same code: the `@mongodb-js/zstd` napi-rs binding, and node:zlib's zstd (Node >= 22.15
 * / 23.8). Both run on libuv's thread pool and write one frame at zstd's default level 3,
 * as Java's producer does; both read streaming frames (no content size, as Java's
 * `ZstdOutputStream` writes them), concatenated frames and skippable frames.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

/** One zstd implementation, as the codec calls it. */
export interface ZstdBackend {
  /** 'node:zlib' or '@mongodb-js/zstd'. */
  readonly name: string;
  compress(data: Uint8Array): Promise<Buffer>;
  /**
   * @param outputSize - what the frames declare they decompress to, or a bound of it,
   *   when known (implementations that allocate output in chunks size them with it)
   */
  decompress(data: Uint8Array, outputSize?: number): Promise<Buffer>;
}

type ZlibCallback = (error: Error | null, result: Buffer) => void;
interface ZstdZlibOptions {
  chunkSize?: number;
  pledgedSrcSize?: number;
}
/** The part of node:zlib that Node >= 22.15 adds; @types/node 20 does not declare it. */
interface ZlibWithZstd {
  zstdCompress?: (data: Uint8Array, options: ZstdZlibOptions, callback: ZlibCallback) => void;
  zstdDecompress?: (data: Uint8Array, options: ZstdZlibOptions, callback: ZlibCallback) => void;
}

/** The binding's exports (its own index.d.ts, narrowed to what is used). */
interface ZstdBinding {
  compress(data: Buffer): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

const asBuffer = (data: Uint8Array): Buffer => (Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));

/**
 * Loads the `@mongodb-js/zstd` binding (its native module is read here, not before).
 *
 * @throws whatever loading it threw: not installed, no prebuilt binary for this platform
 */
export async function loadZstdBinding(): Promise<ZstdBackend> {
  const module = await import('@mongodb-js/zstd');
  // ESM sees the CommonJS exports as named exports or under `default`, depending on the loader.
  const api: ZstdBinding = typeof module.compress === 'function' ? module : module.default;
  return {
    name: '@mongodb-js/zstd',
    compress: (data) => api.compress(asBuffer(data)),
    decompress: (data) => api.decompress(asBuffer(data)),
  };
}

const MIN_CHUNK = 16 * 1024;
/** zstd's largest block: larger chunks measured no faster for large batches, and slower for small ones. */
const MAX_CHUNK = 128 * 1024;
/** Output guessed when none is given: record batches rarely shrink more with zstd at level 3. */
const GUESSED_RATIO = 8;

/** One output chunk per call where it fits: each chunk is a thread-pool round trip (see gzip.ts). */
const chunkSize = (expectedOutput: number): number => Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, expectedOutput));

/**
 * node:zlib's zstd, or undefined on a Node without it (before 22.15 / 23.8). Output
 * chunks are sized to the expected output, as for gzip: with the default 16 KiB chunk
 * a 1 MiB batch decompressed in 64 thread-pool round trips, at twice the CPU (bench/zstd.ts,
 * rows "node:zlib" and "node:zlib defaults").
 */
export function nodeZlibZstd(): ZstdBackend | undefined {
  const { zstdCompress, zstdDecompress } = zlib as ZlibWithZstd;
  if (typeof zstdCompress !== 'function' || typeof zstdDecompress !== 'function') return undefined;
  const compress = promisify(zstdCompress);
  const decompress = promisify(zstdDecompress);
  return {
    name: 'node:zlib',
    // The pledged size goes into the frame header (Java's and the binding's frames have none;
    // every reader takes both) and lets zstd size its tables to the batch: less CPU for small ones.
    compress: (data) => compress(data, { chunkSize: chunkSize(data.length), pledgedSrcSize: data.length }),
    decompress: (data, outputSize = data.length * GUESSED_RATIO) => decompress(data, { chunkSize: chunkSize(outputSize) }),
  };
}
