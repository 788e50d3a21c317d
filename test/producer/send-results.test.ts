/**
 * What `send` answers and what it writes, checked against the partition logs of
 * the embedded broker: KafkaJS's RecordMetadata plus each record's offset;
 * partition choice (explicit, Java's murmur2 of the key, sticky for keyless
 * records); keys, tombstones, headers and timestamps as given; bad messages
 * refused before anything of their send is written; the lifecycle (connect,
 * disconnect that flushes); fire-and-forget failures reported, never unhandled;
 * the callback API, metrics and events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { KafkaJSConfigurationError, KafkaJSError, KafkaJSMessageTooLargeError, KafkaJSSerializationError } from '../../src/errors/errors.js';
import { KafkaJSProtocolError } from '../../src/errors/protocol-errors.js';
import { Kafka } from '../../src/kafka.js';
import { type InstrumentationEvent, type Producer, type RecordMetadata } from '../../src/producer/producer.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { type KafkaRecord, type RecordBatch, decodeRecordBatches } from '../../src/protocol/records/record-batch.js';
import { useProducerFixture } from '../support/producer-fixture.js';
import { batchesOf as readBatches, logEnd as logEndOf, recordsOf as readRecords } from '../support/partition-log.js';
import { eventually } from '../support/eventually.js';
import { startFaultProxy } from '../support/fault-proxy.js';

// Kafka's UtilsTest.testMurmur2 and Java-printed Utils.murmur2 values: where the Java
// client puts these keys is toPositive(hash) % partitions, whatever our murmur2 says.
const JAVA_MURMUR2: readonly [string, number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
  ['0', 971027396],
  ['1', -1993445489],
  ['128', -326012175],
  ['2187', -1508407203],
  ['16384', -325739742],
  ['78125', -1654490814],
  ['279936', 1462227128],
  ['823543', -2014198330],
];


describe('send results and what send writes', () => {
  const fx = useProducerFixture('send-results');
  const { newTopic, connected } = fx;

  const logEnd = (topic: string, partition: number): number => logEndOf(fx.running, topic, partition);
  const logEnds = (topic: string): number[] => fx.running.broker.topics.get(topic)!.partitions.map((p) => p.log.logEndOffset);
  const batchesOf = (topic: string, partition: number): Promise<RecordBatch[]> => readBatches(fx.running, topic, partition);
  const recordsOf = (topic: string, partition: number): Promise<KafkaRecord[]> => readRecords(fx.running, topic, partition);

  const countRequests = (producer: Producer, apiName: string): { readonly count: number } => {
    const counter = { count: 0 };
    producer.on(producer.events.REQUEST, (e: InstrumentationEvent<{ apiName: string }>) => {
      if (e.payload.apiName === apiName) counter.count++;
    });
    return counter;
  };

  describe('RecordMetadata', () => {
    it("resolves with KafkaJS's RecordMetadata per partition, plus the offset of each record in the order given", async () => {
      const topic = await newTopic();
      const producer = await connected({ lingerMs: 0 });
      await producer.send({ topic, messages: [{ partition: 2, value: 'earlier' }] });
      const result = await producer.send({
        topic,
        messages: [
          { partition: 2, value: 'a' },
          { partition: 0, value: 'b' },
          { partition: 2, value: 'c' },
          { partition: 0, value: 'd' },
          { partition: 2, value: 'e' },
        ],
      });
      const byPartition = new Map(result.map((m) => [m.partition, m]));
      assert.equal(result.length, 2);
      for (const m of result) assert.deepEqual(Object.keys(m).sort(), ['baseOffset', 'errorCode', 'logAppendTime', 'logStartOffset', 'offsets', 'partition', 'topicName']);
      assert.deepEqual(byPartition.get(2), { topicName: topic, partition: 2, errorCode: 0, baseOffset: '1', logAppendTime: '-1', logStartOffset: '0', offsets: ['1', '2', '3'] });
      assert.deepEqual(byPartition.get(0), { topicName: topic, partition: 0, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '0', offsets: ['0', '1'] });
      assert.deepEqual(
        (await recordsOf(topic, 2)).map((r) => [r.offset, r.value!.toString()]),
        [
          [0, 'earlier'],
          [1, 'a'],
          [2, 'c'],
          [3, 'e'],
        ],
      );
    });

    it('reports logStartOffset as the broker has it (after records were deleted)', async () => {
      const topic = await newTopic(1);
      const producer = await connected({ lingerMs: 0 });
      await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `v${i}` })) });
      await fx.running.broker.topics.get(topic)!.partitions[0]!.log.deleteRecordsBefore(3);
      const [m] = await producer.send({ topic, messages: [{ value: 'after' }] });
      assert.equal(m!.logStartOffset, '3');
      assert.equal(m!.baseOffset, '5');
    });

    it('on a LogAppendTime topic, logAppendTime is the time the broker stamped on the batch', async () => {
      const topic = await newTopic(1, [['message.timestamp.type', 'LogAppendTime']]);
      const producer = await connected({ lingerMs: 0 });
      const before = Date.now();
      const [m] = await producer.send({ topic, messages: [{ value: 'a', timestamp: 1_000 }] });
      const [batch] = await batchesOf(topic, 0);
      assert.equal(batch!.timestampType, 'LogAppendTime');
      assert.equal(m!.logAppendTime, String(batch!.maxTimestamp));
      assert.ok(Number(m!.logAppendTime) >= before - 1000);
    });

    it('sends to the same partition made concurrently are written in call order, also before the topic\'s metadata is known', async () => {
      const topic = await newTopic();
      const producer = await connected({ lingerMs: 5 });
      // The producer has never seen this topic: the first sends wait for its metadata.
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send({ topic, messages: [{ partition: 0, value: `m${i}` }] })));
      assert.deepEqual(
        results.map((r) => r[0]!.offsets[0]),
        Array.from({ length: 50 }, (_, i) => String(i)),
      );
      assert.deepEqual(
        (await recordsOf(topic, 0)).map((r) => r.value!.toString()),
        Array.from({ length: 50 }, (_, i) => `m${i}`),
      );
    });

    it('sendBatch writes to several topics and answers for each topic and partition', async () => {
      const [a, b] = [await newTopic(), await newTopic(1)];
      const producer = await connected({ lingerMs: 5 });
      const result = await producer.sendBatch({
        topicMessages: [
          { topic: a, messages: [{ partition: 0, value: 'a0' }, { partition: 1, value: 'a1' }] },
          { topic: b, messages: [{ value: 'b0' }, { value: 'b1' }] },
        ],
      });
      const sorted = [...result].sort((x, y) => x.topicName.localeCompare(y.topicName) || x.partition - y.partition);
      assert.deepEqual(
        sorted.map((m) => [m.topicName, m.partition, m.offsets]),
        [
          [a, 0, ['0']],
          [a, 1, ['0']],
          [b, 0, ['0', '1']],
        ],
      );
      assert.deepEqual(logEnds(a), [1, 1, 0]);
      assert.deepEqual(logEnds(b), [2]);
    });

    it('a send with no messages resolves with no metadata', async () => {
      const topic = await newTopic();
      const producer = await connected();
      assert.deepEqual(await producer.send({ topic, messages: [] }), []);
    });
  });

  describe('partitions', () => {
    it('an explicit partition wins over the key', async () => {
      const topic = await newTopic();
      const producer = await connected({ lingerMs: 0 });
      // '21' hashes to partition 1 of 3 in Java (toPositive(-973932308) % 3).
      const [m] = await producer.send({ topic, messages: [{ key: '21', partition: 2, value: 'v' }] });
      assert.equal(m!.partition, 2);
      assert.deepEqual(logEnds(topic), [0, 0, 1]);
    });

    it("keyed records land where the Java client's murmur2 puts them", async () => {
      for (const partitions of [3, 7]) {
        const topic = await newTopic(partitions);
        const producer = await connected({ lingerMs: 5 });
        await producer.send({ topic, messages: JAVA_MURMUR2.map(([key]) => ({ key, value: key })) });
        for (let p = 0; p < partitions; p++) {
          const keys = (await recordsOf(topic, p)).map((r) => r.key!.toString());
          const expected = JAVA_MURMUR2.filter(([, hash]) => (hash & 0x7fffffff) % partitions === p).map(([key]) => key);
          assert.deepEqual(keys, expected, `partition ${p} of ${partitions}`);
        }
      }
    });

    it('Buffer keys hash as their bytes, as string keys do', async () => {
      const topic = await newTopic();
      const producer = await connected({ lingerMs: 0 });
      const [fromString] = await producer.send({ topic, messages: [{ key: 'foobar', value: 's' }] });
      const [fromBuffer] = await producer.send({ topic, messages: [{ key: Buffer.from('foobar'), value: 'b' }] });
      assert.equal(fromString!.partition, (-790332482 & 0x7fffffff) % 3);
      assert.equal(fromBuffer!.partition, fromString!.partition);
    });

    it('keyless records stick to one partition while its batch fills', async () => {
      const topic = await newTopic();
      const producer = await connected({ lingerMs: 20 });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic, messages: [{ value: `v${i}` }, { key: null, value: `w${i}` }] })));
      const partitions = new Set(results.flatMap((r) => r.map((m) => m.partition)));
      assert.equal(partitions.size, 1, `keyless records went to partitions ${[...partitions].join(', ')}`);
      assert.equal(logEnds(topic).reduce((a, b) => a + b, 0), 40);
      assert.equal(Math.max(...logEnds(topic)), 40);
    });
  });

  describe('message contents', () => {
    it('keeps keys, tombstones (null values) and empty values apart', async () => {
      const topic = await newTopic(1);
      const producer = await connected({ lingerMs: 0 });
      await producer.send({
        topic,
        messages: [{ key: 'k', value: null }, { key: 'k', value: '' }, { value: 'no key' }, { key: Buffer.from([0, 255]), value: Buffer.from([1, 2, 3]) }, { key: '', value: 'empty key' }],
      });
      const records = await recordsOf(topic, 0);
      assert.deepEqual(
        records.map((r) => [r.key === null ? null : r.key.toString('hex'), r.value === null ? null : r.value.toString('hex')]),
        [
          ['6b', null],
          ['6b', ''],
          [null, Buffer.from('no key').toString('hex')],
          ['00ff', '010203'],
          ['', Buffer.from('empty key').toString('hex')],
        ],
      );
    });

    it('writes headers given as strings, Buffers and arrays of them, in order', async () => {
      const topic = await newTopic(1);
      const producer = await connected({ lingerMs: 0 });
      await producer.send({
        topic,
        messages: [{ value: 'v', headers: { text: 'héllo', bytes: Buffer.from([0, 1, 255]), many: ['one', Buffer.from('two'), 'three'] } }, { value: 'none' }],
      });
      const [withHeaders, without] = await recordsOf(topic, 0);
      assert.deepEqual(
        withHeaders!.headers.map((h) => [h.key, h.value!.toString('hex')]),
        [
          ['text', Buffer.from('héllo').toString('hex')],
          ['bytes', '0001ff'],
          ['many', Buffer.from('one').toString('hex')],
          ['many', Buffer.from('two').toString('hex')],
          ['many', Buffer.from('three').toString('hex')],
        ],
      );
      assert.equal(without!.headers.length, 0);
    });

    it('keeps explicit timestamps (number or numeric string) and stamps the others with the send time', async () => {
      const topic = await newTopic(1);
      const producer = await connected({ lingerMs: 0 });
      const before = Date.now();
      await producer.send({ topic, messages: [{ value: 'n', timestamp: 1_600_000_000_000 }, { value: 's', timestamp: '1600000000123' }, { value: 'now' }, { value: 'old', timestamp: 0 }] });
      const after = Date.now();
      const [n, s, now, old] = await recordsOf(topic, 0);
      assert.equal(n!.timestamp, 1_600_000_000_000);
      assert.equal(s!.timestamp, 1_600_000_000_123);
      assert.ok(now!.timestamp >= before && now!.timestamp <= after, `${now!.timestamp} not in [${before}, ${after}]`);
      assert.equal(old!.timestamp, 0);
      const [batch] = await batchesOf(topic, 0);
      assert.equal(batch!.timestampType, 'CreateTime');
    });
  });

  describe('refused messages', () => {
    it('a message with an object value fails with KafkaJSSerializationError naming topic and index, and nothing of its send is written', async () => {
      const topic = await newTopic();
      const producer = await connected({ lingerMs: 0 });
      const error = await producer
        .send({ topic, messages: [{ partition: 0, value: 'fine' }, { partition: 1, value: 'also fine' }, { value: { id: 1 } as never }, { value: 'after' }] })
        .then(
          () => assert.fail('the send resolved'),
          (e: unknown) => e,
        );
      assert.ok(error instanceof KafkaJSSerializationError, String(error));
      assert.equal(error.topic, topic);
      assert.equal(error.messageIndex, 2);
      assert.equal(error.field, 'value');
      assert.equal(error.retriable, false);
      assert.match(error.message, new RegExp(`message 2 for topic "${topic}"`));
      await producer.flush();
      assert.deepEqual(logEnds(topic), [0, 0, 0]);
    });

    it('a bad key or headers fail the same way; in sendBatch a bad message in one topic stops every topic', async () => {
      const [a, b] = [await newTopic(), await newTopic()];
      const producer = await connected({ lingerMs: 0 });
      await assert.rejects(producer.send({ topic: a, messages: [{ key: 42 as never, value: 'v' }] }), (e: unknown) => e instanceof KafkaJSSerializationError && e.field === 'key' && e.messageIndex === 0);
      await assert.rejects(producer.send({ topic: a, messages: [{ value: 'v' }, { value: 'v', headers: { h: 7 as never } }] }), (e: unknown) => e instanceof KafkaJSSerializationError && e.field === 'headers' && e.messageIndex === 1);
      await assert.rejects(
        producer.sendBatch({ topicMessages: [{ topic: a, messages: [{ value: 'fine' }] }, { topic: b, messages: [{ value: 'fine' }, { value: [1, 2] as never }] }] }),
        (e: unknown) => e instanceof KafkaJSSerializationError && e.topic === b && e.messageIndex === 1,
      );
      await producer.flush();
      assert.deepEqual([...logEnds(a), ...logEnds(b)], [0, 0, 0, 0, 0, 0]);
    });

    it('a message over maxRequestSize fails with KafkaJSMessageTooLargeError naming size and limit, before anything is sent', async () => {
      const topic = await newTopic();
      const producer = await connected({ lingerMs: 0, maxRequestSize: 10_000 });
      const produce = countRequests(producer, 'Produce');
      const error = await producer.send({ topic, messages: [{ partition: 0, value: 'small' }, { partition: 1, value: Buffer.alloc(20_000) }] }).then(
        () => assert.fail('the send resolved'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof KafkaJSMessageTooLargeError, String(error));
      assert.ok(error.size >= 20_000, `size ${error.size}`);
      assert.equal(error.maxRequestSize, 10_000);
      assert.equal(error.messageIndex, 1);
      assert.equal(error.topic, topic);
      assert.match(error.message, new RegExp(`${error.size} bytes`));
      assert.match(error.message, /maxRequestSize \(10000 bytes\)/);
      // Multi-byte characters: 6,000 characters but 12,000 UTF-8 bytes.
      await assert.rejects(producer.send({ topic, messages: [{ partition: 0, value: 'é'.repeat(6000) }] }), (e: unknown) => e instanceof KafkaJSMessageTooLargeError && e.size >= 12_000);
      await producer.flush();
      assert.equal(produce.count, 0, 'no Produce request was sent');
      assert.deepEqual(logEnds(topic), [0, 0, 0]);
      // A message just under the limit goes through.
      await producer.send({ topic, messages: [{ partition: 0, value: Buffer.alloc(9_000) }] });
      assert.equal(logEnd(topic, 0), 1);
    });

    it('a message to a partition that does not exist fails with UNKNOWN_TOPIC_OR_PARTITION, and nothing of its send is written', async () => {
      const topic = await newTopic();
      const producer = await connected({ lingerMs: 0 });
      await assert.rejects(
        producer.send({ topic, messages: [{ partition: 0, value: 'fine' }, { partition: 3, value: 'no such partition' }] }),
        (e: unknown) => e instanceof KafkaJSProtocolError && e.type === 'UNKNOWN_TOPIC_OR_PARTITION' && /partition 3/.test(e.message),
      );
      await producer.flush();
      assert.deepEqual(logEnds(topic), [0, 0, 0]);
    });
  });

  describe('lifecycle', () => {
    it('send before connect fails clearly, and writes nothing', async () => {
      const topic = await newTopic();
      const producer = fx.producer();
      await assert.rejects(producer.send({ topic, messages: [{ value: 'v' }] }), (e: unknown) => e instanceof KafkaJSError && !e.retriable && /connect\(\) first/.test(e.message));
      await assert.rejects(producer.sendBatch({ topicMessages: [{ topic, messages: [{ value: 'v' }] }] }), /connect\(\) first/);
      assert.deepEqual(logEnds(topic), [0, 0, 0]);
    });

    it('connect() twice, at once or one after the other, is harmless: one connect event, sends work', async () => {
      const topic = await newTopic();
      const producer = fx.producer({ lingerMs: 0 });
      let connects = 0;
      producer.on(producer.events.CONNECT, () => connects++);
      await Promise.all([producer.connect(), producer.connect()]);
      await producer.connect();
      assert.equal(connects, 1);
      const [m] = await producer.send({ topic, messages: [{ partition: 0, value: 'v' }] });
      assert.deepEqual(m!.offsets, ['0']);
    });

    it('disconnect() sends what is pending first: sends not awaited, with a long linger, are in the log', async () => {
      const [seen, unseen] = [await newTopic(), await newTopic()];
      const producer = await connected({ lingerMs: 60_000 });
      const warmUp = producer.send({ topic: seen, messages: [{ partition: 2, value: 'warm-up' }] });
      await producer.flush();
      await warmUp;
      const started = Date.now();
      const sends = [
        producer.send({ topic: seen, messages: [{ partition: 0, value: 'a' }, { partition: 1, value: 'b' }] }),
        // A topic the producer has not seen: this send is still waiting for metadata when disconnect() is called.
        producer.send({ topic: unseen, messages: [{ partition: 0, value: 'c' }] }),
      ];
      await producer.disconnect();
      assert.ok(Date.now() - started < 30_000, 'without waiting for the 60 s linger');
      assert.deepEqual(logEnds(seen), [1, 1, 1]);
      assert.deepEqual(logEnds(unseen), [1, 0, 0]);
      const [first, second] = await Promise.all(sends);
      assert.equal(first!.length, 2);
      assert.deepEqual(second![0]!.offsets, ['0']);
      await assert.rejects(producer.send({ topic: seen, messages: [{ value: 'late' }] }), /connect\(\) first/);
      await producer.disconnect();
    });

    it('a producer can connect again after disconnect()', async () => {
      const topic = await newTopic();
      const producer = await connected({ lingerMs: 0 });
      await producer.send({ topic, messages: [{ partition: 0, value: 'one' }] });
      await producer.disconnect();
      await producer.connect();
      const [m] = await producer.send({ topic, messages: [{ partition: 0, value: 'two' }] });
      assert.deepEqual(m!.offsets, ['1']);
    });

    it('Symbol.asyncDispose disconnects after sending what is pending', async () => {
      const topic = await newTopic();
      const producer = await connected({ lingerMs: 30_000 });
      let disconnected = false;
      producer.on(producer.events.DISCONNECT, () => (disconnected = true));
      void producer.send({ topic, messages: [{ partition: 0, value: 'v' }] });
      await producer[Symbol.asyncDispose]();
      assert.equal(disconnected, true);
      assert.equal(logEnd(topic, 0), 1);
    });
  });

  describe('fire and forget', () => {
    it('a send nobody awaits that fails leaves no unhandled rejection and emits producer.send_error', async () => {
      const topic = await newTopic();
      const producer = await connected({ lingerMs: 0 });
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => {
        unhandled.push(reason);
      };
      process.on('unhandledRejection', onUnhandled);
      const errors: InstrumentationEvent<{ error: Error }>[] = [];
      producer.on(producer.events.SEND_ERROR, (e: InstrumentationEvent<{ error: Error }>) => errors.push(e));
      try {
        void producer.send({ topic, messages: [{ partition: 99, value: 'nowhere' }] });
        void producer.send({ topic: 'no such topic!', messages: [{ value: 'bad name' }] });
        void producer.sendBatch({ topicMessages: [{ topic, messages: [{ value: { object: true } as never }] }] });
        void producer.send(null as never);
        await eventually('four send_error events', () => (errors.length >= 4 ? true : undefined), 30_000);
        // Unhandled rejections are reported after the microtask queue drains: give them a few turns.
        for (let i = 0; i < 5; i++) await sleep(10);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
      assert.deepEqual(unhandled, []);
      assert.equal(errors.length, 4);
      const reported = errors.map((e) => e.payload.error);
      assert.ok(reported.some((e) => e instanceof KafkaJSProtocolError && e.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && /partition 99/.test(e.message)));
      assert.ok(reported.some((e) => e instanceof KafkaJSProtocolError && e.type === 'INVALID_TOPIC_EXCEPTION'));
      assert.ok(reported.some((e) => e instanceof KafkaJSSerializationError));
      assert.ok(reported.some((e) => e instanceof KafkaJSError && /takes \{ topic, messages \}/.test(e.message)));
      assert.ok(errors.every((e) => e.type === 'producer.send_error'));
      assert.deepEqual(logEnds(topic), [0, 0, 0]);
    });

    it('produce(record, callback) calls back with the metadata, or with the error', async () => {
      const topic = await newTopic();
      const producer = await connected({ lingerMs: 0 });
      const ok = await new Promise<{ error: Error | null; metadata: RecordMetadata[] | undefined }>((resolve) => producer.produce({ topic, messages: [{ partition: 1, value: 'v' }] }, (error, metadata) => resolve({ error, metadata })));
      assert.equal(ok.error, null);
      assert.deepEqual(ok.metadata![0]!.offsets, ['0']);
      assert.equal(ok.metadata![0]!.partition, 1);
      const failed = await new Promise<{ error: Error | null; metadata: RecordMetadata[] | undefined }>((resolve) => producer.produce({ topic, messages: [{ partition: 7, value: 'v' }] }, (error, metadata) => resolve({ error, metadata })));
      assert.ok(failed.error instanceof KafkaJSProtocolError);
      assert.equal(failed.metadata, undefined);
      // Without a callback, a failure goes nowhere but the event.
      assert.doesNotThrow(() => producer.produce({ topic, messages: [{ partition: 7, value: 'v' }] }));
      assert.equal(logEnd(topic, 1), 1);
    });
  });

  describe('events', () => {
    it('producer.connect, producer.network.request (with the API name) and producer.disconnect fire', async () => {
      const topic = await newTopic();
      const producer = fx.producer({ lingerMs: 0 });
      const events: InstrumentationEvent<Record<string, unknown>>[] = [];
      for (const name of [producer.events.CONNECT, producer.events.DISCONNECT, producer.events.REQUEST] as const) producer.on(name, (e: InstrumentationEvent<Record<string, unknown>>) => events.push(e));
      await producer.connect();
      await producer.send({ topic, messages: [{ partition: 0, value: 'v' }] });
      await producer.disconnect();
      const types = events.map((e) => e.type);
      assert.equal(types[0], 'producer.network.request', 'requests made while connecting are reported');
      assert.equal(types.filter((t) => t === 'producer.connect').length, 1);
      assert.equal(types.at(-1), 'producer.disconnect');
      const requests = events.filter((e) => e.type === 'producer.network.request');
      const apis = new Set(requests.map((e) => e.payload.apiName));
      for (const api of ['ApiVersions', 'Metadata', 'InitProducerId', 'Produce']) assert.ok(apis.has(api), `a ${api} request event among ${[...apis].join(', ')}`);
      const produce = requests.find((e) => e.payload.apiName === 'Produce')!;
      assert.equal(produce.payload.apiKey, ApiKey.Produce);
      assert.equal(produce.payload.broker, fx.running.bootstrap);
      assert.equal(produce.payload.clientId, 'send-results-test');
      assert.ok((produce.payload.size as number) > 0);
      assert.ok((produce.payload.duration as number) >= 0);
      assert.ok(events.every((e, i) => i === 0 || e.id > events[i - 1]!.id), 'event ids increase');
      assert.ok(events.every((e) => typeof e.timestamp === 'number'));
    });

    it('the function on() returns removes the listener; an unknown event name is refused', async () => {
      const producer = fx.producer();
      let count = 0;
      const off = producer.on(producer.events.CONNECT, () => count++);
      off();
      await producer.connect();
      assert.equal(count, 0);
      assert.throws(() => producer.on('producer.nope' as never, () => undefined), KafkaJSConfigurationError);
    });
  });
});

describe('producer metrics', () => {
  let running: RunningBroker | undefined;
  let producer: Producer;
  let proxyClose: (() => Promise<void>) | undefined;

  after(async () => {
    await producer?.disconnect();
    await proxyClose?.();
    await running?.close();
  });

  it('counts records and batches, and measures compression ratio, latencies and buffer use', async () => {
    // Produce responses come through a proxy that holds them 30 ms, so request latencies are measurably above 0.
    const proxy = await startFaultProxy(() => `127.0.0.1:${running!.port}`);
    proxyClose = proxy.close;
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'advertised.listeners': `PLAINTEXT://${proxy.address}` } });
    await running.broker.topics.create('metrics', 2, new Map());
    proxy.delayResponses(30, { apiKey: ApiKey.Produce });
    producer = new Kafka({ clientId: 'metrics-test', brokers: [proxy.address], logLevel: logLevel.NOTHING }).producer({ compression: 'zstd', lingerMs: 10 });
    await producer.connect();
    const warmUp = producer.send({ topic: 'metrics', messages: [{ partition: 0, value: 'warm-up' }] });
    await producer.flush();
    await warmUp;
    const first = producer.metrics();
    assert.equal(first.recordsSent, 1);
    assert.equal(first.batchesSent, 1);
    const empty = new Kafka({ brokers: [proxy.address], logLevel: logLevel.NOTHING }).producer().metrics();
    assert.equal(empty.recordsSent, 0);
    assert.equal(empty.batchesSent, 0);
    assert.equal(empty.compressionRatio, 1);
    assert.equal(empty.bufferMemory, 32 * 1024 * 1024);

    const value = 'the same words again and again, '.repeat(20);
    const sends = [];
    for (let i = 0; i < 10; i++) sends.push(producer.send({ topic: 'metrics', messages: Array.from({ length: 10 }, (_, j) => ({ partition: (i + j) % 2, value })) }));
    assert.ok(producer.metrics().bufferUsedBytes > 100 * value.length, 'the records are held in the buffer until sent');
    await Promise.all(sends);
    await assert.rejects(producer.send({ topic: 'metrics', messages: [{ partition: 5, value }] }));

    const m = producer.metrics();
    const batches = await Promise.all([0, 1].map(async (p) => (await decodeRecordBatches(running!.broker.topics.get('metrics')!.partitions[p]!.log.read(0, 1 << 24).records)).length));
    assert.equal(m.recordsSent, 101);
    assert.equal(m.recordsFailed, 0);
    assert.equal(m.batchesSent, batches[0]! + batches[1]!);
    assert.equal(m.recordsPerBatch, 101 / m.batchesSent);
    assert.ok(m.compressionRatio > 1, `compression ratio ${m.compressionRatio}`);
    assert.ok(m.bytesSent > 0 && m.bytesSent < 100 * value.length, `bytes sent ${m.bytesSent}`);
    assert.ok(m.requestLatencyP50 >= 25, `request latency p50 ${m.requestLatencyP50}`);
    assert.ok(m.requestLatencyP99 >= m.requestLatencyP50);
    assert.ok(m.sendLatencyP50 >= 25, `send latency p50 ${m.sendLatencyP50}`);
    assert.ok(m.sendLatencyP99 >= m.sendLatencyP50);
    assert.equal(m.bufferUsedBytes, 0, 'the buffer is empty once everything is acknowledged');
    assert.equal(m.retries, 0);
  });
});
