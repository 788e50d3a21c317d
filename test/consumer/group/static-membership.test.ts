/**
 * Static membership (KIP-345): a member with a group.instance.id that goes
 * away without LeaveGroup and comes back within its session timeout gets its
 * old partitions back and the rest of the group never rebalances (here the
 * returning member led the group, so KIP-814's skipAssignment is exercised);
 * a second live instance with the same id fences the first, which fails with
 * FENCED_INSTANCE_ID through onFatal.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { KafkaJSProtocolError } from '../../../src/errors/protocol-errors.js';
import { MemberState } from '../../../src/consumer/group/index.js';
import { eventually } from '../../support/eventually.js';
import { within } from '../../support/within.js';
import { ownership, startMember, useGroupTestBroker } from './member-fixture.js';

const PARTITIONS = 4;

describe('GroupMember, static membership (KIP-345)', () => {
  const group = useGroupTestBroker('static');

  it('a static member restarting within its session timeout gets its partitions back, and the other member sees no rebalance', async () => {
    const topic = 'static-topic';
    const groupId = 'static-group';
    await group.running.broker.topics.create(topic, PARTITIONS, new Map());
    const staticOptions = { groupId, topics: [topic], groupInstanceId: 'instance-1', sessionTimeout: 20_000, heartbeatInterval: 500 };
    const first = await startMember(group.running, 'static-1', staticOptions);
    const other = group.track(await startMember(group.running, 'dynamic', { groupId, topics: [topic] }));
    await eventually(`two members split the partitions (${ownership([first, other], topic)})`, () =>
      [first, other].every((m) => m.member.state === MemberState.STABLE && m.partitionsOf(topic).length === 2) ? true : undefined,
    );
    assert.equal(first.member.isLeader, true, 'the static member leads (it joined first)');
    const partitions = first.partitionsOf(topic);
    const firstMemberId = first.member.memberId;
    const generation = other.member.generationId;
    const otherEvents = other.events.filter((e) => e.type !== 'heartbeat').length;

    await first.close(); // no LeaveGroup: the coordinator keeps the slot
    const restarted = group.track(await within('the restarted instance joins', startMember(group.running, 'static-1-again', staticOptions), 30_000));
    assert.deepEqual(restarted.partitionsOf(topic), partitions, 'the same partitions as before the restart');
    assert.notEqual(restarted.member.memberId, firstMemberId, 'a new member id');
    assert.equal(restarted.member.generationId, generation, 'the same generation');
    assert.equal(restarted.member.isLeader, true, 'told it leads, and to skip the assignment (KIP-814)');

    await sleep(2000); // several heartbeats of the other member
    assert.equal(other.member.generationId, generation, 'the other member’s generation did not change');
    assert.equal(other.events.filter((e) => e.type !== 'heartbeat').length, otherEvents, 'no rebalancing or group_join on the other member');
    assert.equal(other.member.state, MemberState.STABLE);
    const described = await other.member.describe();
    assert.equal(described.state, 'Stable');
    assert.deepEqual(described.members.map((m) => m.memberId).sort(), [restarted.member.memberId, other.member.memberId].sort());
  });

  it('a second live instance with the same group.instance.id fences the first (FENCED_INSTANCE_ID through onFatal)', async () => {
    const topic = 'fenced-topic';
    const groupId = 'fenced-group';
    await group.running.broker.topics.create(topic, PARTITIONS, new Map());
    const options = { groupId, topics: [topic], groupInstanceId: 'twin', sessionTimeout: 10_000, heartbeatInterval: 300 };
    const original = group.track(await startMember(group.running, 'twin-a', options));
    const duplicate = group.track(await within('the duplicate joins', startMember(group.running, 'twin-b', options), 30_000));
    const fatal = await eventually('the original is fenced', () => original.fatal[0], 20_000);
    assert.ok(fatal instanceof KafkaJSProtocolError);
    assert.equal(fatal.type, 'FENCED_INSTANCE_ID');
    assert.equal(fatal.retriable, false);
    assert.equal(original.member.state, MemberState.FATAL);
    assert.equal(original.fatal.length, 1, 'reported once');
    assert.equal(duplicate.member.state, MemberState.STABLE);
    assert.deepEqual(duplicate.fatal, []);
    assert.deepEqual(duplicate.partitionsOf(topic), [0, 1, 2, 3]);
    // A fenced member stays quiet: no heartbeats after the fence.
    const beats = original.events.filter((e) => e.type === 'heartbeat').length;
    await sleep(1000);
    assert.equal(original.events.filter((e) => e.type === 'heartbeat').length, beats);
  });
});
