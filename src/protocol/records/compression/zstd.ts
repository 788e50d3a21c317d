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
import { CompressionError, causeMessage } from './compression-error.js';

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

/**
 * Decompresses one or more zstd frames, with or without a content size in their headers.
 *
 * @param data - the compressed records section of a record batch
 * @throws {@link CompressionError} when the input is not valid zstd, or no implementation can be loaded
 */
export async function decompressZstd(data: Uint8Array): Promise<Buffer> {
  const { decompress } = await zstdBackend();
  try {
    return await decompress(data);
  } catch (err) {
    const reason = causeMessage(err).replace(/^zstd: /, '');
    throw new CompressionError('zstd', `zstd: cannot decompress ${data.length} bytes: ${reason}`, { cause: err });
  }
}
