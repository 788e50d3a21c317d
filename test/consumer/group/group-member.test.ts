/**
 * GroupMember against our broker's group coordinator, real sockets: members
 * share a topic's partitions without overlap, the group rebalances when one
 * leaves or vanishes, heartbeats keep an idle member in the group, and the
 * member's own view agrees with the coordinator's (DescribeGroups).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { decodeAssignment } from '../../../src/consumer/assignors/assigner-protocol.js';
import { MemberState } from '../../../src/consumer/group/index.js';
import { eventually } from '../../support/eventually.js';
import { within } from '../../support/within.js';
import { createMember, ownership, splitsExactly, startMember, useGroupTestBroker } from './member-fixture.js';

const PARTITIONS = 6;

describe('GroupMember (classic protocol, eager round robin)', () => {
  const group = useGroupTestBroker('group-member');

  it('splits the partitions between three members without overlap, and reassigns a leaving member’s partitions', async () => {
    const { topic, groupId } = await group.fresh(PARTITIONS);
    const a = group.track(await within('a joins', startMember(group.running, 'a', { groupId, topics: [topic] }), 30_000));
    assert.deepEqual(a.partitionsOf(topic), [0, 1, 2, 3, 4, 5], 'a lone member owns everything');
    assert.equal(a.member.state, MemberState.STABLE);
    assert.equal(a.member.isLeader, true);
    const b = group.track(await within('b joins', startMember(group.running, 'b', { groupId, topics: [topic] }), 30_000));
    const c = group.track(await within('c joins', startMember(group.running, 'c', { groupId, topics: [topic] }), 30_000));
    const members = [a, b, c];
    await eventually(
      `three members split ${PARTITIONS} partitions (${ownership(members, topic)})`,
      () => (members.every((m) => m.member.state === MemberState.STABLE && m.partitionsOf(topic).length === 2) && splitsExactly(members, topic, PARTITIONS) ? true : undefined),
      30_000,
    );
    assert.equal(new Set(members.map((m) => m.member.generationId)).size, 1, 'one generation');
    assert.equal(members.filter((m) => m.member.isLeader).length, 1, 'one leader');

    // The coordinator's view is the same as the members'.
    const described = await a.member.describe();
    assert.equal(described.state, 'Stable');
    assert.equal(described.protocolType, 'consumer');
    assert.equal(described.protocol, 'RoundRobinAssigner');
    assert.deepEqual(described.members.map((m) => m.memberId).sort(), members.map((m) => m.member.memberId).sort());
    for (const d of described.members) {
      const owner = members.find((m) => m.member.memberId === d.memberId)!;
      const fromCoordinator = decodeAssignment(d.memberAssignment).assignedPartitions.map((p) => p.partition).sort((x, y) => x - y);
      assert.deepEqual(fromCoordinator, owner.partitionsOf(topic), `${owner.name}'s assignment as DescribeGroups shows it`);
    }

    // Eager: before rejoining, each member revoked everything it owned.
    assert.ok(a.hooks.some((h) => h.hook === 'revoke' && h.partitions.length === PARTITIONS), 'a revoked its six partitions before the rebalance');
    const joins = a.events.filter((e) => e.type === 'group_join');
    assert.ok(joins.length >= 3, `a joined three generations (${joins.length})`);
    const lastJoin = joins.at(-1)!.payload;
    assert.deepEqual(lastJoin.memberAssignment, { [topic]: a.partitionsOf(topic) });
    assert.equal(lastJoin.groupId, groupId);
    assert.equal(lastJoin.memberId, a.member.memberId);
    assert.ok(a.events.some((e) => e.type === 'rebalancing'), 'a reported the rebalances it saw');

    // a leaves: b and c share everything, at once (LeaveGroup, no session timeout to wait for).
    await a.close();
    await eventually(`b and c split ${PARTITIONS} partitions after a left (${ownership([b, c], topic)})`, () =>
      [b, c].every((m) => m.member.state === MemberState.STABLE && m.partitionsOf(topic).length === 3) && splitsExactly([b, c], topic, PARTITIONS) ? true : undefined,
    );
    assert.equal(a.member.state, MemberState.UNJOINED);
    assert.equal(a.member.memberId, '');
  });

  it('reassigns the partitions of a member that vanished without LeaveGroup once its session times out', async () => {
    const { topic, groupId } = await group.fresh(PARTITIONS);
    // A static member's leave() stops its heartbeats and sends no LeaveGroup (KIP-345): to the coordinator it vanished.
    const gone = await startMember(group.running, 'vanishing', { groupId, topics: [topic], groupInstanceId: 'vanishing-1', sessionTimeout: 5000, heartbeatInterval: 300 });
    const stays = group.track(await startMember(group.running, 'stays', { groupId, topics: [topic] }));
    await eventually(`two members split the partitions (${ownership([gone, stays], topic)})`, () =>
      [gone, stays].every((m) => m.member.state === MemberState.STABLE && m.partitionsOf(topic).length === 3) ? true : undefined,
    );
    const generation = stays.member.generationId;
    await gone.close();
    const before = (await stays.member.describe()).members.length;
    assert.equal(before, 2, 'right after it vanished the coordinator still counts it');
    await eventually(`the survivor owns all ${PARTITIONS} partitions (${ownership([stays], topic)})`, () =>
      stays.member.state === MemberState.STABLE && stays.partitionsOf(topic).length === PARTITIONS ? true : undefined,
      30_000,
    );
    assert.ok(stays.member.generationId > generation, 'a new generation');
    assert.equal((await stays.member.describe()).members.length, 1);
  });

  it('stays in the group for several session timeouts while nothing but its heartbeat timer runs', async () => {
    const { topic, groupId } = await group.fresh(PARTITIONS);
    const sessionTimeout = 3000;
    const m = group.track(await startMember(group.running, 'idle', { groupId, topics: [topic], sessionTimeout, heartbeatInterval: 300 }));
    const generation = m.member.generationId;
    const memberId = m.member.memberId;
    const beatsBefore = m.events.filter((e) => e.type === 'heartbeat').length;
    // Nothing calls the member meanwhile: only its own timer talks to the coordinator.
    await sleep(3 * sessionTimeout);
    const described = await m.member.describe();
    assert.equal(described.state, 'Stable');
    assert.deepEqual(described.members.map((x) => x.memberId), [memberId], 'still the same member');
    assert.equal(m.member.generationId, generation, 'no rebalance happened');
    assert.equal(m.member.state, MemberState.STABLE);
    const beats = m.events.filter((e) => e.type === 'heartbeat');
    assert.ok(beats.length - beatsBefore >= 4, `heartbeats were sent (${beats.length - beatsBefore})`);
    assert.deepEqual(beats.at(-1)!.payload, { groupId, memberId, groupGenerationId: generation });
    assert.ok(!m.hooks.some((h) => h.hook === 'lost'), 'nothing was lost');
  });

  it('leave() is safe at any time: before joining, during a join (which then rejects), and twice', async () => {
    const { topic, groupId } = await group.fresh(PARTITIONS);
    const m = createMember(group.running, 'leaver', { groupId, topics: [topic] });
    await m.member.leave();
    const joining = m.member.join();
    await m.member.leave();
    await m.member.leave();
    await assert.rejects(within('join after leave', joining, 20_000), /left group/);
    assert.equal(m.member.state, MemberState.UNJOINED);
    // And it can join again afterwards.
    await within('join again', m.member.join(), 20_000);
    assert.equal(m.member.state, MemberState.STABLE);
    assert.deepEqual(m.partitionsOf(topic), [0, 1, 2, 3, 4, 5]);
    await m.close();
    const probe = group.track(createMember(group.running, 'probe', { groupId, topics: [topic] }));
    assert.equal((await probe.member.describe()).state, 'Empty', 'the dynamic member left with LeaveGroup');
  });
});
