/**
 * The fetcher reads back what our producer wrote, through a real broker and
 * real sockets: every codec, headers (a repeated key becomes an array), null
 * keys and values, batch boundaries, a start in the middle of a batch, control
 * batches in the log, a record larger than every limit, and the events and log
 * offsets it reports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeControlBatch } from '../../../src/protocol/records/control-record.js';
import { encodeRecordBatchSync } from '../../../src/protocol/records/record-batch.js';
import { CompressionTypes } from '../../../src/producer/compression-types.js';
import { eventually } from '../../support/eventually.js';
import { type FetchedBatch } from '../../../src/consumer/fetcher/index.js';
import { text, useBroker } from './fetcher-fixture.js';

const CODECS = ['None', 'GZIP', 'Snappy', 'LZ4', 'ZSTD'] as const;

describe('Fetcher: reading what our producer wrote', () => {
  const broker = useBroker('fetcher');

  for (const codec of CODECS) {
    it(`reads ${codec} batches back in order: keys, values, headers (repeated keys as arrays), null keys, tombstones, timestamps`, async () => {
      const topic = await broker.newTopic(1);
      const producer = await broker.producer();
      const messages = Array.from({ length: 250 }, (_, i) => ({
        key: i % 10 === 0 ? null : `key-${i}`,
        value: i % 7 === 0 ? null : `value-${i}-${'x'.repeat(i % 50)}`,
        headers: i % 3 === 0 ? { trace: `t${i}`, tag: ['a', 'b', 'c'] } : { single: `s${i}` },
        timestamp: String(1_700_000_000_000 + i),
      }));
      // Three sends: three batches at least, so batch boundaries are crossed.
      for (let i = 0; i < 3; i++) await producer.send({ topic, compression: CompressionTypes[codec], messages: messages.slice(i * 100, (i + 1) * 100) });
      const h = await broker.harness(topic, { partitions: [0] });
      const read = await h.drain(250);
      assert.equal(read.length, 250);
      for (const [i, m] of read.entries()) {
        assert.equal(m.offset, String(i));
        assert.equal(text(m.key), messages[i]!.key);
        assert.equal(text(m.value), messages[i]!.value);
        assert.equal(m.timestamp, messages[i]!.timestamp);
        assert.equal(m.attributes, 0);
        assert.equal(m.isControlRecord, false);
        if (i % 3 === 0) {
          assert.deepEqual(Object.keys(m.headers), ['trace', 'tag']);
          assert.equal(text(m.headers.trace as Buffer), `t${i}`);
          assert.deepEqual((m.headers.tag as Buffer[]).map((b) => b.toString()), ['a', 'b', 'c']);
        } else {
          assert.deepEqual(Object.keys(m.headers), ['single']);
          assert.ok(Buffer.isBuffer(m.headers.single));
          assert.equal(text(m.headers.single as Buffer), `s${i}`);
        }
      }
      const cursor = h.subscriptions.cursor(topic, 0)!;
      assert.equal(cursor.position, 250);
      assert.equal(cursor.highWatermark, 250);
      assert.equal(cursor.logStartOffset, 0);
    });
  }

  it('starts in the middle of a compressed batch: records before the position are not returned', async () => {
    const topic = await broker.newTopic(1);
    const producer = await broker.producer();
    await producer.send({ topic, compression: CompressionTypes.GZIP, messages: Array.from({ length: 20 }, (_, i) => ({ value: `v${i}` })) });
    const h = await broker.harness(topic, { partitions: [0], positions: [13] });
    const batches: FetchedBatch[] = [];
    const read = await h.drain(7, { batches });
    assert.deepEqual(
      read.map((m) => m.offset),
      ['13', '14', '15', '16', '17', '18', '19'],
    );
    assert.equal(batches[0]!.fetchOffset, 13);
    assert.equal(batches[0]!.nextOffset, 20);
  });

  it('reads several partitions of one topic, each in order, from one broker', async () => {
    const topic = await broker.newTopic(4);
    const producer = await broker.producer();
    for (let round = 0; round < 5; round++) {
      await producer.send({ topic, messages: Array.from({ length: 40 }, (_, i) => ({ partition: i % 4, value: `r${round}-${i}` })) });
    }
    const h = await broker.harness(topic, { partitions: [0, 1, 2, 3] });
    const read = await h.drain(200);
    for (let p = 0; p < 4; p++) {
      const offsets = read.filter((m) => m.partition === p).map((m) => Number(m.offset));
      assert.deepEqual(
        offsets,
        Array.from({ length: 50 }, (_, i) => i),
      );
    }
  });

  it('skips control batches but moves the position past them', async () => {
    const topic = await broker.newTopic(1);
    const producer = await broker.producer();
    const log = broker.running.broker.topics.get(topic)!.partitions[0]!.log;
    await producer.send({ topic, messages: [{ value: 'before' }] });
    await log.append(encodeControlBatch({ type: 'COMMIT', coordinatorEpoch: 0, producerId: 42, producerEpoch: 0 }), Date.now());
    await producer.send({ topic, messages: [{ value: 'after' }] });
    await log.append(encodeControlBatch({ type: 'ABORT', coordinatorEpoch: 0, producerId: 43, producerEpoch: 0 }), Date.now());
    assert.equal(log.logEndOffset, 4);
    const h = await broker.harness(topic, { partitions: [0] });
    const read = await h.drain(2);
    assert.deepEqual(
      read.map((m) => [m.offset, text(m.value)]),
      [
        ['0', 'before'],
        ['2', 'after'],
      ],
    );
    // The trailing marker moves the position to the log end, in the batch above or in one of its own with no messages.
    const cursor = h.subscriptions.cursor(topic, 0)!;
    const deadline = Date.now() + 15_000;
    while (cursor.position !== 4) {
      assert.ok(Date.now() < deadline, `position ${cursor.position}, expected 4`);
      for (const b of await h.fetcher.next(AbortSignal.timeout(5_000))) {
        assert.deepEqual(b.messages, []);
        h.subscriptions.advance(topic, 0, b.version, b.nextOffset);
      }
    }
  });

  it('delivers a record larger than maxBytes and maxBytesPerPartition whole', async () => {
    const topic = await broker.newTopic(1, [['max.message.bytes', String(8 * 1024 * 1024)]]);
    const producer = await broker.producer({ maxRequestSize: 8 * 1024 * 1024 });
    const big = Buffer.alloc(2 * 1024 * 1024, 7);
    await producer.send({ topic, messages: [{ value: 'small' }, { value: big }, { value: 'tail' }] });
    await producer.send({ topic, messages: [{ value: big }] });
    const h = await broker.harness(topic, { partitions: [0], maxBytes: 64 * 1024, maxBytesPerPartition: 16 * 1024 });
    const read = await h.drain(4);
    assert.equal(text(read[0]!.value), 'small');
    assert.ok(read[1]!.value!.equals(big));
    assert.equal(text(read[2]!.value), 'tail');
    assert.ok(read[3]!.value!.equals(big));
  });

  it('reports fetch_start and fetch events (KafkaJS payloads) and updates the cursor\'s log offsets', async () => {
    const topic = await broker.newTopic(1);
    const producer = await broker.producer();
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
    const h = await broker.harness(topic, { partitions: [0] });
    await h.drain(2);
    const starts = h.events.filter((e) => e.type === 'fetch_start');
    const fetches = h.events.filter((e) => e.type === 'fetch');
    assert.ok(starts.length >= 1);
    assert.ok(fetches.length >= 1);
    assert.equal(typeof fetches[0]!.payload.duration, 'number');
    assert.ok(fetches.some((e) => e.payload.numberOfBatches === 1));
    assert.equal(starts[0]!.payload.nodeId, broker.running.broker.config.nodeId);
    const cursor = h.subscriptions.cursor(topic, 0)!;
    assert.equal(cursor.highWatermark, 2);
    assert.equal(cursor.lastStableOffset, 2);
    // New records arrive through the long poll.
    await producer.send({ topic, messages: [{ value: 'c' }] });
    const more = await h.drain(1);
    assert.equal(text(more[0]!.value), 'c');
    assert.equal(cursor.highWatermark, 3);
  });

  it('drops data fetched for a cursor version that changed (seek) and fetches from the new position', async () => {
    const topic = await broker.newTopic(1);
    const producer = await broker.producer();
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })) });
    const h = await broker.harness(topic, { partitions: [0] });
    await eventually('data buffered', () => (h.fetcher.bufferedBytes > 0 ? true : undefined));
    h.subscriptions.seek(topic, 0, 6);
    const read = await h.drain(4);
    assert.deepEqual(
      read.map((m) => m.offset),
      ['6', '7', '8', '9'],
    );
  });

  it('next() resolves [] when its signal aborts, and after stop()', async () => {
    const topic = await broker.newTopic(1);
    const h = await broker.harness(topic, { partitions: [0] });
    const controller = new AbortController();
    const waiting = h.fetcher.next(controller.signal);
    controller.abort();
    assert.deepEqual(await waiting, []);
    const pending = h.fetcher.next();
    await h.close();
    assert.deepEqual(await pending, []);
  });
});

describe('Fetcher: prefetch, pause and reassignment', () => {
  const broker = useBroker('fetcher-prefetch');

  it('prefetches past data handed out but not yet processed, without repeating it', async () => {
    const topic = await broker.newTopic(1);
    const producer = await broker.producer();
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `a${i}` })) });
    const h = await broker.harness(topic, { partitions: [0] });
    const first = await h.fetcher.next(AbortSignal.timeout(10_000));
    assert.deepEqual(
      first.flatMap((b) => b.messages.map((m) => m.offset)),
      ['0', '1', '2', '3', '4'],
    );
    // The runner is still processing offsets 0-4 (position not advanced) when more records arrive.
    await producer.send({ topic, messages: Array.from({ length: 3 }, (_, i) => ({ value: `b${i}` })) });
    const second = await h.fetcher.next(AbortSignal.timeout(10_000));
    assert.deepEqual(
      second.flatMap((b) => b.messages.map((m) => m.offset)),
      ['5', '6', '7'],
    );
    assert.equal(second[0]!.fetchOffset, 5);
    assert.equal(h.subscriptions.cursor(topic, 0)!.position, 0, 'the fetcher never moves the position itself');
  });

  it('drops the buffered data of a revoked partition, and reads a reassigned one from its new position', async () => {
    const topic = await broker.newTopic(2);
    const producer = await broker.producer();
    await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) });
    const h = await broker.harness(topic, { partitions: [0, 1] });
    await eventually('both partitions buffered', () => (h.fetcher.bufferedBytes > 0 && h.events.filter((e) => e.type === 'fetch').length > 0 ? true : undefined));
    h.subscriptions.removePartitions([{ topic, partition: 1 }]);
    const read = await h.drain(10);
    assert.ok(
      read.every((m) => m.partition === 0),
      'nothing of the revoked partition',
    );
    h.subscriptions.addPartitions([{ topic, partition: 1 }]);
    h.subscriptions.initializePosition(topic, 1, 7);
    const again = await h.drain(3);
    assert.deepEqual(
      again.map((m) => [m.partition, m.offset]),
      [
        [1, '7'],
        [1, '8'],
        [1, '9'],
      ],
    );
  });

  it('drops the buffered data of a paused partition and fetches it again from its position on resume', async () => {
    const topic = await broker.newTopic(1);
    const producer = await broker.producer();
    await producer.send({ topic, messages: Array.from({ length: 6 }, (_, i) => ({ value: `v${i}` })) });
    const h = await broker.harness(topic, { partitions: [0] });
    const first = await h.fetcher.next(AbortSignal.timeout(10_000));
    // The runner processed offsets 0-1 only, then the application paused the partition.
    h.subscriptions.advance(topic, 0, first[0]!.version, 2);
    h.subscriptions.pause(topic);
    assert.equal(h.fetcher.bufferedBytes, 0);
    assert.deepEqual(await h.fetcher.next(AbortSignal.timeout(300)), []);
    h.subscriptions.resume(topic);
    assert.deepEqual(
      (await h.drain(4)).map((m) => m.offset),
      ['2', '3', '4', '5'],
    );
  });

  it('raises a corrupt batch (CRC mismatch) naming the topic, partition and offset, after the records before it', async () => {
    const topic = await broker.newTopic(1);
    const producer = await broker.producer();
    await producer.send({ topic, messages: [{ value: 'good' }] });
    // The log appends what it is given (Produce checks CRCs before it): a batch whose last byte flipped after its CRC was computed.
    const corrupt = encodeRecordBatchSync({ records: [{ value: 'will-be-corrupted' }] });
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length - 1) ^ 0xff, corrupt.length - 1);
    const log = broker.running.broker.topics.get(topic)!.partitions[0]!.log;
    await log.append(corrupt, Date.now());
    const h = await broker.harness(topic, { partitions: [0] });
    const read = await h.drain(1);
    assert.equal(text(read[0]!.value), 'good');
    await assert.rejects(
      h.fetcher.next(AbortSignal.timeout(10_000)),
      (e: unknown) => e instanceof Error && (e as { type?: string }).type === 'CORRUPT_MESSAGE' && e.message.includes(`topic "${topic}" partition 0`) && e.message.includes('offset 1') && (e as { retriable?: boolean }).retriable === false,
    );
  });
});
