/**
 * bufferMemory: the bytes of records waiting to be sent are bounded, and so are
 * the sends waiting for room. Behind a broker slowed by the fault proxy, sends
 * made without awaiting wait for room while the records in batches and in waiting
 * sends fit in bufferMemory + maxRequestSize (the buffer itself never holds more
 * than bufferMemory and one batch); past that a send fails at once with
 * KafkaJSBufferExhaustedError; every send that waited succeeds once the broker
 * speeds up. With the broker stalled, a send that waits longer than maxBlockMs
 * fails with KafkaJSBufferExhaustedError; and the process's memory stays bounded
 * while far more than bufferMemory is produced.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { KafkaJSBufferExhaustedError, KafkaJSTimeout } from '../../src/errors/errors.js';
import { Kafka } from '../../src/kafka.js';
import { type Producer, type RecordMetadata } from '../../src/producer/producer.js';
import { type ProducerConfig } from '../../src/producer/producer-config.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.js';
import { eventually } from '../support/eventually.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('back-pressure: bufferMemory and maxBlockMs', () => {
  let running: RunningBroker | undefined;
  let proxy: FaultProxy;
  let kafka: Kafka;
  const producers: Producer[] = [];
  let topicCount = 0;

  before(async () => {
    // The broker advertises the proxy, so every connection of the producer goes through it.
    proxy = await startFaultProxy(() => `127.0.0.1:${running!.port}`);
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'advertised.listeners': `PLAINTEXT://${proxy.address}` } });
    kafka = new Kafka({ clientId: 'back-pressure-test', brokers: [proxy.address], logLevel: logLevel.NOTHING });
  });
  after(async () => {
    proxy.reset();
    await Promise.all(producers.map((p) => p.disconnect({ timeout: 5000 })));
    await proxy.close();
    await running?.close();
  });

  const newTopic = async (partitions = 3): Promise<string> => {
    const name = `back-pressure-${++topicCount}`;
    await running!.broker.topics.create(name, partitions, new Map());
    return name;
  };

  /** A connected producer that already knows `topic` (its first send waits for nothing). */
  const connected = async (config: ProducerConfig, topic: string): Promise<Producer> => {
    const producer = kafka.producer(config);
    producers.push(producer);
    await producer.connect();
    const sent = producer.send({ topic, messages: [{ partition: 0, value: 'warm-up' }] });
    await producer.flush();
    await sent;
    return producer;
  };

  const totalRecords = (topic: string): number => running!.broker.topics.get(topic)!.partitions.reduce((n, p) => n + p.log.logEndOffset, 0);

  it('with the broker slowed, un-awaited sends wait while they fit in bufferMemory + maxRequestSize, the rest fail at once; bufferUsedBytes stays within bufferMemory plus one batch; every send that waited succeeds', async () => {
    const topic = await newTopic();
    const bufferMemory = 256 * KiB;
    const batchSize = 16 * KiB;
    const producer = await connected({ bufferMemory, batchSize, maxRequestSize: 128 * KiB, lingerMs: 5, maxBlockMs: 60_000 }, topic);
    proxy.delayResponses(200, { apiKey: ApiKey.Produce });

    const value = Buffer.alloc(KiB, 'v');
    let maxUsed = 0;
    const sample = (): void => {
      maxUsed = Math.max(maxUsed, producer.metrics().bufferUsedBytes);
    };
    const sampler = setInterval(sample, 1);
    const settled: (RecordMetadata[] | Error)[] = [];
    const sends: Promise<unknown>[] = [];
    // 2,000 sends of 1 KiB, about 8 times bufferMemory, none awaited.
    for (let i = 0; i < 2000; i++) {
      sends.push(producer.send({ topic, messages: [{ key: `k${i}`, value }] }).then((r) => settled.push(r), (e: Error) => settled.push(e)));
      sample();
    }
    try {
      await sleep(1000);
      assert.ok(maxUsed > bufferMemory / 2, `the buffer filled up (${maxUsed} bytes at most)`);
      proxy.delayResponses(0);
      await Promise.all(sends);
    } finally {
      clearInterval(sampler);
      proxy.reset();
    }
    assert.ok(maxUsed <= bufferMemory + batchSize + 1 * KiB, `bufferUsedBytes reached ${maxUsed}, over bufferMemory (${bufferMemory}) + one batch (${batchSize})`);
    const failed = settled.filter((r) => r instanceof Error);
    const succeeded = settled.length - failed.length;
    // Each send holds about 1 KiB: about (bufferMemory + maxRequestSize) / 1 KiB of them get in.
    assert.ok(succeeded >= bufferMemory / (2 * KiB) && succeeded <= (bufferMemory + 128 * KiB) / KiB, `${succeeded} sends got in`);
    for (const e of failed) {
      assert.ok(e instanceof KafkaJSBufferExhaustedError && e.waitingBytes !== undefined, `a send failed otherwise than at once for want of room: ${String(e)}`);
    }
    assert.equal(totalRecords(topic), 1 + succeeded, 'every send that got in is stored once; none that failed');
    assert.equal(producer.metrics().bufferUsedBytes, 0);
  });

  it('with the broker stalled, a send that waits maxBlockMs for room fails with KafkaJSBufferExhaustedError naming bufferMemory and maxBlockMs', async () => {
    const topic = await newTopic();
    const bufferMemory = 256 * KiB;
    const producer = await connected({ bufferMemory, maxRequestSize: 128 * KiB, lingerMs: 5, maxBlockMs: 200 }, topic);
    proxy.delayResponses(1000, { apiKey: ApiKey.Produce });
    const value = Buffer.alloc(KiB, 's');
    const outcomes: (RecordMetadata[] | Error)[] = new Array(400);
    const started = Date.now();
    const sends = Array.from({ length: 400 }, (_, i) =>
      producer.send({ topic, messages: [{ key: `k${i}`, value }] }).then(
        (r) => (outcomes[i] = r),
        (e: Error) => (outcomes[i] = e),
      ),
    );
    try {
      // The sends past bufferMemory + maxRequestSize fail at once; the ones that got in and wait for room fail after maxBlockMs.
      const first = (await eventually(
        'a send failing after waiting for buffer room',
        () => outcomes.find((o) => o instanceof KafkaJSBufferExhaustedError && o.waitingBytes === undefined),
        30_000,
        10,
      )) as Error;
      const waited = Date.now() - started;
      assert.ok(first instanceof KafkaJSBufferExhaustedError, `${first.name}: ${first.message}`);
      assert.ok(first instanceof KafkaJSTimeout);
      assert.equal(first.retriable, false);
      assert.equal(first.bufferMemory, bufferMemory);
      assert.equal(first.maxBlockMs, 200);
      assert.ok(first.size > KiB);
      assert.match(first.message, /bufferMemory \(262144 bytes\)/);
      assert.match(first.message, /maxBlockMs \(200 ms\)/);
      assert.ok(waited >= 195, `failed ${waited} ms after the sends, before maxBlockMs`);
    } finally {
      proxy.reset();
    }
    await Promise.all(sends);
    const failed = outcomes.filter((o) => o instanceof Error);
    const succeeded = outcomes.filter((o) => !(o instanceof Error));
    assert.ok(failed.every((e) => e instanceof KafkaJSBufferExhaustedError));
    assert.ok(succeeded.length >= 200, `${succeeded.length} sends made it into the buffer`);
    assert.ok(failed.length >= 100, `${failed.length} sends failed`);
    await producer.flush();
    assert.equal(totalRecords(topic), 1 + succeeded.length, 'the records of a failed send are not written');
  });

  it('a send of many records that times out waiting for room writes none of them', async () => {
    const topic = await newTopic();
    const producer = await connected({ bufferMemory: 256 * KiB, maxRequestSize: 128 * KiB, lingerMs: 5, maxBlockMs: 200 }, topic);
    proxy.delayResponses(1000, { apiKey: ApiKey.Produce });
    const value = Buffer.alloc(KiB, 'm');
    let outcome: unknown;
    try {
      const filler = producer.send({ topic, messages: Array.from({ length: 150 }, () => ({ partition: 1, value })) });
      // 150 more records: about half fit after the filler; the rest never get room while the broker is stalled.
      outcome = await producer.send({ topic, messages: Array.from({ length: 150 }, () => ({ partition: 2, value })) }).catch((e: unknown) => e);
      await filler;
    } finally {
      proxy.reset();
    }
    assert.ok(outcome instanceof KafkaJSBufferExhaustedError, String(outcome));
    await producer.flush();
    assert.equal(running!.broker.topics.get(topic)!.partitions[2]!.log.logEndOffset, 0, 'records of the failed send were written');
  });

  it(
    'disconnect({ timeout }) with the broker stalled settles every pending send and leaves no connection behind',
    async () => {
      const topic = await newTopic();
      // The producers of earlier tests stay connected until after(): count only this one's connections.
      const openBefore = proxy.stats.open;
      const producer = await connected({ bufferMemory: 64 * KiB, maxRequestSize: 32 * KiB, lingerMs: 5, maxBlockMs: 5000 }, topic);
      assert.ok(proxy.stats.open > openBefore, 'the producer connects through the proxy');
      proxy.swallowResponses({ apiKey: ApiKey.Produce });
      const outcomes: (RecordMetadata[] | Error)[] = [];
      const value = Buffer.alloc(KiB, 'd');
      try {
        for (let i = 0; i < 100; i++) {
          void producer.send({ topic, messages: [{ value }] }).then(
            (r) => outcomes.push(r),
            (e: Error) => outcomes.push(e),
          );
        }
        await sleep(200);
        await producer.disconnect({ timeout: 200 });
      } finally {
        proxy.reset();
      }
      const records = totalRecords(topic);
      // The proxy sees the producer's sockets close a moment later, later still on a loaded machine.
      await eventually('no connection of the producer open after disconnect()', () => (proxy.stats.open === openBefore ? true : undefined), 30_000);
      await sleep(500);
      assert.equal(proxy.stats.open, openBefore, 'no connection of the producer is open after disconnect()');
      assert.equal(totalRecords(topic), records, 'nothing is written after disconnect()');
      await eventually('every send settled', () => (outcomes.length === 100 ? true : undefined), 30_000);
      assert.ok(outcomes.some((o) => o instanceof Error), 'the sends not acknowledged failed');
      assert.equal(producer.metrics().bufferUsedBytes, 0);
    },
  );

  for (const { maxInFlightRequests, idempotent } of [
    { maxInFlightRequests: 5, idempotent: true },
    { maxInFlightRequests: 2, idempotent: false },
  ]) {
    it(`with a slow broker, a partition's full batches are pipelined: ${maxInFlightRequests} Produce requests (maxInFlightRequests) are outstanding before the first answer, no more`, async () => {
      const topic = await newTopic();
      const producer = await connected({ maxInFlightRequests, idempotent, batchSize: 1000, lingerMs: 0 }, topic);
      // A first batch acknowledged on the partition: until then an idempotent producer sends one at a time there.
      await producer.send({ topic, messages: [{ partition: 1, key: 'first', value: 'first' }] });
      // Answers 3 s late: every request the producer may pipeline is out long before the first answer.
      proxy.delayResponses(3000, { apiKey: ApiKey.Produce });
      const requestsBefore = proxy.stats.requests;
      // The requests at the proxy when the first Produce answer reaches the producer (the event is
      // emitted as the answer is read, before the producer can send anything on account of it).
      let requestsAtFirstAnswer: number | undefined;
      producer.on(producer.events.REQUEST, (e: { payload: { apiName: string } }) => {
        if (e.payload.apiName === 'Produce' && requestsAtFirstAnswer === undefined) requestsAtFirstAnswer = proxy.stats.requests - requestsBefore;
      });
      const value = Buffer.alloc(900, 'p');
      let sends: Promise<RecordMetadata[]>[] = [];
      try {
        // 12 records of 900 bytes: each fills a batch of its own.
        sends = Array.from({ length: 12 }, (_, i) => producer.send({ topic, messages: [{ partition: 1, key: String(i), value }] }));
        const outstanding = await eventually('the first Produce answer', () => requestsAtFirstAnswer, 30_000, 10);
        assert.equal(outstanding, maxInFlightRequests, `requests at the broker before the first answer came back`);
      } finally {
        proxy.reset();
      }
      await Promise.all(sends);
      const log = running!.broker.topics.get(topic)!.partitions[1]!.log;
      const batches = await decodeRecordBatches(log.read(0, MiB, log.logEndOffset).records);
      assert.deepEqual(
        batches.flatMap((b) => b.records.map((r) => r.key!.toString())),
        ['first', ...Array.from({ length: 12 }, (_, i) => String(i))],
        'in order',
      );
      assert.equal(batches.length, 13);
    });
  }

  it('process memory stays bounded while 128 times bufferMemory is sent without awaiting: what does not fit fails at once, what got in is stored', async () => {
    const topic = await newTopic();
    const bufferMemory = 4 * MiB;
    // zstd over repetitive values: the broker stores little, so the memory measured is the producer's.
    const producer = await connected({ bufferMemory, batchSize: 256 * KiB, maxRequestSize: MiB, lingerMs: 5, compression: 'zstd' }, topic);
    const value = Buffer.alloc(16 * KiB, 'x');
    const messages = Array.from({ length: 16 }, () => ({ value }));
    const sendCount = 2048; // 2,048 sends of 256 KiB: 512 MiB
    const rssBefore = process.memoryUsage().rss;
    let rssMax = rssBefore;
    let usedMax = 0;
    const sample = (): void => {
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
      usedMax = Math.max(usedMax, producer.metrics().bufferUsedBytes);
    };
    const sampler = setInterval(sample, 5);
    const sends: Promise<RecordMetadata[] | Error>[] = [];
    try {
      for (let i = 0; i < sendCount; i++) {
        sends.push(producer.send({ topic, messages }).catch((e: Error) => e));
        if (i % 64 === 0) sample();
      }
    } finally {
      clearInterval(sampler);
    }
    const outcomes = await Promise.all(sends);
    sample();
    const growth = rssMax - rssBefore;
    // Without the bound, the loop above buffers all 512 MiB before anything is sent (RSS grows by more than that).
    assert.ok(growth < 256 * MiB, `RSS grew by ${(growth / MiB).toFixed(0)} MiB while producing 512 MiB through a ${bufferMemory / MiB} MiB buffer`);
    assert.ok(usedMax <= bufferMemory + 256 * KiB + KiB, `bufferUsedBytes reached ${usedMax}`);
    const failed = outcomes.filter((o) => o instanceof Error);
    for (const e of failed) assert.ok(e instanceof KafkaJSBufferExhaustedError && e.waitingBytes !== undefined, String(e));
    const succeeded = sendCount - failed.length;
    assert.ok(succeeded >= bufferMemory / (256 * KiB), `${succeeded} sends got in`);
    assert.equal(totalRecords(topic), 1 + succeeded * 16);
    // The log really holds the values (compressed): spot-check the last batch.
    const log = running!.broker.topics.get(topic)!.partitions[0]!.log;
    const batches = await decodeRecordBatches(log.read(Math.max(0, log.logEndOffset - 1), MiB, log.logEndOffset).records);
    assert.ok(batches.at(-1)!.records.at(-1)!.value!.equals(value));
  });
});
