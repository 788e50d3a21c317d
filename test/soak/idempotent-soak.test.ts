/**
 * Exactly once through random network faults: the idempotent producer (acks
 * -1, 5 requests in flight) sends 100,000 records to 6 partitions while the
 * fault proxy cuts connections, drops, swallows and delays Produce answers and
 * lets requests time out, at random from a seed; then every partition's log is
 * read back and checked record by record: each record once, in the order of
 * its send call, at the offset its send was told (test/support/soak.ts).
 *
 * The seed is printed with the figures; `FAULT_SEED=<seed>` replays a run's
 * fault schedule. The full-size run (1,000,000 records) is bench/producer/soak.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SOAK_CHAOS, type SoakReport, runSoak } from '../support/soak.js';

/** Past this the soak stops sending and reports what never settled, well before the test's own timeout. */
const SOAK_DEADLINE_MS = 170_000;
/** The soak's deadline, plus its bounded flush, disconnect and clean-up. */
const TEST_TIMEOUT_MS = 240_000;

function assertExactlyOnce(report: SoakReport, log: (line: string) => void): void {
  for (const line of report.summary.split('\n')) log(line);
  assert.ok(report.ok, report.summary);
  assert.equal(report.rejected, 0, 'no send failed: the delivery timeout is far away');
  const { droppedConnections, droppedOnResponse, swallowed, delayed } = report.faults;
  assert.ok(droppedConnections > 0 && droppedOnResponse > 0 && swallowed > 0 && delayed > 0, `every kind of fault was injected: ${JSON.stringify(report.faults)} (seed ${report.seed})`);
  assert.ok(report.retries > 0, `the faults made the producer retry (seed ${report.seed})`);
}

describe('idempotent producer soak through random network faults', () => {
  it('one producer: 100,000 records to 6 partitions are each stored exactly once, in send order per partition', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const report = await runSoak({ records: 100_000, partitions: 6, producers: 1, deadlineMs: SOAK_DEADLINE_MS });
    assertExactlyOnce(report, (line) => t.diagnostic(line));
  });

  it('with a short delivery timeout (epoch bumps): no record stored twice, none out of order, every acknowledged record stored where its send was told; a timed-out record once or not at all', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    // Answers delayed past the delivery timeout fail batches in flight, whose outcome is then
    // unknown: the partition is unresolved, and moves to a new epoch (KIP-360).
    const report = await runSoak({
      records: 50_000,
      partitions: 6,
      producers: 1,
      deadlineMs: SOAK_DEADLINE_MS,
      deliveryTimeouts: true,
      producerConfig: { deliveryTimeoutMs: 1500 },
      chaos: { ...SOAK_CHAOS, delayRate: 0.05, maxDelayMs: 2500 },
    });
    for (const line of report.summary.split('\n')) t.diagnostic(line);
    assert.ok(report.ok, report.summary);
    const epochs = new Set(report.partitions.flatMap((c) => Object.keys(c.batchesByEpoch)));
    t.diagnostic(`producer id/epoch pairs in the logs: ${[...epochs].join(' ')}; sends failed by the delivery timeout: ${report.rejected}`);
    assert.ok(report.rejected > 0, `some sends failed by their delivery timeout, as this case means to provoke (seed ${report.seed})`);
  });

  it('two producers at once, 3 partitions each: 50,000 records each are each stored exactly once, in send order per partition', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const report = await runSoak({ records: 100_000, partitions: 6, producers: 2, deadlineMs: SOAK_DEADLINE_MS });
    assertExactlyOnce(report, (line) => t.diagnostic(line));
  });
});
