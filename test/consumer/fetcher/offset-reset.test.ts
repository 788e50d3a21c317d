/**
 * Resets through ListOffsets against a real broker: a partition without a
 * position starts at the log start or end by its strategy, OFFSET_OUT_OF_RANGE
 * resets by the topic's strategy (or raises KafkaJSOffsetOutOfRange for
 * 'none'), and a reset of kind 'timestamp' finds the first record at or after
 * the time, or the end when there is none.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaJSOffsetOutOfRange } from '../../../src/errors/protocol-errors.js';
import { eventually } from '../../support/eventually.js';
import { within } from '../../support/within.js';
import { text, useBroker } from './fetcher-fixture.js';

describe('Fetcher: offset resets', () => {
  const broker = useBroker('fetcher-reset');

  async function topicWith(count: number, timestamp = (i: number) => 1_000_000 + i * 1_000): Promise<string> {
    const topic = await broker.newTopic(1);
    const producer = await broker.producer();
    await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ value: `v${i}`, timestamp: String(timestamp(i)) })) });
    return topic;
  }

  it('positions a partition without an offset at the log start (earliest) or the log end (latest)', async () => {
    const topic = await topicWith(5);
    const earliest = await broker.harness(topic, { partitions: [0], reset: 'earliest' });
    assert.deepEqual(
      (await earliest.drain(5)).map((m) => m.offset),
      ['0', '1', '2', '3', '4'],
    );
    const latest = await broker.harness(topic, { partitions: [0], reset: 'latest' });
    await eventually('the latest reset', () => (latest.subscriptions.cursor(topic, 0)!.position === 5 ? true : undefined));
    const producer = await broker.producer();
    await producer.send({ topic, messages: [{ value: 'new' }] });
    const read = await latest.drain(1);
    assert.deepEqual(
      read.map((m) => [m.offset, text(m.value)]),
      [['5', 'new']],
    );
  });

  it('OFFSET_OUT_OF_RANGE past the end resets to the earliest offset when the strategy is earliest', async () => {
    const topic = await topicWith(10);
    const h = await broker.harness(topic, { partitions: [0], positions: [50], reset: 'earliest' });
    const read = await h.drain(10);
    assert.deepEqual(
      read.map((m) => m.offset),
      Array.from({ length: 10 }, (_, i) => String(i)),
    );
  });

  it('OFFSET_OUT_OF_RANGE before the log start resets to the log start (earliest)', async () => {
    const topic = await topicWith(10);
    await broker.running.broker.topics.get(topic)!.partitions[0]!.log.deleteRecordsBefore(6);
    const h = await broker.harness(topic, { partitions: [0], positions: [2], reset: 'earliest' });
    const read = await h.drain(4);
    assert.deepEqual(
      read.map((m) => m.offset),
      ['6', '7', '8', '9'],
    );
    assert.equal(h.subscriptions.cursor(topic, 0)!.logStartOffset, 6);
  });

  it('OFFSET_OUT_OF_RANGE resets to the log end when the strategy is latest: only records written after are read', async () => {
    const topic = await topicWith(10);
    const h = await broker.harness(topic, { partitions: [0], positions: [50], reset: 'latest' });
    await eventually('the reset to the end', () => (h.subscriptions.cursor(topic, 0)!.position === 10 ? true : undefined));
    const producer = await broker.producer();
    await producer.send({ topic, messages: [{ value: 'after-reset' }] });
    const read = await h.drain(1);
    assert.deepEqual(
      read.map((m) => [m.offset, text(m.value)]),
      [['10', 'after-reset']],
    );
  });

  it("OFFSET_OUT_OF_RANGE with strategy 'none' rejects next() with KafkaJSOffsetOutOfRange naming the partition, and fetching resumes after a seek", async () => {
    const topic = await topicWith(3);
    const h = await broker.harness(topic, { partitions: [0], positions: [50], reset: 'none' });
    await assert.rejects(
      within('next() to raise', h.fetcher.next(AbortSignal.timeout(15_000)), 20_000),
      (e: unknown) => e instanceof KafkaJSOffsetOutOfRange && e.topic === topic && e.partition === 0 && e.type === 'OFFSET_OUT_OF_RANGE' && /offset 50/.test(e.message),
    );
    // Nothing is reset behind the application's back, and the error is not raised again in a loop.
    assert.equal(h.subscriptions.cursor(topic, 0)!.position, 50);
    assert.deepEqual(await h.fetcher.next(AbortSignal.timeout(500)), []);
    h.subscriptions.seek(topic, 0, 1);
    assert.deepEqual(
      (await h.drain(2)).map((m) => m.offset),
      ['1', '2'],
    );
  });

  it('a timestamp reset positions at the first record at or after the timestamp', async () => {
    const topic = await topicWith(10);
    const h = await broker.harness(topic, { partitions: [0], positions: [0] });
    await eventually('the first fetch', () => (h.fetcher.bufferedBytes > 0 ? true : undefined));
    h.subscriptions.requestReset(topic, 0, { kind: 'timestamp', timestamp: 1_000_000 + 6_500 });
    const read = await h.drain(3);
    assert.deepEqual(
      read.map((m) => m.offset),
      ['7', '8', '9'],
    );
  });

  it('a timestamp after every record positions at the end, so records written later are read', async () => {
    const topic = await topicWith(4);
    const h = await broker.harness(topic, { partitions: [0], positions: [0] });
    h.subscriptions.requestReset(topic, 0, { kind: 'timestamp', timestamp: Date.now() + 3_600_000 });
    await eventually('the reset to the end', () => (h.subscriptions.cursor(topic, 0)!.position === 4 ? true : undefined));
    const producer = await broker.producer();
    await producer.send({ topic, messages: [{ value: 'later' }] });
    assert.deepEqual(
      (await h.drain(1)).map((m) => [m.offset, text(m.value)]),
      [['4', 'later']],
    );
  });

  it('read_committed resets to the last stable offset', async () => {
    const topic = await topicWith(3);
    const h = await broker.harness(topic, { partitions: [0], reset: 'latest', isolationLevel: 1 });
    await eventually('the reset to the last stable offset', () => (h.subscriptions.cursor(topic, 0)!.position === 3 ? true : undefined));
  });
});
