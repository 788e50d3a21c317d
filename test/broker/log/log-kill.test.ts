import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { PartitionLog } from '../../../src/broker/log/partition-log.js';
import { config, removeTempDirs, tempDir, values } from './log-fixtures.js';

after(removeTempDirs);

const CHILD = fileURLToPath(new URL('./append-until-killed.ts', import.meta.url));

/** Runs the appending child until it has acknowledged `acks` appends, then kill -9s it; returns the acknowledged offsets. */
async function appendThenKill(dir: string, acks: number): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked: number[] = [];
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_, signal) => resolve(signal)));
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) acked.push(Number(line));
    if (acked.length >= acks && child.exitCode === null) child.kill('SIGKILL');
  });
  const signal = await exited;
  assert.equal(signal, 'SIGKILL', `the child died on its own: ${stderr}`);
  return acked;
}

describe('PartitionLog after a real kill -9', () => {
  it('keeps every append acknowledged under flush every-write, and appends on after them', async () => {
    const dir = join(tempDir(), 'orders-0');
    const first = await appendThenKill(dir, 400);
    const second = await appendThenKill(dir, 200);
    const acked = [...first, ...second];
    const log = await PartitionLog.open(dir, config({ segmentBytes: 2_048 }));
    assert.ok(log.segmentBaseOffsets.length > 5);
    const highest = Math.max(...acked);
    assert.ok(log.logEndOffset > highest, `LEO ${log.logEndOffset} covers acknowledged offset ${highest}`);
    const stored = new Map<number, string | null>();
    for (let offset = 0; offset < log.logEndOffset; ) {
      const got = await values(log.read(offset, 1 << 20).records);
      for (const r of got) stored.set(r.offset, r.value);
      offset = got[got.length - 1]!.offset + 1;
    }
    assert.equal(stored.size, log.logEndOffset, 'offsets are contiguous from 0');
    for (const offset of acked) assert.equal(stored.get(offset), `v${offset}`);
    await log.close();
  });
});
