/**
 * What tskafka produces, read back by clients nobody here wrote: a KafkaJS
 * consumer (uncompressed and gzip, the codecs KafkaJS ships) and kcat, that is
 * librdkafka (every codec). Keys, values, tombstones, headers and timestamps
 * must arrive as sent. kcat runs as an async child process: the broker is in
 * this process, and a blocking spawn would stall it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Consumer, Kafka as KafkaJS, type KafkaMessage, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { type Message, type Producer } from '../../src/producer/producer.js';
import { parseCompressionCodec } from '../../src/protocol/records/compression.js';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.js';
import { eventually } from '../support/eventually.js';
import { runKcat, skipWithoutKcat } from '../support/kcat.js';

const BASE_TIMESTAMP = 1_700_000_000_000;

/** Keys, values, headers and timestamps a reader must return as they were sent. */
function messagesFor(tag: string): Message[] {
  return [
    ...Array.from({ length: 40 }, (_, i) => ({
      key: `${tag}-key-${i}`,
      value: `${tag} value ${i} `.repeat(1 + (i % 7)),
      headers: { index: String(i), codec: tag, repeated: [`first-${i}`, `second-${i}`] },
      timestamp: BASE_TIMESTAMP + i * 1000,
    })),
    { key: `${tag}-tombstone`, value: null, timestamp: BASE_TIMESTAMP + 50_000 },
    { key: Buffer.from(`${tag}-buffer-key`), value: Buffer.from(`${tag} buffer value`), headers: { bytes: Buffer.from('raw-bytes') }, timestamp: String(BASE_TIMESTAMP + 60_000) },
    { value: `${tag} keyless`, timestamp: BASE_TIMESTAMP + 70_000 },
  ];
}

/** A header value as sent, as a list of strings (an array header is one header per element). */
function headerValues(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map((v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

describe('records produced by tskafka, read by other clients', () => {
  let running: RunningBroker;
  let producer: Producer;
  const consumers: Consumer[] = [];

  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 } });
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) await running.broker.topics.create(`cross-${codec}`, 1, new Map());
    await running.broker.topics.create('cross-partitions', 3, new Map());
    producer = new Kafka({ clientId: 'cross-client-test', brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).producer({ lingerMs: 5 });
    await producer.connect();
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
      const messages = messagesFor(codec);
      // Two sends per topic: two batches, so readers cross a batch boundary.
      await producer.send({ topic: `cross-${codec}`, compression: codec, messages: messages.slice(0, 20) });
      await producer.send({ topic: `cross-${codec}`, compression: codec, messages: messages.slice(20) });
    }
  });
  after(async () => {
    for (const c of consumers) await c.disconnect();
    await producer.disconnect();
    await running.close();
  });

  /** Everything in `topic`, read by a KafkaJS consumer group from the beginning. */
  const readWithKafkaJS = async (topic: string, count: number): Promise<KafkaMessage[]> => {
    const kafkajs = new KafkaJS({ clientId: 'cross-client-kafkajs', brokers: [running.bootstrap], logLevel: kafkaJsLogLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
    const consumer = kafkajs.consumer({ groupId: `cross-${topic}`, maxWaitTimeInMs: 100, heartbeatInterval: 500 });
    consumers.push(consumer);
    const seen: KafkaMessage[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message);
      },
    });
    await eventually(`${count} messages of ${topic} through KafkaJS`, () => (seen.length >= count ? true : undefined), 60_000);
    await consumer.disconnect();
    return seen;
  };

  for (const codec of ['none', 'gzip']) {
    it(`a KafkaJS consumer reads ${codec} records intact: keys, values, tombstones, headers, timestamps, offsets`, async () => {
      const sent = messagesFor(codec);
      const read = await readWithKafkaJS(`cross-${codec}`, sent.length);
      assert.equal(read.length, sent.length);
      read.forEach((m, i) => {
        const s = sent[i]!;
        assert.equal(m.offset, String(i));
        assert.equal(m.key === null ? null : m.key.toString(), s.key == null ? null : s.key.toString(), `key of ${i}`);
        assert.equal(m.value === null ? null : m.value.toString(), s.value === null ? null : s.value.toString(), `value of ${i}`);
        assert.equal(m.timestamp, String(s.timestamp), `timestamp of ${i}`);
        const expectedHeaders = Object.fromEntries(Object.entries(s.headers ?? {}).map(([k, v]) => [k, headerValues(v)]));
        const readHeaders = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, headerValues(v)]));
        assert.deepEqual(readHeaders, expectedHeaders, `headers of ${i}`);
      });
    });
  }

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`kcat reads ${codec} records intact: keys, values, tombstones, headers, timestamps`, { skip: skipWithoutKcat }, async () => {
      const sent = messagesFor(codec);
      const log = running.broker.topics.get(`cross-${codec}`)!.partitions[0]!.log;
      const batches = await decodeRecordBatches(log.read(0, 1 << 24, log.logEndOffset).records);
      assert.deepEqual(
        batches.map((b) => b.compression),
        [parseCompressionCodec(codec), parseCompressionCodec(codec)],
        'the log holds two batches in that codec',
      );
      const r = await runKcat(['-b', running.bootstrap, '-C', '-t', `cross-${codec}`, '-e', '-q', '-Z', '-f', '%o|%k|%s|%h|%T\n']);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, sent.length, r.stdout);
      lines.forEach((line, i) => {
        const s = sent[i]!;
        const headers = Object.entries(s.headers ?? {})
          .flatMap(([k, v]) => headerValues(v).map((h) => `${k}=${h}`))
          .join(',');
        const expected = [String(i), s.key == null ? 'NULL' : s.key.toString(), s.value === null ? 'NULL' : s.value.toString(), headers, String(s.timestamp)].join('|');
        assert.equal(line, expected, `record ${i}`);
      });
    });
  }

  it('kcat finds keyed records in the partition Java would pick, and reads every partition', { skip: skipWithoutKcat }, async () => {
    // Java's toPositive(murmur2(key)) % 3, from Kafka's UtilsTest hashes.
    const keys: [string, number][] = [
      ['21', (-973932308 & 0x7fffffff) % 3],
      ['foobar', (-790332482 & 0x7fffffff) % 3],
      ['a-little-bit-long-string', (-985981536 & 0x7fffffff) % 3],
      ['a-little-bit-longer-string', (-1486304829 & 0x7fffffff) % 3],
      ['abc', (479470107 & 0x7fffffff) % 3],
    ];
    await producer.send({ topic: 'cross-partitions', compression: 'lz4', messages: keys.map(([key]) => ({ key, value: `value of ${key}` })) });
    const r = await runKcat(['-b', running.bootstrap, '-C', '-t', 'cross-partitions', '-e', '-q', '-f', '%p|%k|%s\n']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l !== '').sort();
    assert.deepEqual(lines, keys.map(([key, partition]) => `${partition}|${key}|value of ${key}`).sort());
  });
});
