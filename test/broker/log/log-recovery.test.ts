import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readRecordBatchHeader } from '../../../src/protocol/records/record-batch.js';
import { CHECKPOINT_FILE, CLEAN_SHUTDOWN_FILE, segmentFileName } from '../../../src/broker/log/log-file-names.js';
import { MemoryLogDirectory } from '../../../src/broker/log/memory-storage.js';
import { PartitionLog } from '../../../src/broker/log/partition-log.js';
import { batch, config, numbered, removeTempDirs, tempDir, values } from './log-fixtures.js';

after(removeTempDirs);

/** Every record's offset, read back from the log in order. */
async function allOffsets(log: PartitionLog): Promise<number[]> {
  const out: number[] = [];
  for (let offset = log.logStartOffset; offset < log.highWatermark; ) {
    const got = await values(log.read(offset, 1 << 20).records);
    if (got.length === 0) break;
    out.push(...got.map((r) => r.offset));
    offset = got[got.length - 1]!.offset + 1;
  }
  return out;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

describe('PartitionLog recovery on disk (simulated kill -9)', () => {
  it('cuts a torn half batch off the active segment and keeps every complete batch', async () => {
    const dir = join(tempDir(), 'orders-0');
    const log = await PartitionLog.open(dir, config({ flush: { kind: 'every-write' } }));
    for (const b of numbered(10)) await log.append(b, 0);
    const file = join(dir, segmentFileName(0, '.log'));
    const goodSize = statSync(file).size;
    // The process dies halfway through writing the next batch; the old instance is never closed.
    const torn = batch([{ key: 'k10', value: 'v10' }]);
    torn.writeBigInt64BE(10n, 0);
    appendFileSync(file, torn.subarray(0, torn.length - 7));

    const reopened = await PartitionLog.open(dir, config());
    assert.equal(statSync(file).size, goodSize);
    assert.equal(reopened.logEndOffset, 10);
    assert.equal(reopened.highWatermark, 10);
    assert.deepEqual(await allOffsets(reopened), range(10));
    assert.equal((await reopened.append(batch([{ value: 'next' }]), 0)).baseOffset, 10);
    await reopened.close();
  });

  it('cuts garbage and a whole batch whose CRC fails', async () => {
    const dir = join(tempDir(), 'orders-0');
    const log = await PartitionLog.open(dir, config());
    for (const b of numbered(5)) await log.append(b, 0);
    const file = join(dir, segmentFileName(0, '.log'));
    const goodSize = statSync(file).size;
    const corrupt = batch([{ key: 'k5', value: 'v5' }]);
    corrupt.writeBigInt64BE(5n, 0);
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length - 2) ^ 0xff, corrupt.length - 2);
    appendFileSync(file, Buffer.concat([corrupt, Buffer.from('garbage after the batch')]));

    const reopened = await PartitionLog.open(dir, config());
    assert.equal(statSync(file).size, goodSize);
    assert.equal(reopened.logEndOffset, 5);
    assert.deepEqual(await allOffsets(reopened), range(5));
    await reopened.close();
  });

  it('deletes the segments after a torn one when recovering from an old recovery point', async () => {
    const dir = join(tempDir(), 'orders-0');
    const log = await PartitionLog.open(dir, config({ segmentBytes: 300 }));
    for (const b of numbered(20)) await log.append(b, 0);
    const bases = log.segmentBaseOffsets;
    assert.ok(bases.length >= 4);
    await log.flush(); // the background work of the rolls is done when the process dies
    // As if the crash came before any roll reached the checkpoint: every segment is recovered.
    rmSync(join(dir, CHECKPOINT_FILE));
    const second = join(dir, segmentFileName(bases[1]!, '.log'));
    const bytes = readFileSync(second);
    const firstBatchSize = 12 + bytes.readInt32BE(8);
    bytes.writeUInt8(bytes.readUInt8(firstBatchSize + 70) ^ 0xff, firstBatchSize + 70); // inside the second batch's records
    writeFileSync(second, bytes);

    const reopened = await PartitionLog.open(dir, config({ segmentBytes: 300 }));
    assert.deepEqual(reopened.segmentBaseOffsets, bases.slice(0, 2));
    assert.equal(reopened.logEndOffset, bases[1]! + 1);
    assert.deepEqual(await allOffsets(reopened), range(bases[1]! + 1));
    assert.ok(!existsSync(join(dir, segmentFileName(bases[2]!, '.log'))));
    await reopened.close();
  });

  it('removes the clean-shutdown marker on open, so a crash after a clean restart is still recovered', async () => {
    const dir = join(tempDir(), 'orders-0');
    const log = await PartitionLog.open(dir, config());
    for (const b of numbered(3)) await log.append(b, 0);
    await log.close();
    assert.ok(existsSync(join(dir, CLEAN_SHUTDOWN_FILE)));
    const again = await PartitionLog.open(dir, config());
    assert.ok(!existsSync(join(dir, CLEAN_SHUTDOWN_FILE)));
    await again.append(batch([{ value: 'v3' }]), 0);
    appendFileSync(join(dir, segmentFileName(0, '.log')), Buffer.alloc(40, 0xab));
    const recovered = await PartitionLog.open(dir, config());
    assert.equal(recovered.logEndOffset, 4);
    assert.deepEqual(await allOffsets(recovered), range(4));
    await recovered.close();
  });

  it('rebuilds a damaged or missing index from the log after a clean shutdown', async () => {
    const dir = join(tempDir(), 'orders-0');
    const cfg = config({ segmentBytes: 600, indexIntervalBytes: 80 });
    const log = await PartitionLog.open(dir, cfg);
    for (const b of numbered(20)) await log.append(b, 0);
    const bases = log.segmentBaseOffsets;
    await log.close();
    writeFileSync(join(dir, segmentFileName(bases[0]!, '.index')), Buffer.from([0, 0, 0, 9, 0x7f, 0, 0, 0]));
    rmSync(join(dir, segmentFileName(bases[1]!, '.timeindex')));
    const reopened = await PartitionLog.open(dir, cfg);
    for (let offset = 0; offset < 20; offset++) assert.equal((await values(reopened.read(offset, 1).records))[0]?.offset, offset);
    assert.deepEqual(await reopened.offsetForTimestamp(1_004), { offset: 4, timestamp: 1_004 });
    await reopened.close();
  });

  it("writes Kafka's layout: 20-digit segment files, and .index entries keyed by a batch's last offset", async () => {
    const dir = join(tempDir(), 'orders-0');
    const log = await PartitionLog.open(dir, config({ segmentBytes: 1_000, indexIntervalBytes: 100 }));
    for (let i = 0; i < 20; i++) await log.append(batch([{ value: `a${i}` }, { value: `b${i}` }]), 0);
    const bases = log.segmentBaseOffsets;
    await log.close();
    const names = readdirSync(dir).sort();
    for (const base of bases) {
      for (const suffix of ['.log', '.index', '.timeindex']) assert.ok(names.includes(segmentFileName(base, suffix)), `${base}${suffix} in ${names}`);
    }
    assert.ok(names.includes('00000000000000000000.log'));
    const segment = readFileSync(join(dir, segmentFileName(bases[0]!, '.log')));
    const index = readFileSync(join(dir, segmentFileName(bases[0]!, '.index')));
    assert.ok(index.length >= 8 && index.length % 8 === 0);
    for (let at = 0; at < index.length; at += 8) {
      const header = readRecordBatchHeader(segment, index.readInt32BE(at + 4));
      assert.equal(header.baseOffset + header.lastOffsetDelta, bases[0]! + index.readInt32BE(at));
    }
    const timeIndex = readFileSync(join(dir, segmentFileName(bases[0]!, '.timeindex')));
    assert.ok(timeIndex.length > 0 && timeIndex.length % 12 === 0);
  });

  it('completes a compaction swap interrupted by a crash, and drops a half-written .cleaned file', async () => {
    const dir = join(tempDir(), 'orders-0');
    const cfg = config({ segmentBytes: 300 });
    const log = await PartitionLog.open(dir, cfg);
    for (const b of numbered(16)) await log.append(b, 0);
    const bases = log.segmentBaseOffsets;
    assert.ok(bases.length >= 3);
    await log.flush();
    // A "cleaned" segment replacing the first two: here simply both of them back to back.
    const first = readFileSync(join(dir, segmentFileName(bases[0]!, '.log')));
    const second = readFileSync(join(dir, segmentFileName(bases[1]!, '.log')));
    writeFileSync(join(dir, segmentFileName(bases[0]!, '.log.swap')), Buffer.concat([first, second]));
    writeFileSync(join(dir, segmentFileName(bases[2]!, '.log.cleaned')), Buffer.from('half written'));

    const reopened = await PartitionLog.open(dir, cfg);
    assert.deepEqual(reopened.segmentBaseOffsets, [bases[0], ...bases.slice(2)]);
    assert.deepEqual(await allOffsets(reopened), range(16));
    const names = readdirSync(dir);
    assert.ok(!names.some((n) => n.endsWith('.swap') || n.endsWith('.cleaned') || n.endsWith('.deleted')), names.join(','));
    assert.ok(!names.includes(segmentFileName(bases[1]!, '.log')));
    await reopened.close();
  });
});

describe('PartitionLog recovery in memory (simulated power loss)', () => {
  it('loses nothing acknowledged under flush every-write', async () => {
    const dir = new MemoryLogDirectory();
    const cfg = config({ segmentBytes: 300, flush: { kind: 'every-write' } });
    const log = await PartitionLog.open(dir, cfg);
    for (const b of numbered(25)) await log.append(b, 0);
    const reopened = await PartitionLog.open(dir.crash(), cfg);
    assert.equal(reopened.logEndOffset, 25);
    assert.deepEqual(await allOffsets(reopened), range(25));
    assert.equal((await reopened.append(batch([{ value: 'next' }]), 0)).baseOffset, 25);
    await reopened.close();
  });

  it('under flush os keeps what rolled segments flushed and loses the unsynced tail', async () => {
    const dir = new MemoryLogDirectory();
    const cfg = config({ segmentBytes: 300, flush: { kind: 'os' } });
    const log = await PartitionLog.open(dir, cfg);
    for (const b of numbered(25)) await log.append(b, 0);
    await log.flush();
    const active = log.segmentBaseOffsets.at(-1)!;
    await log.append(batch([{ value: 'lost' }]), 0);
    const reopened = await PartitionLog.open(dir.crash(), cfg);
    assert.equal(reopened.logEndOffset, 25, `active segment ${active}`);
    assert.deepEqual(await allOffsets(reopened), range(25));
    await reopened.close();
  });

  it('truncates a torn tail written straight into the segment', async () => {
    const dir = new MemoryLogDirectory();
    const log = await PartitionLog.open(dir, config());
    for (const b of numbered(4)) await log.append(b, 0);
    const torn = batch([{ value: 'torn' }]);
    dir.appendRaw(segmentFileName(0, '.log'), torn.subarray(0, 30));
    const reopened = await PartitionLog.open(dir, config());
    assert.equal(reopened.logEndOffset, 4);
    assert.equal(reopened.sizeInBytes, numbered(4).reduce((n, b) => n + b.length, 0));
    await reopened.close();
  });
});
