/**
 * The full-size exactly-once soak of the idempotent producer (the CI test,
 * test/soak/idempotent-soak.test.ts, runs it at 100,000 records): 1,000,000
 * records to 6 partitions, acks -1, 5 requests in flight, through the fault
 * proxy's random faults, first with one producer, then with two producers on 3
 * partitions each at once; every record checked in the logs (test/support/soak.ts).
 *
 *   npx tsx bench/producer/soak.ts
 *   SOAK_RECORDS=200000 FAULT_SEED=1234 npx tsx bench/producer/soak.ts
 *
 * Prints, per case, records/s, faults injected by kind, batch retries and the
 * check's verdict (with the first duplicate, gap and reordering when it fails);
 * the exit code is 1 when a case fails. The seed is printed first: FAULT_SEED replays the
 * fault schedule. Records/s here measure the producer under faults, not its speed.
 */
import { pathToFileURL } from 'node:url';
import { faultSeed } from '../../test/support/seeded-random.js';
import { runSoak } from '../../test/support/soak.js';

const RECORDS = Number(process.env['SOAK_RECORDS'] ?? 1_000_000);
/** A case that has not finished after this long stops and reports what never settled. */
const DEADLINE_MS = Number(process.env['SOAK_DEADLINE_MS'] ?? 30 * 60_000);

/** Both cases, one after the other; a failed case sets the exit code to 1. */
export async function runProducerSoakBench(): Promise<void> {
  const seed = faultSeed();
  console.log(`exactly-once soak: ${RECORDS.toLocaleString('en-US')} records per case, 6 partitions, seed ${seed} (replay: FAULT_SEED=${seed})\n`);
  let passed = true;
  for (const producers of [1, 2]) {
    console.log(`### ${producers} producer${producers > 1 ? 's' : ''}\n`);
    const report = await runSoak({
      records: RECORDS,
      partitions: 6,
      producers,
      seed,
      deadlineMs: DEADLINE_MS,
      onProgress: (line) => console.log(`  ${line}`),
      progressEveryMs: 15_000,
    });
    console.log(`\n${report.summary}\n`);
    passed &&= report.ok;
  }
  if (!passed) process.exitCode = 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runProducerSoakBench();
}
