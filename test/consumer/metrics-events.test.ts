/**
 * consumer.metrics() (per-partition lag in records and time, timings) and the
 * instrumentation events with KafkaJS's names and payload shapes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Consumer } from '../../src/consumer/consumer.js';
import { type InstrumentationEvent } from '../../src/consumer/consumer-events.js';
import { type ConsumerMessage } from '../../src/consumer/consumer-message.js';
import { KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { eventually } from '../support/eventually.js';
import { useConsumerFixture } from './consumer-fixture.js';

describe('metrics and events', () => {
  const f = useConsumerFixture('metrics');

  /** A consumer of `topic` from the beginning, in a new group, whose handler holds at any record `holds` picks until `release()`. */
  const runHeldAt = async (topic: string, holds: (message: ConsumerMessage) => boolean): Promise<{ consumer: Consumer; release: () => void; processed: () => number }> => {
    const consumer = f.consumer({ groupId: f.newGroup() });
    await consumer.subscribe({ topic, fromBeginning: true });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let processed = 0;
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (holds(message)) await gate;
        processed++;
      },
    });
    return { consumer, release: () => release(), processed: () => processed };
  };

  it('reports position, committed offset, high watermark and lag per partition', async () => {
    const topic = await f.newTopic(1);
    await f.produce(topic, 20);
    const { consumer, release, processed } = await runHeldAt(topic, (message) => Number(message.offset) === 5);
    await eventually('5 processed and blocked', () => (processed() === 5 ? true : undefined));
    await eventually('the high watermark is known', () => (consumer.metrics().partitions[0]?.highWatermark === 20 ? true : undefined));
    const during = consumer.metrics().partitions[0]!;
    assert.equal(during.topic, topic);
    assert.equal(during.position, 5);
    assert.equal(during.lag, 15, 'highWatermark - position');
    // Time lag counts from the last record of a finished batch: none finished yet.
    assert.equal(during.timeLagMs, null);
    release();
    await eventually('caught up', () => (consumer.metrics().partitions[0]?.lag === 0 ? true : undefined));
    await eventually('committed', () => (consumer.metrics().partitions[0]?.committed === 20 ? true : undefined));
    const after = consumer.metrics();
    assert.equal(after.totalLag, 0);
    assert.equal(after.partitions[0]!.timeLagMs, 0, 'caught up: no time lag');
    assert.equal(after.recordsProcessed, 20);
    assert.ok(after.batchesProcessed >= 1);
    assert.ok(after.fetches >= 1);
    assert.ok(after.processLatencyP99 >= 0 && after.fetchLatencyP99 >= 0);
    await consumer.disconnect();
  });

  it('time lag is now minus the timestamp of the last processed record while records wait', async () => {
    const topic = await f.newTopic(1);
    const producer = f.kafka.producer();
    await producer.connect();
    const old = Date.now() - 60_000;
    await producer.send({ topic, messages: [{ value: 'a', timestamp: String(old) }, { value: 'b', timestamp: String(old + 1) }] });
    const { consumer, release, processed } = await runHeldAt(topic, (message) => message.value?.toString() === 'c');
    await eventually('2 processed', () => (processed() === 2 ? true : undefined));
    await producer.send({ topic, messages: [{ value: 'c' }] });
    await eventually('the third record is waiting', () => (consumer.metrics().partitions[0]?.lag === 1 ? true : undefined));
    const m = consumer.metrics().partitions[0]!;
    assert.ok(m.timeLagMs !== null && m.timeLagMs >= 60_000, `time lag ${m.timeLagMs}`);
    release();
    await producer.disconnect();
    await consumer.disconnect();
  });

  it('emits KafkaJS events with their payloads, in order: connect, group_join, fetch, batch, commit, stop, disconnect', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    await f.produce(topic, 3);
    const consumer = f.consumer({ groupId });
    const events: InstrumentationEvent<Record<string, unknown>>[] = [];
    for (const name of Object.values(consumer.events)) {
      if (name.startsWith('consumer.network')) continue;
      consumer.on(name, (e) => void events.push(e as InstrumentationEvent<Record<string, unknown>>));
    }
    const requests: InstrumentationEvent<Record<string, unknown>>[] = [];
    const remove = consumer.on(consumer.events.REQUEST, (e) => void requests.push(e as unknown as InstrumentationEvent<Record<string, unknown>>));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let processed = 0;
    await consumer.run({ eachMessage: async () => void processed++ });
    await eventually('3 records', () => (processed >= 3 ? true : undefined));
    await eventually('a commit event', () => (events.some((e) => e.type === consumer.events.COMMIT_OFFSETS) ? true : undefined));
    await consumer.disconnect();
    remove();

    const byType = (type: string) => events.filter((e) => e.type === type);
    assert.equal(byType('consumer.connect').length >= 1, true);
    const join = byType('consumer.group_join')[0]!;
    assert.equal(join.payload.groupId, groupId);
    assert.equal(typeof join.payload.memberId, 'string');
    assert.equal(join.payload.isLeader, true);
    assert.equal(typeof join.payload.duration, 'number');
    assert.deepEqual(join.payload.memberAssignment, { [topic]: [0] });
    const fetch = byType('consumer.fetch')[0]!;
    assert.deepEqual(Object.keys(fetch.payload).sort(), ['duration', 'nodeId', 'numberOfBatches']);
    assert.ok(byType('consumer.fetch_start').length >= 1);
    const start = byType('consumer.start_batch_process')[0]!;
    assert.deepEqual(Object.keys(start.payload).sort(), ['batchSize', 'firstOffset', 'highWatermark', 'lastOffset', 'offsetLag', 'offsetLagLow', 'partition', 'topic']);
    assert.equal(start.payload.highWatermark, '3');
    const end = byType('consumer.end_batch_process')[0]!;
    assert.equal(typeof end.payload.duration, 'number');
    const commit = byType('consumer.commit_offsets').at(-1)!;
    assert.deepEqual(commit.payload.topics, [{ topic, partitions: [{ partition: 0, offset: '3' }] }]);
    assert.equal(commit.payload.groupId, groupId);
    assert.equal(typeof commit.payload.groupGenerationId, 'number');
    assert.equal(byType('consumer.stop').length, 1);
    assert.equal(byType('consumer.disconnect').length, 1);
    for (const e of events) {
      assert.equal(typeof e.id, 'number');
      assert.equal(typeof e.timestamp, 'number');
    }
    assert.ok(requests.length > 0, 'network requests are reported');
    assert.equal(typeof requests[0]!.payload.apiName, 'string');
    const order = ['consumer.connect', 'consumer.group_join', 'consumer.start_batch_process', 'consumer.stop', 'consumer.disconnect'].map((t) => events.findIndex((e) => e.type === t));
    assert.deepEqual([...order].sort((a, b) => a - b), order, 'in lifecycle order');
  });

  it('rejects an unknown event name, as KafkaJS', () => {
    const consumer = f.consumer({ groupId: f.newGroup() });
    assert.throws(() => consumer.on('consumer.nope' as never, () => undefined), (e: Error) => e instanceof KafkaJSNonRetriableError && /Event name should be one of/.test(e.message));
  });

  it('reports heartbeats (the member sends them on its own timer while the handler is slow)', async () => {
    const topic = await f.newTopic(1);
    await f.produce(topic, 1);
    const consumer = f.consumer({ groupId: f.newGroup(), heartbeatInterval: 200 });
    const beats: InstrumentationEvent<Record<string, unknown>>[] = [];
    consumer.on(consumer.events.HEARTBEAT, (e) => void beats.push(e as unknown as InstrumentationEvent<Record<string, unknown>>));
    await consumer.subscribe({ topic, fromBeginning: true });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    await consumer.run({
      eachMessage: async () => {
        started = true;
        await gate;
      },
    });
    await eventually('handler started', () => (started ? true : undefined));
    const before = beats.length;
    await eventually('heartbeats while the handler waits', () => (beats.length >= before + 2 ? true : undefined), 20_000);
    assert.deepEqual(Object.keys(beats[0]!.payload).sort(), ['groupGenerationId', 'groupId', 'memberId']);
    release();
    await sleep(50);
    await consumer.disconnect();
  });
});
