/**
 * consumer.messages(): an async iterator with back-pressure and AbortSignal; a
 * record is resolved (and so committed) once the loop asks for the next one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../support/eventually.js';
import { within } from '../support/within.js';
import { useConsumerFixture } from './consumer-fixture.js';

describe('consumer.messages()', () => {
  const f = useConsumerFixture('messages');

  it('yields every record in order and ends when the signal aborts; processed records are committed', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    await f.produce(topic, 30);
    const consumer = f.consumer({ groupId });
    await consumer.subscribe({ topic, fromBeginning: true });
    const controller = new AbortController();
    const offsets: number[] = [];
    await within(
      'the loop',
      (async () => {
        for await (const { topic: t, partition, message } of consumer.messages({ signal: controller.signal })) {
          assert.equal(t, topic);
          assert.equal(partition, 0);
          offsets.push(Number(message.offset));
          if (offsets.length === 30) controller.abort();
        }
      })(),
      30_000,
    );
    assert.deepEqual(
      offsets,
      Array.from({ length: 30 }, (_, i) => i),
    );
    // The 30th record was being processed when the loop ended: not resolved, delivered again later.
    await consumer.stop();
    assert.equal(f.committed(groupId, topic, 1).get(0), 29);
    await consumer.disconnect();
  });

  it('a break stops the consumer; the next run starts after the last record the loop finished', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    await f.produce(topic, 10);
    const consumer = f.consumer({ groupId });
    await consumer.subscribe({ topic, fromBeginning: true });
    for await (const { message } of consumer.messages()) {
      if (Number(message.offset) === 4) break;
    }
    assert.equal(f.committed(groupId, topic, 1).get(0), 4, 'records 0-3 finished; 4 was not');
    await consumer.disconnect();

    const again = f.consumer({ groupId });
    await again.subscribe({ topic, fromBeginning: true });
    const controller = new AbortController();
    const offsets: number[] = [];
    for await (const { message } of again.messages({ signal: controller.signal })) {
      offsets.push(Number(message.offset));
      if (offsets.length === 6) controller.abort();
    }
    assert.deepEqual(offsets, [4, 5, 6, 7, 8, 9]);
    await again.disconnect();
  });

  it('holds at most highWaterMark records ahead of a slow loop (back-pressure)', async () => {
    const topic = await f.newTopic(1);
    await f.produce(topic, 200);
    const consumer = f.consumer({ groupId: f.newGroup() });
    await consumer.subscribe({ topic, fromBeginning: true });
    const controller = new AbortController();
    let taken = 0;
    let maxAhead = 0;
    for await (const _ of consumer.messages({ signal: controller.signal, highWaterMark: 5 })) {
      taken++;
      await sleep(20);
      // Records handed to the stream but not taken: position (after the runner's hand-off) minus taken.
      const position = consumer.metrics().partitions[0]?.position ?? 0;
      maxAhead = Math.max(maxAhead, position - taken);
      if (taken === 20) controller.abort();
    }
    assert.equal(taken, 20);
    // highWaterMark buffered, plus the one record the runner waits to hand over.
    assert.ok(maxAhead <= 6, `at most highWaterMark + 1 ahead, saw ${maxAhead}`);
    await consumer.disconnect();
  });
});
