import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogFlusher } from '../../../src/broker/log/log-flusher.js';
import { MemoryLogDirectory } from '../../../src/broker/log/memory-storage.js';
import { type LogFile } from '../../../src/broker/log/storage.js';

/** A file whose fdatasyncs complete only when the test says so. */
function slowFile(): { file: LogFile; syncs: number; finish(): void } {
  const waiting: (() => void)[] = [];
  const state = {
    syncs: 0,
    finish: () => waiting.splice(0).forEach((w) => w()),
    file: {
      size: 0,
      lastModified: 0,
      readInto: () => 0,
      read: () => Buffer.alloc(0),
      append: () => undefined,
      truncate: () => undefined,
      sync: () => {
        state.syncs++;
        return new Promise<void>((resolve) => waiting.push(resolve));
      },
      close: async () => undefined,
    } satisfies LogFile,
  };
  return state;
}

describe('LogFlusher', () => {
  it('shares one fdatasync among the appends that wait while another runs (group commit)', async () => {
    const flusher = new LogFlusher(new MemoryLogDirectory());
    const slow = slowFile();
    flusher.markDirty(slow.file);
    const first = flusher.flush();
    const waiters = Array.from({ length: 10 }, () => {
      flusher.markDirty(slow.file);
      return flusher.flush();
    });
    assert.equal(slow.syncs, 1);
    slow.finish();
    await first;
    await new Promise((r) => setImmediate(r));
    assert.equal(slow.syncs, 2, 'the ten later appends share the second round');
    slow.finish();
    await Promise.all(waiters);
    assert.equal(flusher.isDirty, false);
    await flusher.flush();
    assert.equal(slow.syncs, 2, 'nothing dirty: no sync');
  });

  it('keeps files dirty when their sync fails, and reports the error', async () => {
    const flusher = new LogFlusher(new MemoryLogDirectory());
    const failing: LogFile = { ...slowFile().file, sync: () => Promise.reject(new Error('EIO')) };
    flusher.markDirty(failing);
    await assert.rejects(flusher.flush(), /EIO/);
    assert.equal(flusher.isDirty, true);
  });
});
