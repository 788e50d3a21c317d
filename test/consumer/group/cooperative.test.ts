/**
 * Cooperative incremental rebalancing (KIP-429) with the cooperative-sticky
 * assigner: when a second member joins, the first keeps consuming the
 * partitions it retains (they never leave its assignment), gives back only
 * those that move, and the group rebalances twice: once to take the moved
 * partitions away, once to hand them to the newcomer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cooperativeSticky } from '../../../src/consumer/assignors/sticky.js';
import { roundRobin } from '../../../src/consumer/assignors/round-robin.js';
import { MemberState } from '../../../src/consumer/group/index.js';
import { eventually } from '../../support/eventually.js';
import { createMember, ownership, splitsExactly, startMember, useGroupTestBroker } from './member-fixture.js';

const PARTITIONS = 6;

describe('GroupMember, cooperative protocol (KIP-429)', () => {
  const group = useGroupTestBroker('coop');

  it('is chosen only when every assigner is cooperative', () => {
    const mixed = createMember(group.running, 'mixed', { groupId: 'coop-choice', topics: ['x'], assigners: [cooperativeSticky, roundRobin] });
    const coop = createMember(group.running, 'coop', { groupId: 'coop-choice', topics: ['x'], assigners: [cooperativeSticky] });
    group.track(mixed);
    group.track(coop);
    assert.equal(mixed.member.cooperative, false, 'an eager assigner among them: eager');
    assert.equal(coop.member.cooperative, true);
  });

  it('a second member joining: the first never gives up the partitions it keeps, revokes only the moved ones, and two rebalances happen', async () => {
    const topic = 'coop-topic';
    const groupId = 'coop-group';
    await group.running.broker.topics.create(topic, PARTITIONS, new Map());
    const a = await startMember(group.running, 'a', { groupId, topics: [topic], assigners: [cooperativeSticky] });
    group.track(a);
    assert.deepEqual(a.partitionsOf(topic), [0, 1, 2, 3, 4, 5]);
    // Every assignment a has from now on, as the consumer would see it.
    const snapshots: number[][] = [];
    a.subscriptions.onChange((change) => {
      if (change === 'assignment') snapshots.push(a.partitionsOf(topic));
    });
    const generation = a.member.generationId;
    const joinsBefore = a.events.filter((e) => e.type === 'group_join').length;
    const hooksBefore = a.hooks.length;

    const b = await startMember(group.running, 'b', { groupId, topics: [topic], assigners: [cooperativeSticky] });
    group.track(b);
    await eventually(`a and b split ${PARTITIONS} partitions (${ownership([a, b], topic)})`, () =>
      [a, b].every((m) => m.member.state === MemberState.STABLE && !m.member.rebalanceInProgress && m.partitionsOf(topic).length === 3) && splitsExactly([a, b], topic, PARTITIONS)
        ? true
        : undefined,
      30_000,
    );
    const kept = a.partitionsOf(topic);
    const moved = b.partitionsOf(topic);
    for (const snapshot of snapshots) {
      for (const p of kept) assert.ok(snapshot.includes(p), `a kept partition ${p} throughout (snapshots ${JSON.stringify(snapshots)})`);
    }
    const aHooks = a.hooks.slice(hooksBefore);
    const revoked = aHooks.filter((h) => h.hook === 'revoke').flatMap((h) => h.partitions.map((p) => p.partition));
    assert.deepEqual(revoked.sort((x, y) => x - y), moved, 'a revoked exactly the partitions that moved to b');
    assert.ok(!aHooks.some((h) => h.hook === 'lost'), 'nothing lost');
    assert.deepEqual(aHooks.filter((h) => h.hook === 'assign').flatMap((h) => h.partitions), [], 'a was assigned nothing new');
    assert.ok(b.member.generationId >= generation + 2, `two rebalances: generation ${generation} -> ${b.member.generationId}`);
    assert.ok(a.events.filter((e) => e.type === 'group_join').length - joinsBefore >= 2, 'a joined twice');
    // b got nothing in the first rebalance (the partitions were still a's) and its share in the second.
    const bAssigns = b.hooks.filter((h) => h.hook === 'assign').map((h) => h.partitions.map((p) => p.partition).sort((x, y) => x - y));
    assert.deepEqual(bAssigns.at(-1), moved);
    assert.ok(!b.hooks.some((h) => h.hook === 'revoke' || h.hook === 'lost'));
  });
});
