/**
 * Builders shared by the partition log tests: record batches made with the
 * protocol's own encoder, log configs with small segments, temp directories,
 * and both storage backends so each behaviour is checked on disk and in memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CompressionCodec } from '../../../src/protocol/records/compression.js';
import { type RecordBatch, type RecordBatchOptions, decodeRecordBatches, encodeRecordBatch, encodeRecordBatchSync } from '../../../src/protocol/records/record-batch.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../src/broker/log/log-config.js';
import { MemoryLogDirectory } from '../../../src/broker/log/memory-storage.js';
import { type LogDirectory } from '../../../src/broker/log/storage.js';

/** One record for {@link batch}: key and value as strings, value null for a tombstone. */
export interface TestRecord {
  key?: string | null;
  value: string | null;
  timestamp?: number;
}

/** An uncompressed batch (baseOffset 0: the log assigns offsets). */
export function batch(records: readonly TestRecord[], options: RecordBatchOptions = {}): Buffer {
  return encodeRecordBatchSync({ ...options, records: records.map((r) => ({ key: r.key ?? null, value: r.value, timestamp: r.timestamp ?? 1_000 })) });
}

/** A batch compressed with `codec`. */
export function compressedBatch(codec: CompressionCodec, records: readonly TestRecord[], options: RecordBatchOptions = {}): Promise<Buffer> {
  return encodeRecordBatch({ ...options, compression: codec, records: records.map((r) => ({ key: r.key ?? null, value: r.value, timestamp: r.timestamp ?? 1_000 })) });
}

/** `n` single-record batches with values `v<i>` and timestamps `1000 + i`. */
export function numbered(n: number, from = 0): Buffer[] {
  return Array.from({ length: n }, (_, i) => batch([{ key: `k${from + i}`, value: `v${from + i}`, timestamp: 1_000 + from + i }]));
}

/** A log config with Kafka's defaults and the given overrides. */
export function config(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, ...overrides };
}

/** Decodes every batch in a Fetch payload, checking CRCs. */
export function decode(records: Buffer): Promise<RecordBatch[]> {
  return decodeRecordBatches(records);
}

/** Offsets and values of the records in a Fetch payload. */
export async function values(records: Buffer): Promise<{ offset: number; key: string | null; value: string | null }[]> {
  const batches = await decode(records);
  return batches.flatMap((b) => b.records.map((r) => ({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null })));
}

/** A fresh temp directory; removed by {@link removeTempDirs}. */
const temps: string[] = [];
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tskafka-log-'));
  temps.push(dir);
  return dir;
}

/** Removes the temp directories made so far (call from `after`). */
export function removeTempDirs(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A storage backend for the tests that run on both. */
export interface Backend {
  readonly name: string;
  /** A new, empty partition directory: its path on disk, or a MemoryLogDirectory. */
  make(): string | LogDirectory;
}

/** Disk (a temp directory) and memory. */
export const BACKENDS: readonly Backend[] = [
  { name: 'on disk', make: () => join(tempDir(), 'topic-0') },
  { name: 'in memory', make: () => new MemoryLogDirectory() },
];
