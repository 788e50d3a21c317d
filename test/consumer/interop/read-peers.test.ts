/**
 * A tskafka consumer reads what other clients wrote, intact: KafkaJS's
 * producer (uncompressed and gzip, the codecs KafkaJS ships), kcat's, that is
 * librdkafka's (every codec: none, gzip, snappy, lz4, zstd), and our own
 * producer's zstd, the codec KafkaJS's consumer cannot read without plug-ins
 * (the issue's motivation). Keys, null keys, values, tombstones (null values),
 * headers (repeated keys too) and offsets arrive as written; the codec of each
 * batch is checked in the broker's log, so a peer that silently fell back to
 * no compression fails the test. A committed transaction's control record is
 * skipped: the records after it arrive at their own offsets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kafka as KafkaJS, logLevel as kafkaJsLogLevel, CompressionTypes as KafkaJSCompression } from 'kafkajs';
import { type RunningBroker } from '../../../src/broker/server.js';
import { logLevel } from '../../../src/client/logger.js';
import { Kafka } from '../../../src/kafka.js';
import { parseCompressionCodec } from '../../../src/protocol/records/compression.js';
import { encodeControlBatch, encodeRecordBatchSync } from '../../../src/protocol/records/record-batch.js';
import { eventually } from '../../support/eventually.js';
import { startGroupBroker } from '../../support/group-fixture.js';
import { runKcat, skipWithoutKcat } from '../../support/kcat.js';
import { batchesOf } from '../../support/partition-log.js';
import { within } from '../../support/within.js';

/** A record as the test compares it: strings, header values as lists. */
interface Seen {
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string[]>;
  timestamp: string;
}

const headerValues = (value: unknown): string[] => (Array.isArray(value) ? value : [value]).map((v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));

describe('a tskafka consumer reads what other clients produced', () => {
  let running: RunningBroker;
  let groups = 0;

  before(async () => {
    running = await startGroupBroker();
  });
  after(async () => {
    await running.close();
  });

  /** Every record of a one-partition topic, read by a tskafka consumer group from the beginning. */
  const readWithTskafka = async (topic: string, count: number, config: { readUncommitted?: boolean } = {}): Promise<Seen[]> => {
    const consumer = new Kafka({ clientId: 'read-peers', brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).consumer({ groupId: `read-peers-${groups++}`, maxWaitTimeInMs: 100, ...config });
    const seen: Seen[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({
            offset: Number(message.offset),
            key: message.key === null ? null : message.key.toString(),
            value: message.value === null ? null : message.value.toString(),
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, headerValues(v)])),
            timestamp: message.timestamp,
          });
        },
      });
      await eventually(`${count} records of ${topic}`, () => (seen.length >= count ? true : undefined), 30_000);
      // Anything past `count` would be a duplicate or an invented record: give it a moment to show.
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await within('disconnect', consumer.disconnect(), 30_000);
    }
    return seen;
  };

  for (const codec of ['none', 'gzip'] as const) {
    it(`reads KafkaJS’s ${codec} records: keys, null keys, values, tombstones, headers, timestamps, offsets`, { timeout: 60_000 }, async () => {
      const topic = `from-kafkajs-${codec}`;
      await running.broker.topics.create(topic, 1, new Map());
      const kafkajs = new KafkaJS({ clientId: 'kafkajs-writer', brokers: [running.bootstrap], logLevel: kafkaJsLogLevel.NOTHING });
      const producer = kafkajs.producer();
      await producer.connect();
      const base = 1_700_000_000_000;
      const messages = [
        ...Array.from({ length: 30 }, (_, i) => ({
          key: `key-${i}`,
          value: `value ${i} `.repeat(1 + (i % 5)),
          headers: { index: String(i), bytes: Buffer.from([0x61 + (i % 26)]), repeated: [`a-${i}`, `b-${i}`] },
          timestamp: String(base + i),
        })),
        { key: 'tombstone', value: null, timestamp: String(base + 100) },
        { key: null, value: 'keyless', timestamp: String(base + 101) },
        { key: null, value: null, timestamp: String(base + 102) },
      ];
      // Two sends: two batches, so the reader crosses a batch boundary.
      const compression = codec === 'gzip' ? KafkaJSCompression.GZIP : KafkaJSCompression.None;
      await producer.send({ topic, compression, messages: messages.slice(0, 15) });
      await producer.send({ topic, compression, messages: messages.slice(15) });
      await producer.disconnect();
      const batches = await batchesOf(running, topic, 0);
      assert.deepEqual(batches.map((b) => b.compression), [parseCompressionCodec(codec), parseCompressionCodec(codec)]);

      const seen = await readWithTskafka(topic, messages.length);
      assert.deepEqual(
        seen,
        messages.map((m, i) => ({
          offset: i,
          key: m.key,
          value: m.value,
          headers: Object.fromEntries(Object.entries('headers' in m ? m.headers : {}).map(([k, v]) => [k, headerValues(v)])),
          timestamp: m.timestamp,
        })),
      );
    });
  }

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`reads kcat’s (librdkafka’s) ${codec} records: keys, null keys, values, tombstones, repeated headers`, { timeout: 60_000, skip: skipWithoutKcat }, async () => {
      const topic = `from-kcat-${codec}`;
      await running.broker.topics.create(topic, 1, new Map());
      // -K: splits key from value; with -Z an empty key or value is sent as null.
      const lines = [...Array.from({ length: 40 }, (_, i) => `key-${i}:${`value ${i} `.repeat(1 + (i % 7))}`), 'tombstone:', ':keyless value', 'last:last value'];
      const r = await runKcat(
        ['-b', running.bootstrap, '-P', '-t', topic, '-p', '0', '-z', codec, '-K', ':', '-Z', '-H', 'source=kcat', '-H', 'multi=one', '-H', 'multi=two', '-X', 'linger.ms=100'],
        { input: `${lines.join('\n')}\n` },
      );
      assert.equal(r.code, 0, r.stderr);
      const batches = await batchesOf(running, topic, 0);
      assert.ok(batches.length > 0 && batches.every((b) => b.compression === parseCompressionCodec(codec)), `every batch kcat wrote is ${codec}: ${batches.map((b) => b.compression).join(',')}`);

      const seen = await readWithTskafka(topic, lines.length);
      assert.deepEqual(
        seen.map(({ timestamp: _, ...rest }) => rest),
        lines.map((line, i) => {
          const colon = line.indexOf(':');
          const key = line.slice(0, colon);
          const value = line.slice(colon + 1);
          return { offset: i, key: key === '' ? null : key, value: value === '' ? null : value, headers: { source: ['kcat'], multi: ['one', 'two'] } };
        }),
      );
    });
  }

  it('reads its own producer’s zstd batches (which KafkaJS’s consumer cannot read)', { timeout: 60_000 }, async () => {
    const topic = 'own-zstd';
    await running.broker.topics.create(topic, 1, new Map());
    const producer = new Kafka({ clientId: 'own-zstd', brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).producer({ lingerMs: 5 });
    await producer.connect();
    const messages = [
      ...Array.from({ length: 500 }, (_, i) => ({ key: `k${i}`, value: `zstd value ${i} `.repeat(1 + (i % 9)), headers: { i: String(i) } })),
      { key: 'gone', value: null },
      { key: null, value: 'no key' },
    ];
    await producer.send({ topic, compression: 'zstd', messages: messages.slice(0, 250) });
    await producer.send({ topic, compression: 'zstd', messages: messages.slice(250) });
    await producer.disconnect();
    const batches = await batchesOf(running, topic, 0);
    assert.ok(batches.length >= 2 && batches.every((b) => b.compression === parseCompressionCodec('zstd')), 'the log holds zstd batches');

    const seen = await readWithTskafka(topic, messages.length);
    assert.deepEqual(
      seen.map(({ timestamp: _, ...rest }) => rest),
      messages.map((m, i) => ({ offset: i, key: m.key, value: m.value, headers: Object.fromEntries(Object.entries('headers' in m ? m.headers : {}).map(([k, v]) => [k, [v]])) })),
    );
  });

  for (const readUncommitted of [false, true]) {
    it(`skips a committed transaction’s control record (readUncommitted: ${readUncommitted}): the records around it arrive at their offsets`, { timeout: 60_000 }, async () => {
      const topic = `control-records-${readUncommitted}`;
      await running.broker.topics.create(topic, 1, new Map());
      // Written straight into the log as a transactional producer and its coordinator would leave it.
      const log = running.broker.topics.get(topic)!.partitions[0]!.log;
      const now = Date.now();
      const record = (i: number) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), timestamp: now });
      await log.append(encodeRecordBatchSync({ records: [record(0), record(1)] }), now);
      await log.append(encodeRecordBatchSync({ isTransactional: true, producerId: 4242, producerEpoch: 0, baseSequence: 0, records: [record(2), record(3), record(4)] }), now);
      await log.append(encodeControlBatch({ type: 'COMMIT', coordinatorEpoch: 0, producerId: 4242, producerEpoch: 0, timestamp: now }), now);
      await log.append(encodeRecordBatchSync({ records: [record(6), record(7)] }), now);
      assert.equal(log.logEndOffset, 8);

      const seen = await readWithTskafka(topic, 7, { readUncommitted });
      assert.deepEqual(
        seen.map((s) => [s.offset, s.key, s.value]),
        [0, 1, 2, 3, 4, 6, 7].map((i) => [i, `k${i}`, `v${i}`]),
        'every data record once, the control record (offset 5) left out',
      );
    });
  }
});
