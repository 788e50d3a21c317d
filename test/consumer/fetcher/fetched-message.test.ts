/**
 * The message the consumer hands out is the object KafkaJS's consumer hands out
 * for the same record: own enumerable data properties in KafkaJS's order, so a
 * handler written for KafkaJS that spreads it (`{ ...message, value: parsed }`),
 * lists it (`Object.keys`, `Object.entries`), clones it, serializes it or compares
 * it with `deepStrictEqual` sees every field. Checked against KafkaJS 2.2.4
 * itself, consuming the same records from our broker.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kafka as KafkaJS, logLevel as kafkaJsLogLevel, type KafkaMessage } from 'kafkajs';
import { decodePartitionRecords } from '../../../src/consumer/fetcher/partition-records.js';
import { type ConsumerMessage, messageOffset } from '../../../src/consumer/consumer-message.js';
import { encodeRecordBatchSync } from '../../../src/protocol/records/record-batch.js';
import { eventually } from '../../support/eventually.js';
import { within } from '../../support/within.js';
import { useConsumerFixture } from '../consumer-fixture.js';

const input = { fetchOffset: 0, isolationLevel: 0, lastStableOffset: -1, abortedTransactions: null } as const;

async function decode(records: Parameters<typeof encodeRecordBatchSync>[0]['records'], baseOffset = 0) {
  return (await decodePartitionRecords(encodeRecordBatchSync({ baseOffset, records }), input)).messages;
}

/** KafkaJS's own keys of a record-batch message (its record decoder's object literal). */
const KAFKAJS_KEYS = ['magicByte', 'attributes', 'timestamp', 'offset', 'key', 'value', 'headers', 'isControlRecord', 'batchContext'];

describe('A fetched message', () => {
  it('is a plain object of KafkaJS’s fields: keys, spread, entries, JSON and structuredClone see them all', async () => {
    const [a, b] = await decode(
      [
        { key: 'k', value: '{"n":1}', timestamp: 1_700_000_000_123, headers: [{ key: 'h', value: 'x' }] },
        { key: null, value: 'only-value', timestamp: 1_700_000_000_124 },
      ],
      2 ** 33,
    );
    assert.deepEqual(Object.keys(a!), KAFKAJS_KEYS);
    assert.equal(Object.getPrototypeOf(a), Object.prototype);
    assert.deepEqual(Object.getOwnPropertySymbols(a), []);
    const parsed = { ...a!, value: JSON.parse(a!.value!.toString()) as unknown };
    assert.deepEqual(parsed.value, { n: 1 });
    assert.equal(String(parsed.key), 'k');
    assert.equal(parsed.offset, String(2 ** 33));
    assert.equal(parsed.timestamp, '1700000000123');
    assert.deepEqual(parsed.headers, { h: Buffer.from('x') });
    assert.deepEqual(
      Object.entries(b!).map(([k]) => k),
      KAFKAJS_KEYS,
    );
    assert.equal(b!.key, null);
    assert.equal(String(b!.value), 'only-value');
    assert.equal(b!.offset, String(2 ** 33 + 1));
    assert.equal(b!.attributes, 0);
    assert.equal(b!.magicByte, 2);
    assert.equal(b!.isControlRecord, false);
    // One batch context for the batch's messages, as KafkaJS shares it.
    assert.equal(a!.batchContext, b!.batchContext);
    assert.equal(a!.batchContext.firstOffset, String(2 ** 33));
    assert.equal(a!.batchContext.lastOffsetDelta, 1);
    const json = JSON.parse(JSON.stringify(a)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), KAFKAJS_KEYS);
    assert.deepEqual(json.value, { type: 'Buffer', data: [...Buffer.from('{"n":1}')] });
    const cloned = structuredClone(a!);
    assert.deepEqual(Object.keys(cloned), KAFKAJS_KEYS);
    assert.equal(Buffer.from(cloned.value!).toString(), '{"n":1}');
    assert.equal(messageOffset(b!), 2 ** 33 + 1);
  });

  it('gives every message its own headers object, with or without headers', async () => {
    const [a, b, c] = await decode([{ value: '1' }, { value: '2' }, { value: '3', headers: [{ key: 'h', value: 'x' }] }]);
    assert.notEqual(a!.headers, b!.headers);
    a!.headers.added = Buffer.from('y');
    assert.deepEqual(b!.headers, {});
    c!.headers.h = Buffer.from('changed');
    assert.deepEqual(Object.keys(a!.headers), ['added']);
  });

  it('takes assignments, as a plain object does; the offset a handler assigns is the one resolved, as in KafkaJS', async () => {
    const [m] = await decode([{ key: 'k', value: 'v' }]);
    m!.value = Buffer.from('changed');
    m!.key = null;
    m!.offset = '42';
    assert.equal(String(m!.value), 'changed');
    assert.equal(m!.key, null);
    assert.equal(messageOffset(m!), 42);
  });
});

describe('A consumed message equals KafkaJS’s for the same record', () => {
  const fixture = useConsumerFixture('fetched-message');

  for (const timestampType of ['CreateTime', 'LogAppendTime'] as const) {
    it(`own keys, order, offsets, timestamps, Buffers, headers and batch context (${timestampType})`, { timeout: 60_000 }, async () => {
      const topic = `fetched-message-${timestampType}`;
      const topics = fixture.running.broker.topics;
      await topics.create(topic, 1, topics.validateConfigs([['message.timestamp.type', timestampType]]));
      const producer = fixture.kafka.producer();
      await producer.connect();
      try {
        await producer.send({
          topic,
          messages: [
            { key: 'key-1', value: 'value-1', timestamp: '1700000000001', headers: { trace: 'abc', tag: ['a', 'b'], empty: '' } },
            { key: null, value: 'value-2', timestamp: '1700000000002' },
            { key: 'key-3', value: null, timestamp: '1700000000003', headers: { only: 'one' } },
          ],
        });
      } finally {
        await producer.disconnect();
      }

      const ours: ConsumerMessage[] = [];
      const consumer = fixture.consumer({ groupId: fixture.newGroup() });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void ours.push(message) });
      await eventually('tskafka to consume 3 records', () => (ours.length >= 3 ? true : undefined), 30_000);
      await within('tskafka disconnect', consumer.disconnect(), 30_000);

      const theirs: KafkaMessage[] = [];
      const kafkajs = new KafkaJS({ clientId: 'fetched-message-kafkajs', brokers: [fixture.running.bootstrap], logLevel: kafkaJsLogLevel.NOTHING });
      const peer = kafkajs.consumer({ groupId: fixture.newGroup(), maxWaitTimeInMs: 100 });
      await peer.connect();
      try {
        await peer.subscribe({ topics: [topic], fromBeginning: true });
        await peer.run({ eachMessage: async ({ message }) => void theirs.push(message) });
        await eventually('KafkaJS to consume 3 records', () => (theirs.length >= 3 ? true : undefined), 30_000);
      } finally {
        await within('KafkaJS disconnect', peer.disconnect(), 30_000);
      }

      assert.equal(ours.length, 3);
      assert.equal(theirs.length, 3);
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(Object.keys(ours[i]!), Object.keys(theirs[i]!));
        assert.deepEqual(Object.keys(ours[i]!.headers), Object.keys(theirs[i]!.headers ?? {}));
        assert.deepEqual(Object.keys(ours[i]!.batchContext), Object.keys((theirs[i] as unknown as ConsumerMessage).batchContext));
        assert.deepStrictEqual(ours[i], theirs[i]);
        assert.deepStrictEqual({ ...ours[i]! }, { ...theirs[i]! });
        assert.equal(JSON.stringify(ours[i]), JSON.stringify(theirs[i]));
      }
      assert.deepEqual(ours[0]!.headers.tag, [Buffer.from('a'), Buffer.from('b')]);
      assert.equal(ours[0]!.batchContext.timestampType, timestampType === 'LogAppendTime' ? 1 : 0);
      if (timestampType === 'CreateTime') assert.equal(ours[1]!.timestamp, '1700000000002');
    });
  }
});
