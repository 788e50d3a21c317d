/**
 * seek (by offset, earliest, latest; before the assignment it is applied on
 * assignment) and pause/resume (whole topic, one partition, from inside eachMessage).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { eventually } from '../support/eventually.js';
import { useConsumerFixture } from './consumer-fixture.js';

describe('seek, pause and resume', () => {
  const f = useConsumerFixture('seek');

  it('seek moves the next record handed out, and the seek offset is committed (autoCommit), as KafkaJS', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    await f.produce(topic, 20);
    const consumer = f.consumer({ groupId });
    await consumer.subscribe({ topic, fromBeginning: true });
    const offsets: number[] = [];
    let sought = false;
    await consumer.run({
      eachMessage: async ({ message }) => {
        offsets.push(Number(message.offset));
        if (!sought && Number(message.offset) === 4) {
          sought = true;
          consumer.seek({ topic, partition: 0, offset: '15' });
        }
      },
    });
    await eventually('records up to 19', () => (offsets.at(-1) === 19 ? true : undefined));
    assert.deepEqual(offsets, [0, 1, 2, 3, 4, 15, 16, 17, 18, 19]);
    await consumer.disconnect();
  });

  it('seek by timestamp goes to the first record at or after it (ListOffsets), before or after the assignment', async () => {
    const topic = await f.newTopic(1);
    const base = Date.now() - 3_600_000;
    // Ten records a minute apart: the seek to base + 4.5 minutes lands on offset 5.
    const producer = f.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `t-${i}`, timestamp: String(base + i * 60_000) })) });
    await producer.disconnect();
    const consumer = f.consumer({ groupId: f.newGroup() });
    await consumer.subscribe({ topic, fromBeginning: true });
    const controller = new AbortController();
    const records = consumer.messages({ signal: controller.signal });
    consumer.seek({ topic, partition: 0, timestamp: base + 270_000 });
    const offsets: number[] = [];
    for await (const { message } of records) {
      offsets.push(Number(message.offset));
      if (offsets.length === 5) {
        // Again, on the assigned partition: back to the record stamped exactly base + 120000.
        consumer.seek({ topic, partition: 0, timestamp: base + 120_000 });
      }
      if (offsets.length === 13) break;
    }
    assert.deepEqual(offsets, [5, 6, 7, 8, 9, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.throws(() => consumer.seek({ topic, partition: 0, timestamp: -5 }), KafkaJSNonRetriableError);
    await consumer.disconnect();
  });

  it("seek '-2' goes back to the earliest offset", async () => {
    const topic = await f.newTopic(1);
    await f.produce(topic, 5);
    const consumer = f.consumer({ groupId: f.newGroup() });
    await consumer.subscribe({ topic, fromBeginning: true });
    const offsets: number[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void offsets.push(Number(message.offset)) });
    await eventually('5 records', () => (offsets.length >= 5 ? true : undefined));
    consumer.seek({ topic, partition: 0, offset: '-2' });
    await eventually('5 again', () => (offsets.length >= 10 ? true : undefined));
    assert.deepEqual(offsets, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    await consumer.disconnect();
  });

  it('a seek for a partition not assigned yet is applied when it is assigned', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    await f.produce(topic, 10);
    const consumer = f.consumer({ groupId });
    await consumer.subscribe({ topic, fromBeginning: true });
    const controller = new AbortController();
    // messages() starts joining without waiting: the seek comes before the assignment.
    const records = consumer.messages({ signal: controller.signal });
    assert.deepEqual(consumer.assignment(), []);
    consumer.seek({ topic, partition: 0, offset: '7' });
    const offsets: number[] = [];
    for await (const { message } of records) {
      offsets.push(Number(message.offset));
      if (offsets.length === 3) controller.abort();
    }
    assert.deepEqual(offsets, [7, 8, 9]);
    await consumer.disconnect();
  });

  it('throws for an invalid seek and before run(), with KafkaJS messages', async () => {
    const consumer = f.consumer({ groupId: f.newGroup() });
    assert.throws(() => consumer.seek({ topic: 't', partition: 0, offset: '1' }), /consumer#run must be called first/);
    assert.throws(() => consumer.seek({ topic: '', partition: 0, offset: '1' }), KafkaJSNonRetriableError);
    assert.throws(() => consumer.seek({ topic: 't', partition: 0, offset: 'abc' }), /Invalid offset/);
    assert.throws(() => consumer.seek({ topic: 't', partition: 0, offset: '-5' }), /must not be a negative/);
  });

  it('pause stops a partition, resume continues it where it stopped, and paused() lists it', async () => {
    const topic = await f.newTopic(2);
    await f.produce(topic, 10, { partitions: 2 });
    const consumer = f.consumer({ groupId: f.newGroup() });
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ partition, message }) => void seen.push(`${partition}:${message.offset}`) });
    await eventually('10 records', () => (seen.length >= 10 ? true : undefined));
    consumer.pause([{ topic, partitions: [1] }]);
    assert.deepEqual(consumer.paused(), [{ topic, partitions: [1] }]);
    await f.produce(topic, 10, { partitions: 2, from: 10 });
    await eventually('partition 0 continues', () => (seen.filter((s) => s.startsWith('0:')).length >= 10 ? true : undefined));
    await sleep(300);
    assert.equal(seen.filter((s) => s.startsWith('1:')).length, 5, 'nothing of the paused partition');
    consumer.resume([{ topic, partitions: [1] }]);
    assert.deepEqual(consumer.paused(), []);
    await eventually('partition 1 resumes', () => (seen.filter((s) => s.startsWith('1:')).length >= 10 ? true : undefined));
    assert.deepEqual(
      seen.filter((s) => s.startsWith('1:')),
      Array.from({ length: 10 }, (_, i) => `1:${i}`),
    );
    await consumer.disconnect();
  });

  it("eachMessage's pause() stops the partition after the current record, which counts as processed", async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    await f.produce(topic, 10);
    const consumer = f.consumer({ groupId });
    await consumer.subscribe({ topic, fromBeginning: true });
    const offsets: number[] = [];
    let resume: (() => void) | undefined;
    await consumer.run({
      eachMessage: async ({ message, pause }) => {
        offsets.push(Number(message.offset));
        if (Number(message.offset) === 3 && !resume) resume = pause();
      },
    });
    await eventually('paused at 3', () => (resume ? true : undefined));
    await sleep(300);
    assert.deepEqual(offsets, [0, 1, 2, 3]);
    resume!();
    await eventually('the rest', () => (offsets.length >= 10 ? true : undefined));
    assert.deepEqual(offsets, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'offset 3 not handed out again');
    await consumer.disconnect();
  });
});
