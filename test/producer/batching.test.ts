/**
 * Batching, seen in the partition logs of the embedded broker: records of one
 * partition accumulate in a batch until it holds `batchSize` bytes or `lingerMs`
 * has passed since its first record, whichever comes first (seed 000's
 * timeline); flush() sends a lingering batch at once; and one Produce request
 * per broker carries every partition that is ready.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type InstrumentationEvent, type Producer } from '../../src/producer/producer.js';
import { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, type RecordBatch } from '../../src/protocol/records/record-batch.js';
import { eventually } from '../support/eventually.js';
import { useProducerFixture } from '../support/producer-fixture.js';
import { batchesOf as readBatches, logEnd as logEndOf } from '../support/partition-log.js';

describe('producer batching', () => {
  const fx = useProducerFixture('batching');
  const { newTopic, connected } = fx;

  const logEnd = (topic: string, partition: number): number => logEndOf(fx.running, topic, partition);
  /** Every batch in a partition's log, decoded: what the producer put on the wire. */
  const batchesOf = (topic: string, partition: number): Promise<RecordBatch[]> => readBatches(fx.running, topic, partition);

  /**
   * Learn a topic's metadata before the test proper (a send to a partition the test does
   * not read, flushed so no linger is waited on): the tests are about batching, not about
   * a first send's metadata wait.
   */
  const warmUp = async (producer: Producer, topic: string, partition = 2): Promise<void> => {
    const sent = producer.send({ topic, messages: [{ partition, value: 'warm-up' }] });
    await producer.flush();
    await sent;
  };

  /** Count Produce requests sent from now on (the `producer.network.request` event). */
  const countProduceRequests = (producer: Producer): { readonly count: number } => {
    const counter = { count: 0 };
    producer.on(producer.events.REQUEST, (e: InstrumentationEvent<{ apiName: string }>) => {
      if (e.payload.apiName === 'Produce') counter.count++;
    });
    return counter;
  };

  it('100 concurrent single-message sends to one partition within lingerMs share one batch', async () => {
    const topic = await newTopic();
    const producer = await connected({ lingerMs: 50 });
    // Learn the topic's metadata first: this test is about linger, not about the first send's metadata wait.
    await warmUp(producer, topic, 1);
    const produce = countProduceRequests(producer);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => producer.send({ topic, messages: [{ partition: 0, value: `m${i}` }] })));
    const batches = await batchesOf(topic, 0);
    assert.equal(batches.length, 1, `records per batch: ${batches.map((b) => b.recordCount).join(', ')}`);
    assert.equal(batches[0]!.recordCount, 100);
    assert.equal(produce.count, 1, 'one Produce request carried them');
    assert.deepEqual(
      batches[0]!.records.map((r) => r.value!.toString()),
      Array.from({ length: 100 }, (_, i) => `m${i}`),
      'in the order of the send calls',
    );
    assert.deepEqual(
      results.map((r) => r[0]!.offsets),
      Array.from({ length: 100 }, (_, i) => [String(i)]),
    );
  });

  it('with lingerMs 0, sends awaited one by one are one batch each', async () => {
    const topic = await newTopic();
    const producer = await connected({ lingerMs: 0 });
    for (let i = 0; i < 100; i++) await producer.send({ topic, messages: [{ partition: 0, value: `m${i}` }] });
    const batches = await batchesOf(topic, 0);
    assert.equal(batches.length, 100);
    assert.ok(batches.every((b) => b.recordCount === 1));
  });

  it('closes a batch at batchSize bytes, and sends it without waiting for linger: batches of 100-byte values stay within 1000 bytes', async () => {
    const topic = await newTopic();
    const producer = await connected({ batchSize: 1000, lingerMs: 60_000 });
    await warmUp(producer, topic);
    const value = Buffer.alloc(100, 'v');
    const sends = Array.from({ length: 100 }, (_, i) => producer.send({ topic, messages: [{ partition: 0, key: `k${String(i).padStart(2, '0')}`, value }] }));
    // Full batches go at once; the last, partial one lingers (60 s) until flush().
    const sentWithoutLinger = await eventually('the full batches in the log', () => (logEnd(topic, 0) >= 80 ? logEnd(topic, 0) : undefined), 30_000);
    assert.ok(sentWithoutLinger < 100, 'the partial batch is still lingering');
    await producer.flush();
    await Promise.all(sends);
    const batches = await batchesOf(topic, 0);
    const sizes = batches.map((b) => LOG_OVERHEAD + b.batchLength);
    assert.equal(
      batches.reduce((n, b) => n + b.recordCount, 0),
      100,
    );
    assert.ok(
      sizes.every((s) => s <= 1000),
      `batch sizes ${sizes.join(', ')}`,
    );
    const recordSize = Math.ceil((sizes[0]! - RECORD_BATCH_OVERHEAD) / batches[0]!.recordCount);
    assert.ok(
      sizes.slice(0, -1).every((s) => s > 1000 - recordSize),
      `every batch but the last is full: sizes ${sizes.join(', ')}, record ~${recordSize} bytes`,
    );
    assert.equal(batches.at(-1)!.baseOffset, sentWithoutLinger, 'the lingering batch is the one flush() sent');
    assert.deepEqual(
      batches.flatMap((b) => b.records.map((r) => r.key!.toString())),
      Array.from({ length: 100 }, (_, i) => `k${String(i).padStart(2, '0')}`),
    );
  });

  it('writes full batches while the caller is still sending: a request is in flight before the event loop turns', async () => {
    const topic = await newTopic(2);
    const producer = await connected({ batchSize: 1000, lingerMs: 60_000 });
    await warmUp(producer, topic, 0);
    await warmUp(producer, topic, 1);
    const value = Buffer.alloc(100, 'v');
    // One synchronous run of sends, as a caller firing a wave: 30 records per partition,
    // about three full batches each. Nothing else runs until it returns.
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) sends.push(producer.send({ topic, messages: [{ partition: i % 2, value }] }));
    const inFlight = producer.metrics().requestsInFlight;
    assert.ok(inFlight >= 1, `Produce requests in flight right after the sends: ${inFlight} (the full batches wait for the event loop)`);
    // The full batches arrive without flush(); the partial ones linger.
    await eventually('the full batches in both partitions', () => (logEnd(topic, 0) >= 20 && logEnd(topic, 1) >= 20 ? true : undefined), 30_000);
    await producer.flush();
    await Promise.all(sends);
    for (const partition of [0, 1]) {
      const batches = await batchesOf(topic, partition);
      assert.equal(batches.reduce((n, b) => n + b.recordCount, 0), 31, `partition ${partition}: the warm-up record and 30 more`);
      assert.ok(batches.slice(1).every((b) => LOG_OVERHEAD + b.batchLength <= 1000), `partition ${partition}: no batch over batchSize`);
    }
    assert.equal(producer.metrics().requestsInFlight, 0, 'nothing in flight once flushed');
  });

  it('a record bigger than batchSize gets a batch of its own', async () => {
    const topic = await newTopic();
    const producer = await connected({ batchSize: 1000, lingerMs: 20 });
    await warmUp(producer, topic, 1);
    await Promise.all([
      producer.send({ topic, messages: [{ partition: 0, value: 'small' }] }),
      producer.send({ topic, messages: [{ partition: 0, value: Buffer.alloc(3000, 'x') }] }),
      producer.send({ topic, messages: [{ partition: 0, value: 'after' }] }),
    ]);
    const batches = await batchesOf(topic, 0);
    assert.deepEqual(
      batches.map((b) => b.records.map((r) => r.value!.length)),
      [[5], [3000], [5]],
    );
  });

  it('a lone record waits lingerMs: not in the log after 50 ms of a 200 ms linger, there soon after', async () => {
    const topic = await newTopic();
    const producer = await connected({ lingerMs: 200 });
    await warmUp(producer, topic, 1);
    const started = Date.now();
    let resolvedAt = 0;
    const sent = producer.send({ topic, messages: [{ partition: 0, value: 'lonely' }] }).then((r) => {
      resolvedAt = Date.now();
      return r;
    });
    await sleep(50);
    // Only a lower bound on elapsed time is trusted: if the event loop stalled past the linger, skip the check.
    if (Date.now() - started < 190) assert.equal(logEnd(topic, 0), 0, 'still lingering after 50 ms');
    // "There soon after": the deadline is generous for a loaded machine; the record never being sent fails it.
    await eventually('the record in the log', () => (logEnd(topic, 0) === 1 ? true : undefined), 30_000, 10);
    await sent;
    assert.ok(resolvedAt - started >= 195, `the send resolved ${resolvedAt - started} ms after it was made, before lingerMs (200)`);
  });

  it('flush() sends a lingering batch at once', async () => {
    const topic = await newTopic();
    const producer = await connected({ lingerMs: 60_000 });
    await warmUp(producer, topic, 1);
    const started = Date.now();
    const sent = producer.send({ topic, messages: [{ partition: 0, value: 'a' }] });
    const sentToo = producer.send({ topic, messages: [{ partition: 2, value: 'b' }] });
    await producer.flush();
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 30_000, `flush took ${elapsed} ms, as if it waited for the 60 s linger`);
    assert.equal(logEnd(topic, 0), 1);
    assert.equal(logEnd(topic, 2), 1);
    assert.equal((await sent)[0]!.baseOffset, '0');
    assert.equal((await sentToo)[0]!.baseOffset, '0');
  });

  it('flush() also covers sends still waiting for the topic\'s metadata', async () => {
    const topic = await newTopic();
    const producer = await connected({ lingerMs: 60_000 });
    // The producer has never seen this topic: these sends wait for metadata before they are appended.
    const sent = Array.from({ length: 10 }, (_, i) => producer.send({ topic, messages: [{ partition: i % 3, value: `v${i}` }] }));
    const started = Date.now();
    await producer.flush();
    assert.deepEqual(
      [0, 1, 2].map((p) => logEnd(topic, p)),
      [4, 3, 3],
      'every record sent before flush() is in the log when it resolves',
    );
    assert.ok(Date.now() - started < 30_000, 'without waiting for the 60 s linger');
    await Promise.all(sent);
  });

  it('flush() with nothing pending resolves at once', async () => {
    const producer = await connected({ lingerMs: 60_000 });
    const started = Date.now();
    await producer.flush();
    assert.ok(Date.now() - started < 30_000, 'without waiting for the 60 s linger');
  });

  it('one Produce request carries every ready partition of the broker, across topics', async () => {
    const [a, b] = [await newTopic(), await newTopic()];
    const lingerMs = 2000;
    const producer = await connected({ lingerMs });
    await warmUp(producer, a, 0);
    await warmUp(producer, b, 0);
    const produce = countProduceRequests(producer);
    const sends = [];
    // Six partitions of two topics on one broker, their first records a few ms apart:
    // when the first batch's linger is over, the five others ride along.
    const firstSentAt = Date.now();
    let lastSentAt = firstSentAt;
    for (const topic of [a, b]) {
      for (const partition of [0, 1, 2]) {
        sends.push(producer.send({ topic, messages: [{ partition, value: `${topic}-${partition}` }] }));
        lastSentAt = Date.now();
        await sleep(3);
      }
    }
    const results = await Promise.all(sends);
    // Only if the event loop stalled past the first batch's linger while the six sends were made
    // (a badly loaded machine) may the first batch have gone alone: skip the count then.
    if (lastSentAt - firstSentAt < lingerMs - 100) assert.equal(produce.count, 1, 'six partitions of two topics, one broker: one request');
    assert.equal(results.length, 6);
    for (const topic of [a, b]) {
      for (const partition of [0, 1, 2]) {
        const batches = (await batchesOf(topic, partition)).filter((x) => x.records[0]!.value!.toString() !== 'warm-up');
        assert.equal(batches.length, 1, `${topic}-${partition}: one new batch`);
        assert.equal(batches[0]!.records[0]!.value!.toString(), `${topic}-${partition}`);
      }
    }
  });

  it('a partition that filled its batch takes every other partition of the broker along, lingering or not', async () => {
    const topic = await newTopic();
    const producer = await connected({ lingerMs: 60_000, batchSize: 500 });
    await warmUp(producer, topic, 2);
    const produce = countProduceRequests(producer);
    const lingering = producer.send({ topic, messages: [{ partition: 1, value: 'lingering' }] });
    await sleep(5);
    const full = producer.send({ topic, messages: [{ partition: 0, value: Buffer.alloc(600) }] });
    await eventually('the full batch in the log', () => (logEnd(topic, 0) > 0 ? true : undefined), 30_000);
    await Promise.all([lingering, full]);
    assert.equal(logEnd(topic, 1), 1, 'the lingering record went with the full batch, long before its 60 s linger');
    assert.equal(produce.count, 1);
  });

  it('one sendBatch over many partitions is one Produce request with one batch per partition', async () => {
    const topic = await newTopic();
    const producer = await connected({ lingerMs: 5 });
    await producer.send({ topic, messages: [{ partition: 0, value: 'warm-up' }] });
    const produce = countProduceRequests(producer);
    const messages = Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, value: `v${i}` }));
    await producer.send({ topic, messages });
    assert.equal(produce.count, 1);
    for (const partition of [0, 1, 2]) {
      const batches = (await batchesOf(topic, partition)).filter((x) => x.records[0]!.value!.toString() !== 'warm-up');
      assert.equal(batches.length, 1);
      assert.deepEqual(
        batches[0]!.records.map((r) => r.value!.toString()),
        messages.filter((m) => m.partition === partition).map((m) => m.value),
      );
    }
  });
});
