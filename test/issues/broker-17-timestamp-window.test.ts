/**
 * Regression (issue 11's gaps): `message.timestamp.before.max.ms`,
 * `message.timestamp.after.max.ms` and the deprecated
 * `message.timestamp.difference.max.ms` were accepted as topic configs but not
 * enforced: a record stamped two hours in the past or future was stored.
 *
 * What these tests ask for, as Kafka's LogValidator (KIP-937): on a CreateTime
 * topic a batch holding a record outside [now - before, now + after] is refused
 * whole with INVALID_TIMESTAMP (not retriable), naming the configs; a config left
 * at its default falls back to difference.max.ms; LogAppendTime topics take any
 * timestamp, since the broker stamps the batch. KafkaJS's producer is the peer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kafka, type Producer, logLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';

const HOUR = 3_600_000;

describe('the broker enforces the topic timestamp window', () => {
  let running: RunningBroker;
  let producer: Producer;

  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'num.partitions': 1 } });
    const t = running.broker.topics;
    await t.create('ts-window', 1, new Map([['message.timestamp.before.max.ms', 60_000], ['message.timestamp.after.max.ms', 60_000]]));
    await t.create('ts-difference', 1, new Map([['message.timestamp.difference.max.ms', 60_000]]));
    await t.create('ts-before-only', 1, new Map([['message.timestamp.before.max.ms', 60_000]]));
    await t.create('ts-append-time', 1, new Map<string, string | number>([['message.timestamp.type', 'LogAppendTime'], ['message.timestamp.before.max.ms', 60_000]]));
    await t.create('ts-unlimited', 1, new Map());
    producer = new Kafka({ clientId: 'ts-window', brokers: [running.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer();
    await producer.connect();
  });
  after(async () => {
    await producer.disconnect();
    await running.close();
  });

  const send = (topic: string, timestamp: number) => producer.send({ topic, acks: -1, messages: [{ value: 'in window' }, { value: 'stamped', timestamp: String(timestamp) }] });

  it('refuses a batch with a record older than before.max.ms, storing none of it', async () => {
    await assert.rejects(send('ts-window', Date.now() - 2 * HOUR), (e: Error & { type?: string }) => {
      assert.equal(e.type, 'INVALID_TIMESTAMP');
      return true;
    });
    assert.equal(running.broker.topics.get('ts-window')!.partitions[0]!.log.logEndOffset, 0);
  });

  it('refuses a record further in the future than after.max.ms', async () => {
    await assert.rejects(send('ts-window', Date.now() + 2 * HOUR), { type: 'INVALID_TIMESTAMP' });
  });

  it('stores records inside the window', async () => {
    const [result] = await send('ts-window', Date.now() - 1000);
    assert.equal(result!.errorCode, 0);
    assert.equal(running.broker.topics.get('ts-window')!.partitions[0]!.log.logEndOffset, 2);
  });

  it('falls back to difference.max.ms for both sides when before and after are left at their defaults', async () => {
    await assert.rejects(send('ts-difference', Date.now() - 2 * HOUR), { type: 'INVALID_TIMESTAMP' });
    await assert.rejects(send('ts-difference', Date.now() + 2 * HOUR), { type: 'INVALID_TIMESTAMP' });
  });

  it('limits only the side that is set', async () => {
    await assert.rejects(send('ts-before-only', Date.now() - 2 * HOUR), { type: 'INVALID_TIMESTAMP' });
    await send('ts-before-only', Date.now() + 2 * HOUR);
  });

  it('takes any timestamp on a LogAppendTime topic, and on a topic without limits', async () => {
    await send('ts-append-time', Date.now() - 2 * HOUR);
    await send('ts-unlimited', 0);
    await send('ts-unlimited', Date.now() + 100 * HOUR);
  });
});
