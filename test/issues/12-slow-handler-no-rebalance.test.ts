/**
 * Issue 12 (KafkaJS #1527): a slow eachMessage must not starve the heartbeat.
 * KafkaJS heartbeats from its processing loop, so a handler that runs longer
 * than sessionTimeout gets its member expelled and the group rebalances ("The
 * group is rebalancing" storms). tskafka heartbeats on its own timer: with a
 * handler sleeping 10 s on one record and sessionTimeout 6 s, the group of two
 * stays in its generation, no member sees a rebalance, the other member keeps
 * consuming meanwhile, and the slow record is processed once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { eventually } from '../support/eventually.js';
import { useGroupBroker } from '../support/group-fixture.js';
import { within } from '../support/within.js';

const TOPIC = 'slow-handler';
const GROUP = 'slow-handler-group';
const SESSION_TIMEOUT = 6000;
const SLOW_MS = 10_000;

describe('issue 12: a handler slower than the session timeout', () => {
  const fixture = useGroupBroker({ topics: { [TOPIC]: 2 } });

  it('does not make the group rebalance: same generation, no rebalancing event, the other member keeps consuming', { timeout: 120_000 }, async () => {
    let slowStartedAt = 0;
    let slowEndedAt = 0;
    const seen: { member: string; partition: number; value: string; at: number }[] = [];
    const members: { name: string; rebalancing: number; joins: number; partitions: number[]; disconnect: () => Promise<void> }[] = [];
    for (const name of ['a', 'b']) {
      const consumer = new Kafka({ clientId: `slow-${name}`, brokers: [fixture.running.bootstrap], logLevel: logLevel.NOTHING }).consumer({
        groupId: GROUP,
        sessionTimeout: SESSION_TIMEOUT,
        heartbeatInterval: 1000,
        rebalanceTimeout: 60_000,
        maxWaitTimeInMs: 100,
      });
      const member = { name, rebalancing: 0, joins: 0, partitions: [] as number[], disconnect: () => consumer.disconnect() };
      consumer.on(consumer.events.REBALANCING, () => void member.rebalancing++);
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        member.joins++;
        member.partitions = [...(e.payload.memberAssignment[TOPIC] ?? [])];
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const value = message.value!.toString();
          if (value === 'slow') {
            slowStartedAt = Date.now();
            await sleep(SLOW_MS);
            slowEndedAt = Date.now();
          }
          seen.push({ member: name, partition, value, at: Date.now() });
        },
      });
      members.push(member);
    }
    try {
      await eventually('each member to hold one partition', () => (members.every((m) => m.partitions.length === 1) ? true : undefined), 30_000);
      const generation = fixture.running.broker.groups.group(GROUP)!.generationId;
      const before = members.map((m) => ({ rebalancing: m.rebalancing, joins: m.joins }));
      const slowMember = members.find((m) => m.partitions[0] === 0)!;
      const otherMember = members.find((m) => m.partitions[0] === 1)!;

      const producer = new Kafka({ clientId: 'slow-producer', brokers: [fixture.running.bootstrap], logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
      await producer.send({ topic: TOPIC, messages: [{ partition: 0, value: 'slow' }, { partition: 0, value: 'after-slow' }] });
      // While the slow handler sleeps, the other member's partition keeps flowing.
      for (let i = 0; i < 5; i++) {
        await producer.send({ topic: TOPIC, messages: [{ partition: 1, value: `other-${i}` }] });
        await sleep(1500);
      }
      await producer.disconnect();
      await eventually('the slow record and the one after it', () => (seen.some((s) => s.value === 'after-slow') ? true : undefined), 60_000);
      await eventually('the other member’s records', () => (seen.filter((s) => s.value.startsWith('other-')).length === 5 ? true : undefined), 30_000);

      assert.ok(slowStartedAt > 0 && slowEndedAt > slowStartedAt, 'the slow handler ran');
      assert.equal(fixture.running.broker.groups.group(GROUP)!.generationId, generation, 'the group stayed in its generation');
      assert.deepEqual(
        members.map((m) => ({ rebalancing: m.rebalancing, joins: m.joins })),
        before,
        'no member saw a rebalance or joined again',
      );
      assert.deepEqual(seen.filter((s) => s.value === 'slow').map((s) => s.member), [slowMember.name], 'the slow record was processed once, by its owner');
      assert.ok(
        seen.some((s) => s.member === otherMember.name && s.value.startsWith('other-') && s.at < slowEndedAt),
        'the other member consumed while the slow handler was still running',
      );
      const group = fixture.running.broker.groups.describeGroup(GROUP);
      assert.equal(group.groupState, 'Stable');
      assert.equal(group.members.length, 2);
    } finally {
      for (const m of members) await within(`disconnect ${m.name}`, m.disconnect(), 30_000).catch(() => undefined);
    }
  });
});
