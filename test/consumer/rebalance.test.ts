/**
 * Rebalance callbacks and the consumer's side of rebalancing: eager (KafkaJS's
 * roundRobin) revokes everything, cooperative-sticky (opt-in) revokes only what
 * moves; in both, revoked partitions are committed before they are given back,
 * so no record is processed twice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PartitionAssigners } from '../../src/consumer/assignors/index.js';
import { type TopicPartition } from '../../src/consumer/subscription-state.js';
import { eventually } from '../support/eventually.js';
import { useConsumerFixture } from './consumer-fixture.js';

const ids = (ps: TopicPartition[]): number[] => ps.map((p) => p.partition).sort((a, b) => a - b);

describe('Rebalancing', () => {
  const f = useConsumerFixture('rebalance');

  for (const [name, assigners, revokedOnJoin] of [
    ['eager (roundRobin)', [PartitionAssigners.roundRobin], 4],
    ['cooperative (cooperativeSticky)', [PartitionAssigners.cooperativeSticky], 2],
  ] as const) {
    it(`${name}: callbacks name the partitions; revoked ones are committed; nothing is processed twice`, async () => {
      const topic = await f.newTopic(4);
      const groupId = f.newGroup();
      await f.produce(topic, 40, { partitions: 4 });
      const seen = new Map<string, number>();
      const handler = async ({ partition, message }: { partition: number; message: { offset: string } }): Promise<void> => {
        const key = `${partition}:${message.offset}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      };
      const log: string[] = [];
      const callbacks = (who: string) => ({
        onPartitionsAssigned: (ps: TopicPartition[]) => void log.push(`${who} assigned ${ids(ps).join(',')}`),
        onPartitionsRevoked: (ps: TopicPartition[]) => void log.push(`${who} revoked ${ids(ps).join(',')}`),
      });
      const first = f.consumer({ groupId, partitionAssigners: [...assigners], ...callbacks('first') });
      await first.subscribe({ topic, fromBeginning: true });
      await first.run({ autoCommitInterval: 600_000, eachMessage: handler });
      assert.deepEqual(log, ['first assigned 0,1,2,3']);
      await eventually('40 records', () => (seen.size >= 40 ? true : undefined));

      const second = f.consumer({ groupId, partitionAssigners: [...assigners], ...callbacks('second') });
      await second.subscribe({ topic, fromBeginning: true });
      await second.run({ autoCommitInterval: 600_000, eachMessage: handler });
      await eventually('two partitions each', () => (first.assignment().length === 2 && second.assignment().length === 2 ? true : undefined), 30_000);
      const revoked = log.filter((l) => l.startsWith('first revoked'));
      assert.equal(revoked[0]!.split(' ')[2]!.split(',').length, revokedOnJoin, `first revoked: ${log.join(' | ')}`);
      const committed = f.committed(groupId, topic, 4);
      for (const p of second.assignment()) assert.equal(committed.get(p.partition), 10, `partition ${p.partition} committed on revoke`);

      await f.produce(topic, 40, { partitions: 4, from: 40 });
      await eventually('80 records', () => (seen.size >= 80 ? true : undefined), 30_000);
      await sleep(300);
      assert.deepEqual([...seen].filter(([, n]) => n > 1), [], 'no record processed twice');
      await second.disconnect();
      await first.disconnect();
    });
  }
});
