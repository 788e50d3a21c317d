/**
 * Child process for log-kill.test.ts: appends single-record batches to a
 * partition log with flush policy every-write, eight in flight, and prints the
 * offset of each append once it is acknowledged (durable), until killed.
 *
 * Usage: node --import tsx append-until-killed.ts <partition dir>
 */
import { PartitionLog } from '../../../src/broker/log/partition-log.js';
import { batch, config } from './log-fixtures.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: append-until-killed.ts <partition dir>');
const log = await PartitionLog.open(dir, config({ segmentBytes: 2_048, indexIntervalBytes: 256, flush: { kind: 'every-write' } }));
const inFlight = new Set<Promise<void>>();
for (let i = log.logEndOffset; ; i++) {
  const pending = log.write(batch([{ key: `k${i}`, value: `v${i}`, timestamp: Date.now() }]), Date.now());
  const acked = pending.durable.then(() => {
    process.stdout.write(`${pending.lastOffset}\n`);
    inFlight.delete(acked);
  });
  inFlight.add(acked);
  if (inFlight.size >= 8) await Promise.race(inFlight);
}
