/**
 * A group's committed offsets through our admin, checked with KafkaJS 2.2.4: a
 * KafkaJS consumer of the group starts where setOffsets and resetOffsets put
 * it, KafkaJS's admin reads back what we commit, our fetchOffsets reads what a
 * KafkaJS consumer committed, and deleteConsumerGroupOffsets (OffsetDelete)
 * leaves KafkaJS seeing nothing committed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Consumer } from 'kafkajs';
import { KafkaJSAggregateError, KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { KafkaJSProtocolError } from '../../src/errors/protocol-errors.js';
import { eventually } from '../support/eventually.js';
import { type AdminFixture, startAdminFixture } from './admin-fixture.js';

describe('admin: group offsets', () => {
  let f: AdminFixture;
  before(async () => {
    f = await startAdminFixture('admin-group-offsets-test');
    await f.peer.createTopics({ topics: [{ topic: 'ledger', numPartitions: 2 }, { topic: 'other', numPartitions: 1 }] });
    const producer = await f.producer();
    await producer.send({ topic: 'ledger', messages: Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) });
    await producer.send({ topic: 'other', messages: [{ value: 'x' }, { value: 'y' }] });
  });
  after(async () => {
    await f.close();
  });

  /** Run a KafkaJS consumer of `groupId` on `topic` until it has a record from each partition; returns each partition's first offset. */
  const firstOffsets = async (groupId: string, topic: string, partitions: number): Promise<Map<number, string>> => {
    const consumer = f.consumer(groupId);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    const first = new Map<number, string>();
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (!first.has(partition)) first.set(partition, message.offset);
      },
    });
    await eventually(`a record from each of ${partitions} partitions`, () => (first.size === partitions ? true : undefined), 60_000);
    await consumer.disconnect();
    return first;
  };

  const theirOffsets = async (groupId: string, topic: string): Promise<[number, string][]> =>
    (await f.peer.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p): [number, string] => [p.partition, p.offset]).sort((a, b) => a[0] - b[0]);

  it('setOffsets commits offsets a KafkaJS consumer of the group then starts from, and KafkaJS reads back', async () => {
    await f.admin.setOffsets({ groupId: 'set-group', topic: 'ledger', partitions: [{ partition: 0, offset: '3' }, { partition: 1, offset: '7' }] });
    assert.deepEqual(await theirOffsets('set-group', 'ledger'), [[0, '3'], [1, '7']]);
    const first = await firstOffsets('set-group', 'ledger', 2);
    assert.deepEqual([first.get(0), first.get(1)], ['3', '7']);
  });

  it('setOffsets with -2 and -1 commits the earliest and latest offsets', async () => {
    await f.admin.setOffsets({ groupId: 'special-group', topic: 'ledger', partitions: [{ partition: 0, offset: '-2' }, { partition: 1, offset: '-1' }] });
    assert.deepEqual(await theirOffsets('special-group', 'ledger'), [[0, '0'], [1, '10']]);
  });

  it("resetOffsets moves every partition to the earliest or the latest, as KafkaJS's admin then reads", async () => {
    await f.admin.resetOffsets({ groupId: 'reset-group', topic: 'ledger', earliest: true });
    assert.deepEqual(await theirOffsets('reset-group', 'ledger'), [[0, '0'], [1, '0']]);
    await f.admin.resetOffsets({ groupId: 'reset-group', topic: 'ledger' });
    assert.deepEqual(await theirOffsets('reset-group', 'ledger'), [[0, '10'], [1, '10']]);
  });

  it('fetchOffsets reads what a KafkaJS consumer committed, as KafkaJS does; -1 and null metadata where nothing is', async () => {
    const consumer = f.consumer('committing-group');
    await consumer.connect();
    await consumer.subscribe({ topics: ['ledger'], fromBeginning: true });
    let seen = 0;
    await consumer.run({ eachMessage: async () => void seen++ });
    await eventually('20 records', () => (seen >= 20 ? true : undefined), 60_000);
    await consumer.disconnect();
    const ours = await f.admin.fetchOffsets({ groupId: 'committing-group', topics: ['ledger', 'other'] });
    assert.deepEqual(ours, [
      { topic: 'ledger', partitions: [{ partition: 0, offset: '10', metadata: null }, { partition: 1, offset: '10', metadata: null }] },
      { topic: 'other', partitions: [{ partition: 0, offset: '-1', metadata: null }] },
    ]);
    const theirs = await f.peer.fetchOffsets({ groupId: 'committing-group', topics: ['ledger', 'other'] });
    assert.deepEqual(ours, theirs.map((t) => ({ ...t, partitions: [...t.partitions].sort((a, b) => a.partition - b.partition) })));
    assert.deepEqual(await f.admin.fetchOffsets({ groupId: 'committing-group' }), [ours[0]], 'no topics: every topic the group committed');
  });

  it('fetchOffsets with resolveOffsets commits the watermarks in place of -1 and -2', async () => {
    await f.admin.setOffsets({ groupId: 'resolve-group', topic: 'other', partitions: [{ partition: 0, offset: '1' }] });
    const resolved = await f.admin.fetchOffsets({ groupId: 'resolve-group', topics: ['ledger'], resolveOffsets: true });
    assert.deepEqual(resolved[0]!.partitions.map((p) => p.offset), ['10', '10'], 'nothing committed (-1) resolves to the latest');
    assert.deepEqual(await theirOffsets('resolve-group', 'ledger'), [[0, '10'], [1, '10']]);
  });

  it('setOffsets refuses a group with running members, with KafkaJS\'s message; OffsetDelete refuses only the topics it consumes', async () => {
    await f.admin.setOffsets({ groupId: 'running-group', topic: 'ledger', partitions: [{ partition: 0, offset: '5' }] });
    const consumer: Consumer = f.consumer('running-group');
    await consumer.connect();
    await consumer.subscribe({ topics: ['other'] });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => void (joined = true));
    await consumer.run({ eachMessage: async () => undefined });
    await eventually('the KafkaJS consumer to join', () => (joined ? true : undefined), 60_000);
    await assert.rejects(
      f.admin.setOffsets({ groupId: 'running-group', topic: 'other', partitions: [{ partition: 0, offset: '0' }] }),
      (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'The consumer group must have no running instances, current state: Stable',
    );
    // OffsetDelete refuses the topic the running group consumes, and deletes the others.
    await assert.rejects(
      f.admin.deleteConsumerGroupOffsets({ groupId: 'running-group', topics: [{ topic: 'other' }] }),
      (e: unknown) => e instanceof KafkaJSAggregateError && (e.errors[0] as KafkaJSProtocolError).type === 'GROUP_SUBSCRIBED_TO_TOPIC',
    );
    await f.admin.deleteConsumerGroupOffsets({ groupId: 'running-group', topics: [{ topic: 'ledger', partitions: [0] }] });
    assert.deepEqual((await theirOffsets('running-group', 'ledger'))[0], [0, '-1']);
    await consumer.disconnect();
  });

  it('deleteConsumerGroupOffsets removes committed offsets: KafkaJS then sees -1, and the rest stays', async () => {
    await f.admin.setOffsets({ groupId: 'forgetful-group', topic: 'ledger', partitions: [{ partition: 0, offset: '4' }, { partition: 1, offset: '6' }] });
    await f.admin.setOffsets({ groupId: 'forgetful-group', topic: 'other', partitions: [{ partition: 0, offset: '1' }] });
    await f.admin.deleteConsumerGroupOffsets({ groupId: 'forgetful-group', topics: [{ topic: 'ledger', partitions: [1] }] });
    assert.deepEqual(await theirOffsets('forgetful-group', 'ledger'), [[0, '4'], [1, '-1']]);
    await f.admin.deleteConsumerGroupOffsets({ groupId: 'forgetful-group', topics: [{ topic: 'ledger' }] });
    assert.deepEqual(await theirOffsets('forgetful-group', 'ledger'), [[0, '-1'], [1, '-1']]);
    assert.deepEqual(await theirOffsets('forgetful-group', 'other'), [[0, '1']]);
    await assert.rejects(
      f.admin.deleteConsumerGroupOffsets({ groupId: 'no-such-group', topics: [{ topic: 'ledger' }] }),
      (e: unknown) => e instanceof KafkaJSProtocolError && e.type === 'GROUP_ID_NOT_FOUND',
    );
  });

  it("refuses bad arguments with KafkaJS's messages", async () => {
    await assert.rejects(f.admin.fetchOffsets({ groupId: '' }), (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'Invalid groupId ');
    await assert.rejects(f.admin.setOffsets({ groupId: 'g', topic: 'ledger', partitions: [] }), (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'Invalid partitions');
    await assert.rejects(f.admin.resetOffsets({ groupId: 'g', topic: '' }), (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'Invalid topic ');
  });
});
