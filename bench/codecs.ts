/**
 * Compression codec benchmark: tskafka's codecs next to every library considered for
 * them, on 1 MiB of records: the records section of a batch of JSON order events
 * (about 4,800 of them), keyed by order id, as a producer hands it to the codec.
 *
 *   npx tsx bench/codecs.ts
 *
 * Candidate libraries are not dependencies of tskafka. Each is loaded from the project's
 * node_modules if present, else from the folder named by CODEC_BENCH_CANDIDATES (a
 * scratch `npm install snappy snappyjs lz4-napi lz4js lz4-wasm-nodejs @bokuweb/zstd-wasm
 * fzstd` there), else its row says "not installed".
 */
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as zlib from 'node:zlib';
import { promisify } from 'node:util';
import { CompressionCodec, compress, decompress } from '../src/protocol/records/compression.js';
import { zstdImplementation } from '../src/protocol/records/compression/zstd.js';

type Bytes = Uint8Array;
type Codec = (data: Buffer) => Bytes | Promise<Bytes>;

interface Candidate {
  codec: string;
  implementation: string;
  /** Why this row is not measured, or a caveat shown next to it. */
  note?: string;
  compress?: Codec;
  decompress?: Codec;
  /** Decompress input produced by another implementation (for decompress-only libraries). */
  decompressInput?: () => Promise<Bytes>;
}

/** The records section is cut at the first record boundary past this size. */
const TARGET_BYTES = 1024 * 1024;
const MIN_TIME_NS = 400_000_000n;

/** A small deterministic PRNG so every run compresses the same bytes. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function varint(out: number[], value: number): void {
  let v = (value << 1) ^ (value >> 31); // zigzag, as Kafka record fields are
  while ((v & ~0x7f) !== 0) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

/**
 * The records section of a record batch (magic 2) holding order events keyed by order id,
 * cut at the first record boundary past `targetBytes`: what a producer hands to the codec.
 * The same seed every time, so every run (and bench/zstd.ts) compresses the same bytes.
 */
export function orderEventRecords(targetBytes = TARGET_BYTES): { records: Buffer; count: number } {
  const random = mulberry32(20240611);
  const skus = ['SKU-1001', 'SKU-2002', 'SKU-3003', 'SKU-4711', 'SKU-9000', 'SKU-1234', 'SKU-5555', 'SKU-8080'];
  const chunks: Buffer[] = [];
  let size = 0;
  let i = 0;
  for (; size < targetBytes; i++) {
    const items = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
      sku: skus[Math.floor(random() * skus.length)],
      qty: 1 + Math.floor(random() * 4),
      price: Math.round(random() * 10_000) / 100,
    }));
    const orderId = `ord-${Math.floor(random() * 2 ** 32).toString(36)}-${i}`;
    const key = Buffer.from(orderId);
    const value = Buffer.from(
      JSON.stringify({
        orderId,
        userId: `user-${Math.floor(random() * 5000)}`,
        amount: Math.round(random() * 100_000) / 100,
        currency: 'EUR',
        items,
        ts: 1_718_000_000_000 + i * 37,
      }),
    );
    const body: number[] = [0];
    varint(body, i * 37); // timestampDelta
    varint(body, i); // offsetDelta
    varint(body, key.length);
    const tail: number[] = [];
    varint(tail, value.length);
    const headers: number[] = [];
    varint(headers, 0);
    const length: number[] = [];
    varint(length, body.length + key.length + tail.length + value.length + headers.length);
    chunks.push(Buffer.from(length), Buffer.from(body), key, Buffer.from(tail), value, Buffer.from(headers));
    size += length.length + body.length + key.length + tail.length + value.length + headers.length;
  }
  return { records: Buffer.concat(chunks), count: i };
}

/** Loads a candidate library from the project, else from CODEC_BENCH_CANDIDATES; undefined if neither has it. */
function loadCandidate(name: string): Record<string, unknown> | undefined {
  const places = [createRequire(import.meta.url)];
  const extra = process.env['CODEC_BENCH_CANDIDATES'];
  if (extra !== undefined && extra !== '') places.push(createRequire(join(extra, 'noop.js')));
  for (const require of places) {
    try {
      return require(name) as Record<string, unknown>;
    } catch {
      // not in this place: try the next
    }
  }
  return undefined;
}

function fn(module: Record<string, unknown> | undefined, name: string): ((...args: unknown[]) => unknown) | undefined {
  const value = module?.[name];
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown) : undefined;
}

function bytesCodec(f: ((...args: unknown[]) => unknown) | undefined, ...extra: unknown[]): Codec | undefined {
  if (f === undefined) return undefined;
  return (data) => f(data, ...extra) as Bytes | Promise<Bytes>;
}

async function candidates(ours: Buffer): Promise<Candidate[]> {
  const list: Candidate[] = [];
  const add = (codec: string, implementation: string, parts: Omit<Candidate, 'codec' | 'implementation'>): void => {
    list.push({ codec, implementation, ...parts });
  };
  const missing = { note: 'not installed' };

  add('gzip', 'tskafka: node:zlib async (level 6)', {
    compress: (d) => compress(CompressionCodec.GZIP, d),
    decompress: (d) => decompress(CompressionCodec.GZIP, d),
  });
  add('gzip', 'node:zlib gzipSync/gunzipSync', { compress: (d) => zlib.gzipSync(d), decompress: (d) => zlib.gunzipSync(d) });

  add('snappy', 'tskafka: TypeScript, xerial framing', {
    compress: (d) => compress(CompressionCodec.Snappy, d),
    decompress: (d) => decompress(CompressionCodec.Snappy, d),
  });
  const snappy = loadCandidate('snappy');
  add('snappy', 'snappy (napi-rs), raw block', snappy ? { compress: bytesCodec(fn(snappy, 'compressSync')), decompress: bytesCodec(fn(snappy, 'uncompressSync')) } : missing);
  const snappyjs = loadCandidate('snappyjs');
  add('snappy', 'snappyjs (pure JS), raw block', snappyjs ? { compress: bytesCodec(fn(snappyjs, 'compress')), decompress: bytesCodec(fn(snappyjs, 'uncompress')) } : missing);

  add('lz4', 'tskafka: TypeScript, frame 64 KiB', {
    compress: (d) => compress(CompressionCodec.LZ4, d),
    decompress: (d) => decompress(CompressionCodec.LZ4, d),
  });
  const lz4napi = loadCandidate('lz4-napi');
  add('lz4', 'lz4-napi (napi-rs), frame', lz4napi ? { note: '4 MiB blocks, not settable', compress: bytesCodec(fn(lz4napi, 'compressFrameSync')), decompress: bytesCodec(fn(lz4napi, 'decompressFrameSync')) } : missing);
  add('lz4', 'lz4-napi (napi-rs), raw block', lz4napi ? { note: 'size-prefixed block, no frame', compress: bytesCodec(fn(lz4napi, 'compressSync')), decompress: bytesCodec(fn(lz4napi, 'uncompressSync')) } : missing);
  const lz4js = loadCandidate('lz4js');
  add('lz4', 'lz4js (pure JS), frame', lz4js ? { note: '4 MiB blocks, not settable', compress: bytesCodec(fn(lz4js, 'compress')), decompress: bytesCodec(fn(lz4js, 'decompress')) } : missing);
  const lz4wasm = loadCandidate('lz4-wasm-nodejs');
  add('lz4', 'lz4-wasm-nodejs (WASM), raw block', lz4wasm ? { note: 'size-prefixed block, no frame', compress: bytesCodec(fn(lz4wasm, 'compress')), decompress: bytesCodec(fn(lz4wasm, 'decompress')) } : missing);

  add('zstd', `tskafka: ${await zstdImplementation()}`, {
    compress: (d) => compress(CompressionCodec.ZSTD, d),
    decompress: (d) => decompress(CompressionCodec.ZSTD, d),
  });
  const nodeZstd = zlib as { zstdCompress?: unknown; zstdDecompress?: unknown };
  if (typeof nodeZstd.zstdCompress === 'function' && typeof nodeZstd.zstdDecompress === 'function') {
    const c = promisify(nodeZstd.zstdCompress as (d: Buffer, cb: (e: Error | null, r: Buffer) => void) => void);
    const dz = promisify(nodeZstd.zstdDecompress as (d: Buffer, cb: (e: Error | null, r: Buffer) => void) => void);
    add('zstd', 'node:zlib zstd (Node >= 22.15)', { compress: c, decompress: dz });
  } else {
    add('zstd', 'node:zlib zstd (Node >= 22.15)', { note: `absent on Node ${process.version}` });
  }
  const mongo = loadCandidate('@mongodb-js/zstd');
  add('zstd', '@mongodb-js/zstd 1.x (napi-rs)', mongo ? { compress: bytesCodec(fn(mongo, 'compress')), decompress: bytesCodec(fn(mongo, 'decompress')) } : missing);
  const bokuweb = loadCandidate('@bokuweb/zstd-wasm');
  const init = fn(bokuweb, 'init');
  if (bokuweb !== undefined && init !== undefined) {
    await init();
    add('zstd', '@bokuweb/zstd-wasm (WASM)', {
      note: 'fails on frames without content size (Java writes those)',
      compress: bytesCodec(fn(bokuweb, 'compress'), 3),
      decompress: bytesCodec(fn(bokuweb, 'decompress'), { defaultHeapSize: 4 * ours.length }),
    });
  } else {
    add('zstd', '@bokuweb/zstd-wasm (WASM)', missing);
  }
  const fzstd = loadCandidate('fzstd');
  add('zstd', 'fzstd (pure JS)', fzstd ? { note: 'decompress only', decompress: bytesCodec(fn(fzstd, 'decompress')), decompressInput: () => compress(CompressionCodec.ZSTD, ours) } : missing);
  return list;
}

/** Mean nanoseconds per call, calling `run` until at least MIN_TIME_NS have passed. */
async function timePerCall(run: () => Bytes | Promise<Bytes>): Promise<number> {
  await run();
  let calls = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < MIN_TIME_NS) {
    await run();
    calls++;
    elapsed = process.hrtime.bigint() - start;
  }
  return Number(elapsed) / calls;
}

function megabytesPerSecond(bytes: number, nanoseconds: number): string {
  return ((bytes / nanoseconds) * 1e3).toFixed(0);
}

/** Runs every codec and candidate on the same records and prints one table row each. */
export async function runCodecBench(): Promise<void> {
  const { records: data, count } = orderEventRecords();
  const list = await candidates(data);
  console.log(
    `codec bench: ${count} JSON order events as a records section, ${data.length} bytes; ` +
      `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'}; MB/s of uncompressed bytes (1 MB = 10^6)`,
  );
  const header = ['codec', 'implementation', 'compress MB/s', 'decompress MB/s', 'ratio', 'note'];
  const rows: string[][] = [];
  for (const c of list) {
    if (c.compress === undefined && c.decompress === undefined) {
      rows.push([c.codec, c.implementation, '-', '-', '-', c.note ?? '']);
      continue;
    }
    try {
      let compressed: Bytes | undefined;
      let compressRate = '-';
      if (c.compress !== undefined) {
        const compressFn = c.compress;
        compressed = await compressFn(data);
        compressRate = megabytesPerSecond(data.length, await timePerCall(() => compressFn(data)));
      }
      const input = compressed ?? (await c.decompressInput?.());
      let decompressRate = '-';
      let note = c.note ?? '';
      if (c.decompress !== undefined && input !== undefined) {
        const decompressFn = c.decompress;
        const inputBuffer = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
        const restored = await decompressFn(inputBuffer);
        if (!Buffer.from(restored.buffer, restored.byteOffset, restored.byteLength).equals(data)) note = `ROUND TRIP MISMATCH ${note}`;
        decompressRate = megabytesPerSecond(data.length, await timePerCall(() => decompressFn(inputBuffer)));
      }
      const ratio = compressed === undefined ? '-' : (data.length / compressed.length).toFixed(2);
      rows.push([c.codec, c.implementation, compressRate, decompressRate, ratio, note]);
    } catch (err) {
      rows.push([c.codec, c.implementation, '-', '-', '-', `failed: ${err instanceof Error ? err.message : String(err)}`]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, i) => (i >= 2 && i <= 4 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i >= 2 && i <= 4 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runCodecBench();
}
