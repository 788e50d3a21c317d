/**
 * A batch the broker refuses as too large (MESSAGE_TOO_LARGE: the topic's
 * max.message.bytes is below the producer's batchSize) is split in halves and
 * resent, down to single records, against the embedded broker: every record that
 * fits on its own is delivered once, in order, with its key, headers and
 * timestamp, and each send call learns its own offsets; only a record too large
 * on its own fails. With idempotence, the halves keep the batch's sequences, so
 * batches in flight behind it are retried, not duplicated.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { KafkaJSProtocolError } from '../../src/errors/protocol-errors.js';
import { Kafka } from '../../src/kafka.js';
import { type RecordMetadata } from '../../src/producer/accumulator/producer-batch.js';
import { CompressionTypes } from '../../src/producer/compression-types.js';
import { type Message } from '../../src/producer/message.js';
import { type ProducerConfig } from '../../src/producer/producer-config.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { type RecordBatch, decodeRecordBatches } from '../../src/protocol/records/record-batch.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';

describe('producer: batches refused as too large are split', () => {
  let running: RunningBroker | undefined;
  let proxy: FaultProxy;
  let kafka: Kafka;

  before(async () => {
    // The broker advertises the proxy, so every connection of the producer goes through it.
    proxy = await startFaultProxy(() => `127.0.0.1:${running!.port}`);
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'advertised.listeners': `PLAINTEXT://${proxy.address}` } });
    kafka = new Kafka({ clientId: 'split-test', brokers: [proxy.address], logLevel: logLevel.NOTHING });
  });

  after(async () => {
    proxy.reset();
    await proxy.close();
    await running?.close();
  });

  let topics = 0;
  const newTopic = async (maxMessageBytes: number, partitions = 1): Promise<string> => {
    const name = `split-${++topics}`;
    await running!.broker.topics.create(name, partitions, new Map([['max.message.bytes', maxMessageBytes]]));
    return name;
  };

  const storedBatches = async (topic: string): Promise<RecordBatch[]> => {
    const log = running!.broker.topics.get(topic)!.partitions[0]!.log;
    return decodeRecordBatches(log.read(0, 16 * 1024 * 1024, log.logEndOffset).records);
  };

  const withProducer = async <T>(config: ProducerConfig, body: (p: ReturnType<Kafka['producer']>) => Promise<T>): Promise<T> => {
    const producer = kafka.producer(config);
    await producer.connect();
    try {
      return await body(producer);
    } finally {
      await producer.disconnect();
    }
  };

  /** A first send of 30 records of random values (over a 1,400-byte limit even gzipped), then four of 8 that fit. */
  const thirtyThenFourEights = (partition?: number) => {
    const value = () => randomBytes(75).toString('base64');
    return [30, 8, 8, 8, 8].map((n, s) => Array.from({ length: n }, (_, i) => ({ partition, key: `s${s}-${i}`, value: value() })));
  };

  /**
   * Each send in a request of its own, all issued while the broker answers 50 ms late, so they
   * are issued before the first answer; `issued` runs then. Resolves with the sends' outcomes.
   */
  const sendInTurns = async (p: ReturnType<Kafka['producer']>, topic: string, sends: Message[][], issued = (): void => undefined) => {
    proxy.delayResponses(50, { apiKey: ApiKey.Produce });
    try {
      const pending: Promise<RecordMetadata[]>[] = [];
      for (const messages of sends) {
        pending.push(p.send({ topic, messages }));
        // A turn of the event loop: each send's batch goes out in a request of its own.
        await new Promise((resolve) => setImmediate(resolve));
      }
      issued();
      return await Promise.allSettled(pending);
    } finally {
      proxy.reset();
    }
  };

  it('one send of 40 records into a topic that takes 1,000 bytes a batch: all delivered in order, keys, headers and timestamps intact', async () => {
    const topic = await newTopic(1000);
    const messages = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `v${i}-${'x'.repeat(90)}`, headers: { n: String(i) }, timestamp: 1_700_000_000_000 + i }));
    const { result, metrics } = await withProducer({ idempotent: false, acks: 1, lingerMs: 0 }, async (p) => ({ result: await p.send({ topic, messages }), metrics: p.metrics() }));

    assert.equal(result.length, 1);
    assert.equal(result[0]!.baseOffset, '0');
    assert.deepEqual(
      result[0]!.offsets,
      messages.map((_, i) => String(i)),
    );
    assert.ok(metrics.batchesSplit >= 3, `40 records of ~110 bytes need 3 rounds of halving to fit 1,000 bytes; split ${metrics.batchesSplit}`);
    assert.equal(metrics.recordsFailed, 0);
    assert.equal(metrics.recordsSent, 40);

    const batches = await storedBatches(topic);
    assert.ok(batches.length >= 8, `stored in batches of at most 1,000 bytes: ${batches.length}`);
    for (const b of batches) assert.ok(b.batchLength + 12 <= 1000, `a stored batch of ${b.batchLength + 12} bytes`);
    const records = batches.flatMap((b) => b.records);
    assert.deepEqual(
      records.map((r) => [r.offset, r.key!.toString(), r.value!.toString(), r.headers[0]!.value!.toString(), r.timestamp]),
      messages.map((m, i) => [i, m.key, m.value, String(i), m.timestamp]),
    );
  });

  it('send calls sharing the refused batch each learn their own offsets, and a call cut across the halves gets all of its records', async () => {
    const topic = await newTopic(700);
    const value = 'y'.repeat(100);
    const outcome = await withProducer({ idempotent: false, acks: 1, lingerMs: 20 }, async (p) => {
      // Issued in one tick: they share a batch. Call b's records straddle the first cut (at 8 of 16).
      const a = p.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ key: `a${i}`, value })) });
      const b = p.send({ topic, messages: Array.from({ length: 6 }, (_, i) => ({ key: `b${i}`, value })) });
      const c = p.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ key: `c${i}`, value })) });
      return Promise.all([a, b, c]);
    });
    const offsets = (r: RecordMetadata[]) => r.flatMap((m) => m.offsets);
    assert.deepEqual(outcome.map(offsets), [
      ['0', '1', '2', '3', '4'],
      ['5', '6', '7', '8', '9', '10'],
      ['11', '12', '13', '14', '15'],
    ]);
    assert.deepEqual(
      outcome.map((r) => r.map((m) => m.baseOffset)),
      [['0'], ['5'], ['11']],
    );
    const keys = (await storedBatches(topic)).flatMap((b) => b.records.map((r) => r.key!.toString()));
    const sent = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    assert.deepEqual(keys, [...sent('a', 5), ...sent('b', 6), ...sent('c', 5)]);
  });

  it('only the record too large on its own fails; the records batched with it are delivered', async () => {
    const topic = await newTopic(400);
    const outcome = await withProducer({ idempotent: false, acks: 1, lingerMs: 20 }, async (p) => {
      const sends = [
        p.send({ topic, messages: [{ key: 'before', value: 'small' }] }),
        p.send({ topic, messages: [{ key: 'huge', value: 'z'.repeat(1000) }] }),
        p.send({ topic, messages: [{ key: 'after', value: 'small' }] }),
      ];
      return Promise.allSettled(sends);
    });
    assert.deepEqual(
      outcome.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const error = (outcome[1] as PromiseRejectedResult).reason as KafkaJSProtocolError;
    assert.ok(error instanceof KafkaJSProtocolError, String(error));
    assert.equal(error.type, 'MESSAGE_TOO_LARGE');
    const keys = (await storedBatches(topic)).flatMap((b) => b.records.map((r) => r.key!.toString()));
    assert.deepEqual(keys, ['before', 'after']);
  });

  for (const compression of [CompressionTypes.None, CompressionTypes.GZIP]) {
    it(`idempotent, ${compression === CompressionTypes.None ? 'uncompressed' : 'gzip'}, with batches in flight behind the refused one: every record once, in order, one producer epoch`, async () => {
      const topic = await newTopic(1400);
      const sends = thirtyThenFourEights();
      const { outcome, metrics } = await withProducer({ idempotent: true, maxInFlightRequests: 5, lingerMs: 0, compression }, async (p) => {
        // Producer state at the broker first, so a later sequence is not taken as a new producer's first.
        await p.send({ topic, messages: [{ key: 'first', value: 'first' }] });
        const settled = await sendInTurns(p, topic, sends, () => assert.equal(p.metrics().requestsInFlight, 5));
        return { outcome: settled, metrics: p.metrics() };
      });
      const results = outcome.map((o) => (o.status === 'fulfilled' ? o.value : assert.fail(String(o.reason))));
      assert.ok(metrics.batchesSplit >= 1, `the batch of 30 is split: ${metrics.batchesSplit}`);
      assert.ok(metrics.retries >= 4, `the four batches in flight behind it were refused out of sequence and retried: ${metrics.retries}`);
      assert.equal(metrics.recordsFailed, 0);

      const batches = await storedBatches(topic);
      const records = batches.flatMap((b) => b.records);
      assert.deepEqual(
        records.map((r) => r.key!.toString()),
        ['first', ...sends.flat().map((m) => m.key)],
        'every record exactly once, in the order sent',
      );
      assert.equal(new Set(batches.map((b) => b.producerEpoch)).size, 1, 'no epoch bump');
      const byKey = new Map(records.map((r) => [r.key!.toString(), String(r.offset)]));
      results.forEach((r, s) =>
        assert.deepEqual(
          r.flatMap((m) => m.offsets),
          sends[s]!.map((m) => byKey.get(m.key)),
        ),
      );
    });
  }

  it('a producer whose first batch on a partition is refused as too large, with batches sent behind it: every record once, in order', async () => {
    // The broker keeps no state for a producer id on a partition it has stored nothing of from
    // it, so it takes any sequence as that producer's first there (KIP-360). Were the batches
    // behind the refused one sent before it was acknowledged, the broker would store them
    // first, and the refused batch's halves could never be stored in this epoch.
    const topic = await newTopic(1400, 2);
    const sends = thirtyThenFourEights(0);
    const { outcome, metrics } = await withProducer({ idempotent: true, maxInFlightRequests: 5, lingerMs: 0, deliveryTimeoutMs: 30_000 }, async (p) => {
      // The topic's metadata and a producer id, but nothing stored on partition 0 yet.
      await p.send({ topic, messages: [{ partition: 1, key: 'elsewhere', value: 'x' }] });
      return { outcome: await sendInTurns(p, topic, sends), metrics: p.metrics() };
    });
    assert.deepEqual(
      outcome.map((o) => (o.status === 'fulfilled' ? 'ok' : String(o.reason))),
      sends.map(() => 'ok'),
    );
    assert.ok(metrics.batchesSplit >= 1, `the batch of 30 is split: ${metrics.batchesSplit}`);
    const batches = await storedBatches(topic);
    assert.deepEqual(
      batches.flatMap((b) => b.records.map((r) => r.key!.toString())),
      sends.flat().map((m) => m.key),
      'every record exactly once, in the order sent',
    );
    assert.equal(new Set(batches.map((b) => b.producerEpoch)).size, 1, 'no epoch bump');
  });
});
