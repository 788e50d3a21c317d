/**
 * Every commit strategy: auto-commit after each batch (KafkaJS's default), on
 * an interval, on a threshold; manual commitOffsets after processing;
 * commitOffsetsIfNecessary in eachBatch; commit on revoke. The committed offset
 * is always the last processed offset + 1, and a restart resumes exactly there.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type InstrumentationEvent } from '../../src/consumer/consumer-events.js';
import { eventually } from '../support/eventually.js';
import { useConsumerFixture } from './consumer-fixture.js';

describe('Commit strategies', () => {
  const f = useConsumerFixture('commits');

  it('auto-commits after each batch by default, and a restarted consumer resumes from the committed offset', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    await f.produce(topic, 10);
    const first = f.consumer({ groupId });
    await first.subscribe({ topic, fromBeginning: true });
    const seen: number[] = [];
    await first.run({ eachMessage: async ({ message }) => void seen.push(Number(message.offset)) });
    await eventually('10 records', () => (seen.length >= 10 ? true : undefined));
    await eventually('offset 10 committed', () => (f.committed(groupId, topic, 1).get(0) === 10 ? true : undefined));
    await first.disconnect();

    await f.produce(topic, 5, { from: 10 });
    const second = f.consumer({ groupId });
    await second.subscribe({ topic, fromBeginning: true });
    const again: number[] = [];
    await second.run({ eachMessage: async ({ message }) => void again.push(Number(message.offset)) });
    await eventually('5 more records', () => (again.length >= 5 ? true : undefined));
    await sleep(200);
    assert.deepEqual(again, [10, 11, 12, 13, 14], 'resumes after the committed offset, nothing twice');
    await second.disconnect();
  });

  it('with autoCommitInterval commits on the interval (commits at least the interval apart), not after every batch', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    const consumer = f.consumer({ groupId });
    await consumer.subscribe({ topic, fromBeginning: true });
    const commits: InstrumentationEvent<{ topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }>[] = [];
    consumer.on(consumer.events.COMMIT_OFFSETS, (e) => void commits.push(e as (typeof commits)[number]));
    let processed = 0;
    await consumer.run({ autoCommitInterval: 1_500, eachMessage: async () => void processed++ });
    // Three produce calls, each its own fetch: per-batch commits would be three.
    for (let i = 0; i < 3; i++) {
      await f.produce(topic, 2, { from: i * 2 });
      await eventually(`${(i + 1) * 2} records`, () => (processed >= (i + 1) * 2 ? true : undefined));
    }
    await eventually('offset 6 committed by the interval', () => (commits.at(-1)?.payload.topics[0]?.partitions[0]?.offset === '6' ? true : undefined), 20_000);
    assert.equal(f.committed(groupId, topic, 1).get(0), 6);
    // No commit after each batch: commits are at least the interval apart.
    for (let i = 1; i < commits.length; i++) assert.ok(commits[i]!.timestamp - commits[i - 1]!.timestamp >= 1_500, `commit ${i} came ${commits[i]!.timestamp - commits[i - 1]!.timestamp} ms after the previous one`);
    assert.equal(commits.at(-1)!.payload.topics[0]!.partitions[0]!.offset, '6');
    await consumer.disconnect();
  });

  it('with autoCommitThreshold commits once that many records are resolved', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    await f.produce(topic, 25);
    const consumer = f.consumer({ groupId });
    await consumer.subscribe({ topic, fromBeginning: true });
    const committedAt: string[] = [];
    consumer.on(consumer.events.COMMIT_OFFSETS, (e) => {
      const payload = e.payload as { topics: { partitions: { offset: string }[] }[] };
      committedAt.push(payload.topics[0]!.partitions[0]!.offset);
    });
    let processed = 0;
    await consumer.run({ autoCommitThreshold: 10, autoCommitInterval: 600_000, eachMessage: async () => void processed++ });
    await eventually('25 records', () => (processed >= 25 ? true : undefined));
    await eventually('two threshold commits', () => (committedAt.length >= 2 ? true : undefined));
    assert.deepEqual(committedAt.slice(0, 2), ['10', '20']);
    assert.equal(f.committed(groupId, topic, 1).get(0), 20, 'the 5 records past the threshold wait');
    await consumer.stop();
    assert.equal(f.committed(groupId, topic, 1).get(0), 25, 'stop() commits what was processed');
    await consumer.disconnect();
  });

  it('with autoCommit false commits only what commitOffsets is given, after processing', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    await f.produce(topic, 6);
    const consumer = f.consumer({ groupId });
    await consumer.subscribe({ topic, fromBeginning: true });
    let processed = 0;
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic: t, partition, message }) => {
        processed++;
        // Commit every other record: offset + 1 is the next one to read.
        if (Number(message.offset) % 2 === 1) await consumer.commitOffsets([{ topic: t, partition, offset: String(Number(message.offset) + 1) }]);
      },
    });
    await eventually('6 records', () => (processed >= 6 ? true : undefined));
    await eventually('offset 6 committed', () => (f.committed(groupId, topic, 1).get(0) === 6 ? true : undefined));
    await consumer.disconnect();
    assert.equal(f.committed(groupId, topic, 1).get(0), 6, 'nothing else committed on disconnect');
  });

  it('with autoCommit false commits nothing by itself, not even on disconnect', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    await f.produce(topic, 3);
    const consumer = f.consumer({ groupId });
    await consumer.subscribe({ topic, fromBeginning: true });
    let processed = 0;
    await consumer.run({ autoCommit: false, eachMessage: async () => void processed++ });
    await eventually('3 records', () => (processed >= 3 ? true : undefined));
    await consumer.disconnect();
    assert.equal(f.committed(groupId, topic, 1).size, 0);
  });

  it('commitOffsetsIfNecessary in eachBatch commits resolved offsets when the threshold is reached', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    await f.produce(topic, 30);
    const consumer = f.consumer({ groupId });
    await consumer.subscribe({ topic, fromBeginning: true });
    const committedInBatch: number[] = [];
    let processed = 0;
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommitThreshold: 10,
      autoCommitInterval: 600_000,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale }) => {
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          processed++;
          resolveOffset(message.offset);
          await commitOffsetsIfNecessary();
          const c = f.committed(groupId, topic, 1).get(0);
          if (c !== undefined && !committedInBatch.includes(c)) committedInBatch.push(c);
        }
        assert.ok(Array.isArray(uncommittedOffsets().topics));
      },
    });
    await eventually('30 records', () => (processed >= 30 ? true : undefined));
    await eventually('the third threshold commit', () => (committedInBatch.length >= 3 ? true : undefined));
    assert.deepEqual(committedInBatch.slice(0, 3), [10, 20, 30], 'committed inside the batch at each threshold');
    await consumer.disconnect();
  });

  it('commits the revoked partitions when a second member joins, so it starts exactly after what the first processed', async () => {
    const topic = await f.newTopic(2);
    const groupId = f.newGroup();
    await f.produce(topic, 40, { partitions: 2 });
    const seen = new Map<string, number>();
    const record = (who: string) => async ({ partition, message }: { partition: number; message: { offset: string } }) => {
      const key = `${partition}:${message.offset}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      void who;
    };
    const revoked: number[][] = [];
    // autoCommitInterval far away: only the revoke commits, so the second member relies on it.
    const first = f.consumer({ groupId, onPartitionsRevoked: (ps) => void revoked.push(ps.map((p) => p.partition)) });
    await first.subscribe({ topic, fromBeginning: true });
    await first.run({ autoCommitInterval: 600_000, eachMessage: record('first') });
    await eventually('first consumed 40', () => (seen.size >= 40 ? true : undefined));
    assert.equal(f.committed(groupId, topic, 2).size, 0, 'nothing committed yet: the interval is far away');

    const second = f.consumer({ groupId });
    await second.subscribe({ topic, fromBeginning: true });
    await second.run({ autoCommitInterval: 600_000, eachMessage: record('second') });
    await eventually('the second member has a partition', () => (second.assignment().length === 1 && first.assignment().length === 1 ? true : undefined), 30_000);
    assert.ok(revoked.length >= 1, 'onPartitionsRevoked was called');
    const committed = f.committed(groupId, topic, 2);
    assert.equal(committed.get(0), 20);
    assert.equal(committed.get(1), 20);
    await f.produce(topic, 10, { partitions: 2, from: 40 });
    await eventually('50 records', () => (seen.size >= 50 ? true : undefined));
    await sleep(300);
    assert.deepEqual([...seen.values()].filter((n) => n > 1), [], 'no record processed twice');
    await second.disconnect();
    await first.disconnect();
  });
});
