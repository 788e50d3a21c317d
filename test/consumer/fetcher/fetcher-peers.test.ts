/**
 * The fetcher reads what other clients wrote: KafkaJS's producer (every codec;
 * KafkaJS ships only gzip, the others are registered from our codecs, so the
 * batch framing is KafkaJS's) and kcat (librdkafka), with each codec it has,
 * keys and headers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kafka as KafkaJS, CompressionTypes as KafkaJSCompression, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { registerKafkaJsCodecs } from '../../support/kafkajs-codecs.js';
import { runKcat, skipWithoutKcat } from '../../support/kcat.js';
import { text, useBroker } from './fetcher-fixture.js';

describe('Fetcher: reading what other clients wrote', () => {
  const broker = useBroker('fetcher-peers');

  for (const codec of ['None', 'GZIP', 'Snappy', 'LZ4', 'ZSTD'] as const) {
    it(`reads KafkaJS's ${codec} batches: keys, values, headers with repeated keys, tombstones`, async () => {
      registerKafkaJsCodecs();
      const topic = await broker.newTopic(2);
      const kafkajs = new KafkaJS({ clientId: 'kafkajs-writer', brokers: [broker.running.bootstrap], logLevel: kafkaJsLogLevel.NOTHING });
      const producer = kafkajs.producer();
      await producer.connect();
      try {
        const messages = Array.from({ length: 120 }, (_, i) => ({
          partition: i % 2,
          key: `k${i}`,
          value: i % 11 === 0 ? null : `kafkajs-${i}`,
          headers: { origin: 'kafkajs', seq: [`${i}`, `${i + 1}`] },
        }));
        await producer.send({ topic, compression: KafkaJSCompression[codec], messages: messages.slice(0, 60) });
        await producer.send({ topic, compression: KafkaJSCompression[codec], messages: messages.slice(60) });
        const h = await broker.harness(topic, { partitions: [0, 1] });
        const read = await h.drain(120);
        for (const p of [0, 1]) {
          const got = read.filter((m) => m.partition === p);
          const sent = messages.filter((m) => m.partition === p);
          assert.deepEqual(
            got.map((m) => [text(m.key), text(m.value)]),
            sent.map((m) => [m.key, m.value]),
          );
          for (const [i, m] of got.entries()) {
            assert.equal(text(m.headers.origin as Buffer), 'kafkajs');
            assert.deepEqual((m.headers.seq as Buffer[]).map(String), sent[i]!.headers.seq);
            assert.equal(m.offset, String(i));
          }
        }
      } finally {
        await producer.disconnect();
      }
    });
  }

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`reads kcat's (librdkafka's) ${codec} batches with keys and headers`, { skip: skipWithoutKcat }, async () => {
      const topic = await broker.newTopic(1);
      const lines = Array.from({ length: 500 }, (_, i) => `key${i}:${codec}-line-${i}`);
      const produced = await runKcat(['-b', broker.running.bootstrap, '-P', '-t', topic, '-p', '0', '-z', codec, '-K:', '-H', 'writer=kcat', '-H', 'dup=1', '-H', 'dup=2', '-X', 'linger.ms=20'], {
        input: lines.join('\n') + '\n',
      });
      assert.equal(produced.code, 0, produced.stderr);
      const h = await broker.harness(topic, { partitions: [0] });
      const read = await h.drain(500);
      assert.deepEqual(
        read.map((m) => `${text(m.key)}:${text(m.value)}`),
        lines,
      );
      for (const m of read) {
        assert.equal(text(m.headers.writer as Buffer), 'kcat');
        assert.deepEqual((m.headers.dup as Buffer[]).map(String), ['1', '2']);
      }
      assert.deepEqual(
        read.map((m) => m.offset),
        lines.map((_, i) => String(i)),
      );
    });
  }
});
