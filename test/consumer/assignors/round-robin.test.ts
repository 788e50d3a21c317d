import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { AssignerProtocol } from '../../../src/consumer/assignors/assigner-protocol.js';
import { roundRobin } from '../../../src/consumer/assignors/round-robin.js';
import { seededRandom } from '../../support/seeded-random.js';
import { build, clusterOf, pick } from './assignor-fixtures.js';

const kafkajsRoundRobin = kafkajs.PartitionAssigners.roundRobin;

/** KafkaJS's own assigner, built as KafkaJS's consumer builds it. */
function kafkajsAssigner(cluster: ReturnType<typeof clusterOf>) {
  return kafkajsRoundRobin({ cluster: cluster as never, groupId: 'g', logger: undefined as never });
}

describe('roundRobin is KafkaJS RoundRobinAssigner', () => {
  it('has its name and version, and writes its v0 metadata bytes', () => {
    const cluster = clusterOf({ t: 3 });
    const ours = build(roundRobin, cluster);
    const theirs = kafkajsAssigner(cluster);
    assert.equal(ours.name, 'RoundRobinAssigner');
    assert.equal(ours.name, theirs.name);
    assert.equal(ours.version, theirs.version);
    const topics = ['orders', 'payments'];
    const mine = ours.protocol({ topics, ownedPartitions: [{ topic: 'orders', partition: 1 }], generationId: 4, rackId: 'r' });
    assert.deepEqual(mine, theirs.protocol({ topics }));
    assert.equal(ours.rebalanceProtocol, undefined, 'KafkaJS assigners are eager');
  });

  it('deals partitions in turn over sorted member ids (KafkaJS docs example)', async () => {
    const cluster = clusterOf({ 'topic-A': 7, 'topic-B': 3 });
    const result = await build(roundRobin, cluster).assign({
      members: [{ memberId: 'b', memberMetadata: Buffer.alloc(0) }, { memberId: 'a', memberMetadata: Buffer.alloc(0) }],
      topics: ['topic-A', 'topic-B'],
    });
    const decoded = result.map((r) => ({ memberId: r.memberId, ...AssignerProtocol.MemberAssignment.decode(r.memberAssignment) }));
    assert.deepEqual(decoded, [
      { memberId: 'a', version: 0, assignment: { 'topic-A': [0, 2, 4, 6], 'topic-B': [1] }, userData: Buffer.alloc(0) },
      { memberId: 'b', version: 0, assignment: { 'topic-A': [1, 3, 5], 'topic-B': [0, 2] }, userData: Buffer.alloc(0) },
    ]);
  });

  it('gives the same encoded result as KafkaJS on 300 random groups (seeded)', async () => {
    const random = seededRandom(12);
    for (let round = 0; round < 300; round++) {
      const topicCount = 1 + pick(random, 5);
      const partitions: Record<string, number> = {};
      // Integer-like names too: they change Object.keys order, which both must share.
      const names = ['orders', 'b', '10', '2', 'a.b', 'ü', 'zz', 'k-1'];
      for (let t = 0; t < topicCount; t++) partitions[names[pick(random, names.length)]!] = pick(random, 12);
      const topics = Object.keys(partitions).sort(() => random() - 0.5);
      if (random() < 0.2) topics.push('missing-topic');
      // Metadata order is not always ascending: both must follow it.
      const order = random() < 0.5 ? (ids: number[]) => ids : (ids: number[]) => [...ids].reverse();
      const cluster = clusterOf(partitions, order);
      const memberCount = 1 + pick(random, 8);
      const members = Array.from({ length: memberCount }, (_, i) => {
        const memberId = random() < 0.3 ? String(pick(random, 100) + i * 100) : `consumer-${pick(random, 1000)}-${i}`;
        return { memberId, memberMetadata: build(roundRobin, cluster).protocol({ topics }).metadata };
      });
      const ours = await build(roundRobin, cluster).assign({ members, topics });
      const theirs = await kafkajsAssigner(cluster).assign({ members, topics });
      assert.deepEqual(ours, theirs, `round ${round}: ${JSON.stringify({ partitions, topics, members: members.map((m) => m.memberId) })}`);
    }
  });
});
