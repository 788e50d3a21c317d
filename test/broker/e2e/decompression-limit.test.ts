/**
 * The broker decompresses every compressed batch it is sent, to check its records
 * (Kafka's LogValidator). A small batch can expand enormously (a decompression
 * bomb), so a batch whose records would expand past socket.request.max.bytes is
 * refused with INVALID_RECORD before it is expanded, and the broker keeps serving.
 * Driven by KafkaJS, which puts a whole send into one batch per partition.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompressionTypes, Kafka, type Producer, logLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';

const MiB = 1024 * 1024;
const LIMIT = 4 * MiB;

describe('decompression limit on produce', () => {
  let broker: RunningBroker;
  let producer: Producer;

  before(async () => {
    broker = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'socket.request.max.bytes': LIMIT } });
    await broker.broker.topics.create('expanding', 1, new Map());
    const kafka = new Kafka({ clientId: 'decompression-limit', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  after(async () => {
    await producer.disconnect();
    await broker.close();
  });

  const zeros = (records: number) => Array.from({ length: records }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(512 * 1024) }));

  it('a gzip batch of a few KB whose records expand to 8 MiB is refused with INVALID_RECORD, and nothing is stored', async () => {
    const error = await producer.send({ topic: 'expanding', acks: -1, compression: CompressionTypes.GZIP, messages: zeros(16) }).then(
      () => assert.fail('the broker expanded a batch past socket.request.max.bytes'),
      (e: unknown) => e as Error & { type?: string },
    );
    assert.equal(error.type, 'INVALID_RECORD', String(error));
    assert.equal(broker.broker.topics.get('expanding')!.partitions[0]!.log.logEndOffset, 0);
  });

  it('a batch expanding to less than the limit is stored, on the same broker', async () => {
    const [meta] = await producer.send({ topic: 'expanding', acks: -1, compression: CompressionTypes.GZIP, messages: zeros(4) });
    assert.equal(meta!.errorCode, 0);
    assert.equal(broker.broker.topics.get('expanding')!.partitions[0]!.log.logEndOffset, 4);
  });
});
