/**
 * zstd implementations side by side at record-batch sizes: what choosing one costs per
 * batch, compress and decompress, at zstd's level 3 (the producer's), on the records
 * section of a batch as the producer hands it to the codec.
 *
 *   npm run bench -- zstd                    # or: npx tsx bench/zstd.ts
 *   <node >= 22.15> --import tsx bench/zstd.ts   # to see node:zlib's rows as well
 *
 * Environment:
 *   ZSTD_BENCH_ROUNDS=3            rounds; each cell is measured once per round (default 3)
 *   ZSTD_BENCH_MS=200              minimum time per cell and round, ms (default 200)
 *   ZSTD_BENCH_SIZES=1024,16384    records-section sizes, bytes (default 1 KiB, 16 KiB, 64 KiB, 1 MiB)
 *   ZSTD_BENCH_PAYLOADS=json       json (order events, as bench/codecs.ts) and/or
 *                                  producer (bench/producer's 100-byte values, keys k0..k999)
 *
 * Rows, per payload, size and direction:
 * - `@mongodb-js/zstd` and `node:zlib`: tskafka's own wrappers (src/.../zstd-backends.ts),
 *   the two implementations the codec can pick;
 * - `node:zlib defaults`: `zstdCompress`/`zstdDecompress` with default options, what
 *   tskafka ran on Node >= 22.15 before it picked by measurement;
 * - `node:zlib sync`: `zstdCompressSync`, for reference: the cheapest in CPU, but it runs
 *   on the event loop, so the whole cost is event-loop time.
 * node:zlib rows say "absent" on a Node without zstd in zlib (before 22.15 / 23.8).
 *
 * Every row decompresses the same frame, the one tskafka's codec writes (the binding's,
 * which like Java's declares no content size); the ratio is each one's own compression.
 * Each cell awaits one call after another (one batch at a time) and reports, per batch:
 * wall µs; CPU µs of the whole process (process.cpuUsage: the event loop, libuv's and
 * the binding's threads, GC); event-loop µs (process.threadCpuUsage, Node >= 23.9,
 * else "-"). Values are the median over rounds, with the lowest and highest in brackets.
 * Not a test: the numbers move with the machine; the ratios between rows are what count.
 */
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import * as zlib from 'node:zlib';
import { RecordBatchBuilder } from '../src/protocol/records/record-batch-builder.js';
import { RECORD_BATCH_OVERHEAD } from '../src/protocol/records/record-batch-header.js';
import { compressZstd, zstdExpectedOutput, zstdImplementation } from '../src/protocol/records/compression/zstd.js';
import { type ZstdBackend, loadZstdBinding, nodeZlibZstd } from '../src/protocol/records/compression/zstd-backends.js';
import { orderEventRecords } from './codecs.js';
import { KEY_BUFFERS, VALUES } from './producer/workload.js';

const KiB = 1024;
const DEFAULT_SIZES = [KiB, 16 * KiB, 64 * KiB, 1024 * KiB];
const MIN_CALLS = 5;

interface Implementation {
  readonly name: string;
  /** Why it is not measured here. */
  readonly absent?: string;
  readonly backend?: ZstdBackend;
}

/** One measured cell: per-batch figures of one round. */
interface Sample {
  wallUs: number;
  cpuUs: number;
  /** NaN where process.threadCpuUsage does not exist. */
  eventLoopUs: number;
}

type ThreadCpuUsage = (previous?: NodeJS.CpuUsage) => NodeJS.CpuUsage;
/** process.threadCpuUsage: Node >= 23.9; @types/node 20 does not declare it. */
const threadCpuUsage = (process as { threadCpuUsage?: ThreadCpuUsage }).threadCpuUsage?.bind(process);

type ZlibSync = (data: Uint8Array) => Buffer;
type ZlibAsync = (data: Uint8Array, callback: (error: Error | null, result: Buffer) => void) => void;
/** The part of node:zlib that Node >= 22.15 adds; @types/node 20 does not declare it. */
const zlibZstd = zlib as { zstdCompress?: ZlibAsync; zstdDecompress?: ZlibAsync; zstdCompressSync?: ZlibSync; zstdDecompressSync?: ZlibSync };

const callback =
  (f: ZlibAsync) =>
  (data: Uint8Array): Promise<Buffer> =>
    new Promise((resolve, reject) => f(data, (error, result) => (error ? reject(error) : resolve(result))));

async function implementations(): Promise<Implementation[]> {
  const absent = `absent on Node ${process.version} (zlib has zstd from 22.15 / 23.8)`;
  const list: Implementation[] = [];
  try {
    list.push({ name: '@mongodb-js/zstd', backend: await loadZstdBinding() });
  } catch (err) {
    list.push({ name: '@mongodb-js/zstd', absent: `does not load: ${err instanceof Error ? err.message : String(err)}` });
  }
  const zlibBackend = nodeZlibZstd();
  list.push(zlibBackend ? { name: 'node:zlib', backend: zlibBackend } : { name: 'node:zlib', absent });
  const { zstdCompress, zstdDecompress, zstdCompressSync, zstdDecompressSync } = zlibZstd;
  list.push(
    zstdCompress && zstdDecompress
      ? { name: 'node:zlib defaults', backend: { name: 'node:zlib defaults', compress: callback(zstdCompress), decompress: callback(zstdDecompress) } }
      : { name: 'node:zlib defaults', absent },
  );
  list.push(
    zstdCompressSync && zstdDecompressSync
      ? {
          name: 'node:zlib sync',
          backend: { name: 'node:zlib sync', compress: async (d) => zstdCompressSync(d), decompress: async (d) => zstdDecompressSync(d) },
        }
      : { name: 'node:zlib sync', absent },
  );
  return list;
}

/** The records section of a batch of the producer benchmark's records (keys k0..k999, 100-byte values), at least `targetBytes`. */
function producerBenchRecords(targetBytes: number): Buffer {
  const builder = new RecordBatchBuilder({ initialCapacity: targetBytes + 4 * KiB });
  for (let i = 0; builder.sizeInBytes - RECORD_BATCH_OVERHEAD < targetBytes; i++) {
    builder.append({ key: KEY_BUFFERS[i % KEY_BUFFERS.length]!, value: VALUES[i % VALUES.length]! }, 1_718_000_000_000 + i);
  }
  return Buffer.from(builder.buildSync().subarray(RECORD_BATCH_OVERHEAD));
}

const PAYLOADS: Record<string, { title: string; records(size: number): Buffer }> = {
  json: { title: 'JSON order events keyed by order id (bench/codecs.ts)', records: (size) => orderEventRecords(size).records },
  producer: { title: "the producer benchmark's records: keys k0..k999, 100-byte lowercase values", records: producerBenchRecords },
};

function envNumbers(name: string, dflt: number[]): number[] {
  const raw = process.env[name]?.trim();
  if (!raw) return dflt;
  const values = raw.split(',').map(Number);
  if (!values.every((v) => Number.isInteger(v) && v > 0)) throw new Error(`${name} must be positive integers separated by commas, got ${JSON.stringify(raw)}`);
  return values;
}

/** Calls `run` one after another for at least `minMs` (and MIN_CALLS calls); per-call figures. */
async function measure(run: () => Promise<Buffer>, minMs: number): Promise<Sample> {
  for (let i = 0; i < MIN_CALLS; i++) await run(); // warm-up: first-call allocations, JIT
  const minNs = BigInt(Math.round(minMs * 1e6));
  const thread0 = threadCpuUsage?.();
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  let calls = 0;
  let elapsed = 0n;
  while (elapsed < minNs || calls < MIN_CALLS) {
    await run();
    calls++;
    elapsed = process.hrtime.bigint() - start;
  }
  const cpu = process.cpuUsage(cpu0);
  const thread = thread0 === undefined ? undefined : threadCpuUsage?.(thread0);
  return {
    wallUs: Number(elapsed) / 1e3 / calls,
    cpuUs: (cpu.user + cpu.system) / calls,
    eventLoopUs: thread === undefined ? Number.NaN : (thread.user + thread.system) / calls,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** "median [min-max]", or "-" when not measured. */
function spread(xs: number[]): string {
  if (xs.length === 0 || xs.some(Number.isNaN)) return '-';
  const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  return xs.length === 1 ? f(xs[0]!) : `${f(median(xs))} [${f(Math.min(...xs))}-${f(Math.max(...xs))}]`;
}

function sizeName(bytes: number): string {
  return bytes % (1024 * KiB) === 0 ? `${bytes / (1024 * KiB)} MiB` : bytes % KiB === 0 ? `${bytes / KiB} KiB` : `${bytes} B`;
}

/** Measures every implementation at every size, both directions, and prints one table per payload. */
export async function runZstdBench(): Promise<void> {
  const rounds = envNumbers('ZSTD_BENCH_ROUNDS', [3])[0]!;
  const minMs = envNumbers('ZSTD_BENCH_MS', [200])[0]!;
  const sizes = envNumbers('ZSTD_BENCH_SIZES', DEFAULT_SIZES);
  const payloadNames = (process.env['ZSTD_BENCH_PAYLOADS']?.trim() || 'json,producer').split(',').map((p) => p.trim());
  for (const p of payloadNames) if (!(p in PAYLOADS)) throw new Error(`ZSTD_BENCH_PAYLOADS: unknown payload ${JSON.stringify(p)}; known: ${Object.keys(PAYLOADS).join(', ')}`);
  const list = await implementations();
  let chosen: string;
  try {
    chosen = await zstdImplementation();
  } catch (err) {
    chosen = `none (${err instanceof Error ? err.message : String(err)})`;
  }
  console.log(
    `zstd bench: level 3, one batch at a time; Node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} x ${cpus().length}; ` +
      `${rounds} rounds of >= ${minMs} ms per cell; median [min-max] over rounds. tskafka's codec uses: ${chosen}`,
  );
  for (const i of list) if (i.absent !== undefined) console.log(`- ${i.name}: ${i.absent}`);
  const measured = list.filter((i) => i.backend !== undefined);

  for (const payloadName of payloadNames) {
    const payload = PAYLOADS[payloadName]!;
    // Inputs first, outside the clock. Every implementation decompresses the same frame:
    // what tskafka's codec writes (the binding's frames, like Java's, declare no content size).
    const cells: { size: number; data: Buffer; impl: Implementation; ratio: number; frame: Buffer; outputSize: number; samples: { compress: Sample[]; decompress: Sample[] } }[] = [];
    for (const size of sizes) {
      const data = payload.records(size);
      const frame = await compressZstd(data);
      // The output size the codec tells an implementation (node:zlib sizes its output chunks with it).
      const outputSize = zstdExpectedOutput(frame)!;
      for (const impl of measured) {
        const own = await impl.backend!.compress(data);
        for (const input of [own, frame]) {
          if (!(await impl.backend!.decompress(input, outputSize)).equals(data)) throw new Error(`${impl.name}: round trip mismatch at ${sizeName(size)}`);
        }
        cells.push({ size, data, impl, ratio: data.length / own.length, frame, outputSize, samples: { compress: [], decompress: [] } });
      }
    }
    // Rounds outermost, so a burst of load on the machine hits every row alike.
    for (let round = 0; round < rounds; round++) {
      for (const cell of cells) {
        const backend = cell.impl.backend!;
        cell.samples.compress.push(await measure(() => backend.compress(cell.data), minMs));
        cell.samples.decompress.push(await measure(() => backend.decompress(cell.frame, cell.outputSize), minMs));
      }
      process.stderr.write(`  zstd bench, ${payloadName}: round ${round + 1}/${rounds} done\n`);
    }
    console.log(`\n### ${payload.title}\n`);
    console.log('| size | direction | implementation | µs per batch | CPU µs per batch | event-loop µs per batch | ratio |');
    console.log('| --- | --- | --- | ---: | ---: | ---: | ---: |');
    for (const size of sizes) {
      for (const direction of ['compress', 'decompress'] as const) {
        for (const cell of cells.filter((c) => c.size === size)) {
          const s = cell.samples[direction];
          const ratio = cell.ratio.toFixed(2);
          console.log(
            `| ${sizeName(size)} (${cell.data.length} B) | ${direction} | ${cell.impl.name} | ${spread(s.map((x) => x.wallUs))} | ${spread(s.map((x) => x.cpuUs))} | ${spread(s.map((x) => x.eventLoopUs))} | ${ratio} |`,
          );
        }
      }
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runZstdBench();
}
