/**
 * Record batch encode/decode and CRC-32C throughput, side by side with KafkaJS's own
 * record batch codec in the same process and run.
 *
 *   npx tsx bench/record-batch.ts
 *
 * The batch: 1,000 records, keys k0..k999, 100-byte values, no headers, uncompressed
 * (compression would measure zlib, not the codec). KafkaJS's encode is timed as its
 * producer runs it: one `Record()` encoder per message, then `RecordBatch()`.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { murmur2 } from '../src/protocol/murmur2.js';
import { crc32c } from '../src/protocol/records/crc32c.js';
import {
  RecordBatchBuilder,
  type RecordInput,
  decodeRecordBatches,
  encodeRecordBatchSync,
} from '../src/protocol/records/record-batch.js';
import { Writer } from '../src/protocol/primitives/writer.js';

const require = createRequire(import.meta.url);
interface KafkaJSEncoder {
  buffer: Buffer;
}
const { RecordBatch: kafkajsRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (args: Record<string, unknown>) => Promise<KafkaJSEncoder>;
};
const kafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (args: Record<string, unknown>) => KafkaJSEncoder;
const KafkaJSDecoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => object;
const kafkajsDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: object) => Promise<{ records: unknown[] }>;
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (buf: Buffer) => number;
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;

const RECORDS = 1000;
const VALUE_BYTES = 100;
const WARMUP_MS = 500;
const MEASURE_MS = 1500;

interface Result {
  name: string;
  opsPerSec: number;
}

/** Runs `fn` for WARMUP_MS unmeasured, then counts calls over MEASURE_MS. */
async function measure(name: string, fn: () => unknown): Promise<Result> {
  let sink = 0;
  const run = async (ms: number): Promise<{ n: number; elapsed: number }> => {
    const t0 = performance.now();
    let n = 0;
    let elapsed = 0;
    do {
      // Batches of calls keep the clock out of the loop for the fast cases.
      for (let i = 0; i < 8; i++) {
        const r = fn();
        if (r instanceof Promise) sink ^= ((await r) as { length?: number } | undefined)?.length ?? 1;
        else sink ^= typeof r === 'number' ? r : 1;
      }
      n += 8;
      elapsed = performance.now() - t0;
    } while (elapsed < ms);
    return { n, elapsed };
  };
  await run(WARMUP_MS);
  const { n, elapsed } = await run(MEASURE_MS);
  if (sink === 0x7fffffff) console.log(''); // keep the results observable
  return { name, opsPerSec: (n * 1000) / elapsed };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function row(r: Result, unitsPerOp: number, unit: string): string {
  return `  ${r.name.padEnd(44)} ${fmt(r.opsPerSec).padStart(10)} ops/s ${fmt(r.opsPerSec * unitsPerOp).padStart(14)} ${unit}`;
}

function pair(title: string, ours: Result, theirs: Result, unitsPerOp: number, unit: string): void {
  console.log(title);
  console.log(row(ours, unitsPerOp, unit));
  console.log(row(theirs, unitsPerOp, unit));
  console.log(`  ${'ratio tskafka / other'.padEnd(44)} ${fmt(ours.opsPerSec / theirs.opsPerSec, 2).padStart(10)}x`);
}

/** Prints the record batch and CRC-32C benchmarks. */
export async function runRecordBatchBench(): Promise<void> {
  const now = Date.now();
  const records: RecordInput[] = Array.from({ length: RECORDS }, (_, i) => ({
    key: Buffer.from(`k${i}`),
    value: Buffer.alloc(VALUE_BYTES, i & 0xff),
    timestamp: now + i,
  }));
  const encoded = encodeRecordBatchSync({ records });

  const kafkajsEncode = async (): Promise<Buffer> => {
    const firstTimestamp = records[0]!.timestamp!;
    const encoders = records.map((r, i) =>
      kafkajsRecord({ key: r.key, value: r.value, offsetDelta: i, timestampDelta: r.timestamp! - firstTimestamp }),
    );
    const batch = await kafkajsRecordBatch({
      records: encoders,
      firstTimestamp,
      maxTimestamp: records[RECORDS - 1]!.timestamp,
      lastOffsetDelta: RECORDS - 1,
      partitionLeaderEpoch: -1,
      producerEpoch: -1,
      firstSequence: -1,
    });
    return batch.buffer;
  };
  if (!(await kafkajsEncode()).equals(encoded)) throw new Error('KafkaJS and tskafka encode different bytes for the bench batch');

  const shared = new Writer(256 * 1024);
  const builderEncode = (): Buffer => {
    shared.reset();
    const builder = new RecordBatchBuilder({ writer: shared });
    for (const r of records) builder.append(r);
    return builder.buildSync();
  };

  console.log(`record batch: ${RECORDS} records, ${VALUE_BYTES}-byte values, keys k0..k${RECORDS - 1}, ${encoded.length} bytes, uncompressed`);
  const encodeSync = await measure('tskafka encodeRecordBatchSync', () => encodeRecordBatchSync({ records }));
  const encodeBuilder = await measure('tskafka RecordBatchBuilder (reused writer)', builderEncode);
  const encodeKafkaJS = await measure('kafkajs Record() + RecordBatch()', kafkajsEncode);
  pair('encode', encodeSync, encodeKafkaJS, RECORDS, 'records/s');
  console.log(row(encodeBuilder, RECORDS, 'records/s'));
  console.log(`  ${'ratio builder / kafkajs'.padEnd(44)} ${fmt(encodeBuilder.opsPerSec / encodeKafkaJS.opsPerSec, 2).padStart(10)}x`);

  const decodeOurs = await measure('tskafka decodeRecordBatches', () => decodeRecordBatches(encoded));
  const decodeNoCrc = await measure('tskafka decodeRecordBatches (verifyCrc off)', () =>
    decodeRecordBatches(encoded, { verifyCrc: false }),
  );
  const decodeKafkaJS = await measure('kafkajs recordBatch/v0/decoder (no CRC check)', () =>
    kafkajsDecodeBatch(new KafkaJSDecoder(encoded)),
  );
  pair('decode', decodeOurs, decodeKafkaJS, RECORDS, 'records/s');
  console.log(row(decodeNoCrc, RECORDS, 'records/s'));
  console.log(`  ${'ratio no-CRC / kafkajs'.padEnd(44)} ${fmt(decodeNoCrc.opsPerSec / decodeKafkaJS.opsPerSec, 2).padStart(10)}x`);

  const mib = Buffer.allocUnsafe(1 << 20);
  for (let i = 0; i < mib.length; i++) mib[i] = (i * 2654435761) >>> 24;
  if (crc32c(mib) !== kafkajsCrc32c(mib)) throw new Error('CRC-32C implementations disagree');
  const crcOurs = await measure('tskafka crc32c (slicing-by-8)', () => crc32c(mib));
  const crcKafkaJS = await measure('kafkajs crc32C (table per byte)', () => kafkajsCrc32c(mib));
  pair('CRC-32C over 1 MiB', crcOurs, crcKafkaJS, 1, 'MiB/s');

  const keys = records.map((r) => r.key as Buffer);
  const murmurOurs = await measure('tskafka murmur2 (Math.imul)', () => {
    let h = 0;
    for (const k of keys) h ^= murmur2(k);
    return h;
  });
  const murmurKafkaJS = await measure('kafkajs murmur2 (Long)', () => {
    let h = 0;
    for (const k of keys) h ^= kafkajsMurmur2(k);
    return h;
  });
  pair(`murmur2 over ${RECORDS} short keys`, murmurOurs, murmurKafkaJS, RECORDS, 'keys/s');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runRecordBatchBench();
}
