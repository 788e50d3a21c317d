/**
 * Kafka's zstd codec (attribute 4, Kafka 2.1+, Produce v7+/Fetch v10+): standard zstd
 * frames at the default level 3, as Java's producer writes them.
 *
 * Java's producer writes through zstd-jni's streaming `ZstdOutputStream`, whose frames
 * carry no content size, so both implementations here read streaming frames (and
 * concatenated and skippable ones): the `@mongodb-js/zstd` napi-rs binding and node:zlib's
 * zstd (Node >= 22.15 / 23.8), both on threads off the event loop (./zstd-backends.ts).
 *
 * Which one runs is chosen by what each costs at record-batch sizes, not by Node version.
 * CPU µs per batch of JSON records, all threads, median of 3 runs of 3 rounds (Node
 * 24.22.3, 2 shared and loaded cores; `node --import tsx bench/zstd.ts`, with
 * ZSTD_BENCH_SIZES=32768,131072,262144 for the middle sizes; spreads in its output):
 *
 *                        1 KiB  16 KiB  32 KiB  64 KiB  128 KiB  256 KiB  1 MiB
 *   compress   binding      66      93     134     191      408      855   3889
 *              node:zlib   100     125     305     295      479      706   3137
 *   decompress binding      39     101     169     270      522      987   4104
 *              node:zlib    88      83     115     146      293      516   2420
 *
 * The producer benchmark's records (100-byte values) give the same picture. Here node:zlib
 * has output chunks sized to the batch; with its default 16 KiB chunks, as Node >= 22.15
 * ran it before, decompressing cost up to 2x more (the bench's "node:zlib defaults" rows),
 * and the producer's zstd case (bench/producer, case d2) ran at 42k records/s on Node 24
 * against 192k with this choice (median of 3 runs each). So:
 * - the binding to compress below 256 KiB and to decompress below 32 KiB of output;
 * - node:zlib from there, where Node has it: 1.2x less CPU compressing 256 KiB, 1.5-1.9x
 *   decompressing 32 KiB to 1 MiB;
 * - either one alone where the other is missing: node:zlib when the binding does not load
 *   (no prebuilt binary for the platform), the binding on Node 20, whose zlib has no zstd.
 * The output size is what the frames declare, else at least their blocks' sizes (Java's and
 * the binding's frames declare none). node:zlib's synchronous calls cost less CPU still,
 * but all of it on the event loop (1-2.5 ms per MiB): not used.
 * The binding is loaded on first use only, so a platform without a binary fails only when
 * zstd is used, and only where node:zlib has no zstd.
 */
import { CompressionError, causeMessage, outputTooLarge } from './compression-error.js';
import { type ZstdBackend, loadZstdBinding, nodeZlibZstd } from './zstd-backends.js';

/** From these sizes (uncompressed bytes) node:zlib takes less CPU than the binding (see above). */
const NODE_ZLIB_COMPRESS_FROM = 256 * 1024;
const NODE_ZLIB_DECOMPRESS_FROM = 32 * 1024;

/** node:zlib's zstd; undefined on a Node without it. Nothing native is loaded by asking. */
const zlibBackend = nodeZlibZstd();
/** The binding, or why it did not load; loaded on first use. */
let binding: Promise<ZstdBackend | Error> | undefined;

function loadBinding(): Promise<ZstdBackend | Error> {
  binding ??= loadZstdBinding().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  return binding;
}

/** The binding, else node:zlib when the binding does not load. */
async function bindingFirst(): Promise<ZstdBackend> {
  const loaded = await loadBinding();
  if (!(loaded instanceof Error)) return loaded;
  if (zlibBackend !== undefined) return zlibBackend;
  throw new CompressionError(
    'zstd',
    `zstd: no implementation available on Node ${process.version} (${process.platform}-${process.arch}): ` +
      `node:zlib has zstd from Node 22.15, and the '@mongodb-js/zstd' package could not be loaded: ${causeMessage(loaded)}`,
    { cause: loaded },
  );
}

/**
 * Which zstd implementations this process uses, and for what, e.g.
 * '@mongodb-js/zstd; node:zlib from 256 KiB to compress, from 32 KiB to decompress'.
 *
 * @throws {@link CompressionError} when neither can be loaded
 */
export async function zstdImplementation(): Promise<string> {
  const first = await bindingFirst();
  if (first === zlibBackend || zlibBackend === undefined) return first.name;
  return `${first.name}; ${zlibBackend.name} from ${NODE_ZLIB_COMPRESS_FROM / 1024} KiB to compress, from ${NODE_ZLIB_DECOMPRESS_FROM / 1024} KiB to decompress`;
}

/**
 * Compresses `data` into one zstd frame at the default level 3, as Java's producer does.
 *
 * @param data - the uncompressed records section of a record batch
 * @throws {@link CompressionError} when no zstd implementation can be loaded
 */
export async function compressZstd(data: Uint8Array): Promise<Buffer> {
  const { compress } = zlibBackend !== undefined && data.length >= NODE_ZLIB_COMPRESS_FROM ? zlibBackend : await bindingFirst();
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

/** What the headers of zstd frames say about their output, without decompressing. */
export interface ZstdFrameSizes {
  /** At most this: raw and RLE blocks declare their size, a compressed block regenerates at most 128 KiB. */
  bound: number;
  /**
   * At least this, as zstd compressors write: raw and RLE block sizes, plus each compressed
   * block's own size (a compressor writes a block raw unless compressing makes it smaller).
   * Only an estimate: a crafted frame may break it; it picks, it never limits.
   */
  atLeast: number;
  /** The sum of the content sizes the frames declare; null when one does not (Java's and the binding's frames). */
  declared: number | null;
}

/** Walks the frame and block headers of zstd frames (RFC 8878); null when they do not parse. */
export function zstdFrameSizes(data: Uint8Array): ZstdFrameSizes | null {
  let bound = 0;
  let atLeast = 0;
  let declared: number | null = 0;
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
    const at = pos + 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3]!;
    pos = at + contentSizeBytes;
    if (pos > data.length) return null;
    if (contentSizeBytes === 0) {
      declared = null;
    } else if (declared !== null) {
      // Frame_Content_Size, little-endian; the 2-byte form counts from 256.
      declared +=
        contentSizeBytes === 1 ? data[at]! : contentSizeBytes === 2 ? (data[at]! | (data[at + 1]! << 8)) + 256 : contentSizeBytes === 4 ? u32le(data, at) : u32le(data, at) + u32le(data, at + 4) * 2 ** 32;
    }
    for (let last = 0; !last; ) {
      if (data.length - pos < 3) return null;
      const header = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16);
      pos += 3;
      last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 0) {
        bound += size; // raw: the bytes themselves
        atLeast += size;
        pos += size;
      } else if (type === 1) {
        bound += size; // RLE: one byte, repeated size times
        atLeast += size;
        pos += 1;
      } else if (type === 2) {
        bound += BLOCK_MAXIMUM_SIZE;
        atLeast += size;
        pos += size;
      } else {
        return null; // reserved block type
      }
      if (pos > data.length) return null;
    }
    if ((descriptor >> 2) & 1) pos += 4; // content checksum
  }
  return pos === data.length ? { bound, atLeast, declared } : null;
}

/**
 * zstd at level 3 shrinks JSON record batches 3-5 times (bench/zstd.ts); guessing high
 * measured best for node:zlib, whose output chunks this sizes: a chunk too large costs
 * less than a second thread-pool round trip.
 */
const GUESSED_RATIO = 8;

/**
 * What zstd frames are expected to decompress to, from their headers: what they declare,
 * else their blocks' own sizes times a generous ratio, never above the bound. An output
 * buffer size, not a limit. Null when the headers do not parse.
 */
export function zstdExpectedOutput(data: Uint8Array): number | null {
  const sizes = zstdFrameSizes(data);
  return sizes === null ? null : expectedOutput(sizes);
}

function expectedOutput({ bound, atLeast, declared }: ZstdFrameSizes): number {
  return Math.min(declared ?? atLeast * GUESSED_RATIO, bound);
}

/**
 * An upper bound of what zstd frames decompress to, read from their frame and block
 * headers (RFC 8878) without decompressing: raw and RLE blocks declare their size, a
 * compressed block regenerates at most 128 KiB. Null when the headers do not parse.
 */
export function zstdDecompressedBound(data: Uint8Array): number | null {
  return zstdFrameSizes(data)?.bound ?? null;
}

/**
 * Decompresses one or more zstd frames, with or without a content size in their headers.
 *
 * @param data - the compressed records section of a record batch
 * @param maxOutput - refuse, before decompressing, frames whose headers allow more output than this
 * @throws {@link CompressionError} when the input is not valid zstd, or no implementation can be loaded
 */
export async function decompressZstd(data: Uint8Array, maxOutput = Number.POSITIVE_INFINITY): Promise<Buffer> {
  const sizes = zstdFrameSizes(data);
  if (Number.isFinite(maxOutput)) {
    // Neither implementation can stop at a size: bound the output from the headers first.
    if (sizes === null) throw new CompressionError('zstd', `zstd: cannot decompress ${data.length} bytes: malformed frame or block header`);
    if (sizes.bound > maxOutput) throw outputTooLarge('zstd', sizes.bound, maxOutput);
  }
  // By what the output is sure to reach: a frame without a content size may hold anything
  // from its compressed size to the bound. Headers that do not parse go to the binding,
  // whose decoder says what is wrong.
  const atLeast = sizes === null ? 0 : Math.min(sizes.declared ?? sizes.atLeast, sizes.bound);
  const backend = zlibBackend !== undefined && atLeast >= NODE_ZLIB_DECOMPRESS_FROM ? zlibBackend : await bindingFirst();
  try {
    return await backend.decompress(data, sizes === null ? undefined : expectedOutput(sizes));
  } catch (err) {
    const reason = causeMessage(err).replace(/^zstd: /, '');
    throw new CompressionError('zstd', `zstd: cannot decompress ${data.length} bytes: ${reason}`, { cause: err });
  }
}
