/**
 * Consumer groups against a real in-process broker with KafkaJS, a client
 * nobody here wrote, as the peer: its admin's group APIs, and consumers that
 * join a group, get assignments, consume and commit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AssignerProtocol, type Admin, type Consumer, Kafka, logLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';

/** Poll `check` until it returns a value (not undefined) or `ms` pass. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('consumer groups with KafkaJS as the client', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  let admin: Admin;

  before(async () => {
    broker = await startBroker({ inMemory: true, port: 0, logLevel: 'error' });
    kafka = new Kafka({ clientId: 'kafkajs-groups-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'admin-topic', numPartitions: 3 }, { topic: 'consumed', numPartitions: 4 }] });
  });
  after(async () => {
    await admin.disconnect();
    await broker.close();
  });

  it('sets, fetches, resets and deletes a group’s offsets through the admin client', async () => {
    await admin.setOffsets({ groupId: 'admin-group', topic: 'admin-topic', partitions: [{ partition: 0, offset: '12' }, { partition: 2, offset: '5' }] });
    const fetched = await admin.fetchOffsets({ groupId: 'admin-group', topics: ['admin-topic'] });
    assert.deepEqual(
      fetched[0]!.partitions.map((p) => [p.partition, p.offset]).sort(),
      [
        [0, '12'],
        [1, '-1'],
        [2, '5'],
      ],
    );

    const { groups } = await admin.listGroups();
    assert.deepEqual(
      groups.filter((g) => g.groupId === 'admin-group'),
      [{ groupId: 'admin-group', protocolType: 'consumer' }],
    );
    const described = await admin.describeGroups(['admin-group']);
    assert.equal(described.groups[0]!.state, 'Empty', 'the admin’s helper consumer left the group');

    // KafkaJS commits the EARLIEST sentinel (-2) itself; Kafka stores commits as given, and so do we.
    await admin.resetOffsets({ groupId: 'admin-group', topic: 'admin-topic', earliest: true });
    const reset = await admin.fetchOffsets({ groupId: 'admin-group', topics: ['admin-topic'] });
    assert.deepEqual(
      reset[0]!.partitions.map((p) => [p.partition, p.offset]).sort(),
      [
        [0, '-2'],
        [1, '-2'],
        [2, '-2'],
      ],
    );

    await admin.deleteGroups(['admin-group']);
    assert.ok(!(await admin.listGroups()).groups.some((g) => g.groupId === 'admin-group'));
    const afterDelete = await admin.fetchOffsets({ groupId: 'admin-group', topics: ['admin-topic'] });
    assert.ok(afterDelete[0]!.partitions.every((p) => p.offset === '-1'));
    await assert.rejects(admin.deleteGroups(['admin-group']), (e: Error & { groups?: { errorCode: number }[] }) => e.name === 'KafkaJSDeleteGroupsError' && e.groups?.[0]?.errorCode === 69);
  });

  it('splits a topic’s partitions between two consumers of a group, consumes every message once, and commits', async () => {
    const total = 40;
    const seen = new Map<string, number>();
    const assignments = new Map<string, number[]>();
    const consumers: Consumer[] = [];
    const start = async (name: string): Promise<Consumer> => {
      const consumer = kafka.consumer({ groupId: 'workers', heartbeatInterval: 200, sessionTimeout: 10_000, rebalanceTimeout: 10_000, maxWaitTimeInMs: 100 });
      consumer.on(consumer.events.GROUP_JOIN, (e) => assignments.set(name, e.payload.memberAssignment['consumed'] ?? []));
      await consumer.connect();
      await consumer.subscribe({ topics: ['consumed'], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const value = message.value!.toString();
          seen.set(value, (seen.get(value) ?? 0) + 1);
        },
      });
      consumers.push(consumer);
      return consumer;
    };
    try {
      await start('first');
      await start('second');
      // Both are in the group and the four partitions are split between them.
      await eventually('both consumers to hold partitions', async () => {
        const d = (await admin.describeGroups(['workers'])).groups[0]!;
        if (d.state !== 'Stable' || d.members.length !== 2) return undefined;
        const owned = d.members.map((m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment['consumed'] ?? []);
        if (owned.some((o) => o.length === 0)) return undefined;
        assert.deepEqual(owned.flat().sort(), [0, 1, 2, 3]);
        assert.equal(d.protocolType, 'consumer');
        assert.equal(d.protocol, 'RoundRobinAssigner');
        return true;
      }, 30_000);
      // Produced once the partitions are split, so no message is read before a rebalance that
      // could hand its partition over uncommitted (how early the second joins depends on the machine).
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'consumed', messages: Array.from({ length: total }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
      await producer.disconnect();
      await eventually('every message', async () => (seen.size === total ? true : undefined));
      // KafkaJS commits after each batch: the committed offsets add up to every message.
      await eventually('the commits', async () => {
        const offsets = await admin.fetchOffsets({ groupId: 'workers', topics: ['consumed'] });
        const committed = offsets[0]!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
        return committed === total ? true : undefined;
      });
      assert.ok([...seen.values()].every((n) => n === 1), 'each message once: no partition was consumed by both');
      assert.equal(assignments.size, 2);
    } finally {
      for (const c of consumers) await c.disconnect();
    }
    const d = (await admin.describeGroups(['workers'])).groups[0]!;
    assert.equal(d.state, 'Empty', 'consumers leave the group on disconnect');
    assert.deepEqual(d.members, []);
  });
});
