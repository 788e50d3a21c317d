import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSubscription, encodeSubscription } from '../../../src/consumer/assignors/assigner-protocol.js';
import { type Assigner } from '../../../src/consumer/assignors/assigner.js';
import { encodeStickyUserData } from '../../../src/consumer/assignors/member-data.js';
import { cooperativeSticky } from '../../../src/consumer/assignors/sticky.js';
import { type TopicPartition } from '../../../src/consumer/subscription-state.js';
import { seededRandom } from '../../support/seeded-random.js';
import { allKeys, build, clusterOf, decodeAll, pick, show } from './assignor-fixtures.js';
import { holds, owners, rebalance, type Rebalance, type SimMember } from './group-simulation.js';

const tp = (topic: string, partition: number): TopicPartition => ({ topic, partition });

/** KIP-429's rule: a member is given a partition it did not own only if no other member of this rebalance owns it. */
function assertNoTransferInOneRebalance({ before, assigned }: Rebalance, context: string): void {
  for (const [id, tps] of assigned) {
    for (const p of tps) {
      if (holds(before.get(id)?.owned ?? [], p)) continue;
      for (const [other, o] of before) {
        assert.ok(other === id || !holds(o.owned, p), `${context}: ${p.topic}:${p.partition} given to ${id} while ${other} still owns it`);
      }
    }
  }
}

/** Counts within one of each other among members (all subscribe to everything); every partition exactly once. */
function assertCompleteAndBalanced(assigned: Map<string, TopicPartition[]>, partitions: Record<string, number>, context: string): void {
  const byKey = owners(assigned);
  for (const key of allKeys(partitions)) assert.equal(byKey.get(key)?.length, 1, `${context}: ${key.replace('\u0000', ':')} assigned to ${JSON.stringify(byKey.get(key) ?? [])}`);
  const counts = [...assigned.values()].map((tps) => tps.length);
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${context}: unbalanced ${JSON.stringify(counts)}`);
}

/** Rebalance as a cooperative group does: again while some member revoked something (at most `limit` rounds). */
async function rebalanceUntilStable(assigner: Assigner, members: Map<string, SimMember>, generation: { value: number }, context: string, encode?: (m: SimMember) => Buffer): Promise<Rebalance[]> {
  const rounds: Rebalance[] = [];
  for (let round = 0; round < 4; round++) {
    const r = await rebalance(assigner, members, ++generation.value, encode);
    assertNoTransferInOneRebalance(r, `${context} round ${round}`);
    rounds.push(r);
    const revoked = [...r.before].some(([id, m]) => m.owned.some((p) => !holds(r.assigned.get(id) ?? [], p)));
    if (!revoked) return rounds;
  }
  assert.fail(`${context}: still revoking after 4 rebalances`);
}

describe('cooperativeSticky (Java CooperativeStickyAssignor, KIP-429)', () => {
  it('over 200 random membership changes: never hands a partition over in the rebalance that takes it away; the follow-up assigns everything, balanced', async () => {
    const random = seededRandom(2024);
    const partitions: Record<string, number> = { a: 6, b: 5, c: 8 };
    const topics = Object.keys(partitions);
    const assigner = build(cooperativeSticky, clusterOf(partitions));
    const members = new Map<string, SimMember>();
    const generation = { value: 0 };
    const departed: [string, SimMember][] = [];
    let transfers = 0;
    for (let step = 0; step < 200; step++) {
      const r = random();
      if (members.size === 0 || (r < 0.35 && members.size < 10)) members.set(`${pick(random, 10)}-m${step}`, { topics, owned: [], generation: -1 });
      else if (r < 0.65 && members.size > 1) {
        const id = [...members.keys()][pick(random, members.size)]!;
        departed.push([id, { ...members.get(id)! }]);
        members.delete(id);
      } else if (r < 0.75 && departed.length > 0) {
        // A member that was dropped (session timeout) comes back still claiming its old partitions, at its old generation.
        const [id, zombie] = departed.splice(pick(random, departed.length), 1)[0]!;
        members.set(id, zombie);
      } else if (r < 0.9) partitions[topics[pick(random, topics.length)]!]! += 1;

      const rounds = await rebalanceUntilStable(assigner, members, generation, `step ${step}`);
      const last = rounds[rounds.length - 1]!;
      assertCompleteAndBalanced(last.assigned, partitions, `step ${step} after ${rounds.length} rebalance(s)`);
      if (rounds.length > 1) transfers++;
      assert.ok(rounds.length <= 2, `step ${step}: identical subscriptions settle in one follow-up rebalance, took ${rounds.length}`);
    }
    assert.ok(transfers > 20, `the run exercised partition transfers (${transfers} steps had a follow-up rebalance)`);
  });

  it('with changing subscriptions it stays safe and settles', async () => {
    const random = seededRandom(99);
    const partitions: Record<string, number> = { a: 4, b: 7, c: 5 };
    const topics = Object.keys(partitions);
    const assigner = build(cooperativeSticky, clusterOf(partitions));
    const members = new Map<string, SimMember>();
    const generation = { value: 0 };
    const someTopics = (): string[] => {
      const chosen = topics.filter(() => random() < 0.6);
      return chosen.length > 0 ? chosen : [topics[pick(random, topics.length)]!];
    };
    for (let step = 0; step < 150; step++) {
      const r = random();
      if (members.size === 0 || (r < 0.35 && members.size < 8)) members.set(`m${step}`, { topics: someTopics(), owned: [], generation: -1 });
      else if (r < 0.6 && members.size > 1) members.delete([...members.keys()][pick(random, members.size)]!);
      else members.get([...members.keys()][pick(random, members.size)]!)!.topics = someTopics();
      const rounds = await rebalanceUntilStable(assigner, members, generation, `step ${step}`);
      const { assigned } = rounds[rounds.length - 1]!;
      const byKey = owners(assigned);
      for (const topic of topics) {
        if (![...members.values()].some((m) => m.topics.includes(topic))) continue;
        for (let p = 0; p < partitions[topic]!; p++) assert.equal(byKey.get(`${topic}\u0000${p}`)?.length, 1, `step ${step}: ${topic}:${p} once`);
      }
    }
  });

  it('a new member gets nothing that others own in the first rebalance, its share in the follow-up', async () => {
    const assigner = build(cooperativeSticky, clusterOf({ t: 4 }));
    const members = new Map<string, SimMember>([['a', { topics: ['t'], owned: [tp('t', 0), tp('t', 1), tp('t', 2), tp('t', 3)], generation: 5 }]]);
    members.set('b', { topics: ['t'], owned: [], generation: -1 });
    const first = await rebalance(assigner, members, 6);
    const kept = show(first.assigned.get('a')!);
    assert.equal(kept.length, 2, 'a revokes two');
    assert.deepEqual(first.assigned.get('b'), [], 'b waits for them');
    const second = await rebalance(assigner, members, 7);
    assert.deepEqual(show(second.assigned.get('a')!), kept, 'a keeps the rest');
    assert.deepEqual(show(second.assigned.get('b')!), ['t:0', 't:1', 't:2', 't:3'].filter((p) => !kept.includes(p)), 'b gets what a gave up');
  });

  it("a departed member's partitions are reassigned at once: nobody is left owning them", async () => {
    const assigner = build(cooperativeSticky, clusterOf({ t: 4 }));
    const members = new Map<string, SimMember>([['a', { topics: ['t'], owned: [tp('t', 0), tp('t', 1)], generation: 5 }]]);
    const { assigned } = await rebalance(assigner, members, 6);
    assert.deepEqual(show(assigned.get('a')!), ['t:0', 't:1', 't:2', 't:3']);
  });

  it('leads a group with librdkafka-style members (v1 subscription, sticky user data) safely', async () => {
    const assigner = build(cooperativeSticky, clusterOf({ t: 6 }));
    const librdkafka = (m: SimMember): Buffer => encodeSubscription({ topics: m.topics, ownedPartitions: m.owned, userData: m.generation < 0 ? null : encodeStickyUserData(m.owned, m.generation) }, 1);
    const members = new Map<string, SimMember>([
      ['rdkafka-1', { topics: ['t'], owned: [tp('t', 0), tp('t', 1), tp('t', 2), tp('t', 3), tp('t', 4), tp('t', 5)], generation: 3 }],
      ['rdkafka-2', { topics: ['t'], owned: [], generation: -1 }],
      ['tskafka-1', { topics: ['t'], owned: [], generation: -1 }],
    ]);
    const rounds = await rebalanceUntilStable(assigner, members, { value: 3 }, 'mixed', librdkafka);
    assert.equal(rounds.length, 2);
    assertCompleteAndBalanced(rounds[1]!.assigned, { t: 6 }, 'mixed');
  });

  it('subscribes as Java CooperativeStickyAssignor: v3 with owned partitions and generation, the generation also as 4 bytes of user data', () => {
    const assigner = build(cooperativeSticky, clusterOf({}));
    assert.equal(assigner.name, 'cooperative-sticky');
    assert.equal(assigner.rebalanceProtocol, 'cooperative');
    const s = decodeSubscription(assigner.protocol({ topics: ['t', 'u'], ownedPartitions: [tp('t', 1), tp('u', 0)], generationId: 12, rackId: null }).metadata);
    assert.deepEqual([s.version, s.topics, s.ownedPartitions, s.generationId, s.rackId], [3, ['t', 'u'], [tp('t', 1), tp('u', 0)], 12, null]);
    assert.deepEqual(s.userData, Buffer.from([0, 0, 0, 12]));
    const first = decodeSubscription(assigner.protocol({ topics: ['t'] }).metadata);
    assert.deepEqual([first.ownedPartitions, first.generationId, first.userData], [[], -1, Buffer.from([0xff, 0xff, 0xff, 0xff])]);
  });

  it('every member appears in the result, even with nothing assigned', async () => {
    const assigner = build(cooperativeSticky, clusterOf({ t: 1 }));
    const members = ['a', 'b', 'c'].map((memberId) => ({ memberId, memberMetadata: assigner.protocol({ topics: ['t'] }).metadata }));
    const result = decodeAll(await assigner.assign({ members, topics: ['t'] }));
    assert.deepEqual([...result.keys()], ['a', 'b', 'c']);
    assert.deepEqual([...result.values()].map((tps) => tps.length).sort(), [0, 0, 1]);
  });
});
