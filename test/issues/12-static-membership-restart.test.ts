/**
 * Issue 12, static membership (KIP-345): a member with a `groupInstanceId`
 * that restarts (disconnect, then a new consumer with the same id) within its
 * session timeout causes no rebalance: the group keeps its generation, the
 * other member sees no rebalance and keeps its partition, the restarted
 * member gets its old partition back under the same instance id, and resumes
 * after the last offset it committed, with nothing processed twice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { eventually } from '../support/eventually.js';
import { useGroupBroker } from '../support/group-fixture.js';
import { within } from '../support/within.js';

const TOPIC = 'static-restart';
const GROUP = 'static-restart-group';
const INSTANCE = 'static-a';

interface Member {
  readonly name: string;
  rebalancing: number;
  joins: number;
  memberId: string;
  partitions: number[];
  readonly seen: { partition: number; offset: number }[];
  disconnect(): Promise<void>;
}

describe('issue 12: a static member restarting within its session timeout', () => {
  const fixture = useGroupBroker({ topics: { [TOPIC]: 2 } });

  const start = async (name: string, groupInstanceId: string | undefined): Promise<Member> => {
    const consumer = new Kafka({ clientId: `static-${name}`, brokers: [fixture.running.bootstrap], logLevel: logLevel.NOTHING }).consumer({
      groupId: GROUP,
      ...(groupInstanceId === undefined ? {} : { groupInstanceId }),
      sessionTimeout: 30_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 100,
    });
    const member: Member = { name, rebalancing: 0, joins: 0, memberId: '', partitions: [], seen: [], disconnect: () => consumer.disconnect() };
    consumer.on(consumer.events.REBALANCING, () => void member.rebalancing++);
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      member.joins++;
      member.memberId = e.payload.memberId;
      member.partitions = [...(e.payload.memberAssignment[TOPIC] ?? [])];
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void member.seen.push({ partition, offset: Number(message.offset) }) });
    return member;
  };

  it('causes no rebalance: same generation, the other member undisturbed, the same partition back, resumed after its commit', { timeout: 120_000 }, async () => {
    const producer = new Kafka({ clientId: 'static-producer', brokers: [fixture.running.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    const send = (partition: number, n: number, tag: string) => producer.send({ topic: TOPIC, messages: Array.from({ length: n }, (_, i) => ({ partition, value: `${tag}-${i}` })) });
    const members: Member[] = [];
    try {
      const staticMember = await start('static', INSTANCE);
      members.push(staticMember);
      const dynamic = await start('dynamic', undefined);
      members.push(dynamic);
      await eventually('each member to hold one partition', () => (staticMember.partitions.length === 1 && dynamic.partitions.length === 1 ? true : undefined), 30_000);
      const generation = fixture.running.broker.groups.group(GROUP)!.generationId;
      const staticPartition = staticMember.partitions[0]!;
      const dynamicPartition = dynamic.partitions[0]!;
      const dynamicBefore = { rebalancing: dynamic.rebalancing, joins: dynamic.joins, memberId: dynamic.memberId };

      await send(staticPartition, 20, 'first');
      await send(dynamicPartition, 20, 'first');
      await eventually('the first records', () => (staticMember.seen.length === 20 && dynamic.seen.length === 20 ? true : undefined), 30_000);

      // The restart: a static member leaves no LeaveGroup behind, so the coordinator keeps its slot.
      await within('static member disconnect', staticMember.disconnect(), 30_000);
      members.splice(members.indexOf(staticMember), 1);
      assert.equal(fixture.running.broker.groups.describeGroup(GROUP).members.length, 2, 'the static member kept its slot');
      await send(staticPartition, 20, 'while-away');
      const restarted = await start('restarted', INSTANCE);
      members.push(restarted);
      await eventually('the restarted member to get its partition back', () => (restarted.partitions.length > 0 ? true : undefined), 30_000);
      await send(staticPartition, 20, 'after');
      await send(dynamicPartition, 20, 'after');
      await eventually('the records after the restart', () => (restarted.seen.length === 40 && dynamic.seen.length === 40 ? true : undefined), 30_000);

      assert.equal(fixture.running.broker.groups.group(GROUP)!.generationId, generation, 'the group stayed in its generation');
      assert.deepEqual({ rebalancing: dynamic.rebalancing, joins: dynamic.joins, memberId: dynamic.memberId }, dynamicBefore, 'the other member saw no rebalance');
      assert.deepEqual(restarted.partitions, [staticPartition], 'the restarted member got its old partition back');
      assert.deepEqual(dynamic.partitions, [dynamicPartition]);
      assert.deepEqual(
        restarted.seen.map((s) => s.offset),
        Array.from({ length: 40 }, (_, i) => 20 + i),
        'the restarted member resumed right after its last commit: nothing twice, nothing skipped',
      );
      const group = fixture.running.broker.groups.describeGroup(GROUP);
      assert.equal(group.groupState, 'Stable');
      assert.deepEqual(group.members.map((m) => m.groupInstanceId).sort((a, b) => String(a).localeCompare(String(b))), [INSTANCE, null].sort((a, b) => String(a).localeCompare(String(b))));
      assert.ok(group.members.some((m) => m.memberId === restarted.memberId), 'the coordinator knows the restarted member by its new member id');
    } finally {
      await producer.disconnect();
      for (const m of members) await within(`disconnect ${m.name}`, m.disconnect(), 30_000).catch(() => undefined);
    }
  });
});
