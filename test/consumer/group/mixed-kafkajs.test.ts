/**
 * A group mixing KafkaJS consumers (its default round-robin assigner, protocol
 * 'RoundRobinAssigner') and our GroupMember: they agree on the protocol, each
 * decodes what the leader (KafkaJS's or ours) assigned, and the partitions are
 * split without overlap. Checked three ways: our member's assignment, KafkaJS's
 * GROUP_JOIN events, and the coordinator's DescribeGroups.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Consumer as KafkaJSConsumer, Kafka as KafkaJS, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { type RunningBroker } from '../../../src/broker/server.js';
import { decodeAssignment } from '../../../src/consumer/assignors/assigner-protocol.js';
import { MemberState } from '../../../src/consumer/group/index.js';
import { eventually } from '../../support/eventually.js';
import { startGroupBroker } from '../../support/group-fixture.js';
import { within } from '../../support/within.js';
import { type TestMember, startMember } from './member-fixture.js';

const PARTITIONS = 6;

interface KafkaJSMember {
  consumer: KafkaJSConsumer;
  memberId: string;
  partitions: number[];
}

describe('GroupMember in a group with KafkaJS consumers (round robin)', () => {
  let running: RunningBroker;
  const consumers: KafkaJSConsumer[] = [];
  const members: TestMember[] = [];

  before(async () => {
    running = await startGroupBroker();
  });
  after(async () => {
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
    await Promise.all(members.map((m) => m.close().catch(() => undefined)));
    await running.close();
  });

  const startKafkaJS = async (name: string, groupId: string, topic: string): Promise<KafkaJSMember> => {
    const consumer = new KafkaJS({ clientId: name, brokers: [running.bootstrap], logLevel: kafkaJsLogLevel.NOTHING }).consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 100,
    });
    consumers.push(consumer);
    const m: KafkaJSMember = { consumer, memberId: '', partitions: [] };
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      m.memberId = e.payload.memberId;
      m.partitions = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async () => undefined });
    return m;
  };

  it('splits the partitions disjointly between KafkaJS members and ours, whoever leads', async () => {
    const topic = 'mixed-topic';
    const groupId = 'mixed-group';
    await running.broker.topics.create(topic, PARTITIONS, new Map());
    const k1 = await startKafkaJS('kafkajs-1', groupId, topic); // the first member leads: KafkaJS assigns first
    await eventually('the KafkaJS member joins', () => (k1.partitions.length === PARTITIONS ? true : undefined), 30_000);
    const ours = await within('our member joins', startMember(running, 'tskafka', { groupId, topics: [topic], sessionTimeout: 10_000 }), 60_000);
    members.push(ours);
    const k2 = await startKafkaJS('kafkajs-2', groupId, topic);

    let last = '';
    await eventually(
      'a Stable group of three with a disjoint split that every member agrees on',
      async () => {
        const described = await ours.member.describe();
        const fromCoordinator = new Map(described.members.map((m) => [m.memberId, decodeAssignment(m.memberAssignment).assignedPartitions.map((p) => p.partition).sort((a, b) => a - b)]));
        last = JSON.stringify({ state: described.state, coordinator: [...fromCoordinator], ours: ours.partitionsOf(topic), k1: k1.partitions, k2: k2.partitions });
        if (described.state !== 'Stable' || described.members.length !== 3 || ours.member.state !== MemberState.STABLE) return undefined;
        const all = [...fromCoordinator.values()].flat().sort((a, b) => a - b);
        if (all.length !== PARTITIONS || all.some((p, i) => p !== i)) return undefined;
        const agree = [
          [ours.member.memberId, ours.partitionsOf(topic)],
          [k1.memberId, k1.partitions],
          [k2.memberId, k2.partitions],
        ].every(([id, partitions]) => JSON.stringify(fromCoordinator.get(id as string)) === JSON.stringify(partitions));
        return agree ? true : undefined;
      },
      60_000,
      200,
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; last seen ${last}`);
    });
    assert.equal(ours.member.protocolName, 'RoundRobinAssigner');
    assert.equal(ours.partitionsOf(topic).length, 2, 'round robin: two partitions each');
    assert.deepEqual(ours.fatal, []);

    // Now the KafkaJS leader leaves: one of the remaining two leads (ours or KafkaJS), and the split holds.
    await k1.consumer.disconnect();
    await eventually(
      'our member and the second KafkaJS member split everything',
      () => {
        const all = [...ours.partitionsOf(topic), ...k2.partitions].sort((a, b) => a - b);
        return ours.member.state === MemberState.STABLE && ours.partitionsOf(topic).length === 3 && all.length === PARTITIONS && all.every((p, i) => p === i) ? true : undefined;
      },
      60_000,
    );
  });
});
