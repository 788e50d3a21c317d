/**
 * Reliability: the broker SIGKILLed again and again under an idempotent acks=all
 * producer (test/support/kill-loop.ts). Every acknowledged record is stored, at
 * the offset its send was told, and nothing is stored twice, however many kills.
 * RELIABILITY_KILLS sets the count (`npm run reliability` runs more).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runKillLoop } from '../support/kill-loop.js';

const KILLS = Number(process.env['RELIABILITY_KILLS'] ?? 4);

describe('kill -9 loop', () => {
  it(`${KILLS} kills of the broker under an idempotent acks=all producer: 0 acknowledged records lost, 0 stored twice`, { timeout: 120_000 + KILLS * 30_000 }, async (t) => {
    const report = await runKillLoop({ kills: KILLS, killEveryMs: 1_500 });
    t.diagnostic(`${report.kills} kills in ${report.seconds.toFixed(1)} s: ${report.acknowledged} acknowledged, ${report.failed} failed, ${report.stored} stored, ${report.lost} lost, ${report.duplicated} duplicated`);
    assert.deepEqual(report.problems, []);
    assert.equal(report.lost, 0);
    assert.equal(report.duplicated, 0);
    assert.ok(report.acknowledged > 0, 'records were acknowledged between the kills');
  });
});
