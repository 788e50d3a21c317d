/**
 * Producer-state snapshot files, as Kafka writes them (`<offset>.snapshot` in
 * the partition directory, the offset as 20 digits): the state of every
 * producer built from the batches below `offset`, so a restart loads the file
 * and reads only the log from `offset` on, instead of every batch header.
 *
 * Kafka's format keeps only each producer's last batch; this one keeps all it
 * remembers (up to 5), so a retry of any of them is still answered as a
 * duplicate after a restart:
 *
 * ```
 * version int16 (1) | crc uint32 (CRC-32C of what follows) | producerCount int32 |
 *   per producer: producerId int64 | epoch int16 | lastTimestamp int64 | batchCount int8 |
 *     per batch: firstSeq int32 | lastSeq int32 | firstOffset int64 | lastOffset int64
 * ```
 *
 * A snapshot is written whole under a temporary name and renamed; a torn or
 * damaged one fails its CRC and is deleted on load, which then falls back to an
 * older snapshot or to the log: snapshots only save work, the log stays the truth.
 */
import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reader } from '../../protocol/primitives/reader.js';
import { Writer } from '../../protocol/primitives/writer.js';
import { crc32c } from '../../protocol/records/crc32c.js';
import { TEMP_SUFFIX, parseSegmentFileName, segmentFileName } from '../log/log-file-names.js';
import { BATCHES_REMEMBERED, type BatchMetadata, type ProducerEntry } from './partition-producer-state.js';

/** Kafka's suffix for producer-state snapshot files. */
export const SNAPSHOT_SUFFIX = '.snapshot';
const VERSION = 1;
/** version + crc + producerCount */
const HEADER_BYTES = 10;
const CRC_AT = 2;

/** The snapshot files in a partition directory, by offset, oldest first. */
export function listSnapshots(dir: string): number[] {
  const offsets: number[] = [];
  for (const name of readdirSync(dir)) {
    const parsed = parseSegmentFileName(name);
    if (parsed !== null && parsed.suffix === SNAPSHOT_SUFFIX) offsets.push(parsed.baseOffset);
  }
  return offsets.sort((a, b) => a - b);
}

/** Encode the producers as a snapshot file's bytes. */
export function encodeSnapshot(producers: Iterable<ProducerEntry>): Buffer {
  const w = new Writer(4096);
  w.int16(VERSION);
  w.reserve(4);
  const countAt = w.reserve(4);
  let count = 0;
  for (const p of producers) {
    w.int64(p.producerId);
    w.int16(p.epoch);
    w.int64(p.lastTimestamp);
    w.int8(p.batches.length);
    for (const b of p.batches) {
      w.int32(b.firstSeq);
      w.int32(b.lastSeq);
      w.int64(b.firstOffset);
      w.int64(b.lastOffset);
    }
    count++;
  }
  w.patchInt32(countAt, count);
  const bytes = w.toBuffer();
  bytes.writeUInt32BE(crc32c(bytes, CRC_AT + 4), CRC_AT);
  return bytes;
}

/**
 * Decode a snapshot file's bytes.
 *
 * @throws Error naming what is wrong: a CRC mismatch, an unknown version, bytes cut short
 */
export function decodeSnapshot(bytes: Buffer): ProducerEntry[] {
  if (bytes.length < HEADER_BYTES) throw new Error(`${bytes.length} bytes, shorter than a snapshot header`);
  const r = new Reader(bytes);
  const version = r.int16();
  if (version !== VERSION) throw new Error(`unknown snapshot version ${version}`);
  const crc = r.uint32();
  const computed = crc32c(bytes, CRC_AT + 4);
  if (crc !== computed) throw new Error(`CRC-32C is 0x${crc.toString(16)}, computed 0x${computed.toString(16)}`);
  const producers: ProducerEntry[] = [];
  for (let count = r.int32(); count > 0; count--) {
    const producerId = r.int64();
    const epoch = r.int16();
    const lastTimestamp = r.int64Number();
    const batchCount = r.int8();
    if (batchCount < 1 || batchCount > BATCHES_REMEMBERED) throw new Error(`producer ${producerId} has ${batchCount} batches`);
    const batches: BatchMetadata[] = [];
    for (let i = 0; i < batchCount; i++) batches.push({ firstSeq: r.int32(), lastSeq: r.int32(), firstOffset: r.int64Number(), lastOffset: r.int64Number() });
    producers.push({ producerId, epoch, lastTimestamp, batches });
  }
  if (r.remaining !== 0) throw new Error(`${r.remaining} bytes after the last producer`);
  return producers;
}

/** Write the snapshot for `offset` (write, rename; not synced: see {@link syncSnapshot}). */
export function writeSnapshot(dir: string, offset: number, producers: Iterable<ProducerEntry>): void {
  const file = join(dir, segmentFileName(offset, SNAPSHOT_SUFFIX));
  // The log loader deletes leftover *.tmp files, so a crash here leaves nothing behind.
  writeFileSync(file + TEMP_SUFFIX, encodeSnapshot(producers));
  renameSync(file + TEMP_SUFFIX, file);
}

/** Make the snapshot for `offset` durable (on a clean shutdown, so the next start need not read the log). */
export function syncSnapshot(dir: string, offset: number): void {
  for (const path of [join(dir, segmentFileName(offset, SNAPSHOT_SUFFIX)), dir]) {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Read the snapshot for `offset`.
 *
 * @throws Error when it cannot be read or does not decode
 */
export function readSnapshot(dir: string, offset: number): ProducerEntry[] {
  return decodeSnapshot(readFileSync(join(dir, segmentFileName(offset, SNAPSHOT_SUFFIX))));
}

/** Delete the snapshot for `offset`, if it exists. */
export function deleteSnapshot(dir: string, offset: number): void {
  rmSync(join(dir, segmentFileName(offset, SNAPSHOT_SUFFIX)), { force: true });
}
