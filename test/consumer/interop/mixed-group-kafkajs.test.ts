/**
 * tskafka consumers and KafkaJS consumers in one consumer group: both speak
 * the round-robin protocol ('RoundRobinAssigner', KafkaJS's default), so
 * whichever is the leader computes an assignment the others decode. Once the
 * group is stable, the six partitions are split between all four members with
 * none owned twice, and every record produced is consumed exactly once, by the
 * member its partition is assigned to. Then one member of each kind leaves and
 * the two left take their partitions over: every later record is consumed.
 * Run twice: a tskafka leader, then a KafkaJS leader (the first member to
 * join an empty group leads it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kafka as KafkaJS, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { logLevel } from '../../../src/client/logger.js';
import { PartitionAssigners } from '../../../src/index.js';
import { Kafka } from '../../../src/kafka.js';
import { eventually } from '../../support/eventually.js';
import { produceSpread, stableAssignment, useGroupBroker } from '../../support/group-fixture.js';
import { within } from '../../support/within.js';

const PARTITIONS = 6;
const RECORDS = 1200;

/** What the test needs of any member, tskafka or KafkaJS. */
interface Member {
  readonly name: string;
  readonly kind: 'tskafka' | 'kafkajs';
  memberId: string;
  isLeader: boolean;
  /** The assignment of the last GROUP_JOIN event. */
  assignment: number[];
  rebalances: number;
  disconnect(): Promise<void>;
}

/** What the test uses of a consumer, the same in tskafka and KafkaJS. */
interface GroupConsumer {
  readonly events: { readonly GROUP_JOIN: 'consumer.group_join'; readonly REBALANCING: 'consumer.rebalancing' };
  on(eventName: 'consumer.group_join', listener: (event: { payload: { memberId: string; isLeader: boolean; memberAssignment: Record<string, number[]> } }) => void): unknown;
  on(eventName: 'consumer.rebalancing', listener: () => void): unknown;
  connect(): Promise<void>;
  subscribe(subscription: { topics: string[]; fromBeginning: boolean }): Promise<void>;
  run(config: { eachMessage: (payload: { partition: number; message: { offset: string; value: Buffer | null } }) => Promise<void> }): Promise<void>;
  disconnect(): Promise<void>;
}

interface Consumed {
  readonly member: string;
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

describe('a consumer group mixing tskafka and KafkaJS consumers (round robin)', () => {
  const fixture = useGroupBroker({ admin: true });

  /** Join the group with `consumer`, one function for both clients: tskafka's consumer API is KafkaJS's. */
  const join = async (name: string, kind: Member['kind'], consumer: GroupConsumer, topic: string, consumed: Consumed[]): Promise<Member> => {
    const member: Member = { name, kind, memberId: '', isLeader: false, assignment: [], rebalances: 0, disconnect: () => consumer.disconnect() };
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      member.memberId = e.payload.memberId;
      member.isLeader = e.payload.isLeader;
      member.assignment = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    });
    consumer.on(consumer.events.REBALANCING, () => void member.rebalances++);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        consumed.push({ member: name, partition, offset: Number(message.offset), value: message.value!.toString() });
      },
    });
    return member;
  };

  const startTskafka = (name: string, groupId: string, topic: string, consumed: Consumed[]): Promise<Member> =>
    join(
      name,
      'tskafka',
      new Kafka({ clientId: `tskafka-${name}`, brokers: [fixture.running.bootstrap], logLevel: logLevel.NOTHING }).consumer({
        groupId,
        partitionAssigners: [PartitionAssigners.roundRobin],
        heartbeatInterval: 500,
        sessionTimeout: 10_000,
        maxWaitTimeInMs: 100,
      }),
      topic,
      consumed,
    );

  const startKafkaJS = (name: string, groupId: string, topic: string, consumed: Consumed[]): Promise<Member> =>
    join(
      name,
      'kafkajs',
      new KafkaJS({ clientId: `kafkajs-${name}`, brokers: [fixture.running.bootstrap], logLevel: kafkaJsLogLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } }).consumer({
        groupId,
        heartbeatInterval: 500,
        sessionTimeout: 10_000,
        maxWaitTimeInMs: 100,
      }),
      topic,
      consumed,
    );

  for (const leader of ['tskafka', 'kafkajs'] as const) {
    it(`with a ${leader} leader: the group shares 6 partitions disjointly between 2 tskafka and 2 KafkaJS members, and each record is consumed exactly once by its partition's owner; partitions move across clients when members leave`, { timeout: 120_000 }, async (t) => {
      const groupId = `mixed-${leader}-leads`;
      const topic = `mixed-${leader}`;
      await fixture.running.broker.topics.create(topic, PARTITIONS, new Map());
      const consumed: Consumed[] = [];
      const members: Member[] = [];
      try {
        // The first member joins an empty group alone and becomes its leader.
        const first = leader === 'tskafka' ? startTskafka : startKafkaJS;
        members.push(await first(`${leader}-1`, groupId, topic, consumed));
        await eventually('the first member to join', () => (members[0]!.memberId !== '' ? true : undefined), 30_000);
        const order = leader === 'tskafka' ? [startKafkaJS, startTskafka, startKafkaJS] : [startTskafka, startKafkaJS, startTskafka];
        const names = leader === 'tskafka' ? ['kafkajs-1', 'tskafka-2', 'kafkajs-2'] : ['tskafka-1', 'kafkajs-2', 'tskafka-2'];
        for (let i = 0; i < order.length; i++) members.push(await order[i]!(names[i]!, groupId, topic, consumed));

        const described = await stableAssignment(fixture.admin, groupId, topic, { members: 4, partitions: PARTITIONS });
        const protocol = (await fixture.admin.describeGroups([groupId])).groups[0]!.protocol;
        assert.equal(protocol, 'RoundRobinAssigner', 'the group agreed on the round-robin protocol');
        // Every member applied the final assignment (its last GROUP_JOIN says what the coordinator holds).
        await eventually('every member to apply the stable assignment', () => {
          for (const d of described) {
            const m = members.find((x) => x.memberId === d.memberId);
            if (!m || m.assignment.join() !== d.partitions.join()) return undefined;
          }
          return true;
        }, 30_000);
        const leaders = members.filter((m) => m.isLeader);
        assert.deepEqual(leaders.map((m) => m.kind), [leader], `exactly one leader, a ${leader} member: ${JSON.stringify(members.map((m) => [m.name, m.isLeader]))}`);
        for (const kind of ['tskafka', 'kafkajs']) {
          assert.ok(
            members.some((m) => m.kind === kind && m.assignment.length > 0),
            `a ${kind} member holds partitions: ${JSON.stringify(members.map((m) => [m.name, m.assignment]))}`,
          );
        }
        const owner = new Map<number, string>();
        for (const m of members) for (const p of m.assignment) owner.set(p, m.name);
        const rebalancesBefore = members.map((m) => m.rebalances);

        const startCount = consumed.length;
        await produceSpread(fixture.running.bootstrap, topic, { partitions: PARTITIONS, count: RECORDS, chunk: 200 });
        await eventually(`${RECORDS} records consumed by the group`, () => (consumed.length - startCount >= RECORDS ? true : undefined), 60_000);
        // Let duplicates, if any, arrive before counting.
        await new Promise((resolve) => setTimeout(resolve, 1000));

        const counts = new Map<string, number>();
        for (const c of consumed) counts.set(c.value, (counts.get(c.value) ?? 0) + 1);
        const missing = Array.from({ length: RECORDS }, (_, i) => `${topic}-${i}`).filter((v) => !counts.has(v));
        const twice = [...counts].filter(([, n]) => n > 1);
        assert.deepEqual(missing, [], 'every record consumed');
        assert.deepEqual(twice, [], 'no record consumed twice while the group was stable');
        const wrongOwner = consumed.filter((c) => owner.get(c.partition) !== c.member);
        assert.deepEqual(wrongOwner.slice(0, 5), [], `records consumed only by their partition's owner (${wrongOwner.length} not)`);
        for (let p = 0; p < PARTITIONS; p++) {
          const offsets = consumed.filter((c) => c.partition === p).map((c) => c.offset);
          assert.deepEqual(offsets, offsets.slice().sort((a, b) => a - b), `partition ${p} consumed in offset order`);
        }
        assert.deepEqual(members.map((m) => m.rebalances), rebalancesBefore, 'no member saw a rebalance while the group was stable');
        t.diagnostic(`assignment: ${members.map((m) => `${m.name}${m.isLeader ? '(leader)' : ''}=[${m.assignment.join(',')}]`).join(' ')}`);

        // Partitions move across clients: one member of each kind leaves, the other two take over from
        // the leavers' commits; nothing produced afterwards is missed.
        for (const kind of ['kafkajs', 'tskafka']) {
          const leaving = members.find((m) => m.kind === kind && !m.isLeader)!;
          await within(`disconnect ${leaving.name}`, leaving.disconnect(), 30_000);
          members.splice(members.indexOf(leaving), 1);
        }
        const remaining = await stableAssignment(fixture.admin, groupId, topic, { members: 2, partitions: PARTITIONS });
        await eventually('the two remaining members to apply the new assignment', () => (remaining.every((d) => members.find((m) => m.memberId === d.memberId)?.assignment.join() === d.partitions.join()) ? true : undefined), 30_000);
        const afterCount = consumed.length;
        await produceSpread(fixture.running.bootstrap, topic, { partitions: PARTITIONS, count: RECORDS, prefix: `${topic}-later`, chunk: 200 });
        await eventually('the later records consumed by the two remaining members', () => {
          const later = new Set(consumed.slice(afterCount).filter((c) => c.value.startsWith(`${topic}-later`)).map((c) => c.value));
          return later.size === RECORDS ? true : undefined;
        }, 60_000);
        const laterByLeaver = consumed.slice(afterCount).filter((c) => !members.some((m) => m.name === c.member));
        assert.deepEqual(laterByLeaver.slice(0, 5), [], 'nothing consumed by a member that left');
      } finally {
        for (const m of members.reverse()) await within(`disconnect ${m.name}`, m.disconnect(), 30_000).catch(() => undefined);
      }
    });
  }
});
