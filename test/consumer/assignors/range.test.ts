import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSubscription } from '../../../src/consumer/assignors/assigner-protocol.js';
import { range } from '../../../src/consumer/assignors/range.js';
import { build, clusterOf, decodeAll, show } from './assignor-fixtures.js';

/** Run range over members subscribed as given; member id → "topic:partition" list. */
async function runRange(partitions: Record<string, number>, subscriptions: Record<string, string[]>): Promise<Record<string, string[]>> {
  const cluster = clusterOf(partitions);
  const assigner = build(range, cluster);
  const members = Object.entries(subscriptions).map(([memberId, topics]) => ({ memberId, memberMetadata: assigner.protocol({ topics }).metadata }));
  const topics = [...new Set(Object.values(subscriptions).flat())];
  const result = decodeAll(await assigner.assign({ members, topics }));
  return Object.fromEntries([...result].map(([memberId, tps]) => [memberId, show(tps)]));
}

describe('range is Java RangeAssigner', () => {
  it("the Javadoc example: t0 and t1 with 3 partitions, C0 and C1 subscribed to both", async () => {
    assert.deepEqual(await runRange({ t0: 3, t1: 3 }, { C1: ['t0', 't1'], C0: ['t0', 't1'] }), {
      C0: ['t0:0', 't0:1', 't1:0', 't1:1'],
      C1: ['t0:2', 't1:2'],
    });
  });

  it('7 partitions over 3 members: 3, 2, 2 in contiguous ranges', async () => {
    assert.deepEqual(await runRange({ t: 7 }, { a: ['t'], b: ['t'], c: ['t'] }), {
      a: ['t:0', 't:1', 't:2'],
      b: ['t:3', 't:4'],
      c: ['t:5', 't:6'],
    });
  });

  it('members sort by id as Java strings ("c10" before "c2"), more members than partitions leaves the last ones empty', async () => {
    assert.deepEqual(await runRange({ t: 2 }, { c2: ['t'], c10: ['t'], c3: ['t'] }), {
      c10: ['t:0'],
      c2: ['t:1'],
      c3: [],
    });
  });

  it('each topic is split among its own subscribers only', async () => {
    // t0 (4 partitions): a, b; t1 (3 partitions): b, c; t2 (2): c only.
    assert.deepEqual(await runRange({ t0: 4, t1: 3, t2: 2 }, { a: ['t0'], b: ['t0', 't1'], c: ['t1', 't2'] }), {
      a: ['t0:0', 't0:1'],
      b: ['t0:2', 't0:3', 't1:0', 't1:1'],
      c: ['t1:2', 't2:0', 't2:1'],
    });
  });

  it('a topic without metadata assigns nothing', async () => {
    assert.deepEqual(await runRange({ t: 1 }, { a: ['t', 'gone'], b: ['gone'] }), { a: ['t:0'], b: [] });
  });

  it('subscribes with the newest subscription version, carrying owned partitions, generation and rack', () => {
    const { name, metadata } = build(range, clusterOf({})).protocol({ topics: ['t'], ownedPartitions: [{ topic: 't', partition: 1 }], generationId: 3, rackId: 'r1' });
    assert.equal(name, 'range');
    const s = decodeSubscription(metadata);
    assert.deepEqual([s.version, s.topics, s.userData, s.ownedPartitions, s.generationId, s.rackId], [3, ['t'], null, [{ topic: 't', partition: 1 }], 3, 'r1']);
  });
});
