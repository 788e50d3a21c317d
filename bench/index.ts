/**
 * `npm run bench`: every benchmark, competitors side by side in the same run.
 * Not a test: numbers vary with the machine; ratios are what to compare.
 *
 *   npm run bench              # all
 *   npm run bench -- codecs    # only those whose name contains "codecs"
 */
import { runBrokerBench } from './broker.js';
import { runCodecBench } from './codecs.js';
import { runProducerBench } from './producer/run.js';
import { runRecordBatchBench } from './record-batch.js';

const benches: [string, () => Promise<void>][] = [
  ['record-batch', runRecordBatchBench],
  ['codecs', runCodecBench],
  ['producer', runProducerBench],
  ['broker', runBrokerBench],
];

const only = process.argv.slice(2);
console.log(`node ${process.version} on ${process.arch}, ${new Date().toISOString()}`);
for (const [name, run] of benches) {
  if (only.length > 0 && !only.some((o) => name.includes(o))) continue;
  console.log(`\n## ${name}\n`);
  await run();
}
