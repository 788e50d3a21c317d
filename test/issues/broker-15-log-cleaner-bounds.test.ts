/**
 * Regression ("the embedded broker holds under attack, faults and load", item 15):
 * the log cleaner's key map was unbounded (a JS Map of every key of the
 * log, whatever its size) and a pass started whenever a new segment became
 * cleanable, however little of the log it made dirty.
 *
 * What these tests ask for, as Kafka's LogCleaner and LogCleanerManager do:
 * (a) min.cleanable.dirty.ratio: a compacted log is cleaned only when its dirty
 *     (not yet cleaned) bytes are more than that share of its cleanable bytes;
 * (b) the offset map lives in fixed 24-byte slots within the dedupe buffer
 *     (log.cleaner.dedupe.buffer.size): when it fills, a pass cleans only up to
 *     the last offset it covers and the next pass goes on from there, so a tiny
 *     buffer still compacts the log completely, over several passes, and the map
 *     never holds more keys or bytes than the buffer allows, whatever the keys' sizes;
 * (c) max.compaction.lag.ms: a dirty segment older than that makes the log
 *     eligible whatever its dirty ratio, and a compacted log rolls at least that
 *     often (Kafka's maxSegmentMs) so its records get cleaned in time.
 *
 * On the partition log, in memory: times are the `now` each call is given.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CleanerStats, type LogConfig, PartitionLog } from '../../src/broker/log/partition-log.js';
import { batch, config, decode, values } from '../broker/log/log-fixtures.js';

const compacted = (overrides: Partial<LogConfig> = {}): LogConfig =>
  config({ segmentBytes: 400, cleanupPolicy: ['compact'], deleteRetentionMs: 1_000, retentionMs: -1, ...overrides });

/** Every record from the log start to the high watermark. */
async function everything(log: PartitionLog): Promise<{ offset: number; key: string | null; value: string | null }[]> {
  const out: { offset: number; key: string | null; value: string | null }[] = [];
  for (let offset = log.logStartOffset; offset < log.highWatermark; ) {
    const { records } = log.read(offset, 1 << 20);
    if (records.length === 0) break;
    out.push(...(await values(records)));
    const batches = await decode(records);
    const last = batches[batches.length - 1]!;
    offset = last.baseOffset + last.lastOffsetDelta + 1;
  }
  return out;
}

/** One record per batch. */
async function write(log: PartitionLog, key: string, value: string, timestamp = 1_000): Promise<number> {
  return (await log.append(batch([{ key, value, timestamp }]), 0)).baseOffset;
}

/** What compaction must leave: below the active segment, only each key's newest record there; the active segment as written. */
function compactedView(records: readonly { offset: number; key: string | null; value: string | null }[], activeBase: number) {
  const newestBelow = new Map<string | null, number>();
  for (const r of records) if (r.offset < activeBase) newestBelow.set(r.key, r.offset);
  return records.filter((r) => r.offset >= activeBase || newestBelow.get(r.key) === r.offset);
}

describe('issue 15: the log cleaner is bounded and waits for enough dirt', () => {
  it('(a) cleans a log only when its dirty ratio is above min.cleanable.dirty.ratio (default 0.5)', async () => {
    const log = await PartitionLog.open(null, compacted());
    for (let k = 0; k < 30; k++) await write(log, `k${k}`, `v${k}-first`);
    const first = await log.compact(10_000);
    assert.ok(first, 'a log never cleaned is all dirty');
    assert.equal(first.dirtyRatio, 1);

    // A few overwrites: a new cleanable segment, but far less dirt than clean data.
    while (log.segmentBaseOffsets.length < 2 + first.segmentsCleaned) await write(log, 'k0', 'again');
    const cleanRecords = (await everything(log)).length;
    assert.equal(await log.compact(10_000), null, 'a dirty ratio below 0.5 starts no pass');
    assert.equal((await everything(log)).length, cleanRecords, 'nothing was removed');

    // Overwrite every key twice: now most of the cleanable bytes are dirty.
    for (let round = 0; round < 2; round++) for (let k = 0; k < 30; k++) await write(log, `k${k}`, `v${k}-round${round}`);
    const second = await log.compact(10_000);
    assert.ok(second, 'a dirty ratio above 0.5 starts a pass');
    assert.ok(second.dirtyRatio > 0.5, `dirty ratio ${second.dirtyRatio}`);
    assert.ok(second.recordsRemoved > 30, `${second.recordsRemoved} records removed`);
    await log.close();
  });

  it('(a) a lower min.cleanable.dirty.ratio cleans the same small amount of dirt', async () => {
    const log = await PartitionLog.open(null, compacted({ minCleanableDirtyRatio: 0.01 }));
    for (let k = 0; k < 30; k++) await write(log, `k${k}`, `v${k}-first`);
    const first = await log.compact(10_000);
    assert.ok(first);
    while (log.segmentBaseOffsets.length < 2 + first.segmentsCleaned) await write(log, 'k0', 'again');
    const stats = await log.compact(10_000);
    assert.ok(stats, 'the dirty ratio is above 0.01');
    assert.ok(stats.dirtyRatio < 0.5, `dirty ratio ${stats.dirtyRatio}`);
    await log.close();
  });

  it('(b) with a tiny dedupe buffer, cleaning completes over several passes and the map never passes its bound', async () => {
    const dedupeBytes = 6 * 24; // six slots: five keys at the 0.9 load factor
    const log = await PartitionLog.open(null, compacted({ segmentBytes: 4_000, minCleanableDirtyRatio: 0, cleanerDedupeBufferBytes: dedupeBytes }));
    // Keys of 1 KiB: the map's memory does not depend on them.
    const key = (k: number): string => `${String(k).padStart(2, '0')}${'k'.repeat(1022)}`;
    for (let round = 0; round < 3; round++) for (let k = 0; k < 20; k++) await write(log, key(k), `${k}@${round}`);
    await write(log, 'last', 'in the active segment');
    const written = await everything(log);
    const activeBase = log.segmentBaseOffsets.at(-1)!;
    assert.ok(log.segmentBaseOffsets.length > 5, `several segments (${log.segmentBaseOffsets})`);

    const passes: CleanerStats[] = [];
    for (let stats = await log.compact(10_000); stats !== null; stats = await log.compact(10_000)) {
      passes.push(stats);
      assert.ok(passes.length < 100, 'cleaning ends');
    }
    assert.ok(passes.length > 2, `the map filled, so several passes (${passes.length})`);
    for (const p of passes) {
      assert.ok(p.offsetMapKeys <= p.offsetMapCapacity, `${p.offsetMapKeys} keys in a map for ${p.offsetMapCapacity}`);
      assert.ok(p.offsetMapCapacity <= 5, `capacity ${p.offsetMapCapacity}`);
      assert.ok(p.offsetMapBytes <= dedupeBytes, `${p.offsetMapBytes} bytes allocated`);
    }
    const cleanedUpTo = passes.map((p) => p.cleanedUpTo);
    assert.deepEqual(cleanedUpTo, [...cleanedUpTo].sort((a, b) => a - b), 'each pass goes on where the last stopped');
    assert.ok(cleanedUpTo[0]! < cleanedUpTo.at(-1)!, 'the first pass cleaned only part of the log');

    const after = await everything(log);
    assert.deepEqual(after, compactedView(written, activeBase), 'the newest record per key, at its offset, as one unbounded pass would leave');
    assert.equal(after.filter((r) => r.offset < activeBase).length, 20);
    await log.close();
  });

  it('(c) a dirty segment older than max.compaction.lag.ms makes the log eligible whatever its dirty ratio', async () => {
    const log = await PartitionLog.open(null, compacted({ minCleanableDirtyRatio: 0.9, maxCompactionLagMs: 60_000 }));
    for (let k = 0; k < 30; k++) await write(log, `k${k}`, `v${k}-first`, 1_000);
    // Written at 100_000, more than the lag after the active segment's first batch: it rolls (see below).
    await write(log, 'k0', 'again', 100_000);
    assert.ok(await log.compact(100_000), 'a log never cleaned is all dirty');
    // A little dirt, all written at 100_000.
    const segments = log.segmentBaseOffsets.length;
    while (log.segmentBaseOffsets.length < segments + 2) await write(log, 'k0', 'again', 100_000);
    assert.ok((await everything(log)).filter((r) => r.key === 'k0').length > 2);

    assert.equal(await log.compact(150_000), null, 'dirty for 50 s: below the ratio and within the lag');
    const stats = await log.compact(160_001);
    assert.ok(stats, 'dirty for more than 60 s: cleaned below the ratio');
    assert.ok(stats.dirtyRatio < 0.9, `dirty ratio ${stats.dirtyRatio}`);
    const left = (await everything(log)).filter((r) => r.key === 'k0' && r.offset < log.segmentBaseOffsets.at(-1)!);
    assert.equal(left.length, 1, 'one k0 left below the active segment');
    await log.close();
  });

  it('(c) a compacted log rolls its active segment at max.compaction.lag.ms, as Kafka does, so it can be cleaned', async () => {
    const log = await PartitionLog.open(null, compacted({ segmentBytes: 1 << 20, maxCompactionLagMs: 60_000 }));
    await write(log, 'k', 'old', 1_000);
    await write(log, 'k', 'older than the lag', 30_000);
    assert.equal(log.segmentBaseOffsets.length, 1);
    await write(log, 'k', 'new', 61_001);
    assert.deepEqual(log.segmentBaseOffsets, [0, 2], 'rolled: the first batch is more than 60 s older');
    const stats = await log.compact(130_000);
    assert.ok(stats);
    assert.deepEqual(
      (await everything(log)).map((r) => r.value),
      ['older than the lag', 'new'],
    );
    await log.close();
  });
});
