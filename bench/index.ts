/**
 * `npm run bench`: every benchmark, competitors side by side in the same run.
 * Not a test: numbers vary with the machine; ratios are what to compare.
 *
 *   npm run bench              # all, except those that run only when named
 *   npm run bench -- codecs    # only those whose name contains "codecs"
 *   npm run bench -- memory    # the producer memory benchmark (only when named: minutes, GBs)
 *   npm run bench -- soak      # 1,000,000 idempotent records through random faults (only when named: minutes)
 *   npm run bench -- consumer [--runs N]   # the consumer benchmark, each case N times (default 3)
 *
 * Arguments starting with `--` (and the value after them) are options of the benchmarks, not names.
 */
import { runBrokerBench } from './broker.js';
import { runCodecBench } from './codecs.js';
import { runProducerBench } from './producer/run.js';
import { runRecordBatchBench } from './record-batch.js';
import { runZstdBench } from './zstd.js';

interface Bench {
  name: string;
  run: () => Promise<void>;
  /** Runs only when named on the command line, never as part of "all". */
  onlyWhenNamed?: boolean;
}

const benches: Bench[] = [
  { name: 'record-batch', run: runRecordBatchBench },
  { name: 'codecs', run: runCodecBench },
  { name: 'zstd', run: runZstdBench },
  { name: 'producer', run: runProducerBench },
  { name: 'broker', run: runBrokerBench },
  { name: 'consumer', run: async () => (await import('./consumer/run.js')).runConsumerBench() },
  // 1,000,000 unawaited sends in a child process: loaded only when asked for.
  { name: 'memory', run: async () => (await import('./producer/memory.js')).runMemoryBench(), onlyWhenNamed: true },
  // The exactly-once soak at full size (the CI test runs it at 100,000).
  { name: 'soak', run: async () => (await import('./producer/soak.js')).runProducerSoakBench(), onlyWhenNamed: true },
];

const only = process.argv.slice(2).filter((arg, i, all) => !arg.startsWith('--') && !all[i - 1]?.startsWith('--'));
console.log(`node ${process.version} on ${process.arch}, ${new Date().toISOString()}`);
for (const { name, run, onlyWhenNamed } of benches) {
  if (only.length > 0 ? !only.some((o) => name.includes(o)) : onlyWhenNamed) continue;
  console.log(`\n## ${name}\n`);
  await run();
}
