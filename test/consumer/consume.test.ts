/**
 * Reading what our producer wrote with run({ eachMessage }) and run({ eachBatch }),
 * KafkaJS's shapes; fromBeginning; RegExp subscriptions; partitionsConsumedConcurrently.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { type EachBatchPayload, type EachMessagePayload } from '../../src/consumer/handlers.js';
import { eventually } from '../support/eventually.js';
import { useConsumerFixture } from './consumer-fixture.js';

describe('Consuming with run()', () => {
  const f = useConsumerFixture('consume');

  it('hands every record to eachMessage in offset order, in KafkaJS message shape', async () => {
    const topic = await f.newTopic(1);
    await f.produce(topic, 50);
    const consumer = f.consumer({ groupId: f.newGroup() });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: EachMessagePayload[] = [];
    await consumer.run({ eachMessage: async (payload) => void seen.push(payload) });
    await eventually('50 records', () => (seen.length >= 50 ? true : undefined));
    assert.deepEqual(
      seen.map((p) => p.message.offset),
      Array.from({ length: 50 }, (_, i) => String(i)),
    );
    const first = seen[0]!;
    assert.equal(first.topic, topic);
    assert.equal(first.partition, 0);
    assert.equal(first.message.key?.toString(), 'k0');
    assert.equal(first.message.value?.toString(), 'v-0');
    assert.equal(first.message.headers.n?.toString(), '0');
    assert.equal(typeof first.message.timestamp, 'string');
    assert.ok(Math.abs(Number(first.message.timestamp) - Date.now()) < 600_000);
    assert.equal(typeof first.heartbeat, 'function');
    assert.equal(typeof first.pause, 'function');
    await consumer.disconnect();
  });

  it('hands batches to eachBatch with KafkaJS Batch methods', async () => {
    const topic = await f.newTopic(1);
    await f.produce(topic, 20);
    const consumer = f.consumer({ groupId: f.newGroup() });
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const batches: { first: string | null; last: string; count: number; hw: string; lag: string; lagLow: string; empty: boolean }[] = [];
    let offsets: string[] = [];
    await consumer.run({
      eachBatch: async ({ batch, isRunning, isStale }: EachBatchPayload) => {
        assert.equal(isRunning(), true);
        assert.equal(isStale(), false);
        batches.push({ first: batch.firstOffset(), last: batch.lastOffset(), count: batch.messages.length, hw: batch.highWatermark, lag: batch.offsetLag(), lagLow: batch.offsetLagLow(), empty: batch.isEmpty() });
        offsets = offsets.concat(batch.messages.map((m) => m.offset));
      },
    });
    await eventually('20 records', () => (offsets.length >= 20 ? true : undefined));
    assert.deepEqual(offsets, Array.from({ length: 20 }, (_, i) => String(i)));
    const b = batches[0]!;
    assert.equal(b.first, '0');
    assert.equal(b.hw, '20');
    assert.equal(b.last, String(b.count - 1));
    assert.equal(b.lag, String(20 - 1 - Number(b.last)));
    assert.equal(b.lagLow, '19');
    assert.equal(b.empty, false);
    await consumer.disconnect();
  });

  it('without fromBeginning starts at the end: only records produced after the join arrive', async () => {
    const topic = await f.newTopic(1);
    await f.produce(topic, 5, { prefix: 'old' });
    const consumer = f.consumer({ groupId: f.newGroup() });
    await consumer.subscribe({ topic });
    const values: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
    // The position is reset to the end once the partition is assigned; give the fetcher a moment to get there.
    await eventually('the position is known', () => (consumer.metrics().partitions[0]?.position === 5 ? true : undefined));
    await f.produce(topic, 3, { from: 5, prefix: 'new' });
    await eventually('3 new records', () => (values.length >= 3 ? true : undefined));
    await sleep(200);
    assert.deepEqual(values, ['new-5', 'new-6', 'new-7']);
    await consumer.disconnect();
  });

  it('subscribes to the existing topics a RegExp matches', async () => {
    const a = await f.newTopic(1);
    const b = await f.newTopic(1);
    await f.produce(a, 2);
    await f.produce(b, 3);
    const consumer = f.consumer({ groupId: f.newGroup() });
    await consumer.connect();
    const pattern = new RegExp(`^(${a}|${b})$`);
    await consumer.subscribe({ topics: [pattern], fromBeginning: true });
    const seen = new Map<string, number>();
    await consumer.run({ eachMessage: async ({ topic }) => void seen.set(topic, (seen.get(topic) ?? 0) + 1) });
    await eventually('both topics', () => (seen.get(a) === 2 && seen.get(b) === 3 ? true : undefined));
    await consumer.disconnect();
  });

  it('describeGroup() returns the group in KafkaJS shape, running or not', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    const consumer = f.consumer({ groupId });
    await consumer.subscribe({ topic });
    await consumer.run({ eachMessage: async () => undefined });
    const running = await consumer.describeGroup();
    assert.equal(running.groupId, groupId);
    assert.equal(running.state, 'Stable');
    assert.equal(running.protocolType, 'consumer');
    assert.equal(running.protocol, 'RoundRobinAssigner');
    assert.equal(running.members.length, 1);
    assert.ok(Buffer.isBuffer(running.members[0]!.memberAssignment));
    await consumer.stop();
    const stopped = await consumer.describeGroup();
    assert.equal(stopped.state, 'Empty');
    assert.equal(stopped.members.length, 0);
    await consumer.disconnect();
  });

  it('refuses subscribe() while running, as KafkaJS', async () => {
    const topic = await f.newTopic(1);
    const consumer = f.consumer({ groupId: f.newGroup() });
    await consumer.subscribe({ topic });
    await consumer.run({ eachMessage: async () => undefined });
    await assert.rejects(consumer.subscribe({ topic: 'other' }), (e: Error) => e instanceof KafkaJSNonRetriableError && /while consumer is running/.test(e.message));
    await consumer.disconnect();
  });

  it('processes partitions concurrently with partitionsConsumedConcurrently, each partition in order', async () => {
    const topic = await f.newTopic(4);
    await f.produce(topic, 80, { partitions: 4 });
    const consumer = f.consumer({ groupId: f.newGroup() });
    await consumer.subscribe({ topic, fromBeginning: true });
    const byPartition = new Map<number, number[]>();
    let inFlight = 0;
    let maxInFlight = 0;
    const inFlightPartitions = new Set<number>();
    let samePartitionOverlap = false;
    await consumer.run({
      partitionsConsumedConcurrently: 3,
      eachMessage: async ({ partition, message }) => {
        if (inFlightPartitions.has(partition)) samePartitionOverlap = true;
        inFlightPartitions.add(partition);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await sleep(5);
        inFlight--;
        inFlightPartitions.delete(partition);
        const list = byPartition.get(partition) ?? [];
        list.push(Number(message.offset));
        byPartition.set(partition, list);
      },
    });
    await eventually('80 records', () => ([...byPartition.values()].reduce((n, l) => n + l.length, 0) >= 80 ? true : undefined), 30_000);
    for (const [p, offsets] of byPartition) assert.deepEqual(offsets, Array.from({ length: 20 }, (_, i) => i), `partition ${p} in order`);
    assert.equal(samePartitionOverlap, false, 'never two handlers on one partition at once');
    assert.ok(maxInFlight > 1, `partitions were processed concurrently (max ${maxInFlight})`);
    assert.ok(maxInFlight <= 3, `at most 3 at once (max ${maxInFlight})`);
    await consumer.disconnect();
  });
});
