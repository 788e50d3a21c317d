import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../src/client/logger.js';
import { decodeSubscription, encodeSubscription } from '../../../src/consumer/assignors/assigner-protocol.js';
import { type AssignerMember } from '../../../src/consumer/assignors/assigner.js';
import { decodeStickyUserData, encodeCooperativeUserData, encodeStickyUserData, memberData } from '../../../src/consumer/assignors/member-data.js';
import { sticky } from '../../../src/consumer/assignors/sticky.js';
import { stickyBalance } from '../../../src/consumer/assignors/sticky-balance.js';
import { partitionKey, type TopicPartition } from '../../../src/consumer/subscription-state.js';
import { seededRandom } from '../../support/seeded-random.js';
import { allKeys, build, clusterOf, decodeAll, pick, show } from './assignor-fixtures.js';
import { holds, owners, rebalance, type SimMember } from './group-simulation.js';

const tp = (topic: string, partition: number): TopicPartition => ({ topic, partition });

/** Every partition of `partitions` assigned exactly once; returns member id → count. */
function assertEachAssignedOnce(assigned: Map<string, TopicPartition[]>, partitions: Record<string, number>, context: string): void {
  const byKey = owners(assigned);
  for (const key of allKeys(partitions)) assert.equal(byKey.get(key)?.length, 1, `${context}: ${key.replace('\u0000', ':')} assigned to ${JSON.stringify(byKey.get(key) ?? [])}`);
  assert.equal(byKey.size, allKeys(partitions).length, `${context}: partitions that do not exist were assigned`);
}

/** The sticky invariants over many random membership changes, all members subscribed to every topic. */
async function identicalSubscriptionsRun(seed: number, encode?: (m: SimMember) => Buffer): Promise<void> {
  const random = seededRandom(seed);
  const partitions: Record<string, number> = { a: 5, b: 7, c: 3 };
  const assigner = build(sticky, clusterOf(partitions));
  const topics = Object.keys(partitions);
  const members = new Map<string, SimMember>();
  let nextId = 0;
  for (let step = 0; step < 200; step++) {
    const r = random();
    let changed = true;
    if (members.size === 0 || (r < 0.4 && members.size < 12)) members.set(`${pick(random, 10)}-member-${nextId++}`, { topics, owned: [], generation: -1 });
    else if (r < 0.75 && members.size > 1) members.delete([...members.keys()][pick(random, members.size)]!);
    else if (r < 0.85) partitions[topics[pick(random, topics.length)]!]! += 1 + pick(random, 3);
    else changed = false;

    const { before, assigned } = await rebalance(assigner, members, step + 1, encode);
    const context = `seed ${seed} step ${step}`;
    assertEachAssignedOnce(assigned, partitions, context);
    const counts = [...members.keys()].map((id) => assigned.get(id)?.length ?? 0);
    const total = allKeys(partitions).length;
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${context}: unbalanced ${JSON.stringify(counts)}`);
    const floor = Math.floor(total / members.size);
    for (const [id, was] of before) {
      const kept = was.owned.filter((p) => holds(assigned.get(id) ?? [], p)).length;
      assert.ok(kept >= Math.min(was.owned.length, floor), `${context}: ${id} kept ${kept} of ${was.owned.length}, balance allows ${floor}`);
      if (!changed) assert.deepEqual(show(assigned.get(id) ?? []), show(was.owned), `${context}: nothing changed, yet ${id}'s partitions moved`);
    }
  }
}

describe('sticky (Java StickyAssignor)', () => {
  it('over 200 random membership and partition changes: every partition once, counts within 1, members keep what balance allows', async () => {
    await identicalSubscriptionsRun(1);
    await identicalSubscriptionsRun(77);
  });

  it('is as sticky when members send ownership as Java eager StickyAssignor does (v1, owned partitions only in userData)', async () => {
    await identicalSubscriptionsRun(5, (m) => encodeSubscription({ topics: m.topics, ownedPartitions: [], userData: m.generation < 0 ? null : encodeStickyUserData(m.owned, m.generation) }, 1));
  });

  it('with different subscriptions: partitions only to subscribers, and none could move to an eligible member two or more behind', async () => {
    const random = seededRandom(31);
    const partitions: Record<string, number> = { a: 4, b: 6, c: 9 };
    const topics = Object.keys(partitions);
    const assigner = build(sticky, clusterOf(partitions));
    const members = new Map<string, SimMember>();
    const someTopics = (): string[] => {
      const chosen = topics.filter(() => random() < 0.5);
      return chosen.length > 0 ? chosen : [topics[pick(random, topics.length)]!];
    };
    for (let step = 0; step < 200; step++) {
      const r = random();
      if (members.size === 0 || (r < 0.35 && members.size < 10)) members.set(`m${pick(random, 100)}-${step}`, { topics: someTopics(), owned: [], generation: -1 });
      else if (r < 0.65 && members.size > 1) members.delete([...members.keys()][pick(random, members.size)]!);
      else if (r < 0.85) members.get([...members.keys()][pick(random, members.size)]!)!.topics = someTopics();
      else partitions[topics[pick(random, topics.length)]!]! += 1;

      const { assigned } = await rebalance(assigner, members, step + 1);
      const context = `step ${step}`;
      const subscribed = Object.fromEntries(Object.entries(partitions).filter(([t]) => [...members.values()].some((m) => m.topics.includes(t))));
      assertEachAssignedOnce(assigned, subscribed, context);
      for (const [id, tps] of assigned) {
        const m = members.get(id)!;
        for (const p of tps) {
          assert.ok(m.topics.includes(p.topic), `${context}: ${id} got ${p.topic} it does not subscribe to`);
          for (const [other, o] of members) {
            if (o.topics.includes(p.topic)) assert.ok(tps.length - (assigned.get(other)?.length ?? 0) < 2, `${context}: ${p.topic}:${p.partition} could move from ${id} (${tps.length}) to ${other}`);
          }
        }
      }
    }
  });

  it('a partition claimed by two members goes to the higher generation; in the same generation neither keeps it', async () => {
    const assigner = build(sticky, clusterOf({ t: 3 }));
    const run = async (gx: number, gy: number) => {
      const members: AssignerMember[] = [
        { memberId: 'x', memberMetadata: assigner.protocol({ topics: ['t'], ownedPartitions: [tp('t', 0), tp('t', 1)], generationId: gx }).metadata },
        { memberId: 'y', memberMetadata: assigner.protocol({ topics: ['t'], ownedPartitions: [tp('t', 0), tp('t', 2)], generationId: gy }).metadata },
      ];
      const result = decodeAll(await assigner.assign({ members, topics: ['t'] }));
      return { x: show(result.get('x')!), y: show(result.get('y')!) };
    };
    assert.deepEqual(await run(6, 5), { x: ['t:0', 't:1'], y: ['t:2'] });
    assert.deepEqual(await run(5, 6), { x: ['t:1'], y: ['t:0', 't:2'] });
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    const tieAssigner = sticky({ cluster: clusterOf({ t: 3 }), groupId: 'g', logger });
    const tieResult = decodeAll(await tieAssigner.assign({
      members: [
        { memberId: 'x', memberMetadata: assigner.protocol({ topics: ['t'], ownedPartitions: [tp('t', 0), tp('t', 1)], generationId: 5 }).metadata },
        { memberId: 'y', memberMetadata: assigner.protocol({ topics: ['t'], ownedPartitions: [tp('t', 0), tp('t', 2)], generationId: 5 }).metadata },
      ],
      topics: ['t'],
    }));
    assert.equal(warnings.length, 1, 'the conflict is logged once');
    const tie = { x: show(tieResult.get('x')!), y: show(tieResult.get('y')!) };
    assert.deepEqual([...tie.x, ...tie.y].sort(), ['t:0', 't:1', 't:2']);
    assert.ok(tie.x.includes('t:1') && tie.y.includes('t:2'), 'unconflicted partitions stay');
  });

  it('to restore balance it moves partitions the giver did not own before its owned ones', () => {
    // Found by a seeded search: moving an owned partition here first would keep 4 owned instead of 5.
    const members = [
      { memberId: 'm0', topics: new Set(['u', 'v']) },
      { memberId: 'm1', topics: new Set(['t']) },
      { memberId: 'm2', topics: new Set(['t', 'u', 'v']) },
    ];
    const partitions = new Map([['t', [0, 1, 2, 3]], ['u', [0, 1, 2, 3]], ['v', [0, 1]]]);
    const owner = new Map([['t', 1, 'm1'], ['t', 3, 'm2'], ['u', 1, 'm0'], ['u', 2, 'm0'], ['u', 3, 'm0']].map(([t, p, m]) => [partitionKey(t as string, p as number), m as string]));
    const result = stickyBalance(members, partitions, owner);
    const kept = [...result].reduce((n, [id, tps]) => n + tps.filter((x) => owner.get(partitionKey(x.topic, x.partition)) === id).length, 0);
    assert.equal(kept, 5);
    assert.deepEqual([...result.values()].map((tps) => tps.length).sort(), [3, 3, 4]);
  });

  it('ignores claims on partitions that no longer exist or topics the member left', async () => {
    const assigner = build(sticky, clusterOf({ t: 2, u: 2 }));
    const members: AssignerMember[] = [
      { memberId: 'a', memberMetadata: assigner.protocol({ topics: ['t'], ownedPartitions: [tp('t', 1), tp('t', 7), tp('u', 0), tp('u', 1)], generationId: 3 }).metadata },
      { memberId: 'b', memberMetadata: assigner.protocol({ topics: ['t', 'u'], ownedPartitions: [], generationId: 3 }).metadata },
    ];
    const result = decodeAll(await assigner.assign({ members, topics: ['t', 'u'] }));
    // a keeps t:1 only; u (b's alone) goes to b first, so t:0 goes to a.
    assert.deepEqual(show(result.get('a')!), ['t:0', 't:1']);
    assert.deepEqual(show(result.get('b')!), ['u:0', 'u:1']);
  });

  it('subscribes as Java StickyAssignor: userData holds the previous assignment and generation, null before the first assignment', () => {
    const assigner = build(sticky, clusterOf({}));
    assert.equal(assigner.name, 'sticky');
    assert.equal(assigner.rebalanceProtocol, 'eager');
    assert.equal(decodeSubscription(assigner.protocol({ topics: ['t'] }).metadata).userData, null);
    const s = decodeSubscription(assigner.protocol({ topics: ['t'], ownedPartitions: [tp('t', 3)], generationId: 9, rackId: 'r' }).metadata);
    assert.equal(s.version, 3);
    assert.deepEqual(decodeStickyUserData(s.userData!), { owned: [tp('t', 3)], generation: 9 });
    // The user data layout, by hand: [topic [partition]] generation.
    assert.deepEqual(s.userData, Buffer.from([0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 9]));
  });
});

describe('member data: owned partitions and generation wherever a client put them', () => {
  const member = (metadata: Buffer): AssignerMember => ({ memberId: 'm', memberMetadata: metadata });
  const owned = [tp('t', 0), tp('t', 2)];

  it('v2+: the subscription fields', () => {
    const d = memberData(member(encodeSubscription({ topics: ['t'], ownedPartitions: owned, generationId: 4, userData: encodeCooperativeUserData(99) }, 2)));
    assert.deepEqual([d.owned, d.generation], [owned, 4]);
  });

  it('Java eager StickyAssignor: owned partitions and generation from user data V1; V0 has no generation', () => {
    const v1 = memberData(member(encodeSubscription({ topics: ['t'], userData: encodeStickyUserData(owned, 12) }, 0)));
    assert.deepEqual([v1.owned, v1.generation], [owned, 12]);
    const v0UserData = encodeStickyUserData(owned, 0).subarray(0, -4);
    const v0 = memberData(member(encodeSubscription({ topics: ['t'], userData: v0UserData }, 1)));
    assert.deepEqual([v0.owned, v0.generation], [owned, -1]);
  });

  it('librdkafka cooperative-sticky (v1: owned partitions, sticky user data with the generation)', () => {
    const d = memberData(member(encodeSubscription({ topics: ['t'], ownedPartitions: owned, userData: encodeStickyUserData(owned, 8) }, 1)));
    assert.deepEqual([d.owned, d.generation], [owned, 8]);
  });

  it('Java CooperativeStickyAssignor before v2: the generation alone as 4 bytes of user data', () => {
    const d = memberData(member(encodeSubscription({ topics: ['t'], ownedPartitions: owned, userData: encodeCooperativeUserData(6) }, 1)));
    assert.deepEqual([d.owned, d.generation], [owned, 6]);
  });

  it('user data of another kind (KafkaJS, custom) is ignored', () => {
    const d = memberData(member(encodeSubscription({ topics: ['t'], ownedPartitions: owned, userData: Buffer.from('hello world') }, 1)));
    assert.deepEqual([d.owned, d.generation, [...d.topics]], [owned, -1, ['t']]);
    assert.equal(partitionKey('t', 0), partitionKey(d.owned[0]!.topic, d.owned[0]!.partition));
  });
});
