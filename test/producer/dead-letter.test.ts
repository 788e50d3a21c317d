/**
 * sendWithDeadLetter against the embedded broker: messages that finally fail
 * (refused by the broker for good, or past their delivery timeout) land in the
 * dead-letter topic with headers naming the error; delivered messages do not;
 * the caller's own mistakes are thrown, not dead-lettered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { KafkaJSConfigurationError, KafkaJSSerializationError } from '../../src/errors/errors.js';
import { Kafka } from '../../src/kafka.js';
import { type DeadLetterEvent, KafkaJSDeadLetterError, sendWithDeadLetter } from '../../src/producer/dead-letter.js';
import { type Message } from '../../src/producer/message.js';
import { type Producer } from '../../src/producer/producer.js';
import { type KafkaRecord, decodeRecordBatches } from '../../src/protocol/records/record-batch.js';

describe('sendWithDeadLetter', () => {
  let running: RunningBroker;
  let producer: Producer;
  /** A short delivery timeout, only for the sends meant to run out of it. */
  let timingOut: Producer;
  const shortDeliveryTimeoutMs = 3000;

  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
    const kafka = new Kafka({ clientId: 'dead-letter-test', brokers: [running.bootstrap], logLevel: logLevel.NOTHING });
    // A delivery timeout no loaded machine reaches: sends meant to succeed (dead-letter writes
    // to auto-created topics among them) must not fail for want of time.
    producer = kafka.producer({ lingerMs: 1, deliveryTimeoutMs: 30_000, retry: { initialRetryTime: 50, maxRetryTime: 100 } });
    timingOut = kafka.producer({ lingerMs: 1, deliveryTimeoutMs: shortDeliveryTimeoutMs, retry: { initialRetryTime: 50, maxRetryTime: 100 } });
    await producer.connect();
    await timingOut.connect();
  });

  after(async () => {
    await producer.disconnect();
    await timingOut.disconnect();
    await running.close();
  });

  const createTopic = (name: string, partitions: number, configs: Record<string, number> = {}) => running.broker.topics.create(name, partitions, new Map(Object.entries(configs)));

  /** Every record of a topic (empty when it does not exist), read from the logs. */
  const readTopic = async (name: string): Promise<(KafkaRecord & { partition: number })[]> => {
    const topic = running.broker.topics.get(name);
    if (!topic) return [];
    const records: (KafkaRecord & { partition: number })[] = [];
    for (const { index, log } of topic.partitions) {
      if (log.logEndOffset === log.logStartOffset) continue;
      for (const batch of await decodeRecordBatches(log.read(log.logStartOffset, 1024 * 1024, log.logEndOffset).records)) {
        for (const r of batch.records) records.push({ ...r, partition: index });
      }
    }
    return records;
  };

  const headersOf = (r: KafkaRecord): Record<string, string> => Object.fromEntries(r.headers.map((h) => [h.key, h.value?.toString() ?? '']));

  it('a message the broker refuses for good (MESSAGE_TOO_LARGE) lands in the dead-letter topic with headers naming the error; the others are delivered', async () => {
    await createTopic('orders-small', 2, { 'max.message.bytes': 300 });
    const events: DeadLetterEvent[] = [];
    const big = 'x'.repeat(1000);
    const before = Date.now();
    const outcomes = await sendWithDeadLetter(
      producer,
      {
        topic: 'orders-small',
        messages: [
          { key: 'fits', value: 'small', partition: 0 },
          { key: 'too-big', value: big, partition: 1, headers: { trace: 'abc' }, timestamp: 1_700_000_000_000 },
        ],
      },
      { deadLetterTopic: 'orders-small.DLQ', onDeadLetter: (e) => void events.push(e) },
    );

    assert.equal(outcomes[0]!.status, 'delivered');
    assert.equal(outcomes[1]!.status, 'dead-lettered');
    const [delivered] = await readTopic('orders-small');
    assert.equal(delivered?.value?.toString(), 'small');
    assert.equal((await readTopic('orders-small')).length, 1, 'the oversized message is not in the original topic');

    const dead = await readTopic('orders-small.DLQ');
    assert.equal(dead.length, 1);
    const record = dead[0]!;
    assert.equal(record.key?.toString(), 'too-big');
    assert.equal(record.value?.toString(), big, 'the original value, unchanged');
    assert.equal(record.timestamp, 1_700_000_000_000, 'the original timestamp');
    const headers = headersOf(record);
    assert.equal(headers.trace, 'abc', 'the original headers are kept');
    assert.equal(headers['dlq.error.class'], 'KafkaJSProtocolError');
    assert.match(headers['dlq.error.message'] ?? '', /max\.message\.bytes|too large|MESSAGE_TOO_LARGE/i);
    assert.equal(headers['dlq.error.code'], '10');
    assert.equal(headers['dlq.error.type'], 'MESSAGE_TOO_LARGE');
    assert.equal(headers['dlq.original.topic'], 'orders-small');
    assert.equal(headers['dlq.original.partition'], '1');
    const failedAt = Number(headers['dlq.failed.at']);
    assert.ok(failedAt >= before && failedAt <= Date.now(), `dlq.failed.at is the time of failure: ${headers['dlq.failed.at']}`);

    assert.equal(events.length, 1, 'onDeadLetter is told once');
    assert.equal(events[0]!.index, 1);
    assert.equal(events[0]!.message.key, 'too-big');
    assert.equal(events[0]!.deadLetterTopic, 'orders-small.DLQ');
    const outcome = outcomes[1]!;
    assert.ok(outcome.status === 'dead-lettered');
    assert.equal(outcome.deadLetterOffset, String(record.offset));
    assert.equal(events[0]!.error, outcome.error);
  });

  it('a message whose delivery times out (NOT_ENOUGH_REPLICAS until deliveryTimeoutMs) is dead-lettered with the timeout and its last cause', async () => {
    await createTopic('under-replicated', 1, { 'min.insync.replicas': 2 });
    // The send runs out of its (short) delivery timeout; the dead-letter write has all the time it needs.
    const outcomes = await sendWithDeadLetter(timingOut, { topic: 'under-replicated', messages: [{ key: 'k', value: 'v' }] }, { deadLetterTopic: 'under-replicated.DLQ', deadLetterProducer: producer });
    assert.equal(outcomes[0]!.status, 'dead-lettered');
    const [record, ...more] = await readTopic('under-replicated.DLQ');
    assert.equal(more.length, 0);
    const headers = headersOf(record!);
    assert.equal(headers['dlq.error.class'], 'KafkaJSDeliveryTimeoutError');
    assert.match(headers['dlq.error.message'] ?? '', new RegExp(`deliveryTimeoutMs \\(${shortDeliveryTimeoutMs} ms\\)`));
    assert.equal(headers['dlq.error.code'], '19', 'the code of the last attempt');
    assert.equal(headers['dlq.error.type'], 'NOT_ENOUGH_REPLICAS');
    assert.equal(headers['dlq.error.cause.class'], 'KafkaJSProtocolError');
    assert.equal(headers['dlq.original.topic'], 'under-replicated');
    assert.equal(headers['dlq.original.partition'], undefined, 'unknown: the partitioner chose it');
    assert.equal((await readTopic('under-replicated')).length, 0);
  });

  it('a mistake of the caller (a value that is not a string or Buffer) is thrown, not dead-lettered', async () => {
    const notSerialized = { value: { orderId: 1 } } as unknown as Message;
    await assert.rejects(sendWithDeadLetter(producer, { topic: 'caller-mistake', messages: [notSerialized] }, { deadLetterTopic: 'caller-mistake.DLQ' }), KafkaJSSerializationError);
    assert.equal((await readTopic('caller-mistake.DLQ')).length, 0);
  });

  it('when the dead-letter write fails too, the call rejects with KafkaJSDeadLetterError carrying both errors', async () => {
    await createTopic('both-small', 1, { 'max.message.bytes': 200 });
    await createTopic('both-small.DLQ', 1, { 'max.message.bytes': 200 });
    const error = await sendWithDeadLetter(producer, { topic: 'both-small', messages: [{ value: 'y'.repeat(500) }] }, { deadLetterTopic: 'both-small.DLQ' }).then(
      () => assert.fail('nothing could be written'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof KafkaJSDeadLetterError, String(error));
    assert.equal(error.retriable, false);
    assert.match(error.originalError.message, /MESSAGE_TOO_LARGE|max\.message\.bytes/);
    assert.match((error.cause as Error).message, /MESSAGE_TOO_LARGE|max\.message\.bytes/);
    assert.equal(error.deadLetterTopic, 'both-small.DLQ');
  });

  it('refuses a dead-letter topic that is missing or the record topic itself', async () => {
    await assert.rejects(sendWithDeadLetter(producer, { topic: 'loop', messages: [{ value: 'v' }] }, { deadLetterTopic: 'loop' }), KafkaJSConfigurationError);
    await assert.rejects(sendWithDeadLetter(producer, { topic: 'loop', messages: [{ value: 'v' }] }, { deadLetterTopic: '' }), KafkaJSConfigurationError);
  });

  it('a message that fits is not failed with the oversized message it shares a batch with (the refused batch is split)', async () => {
    await createTopic('shared-batch', 1, { 'max.message.bytes': 300 });
    const outcomes = await sendWithDeadLetter(
      producer,
      { topic: 'shared-batch', messages: [{ key: 'fits', value: 'small' }, { key: 'too-big', value: 'z'.repeat(1000) }] },
      { deadLetterTopic: 'shared-batch.DLQ' },
    );
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['delivered', 'dead-lettered'],
    );
  });
});
