/**
 * acks and compression, seen from the broker: acks 0 answers without offsets,
 * acks 1 and -1 with the offsets the broker assigned; each codec chosen per
 * producer or per send is the codec attribute of the batch in the log, and the
 * records decode back intact; an idempotent producer's batches carry its
 * producer id and epoch and consecutive sequences per partition.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompressionCodec } from '../../src/protocol/records/compression.js';
import { type RecordBatch } from '../../src/protocol/records/record-batch.js';
import { eventually } from '../support/eventually.js';
import { useProducerFixture } from '../support/producer-fixture.js';
import { batchesOf as readBatches, logEnd as logEndOf } from '../support/partition-log.js';

const CODECS = [
  { name: 'none', codec: CompressionCodec.None },
  { name: 'gzip', codec: CompressionCodec.GZIP },
  { name: 'snappy', codec: CompressionCodec.Snappy },
  { name: 'lz4', codec: CompressionCodec.LZ4 },
  { name: 'zstd', codec: CompressionCodec.ZSTD },
] as const;

/** Messages worth compressing, with keys, headers and a tombstone, to compare after a round trip. */
function sampleMessages(tag: string): { key: string; value: string | null; headers: Record<string, string | Buffer> }[] {
  return Array.from({ length: 50 }, (_, i) => ({
    key: `${tag}-key-${i}`,
    value: i === 7 ? null : `${tag} value ${i} `.repeat(10 + (i % 5)),
    headers: { index: String(i), raw: Buffer.from([i, 0, 255]) },
  }));
}

describe('acks and compression on the wire', () => {
  const fx = useProducerFixture('acks-compression');
  const { newTopic, connected } = fx;

  const logEnd = (topic: string, partition: number): number => logEndOf(fx.running, topic, partition);
  /** Every batch in a partition's log, decoded: what the producer put on the wire. */
  const batchesOf = (topic: string, partition: number): Promise<RecordBatch[]> => readBatches(fx.running, topic, partition);

  describe('acks', () => {
    it('acks 0 resolves without offsets (-1), and the records still reach the log', async () => {
      const topic = await newTopic();
      const producer = await connected({ acks: 0, lingerMs: 0 });
      assert.equal(producer.isIdempotent(), false);
      const [result, ...rest] = await producer.send({ topic, messages: [{ partition: 1, value: 'a' }, { partition: 1, value: 'b' }] });
      assert.equal(rest.length, 0);
      assert.equal(result!.topicName, topic);
      assert.equal(result!.partition, 1);
      assert.equal(result!.errorCode, 0);
      assert.equal(result!.baseOffset, '-1');
      assert.deepEqual(result!.offsets, ['-1', '-1']);
      await eventually('the acks 0 records in the log', () => (logEnd(topic, 1) === 2 ? true : undefined), 30_000);
    });

    for (const acks of [1, -1, 'all'] as const) {
      it(`acks ${String(acks)} resolves with the offsets the broker assigned`, async () => {
        const topic = await newTopic();
        const producer = await connected({ acks, lingerMs: 0 });
        const first = await producer.send({ topic, messages: [{ partition: 2, value: 'a' }, { partition: 2, value: 'b' }] });
        const second = await producer.send({ topic, messages: [{ partition: 2, value: 'c' }] });
        assert.deepEqual(first[0]!.offsets, ['0', '1']);
        assert.equal(first[0]!.baseOffset, '0');
        assert.deepEqual(second[0]!.offsets, ['2']);
        assert.equal(logEnd(topic, 2), 3);
        const values = (await batchesOf(topic, 2)).flatMap((b) => b.records.map((r) => r.value!.toString()));
        assert.deepEqual(values, ['a', 'b', 'c']);
      });
    }

    it('per-send acks override the producer\'s: acks 0 producer, send with acks -1 and 1 get offsets', async () => {
      const topic = await newTopic();
      const producer = await connected({ acks: 0, lingerMs: 0 });
      const all = await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: 'a' }] });
      const leader = await producer.send({ topic, acks: 1, messages: [{ partition: 0, value: 'b' }] });
      const none = await producer.send({ topic, messages: [{ partition: 0, value: 'c' }] });
      assert.deepEqual(all[0]!.offsets, ['0']);
      assert.deepEqual(leader[0]!.offsets, ['1']);
      assert.deepEqual(none[0]!.offsets, ['-1'], 'the producer default, acks 0, again');
      await eventually('three records', () => (logEnd(topic, 0) === 3 ? true : undefined), 30_000);
    });

    it('per-send acks 0 on an acks 1 producer resolves without offsets', async () => {
      const topic = await newTopic();
      const producer = await connected({ acks: 1, lingerMs: 0 });
      const none = await producer.send({ topic, acks: 0, messages: [{ partition: 0, value: 'a' }] });
      assert.deepEqual(none[0]!.offsets, ['-1']);
      const leader = await producer.send({ topic, messages: [{ partition: 0, value: 'b' }] });
      assert.deepEqual(leader[0]!.offsets, ['1']);
    });

    it('concurrent sends with different acks to one partition go in separate batches, each answered as asked', async () => {
      const topic = await newTopic();
      const producer = await connected({ acks: 1, lingerMs: 20 });
      const [none, leader] = await Promise.all([
        producer.send({ topic, acks: 0, messages: [{ partition: 0, value: 'a' }] }),
        producer.send({ topic, acks: 1, messages: [{ partition: 0, value: 'b' }] }),
      ]);
      assert.deepEqual(none[0]!.offsets, ['-1']);
      assert.equal(leader[0]!.offsets.length, 1);
      assert.notEqual(leader[0]!.offsets[0], '-1');
      await eventually('both records', () => (logEnd(topic, 0) === 2 ? true : undefined), 30_000);
      assert.equal((await batchesOf(topic, 0)).length, 2);
    });
  });

  describe('compression', () => {
    for (const { name, codec } of CODECS) {
      it(`compression '${name}' set on the producer: the batch in the log is ${name}, its records intact`, async () => {
        const topic = await newTopic();
        const producer = await connected({ compression: name, lingerMs: 10 });
        const messages = sampleMessages(name);
        await producer.send({ topic, messages: messages.map((m) => ({ ...m, partition: 0 })) });
        const batches = await batchesOf(topic, 0);
        assert.equal(batches.length, 1);
        assert.equal(batches[0]!.compression, codec);
        assert.deepEqual(
          batches[0]!.records.map((r) => ({ key: r.key!.toString(), value: r.value === null ? null : r.value.toString(), headers: r.headers.map((h) => [h.key, h.value!.toString('hex')]) })),
          messages.map((m) => ({ key: m.key, value: m.value, headers: [['index', Buffer.from(String(m.headers.index)).toString('hex')], ['raw', (m.headers.raw as Buffer).toString('hex')]] })),
        );
      });

      it(`compression '${name}' set per send (and as CompressionTypes ${codec}) overrides the producer's`, async () => {
        const topic = await newTopic();
        const other = name === 'gzip' ? 'zstd' : 'gzip';
        const producer = await connected({ compression: other, lingerMs: 0 });
        const messages = sampleMessages(name).map((m) => ({ ...m, partition: 1 }));
        await producer.send({ topic, compression: name, messages: messages.slice(0, 25) });
        await producer.sendBatch({ topicMessages: [{ topic, messages: messages.slice(25) }], compression: codec });
        await producer.send({ topic, messages: [{ partition: 1, value: 'producer default' }] });
        const batches = await batchesOf(topic, 1);
        assert.deepEqual(
          batches.map((b) => b.compression),
          [codec, codec, other === 'gzip' ? CompressionCodec.GZIP : CompressionCodec.ZSTD],
        );
        assert.deepEqual(
          batches.flatMap((b) => b.records.map((r) => (r.value === null ? null : r.value.toString()))),
          [...messages.map((m) => m.value), 'producer default'],
        );
      });
    }

    it('compressed batches are smaller than the records they hold, on compressible data', async () => {
      const topic = await newTopic();
      const producer = await connected({ compression: 'zstd', lingerMs: 0 });
      await producer.send({ topic, messages: Array.from({ length: 100 }, (_, i) => ({ partition: 0, value: `${i} `.padEnd(200, 'abc') })) });
      const [batch] = await batchesOf(topic, 0);
      assert.equal(batch!.compression, CompressionCodec.ZSTD);
      assert.ok(batch!.batchLength < 100 * 200 / 4, `batch of ${batch!.batchLength} bytes for 20 kB of values`);
    });
  });

  describe('idempotence on the wire', () => {
    it('batches carry the producer id, its epoch and consecutive sequences per partition, each partition from 0', async () => {
      const topic = await newTopic();
      const producer = await connected({ lingerMs: 0 });
      assert.equal(producer.isIdempotent(), true);
      // Sends of different sizes, interleaved over partitions, one batch each.
      for (let i = 0; i < 12; i++) {
        const partition = i % 3;
        await producer.send({ topic, messages: Array.from({ length: 1 + (i % 4) }, (_, j) => ({ partition, value: `${i}.${j}` })) });
      }
      const producerIds = new Set<number>();
      for (const partition of [0, 1, 2]) {
        const batches = await batchesOf(topic, partition);
        assert.equal(batches.length, 4);
        let expected = 0;
        for (const b of batches) {
          assert.ok(b.producerId >= 0, `producer id ${b.producerId}`);
          assert.ok(b.producerEpoch >= 0, `epoch ${b.producerEpoch}`);
          assert.equal(b.producerEpoch, batches[0]!.producerEpoch);
          assert.equal(b.baseSequence, expected, `partition ${partition}: base sequence`);
          assert.equal(b.isTransactional, false);
          expected += b.recordCount;
          producerIds.add(b.producerId);
        }
      }
      assert.equal(producerIds.size, 1, 'one producer id for every partition');
    });

    it('two producers get different producer ids, each with its own sequences from 0', async () => {
      const topic = await newTopic();
      const first = await connected({ lingerMs: 0 });
      const second = await connected({ lingerMs: 0 });
      await first.send({ topic, messages: [{ partition: 0, value: 'a' }, { partition: 0, value: 'b' }] });
      await second.send({ topic, messages: [{ partition: 0, value: 'c' }] });
      await first.send({ topic, messages: [{ partition: 0, value: 'd' }] });
      const batches = await batchesOf(topic, 0);
      assert.deepEqual(
        batches.map((b) => b.baseSequence),
        [0, 0, 2],
      );
      assert.notEqual(batches[0]!.producerId, batches[1]!.producerId);
      assert.equal(batches[0]!.producerId, batches[2]!.producerId);
    });

    it('batches of a non-idempotent producer carry no producer id and no sequence', async () => {
      const topic = await newTopic();
      const producer = await connected({ idempotent: false, lingerMs: 0 });
      await producer.send({ topic, messages: [{ partition: 0, value: 'a' }] });
      const [batch] = await batchesOf(topic, 0);
      assert.equal(batch!.producerId, -1);
      assert.equal(batch!.baseSequence, -1);
    });
  });
});
