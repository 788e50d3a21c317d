/**
 * Producer options: every invalid value is refused when the producer is built,
 * by a KafkaJSConfigurationError naming the option; the defaults follow the Java
 * client (idempotent with acks=all, turned off by conflicting settings as in
 * KIP-679), and show on the wire: an idempotent producer's batches carry a
 * producer id, a plain one's carry -1. The user's config object is never changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { KafkaJSConfigurationError } from '../../src/errors/errors.js';
import { Kafka } from '../../src/kafka.js';
import { type Producer } from '../../src/producer/producer.js';
import { type ProducerConfig } from '../../src/producer/producer-config.js';
import { type RecordBatch, decodeRecordBatches } from '../../src/protocol/records/record-batch.js';

/** Nothing connects at construction, so an unreachable address is enough for validation tests. */
const offline = new Kafka({ clientId: 'options-test', brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });

/** Build a producer with `config` and return the configuration error it throws. */
function refusal(config: unknown): KafkaJSConfigurationError {
  try {
    offline.producer(config as ProducerConfig);
  } catch (e) {
    assert.ok(e instanceof KafkaJSConfigurationError, `expected a KafkaJSConfigurationError, got ${String(e)}`);
    assert.equal(e.retriable, false);
    return e;
  }
  assert.fail(`producer(${JSON.stringify(config)}) was accepted`);
}

describe('producer options: invalid values are refused at construction, naming the option', () => {
  const cases: readonly { name: string; config: Record<string, unknown>; option: string; mention?: RegExp }[] = [
    { name: 'an unknown option (a typo of lingerMs)', config: { lingerMS: 5 }, option: 'producer.lingerMS', mention: /unknown option; did you mean 'lingerMs'\?/ },
    { name: 'acks 2', config: { acks: 2 }, option: 'producer.acks', mention: /0, 1, -1 or 'all'/ },
    { name: "acks 'leader'", config: { acks: 'leader' }, option: 'producer.acks' },
    { name: 'idempotent with acks 1', config: { idempotent: true, acks: 1 }, option: 'producer.acks', mention: /idempotent/ },
    { name: 'idempotent with acks 0', config: { idempotent: true, acks: 0 }, option: 'producer.acks', mention: /idempotent/ },
    { name: 'maxInFlightRequests 6 with idempotent', config: { idempotent: true, maxInFlightRequests: 6 }, option: 'producer.maxInFlightRequests', mention: /at most 5/ },
    { name: 'maxInFlightRequests 0', config: { maxInFlightRequests: 0 }, option: 'producer.maxInFlightRequests' },
    { name: 'batchSize 0', config: { batchSize: 0 }, option: 'producer.batchSize' },
    { name: 'batchSize 1.5', config: { batchSize: 1.5 }, option: 'producer.batchSize' },
    { name: 'lingerMs -1', config: { lingerMs: -1 }, option: 'producer.lingerMs' },
    { name: "lingerMs '5'", config: { lingerMs: '5' }, option: 'producer.lingerMs' },
    { name: "compression 'brotli'", config: { compression: 'brotli' }, option: 'producer.compression', mention: /gzip/ },
    { name: 'compression 9', config: { compression: 9 }, option: 'producer.compression' },
    { name: 'a transactionalId (transactions are not supported yet)', config: { transactionalId: 'tx-1' }, option: 'producer.transactionalId', mention: /not supported/ },
    { name: "idempotent 'yes'", config: { idempotent: 'yes' }, option: 'producer.idempotent' },
    { name: 'bufferMemory 0', config: { bufferMemory: 0 }, option: 'producer.bufferMemory' },
    { name: 'maxRequestSize above bufferMemory', config: { bufferMemory: 1000, maxRequestSize: 2000 }, option: 'producer.maxRequestSize', mention: /bufferMemory/ },
    { name: 'deliveryTimeoutMs below lingerMs', config: { lingerMs: 1000, deliveryTimeoutMs: 500 }, option: 'producer.deliveryTimeoutMs', mention: /lingerMs/ },
    { name: 'maxBlockMs -1', config: { maxBlockMs: -1 }, option: 'producer.maxBlockMs' },
    { name: 'a createPartitioner that is not a function', config: { createPartitioner: 'murmur2' }, option: 'producer.createPartitioner' },
  ];
  for (const { name, config, option, mention } of cases) {
    it(`refuses ${name}`, () => {
      const error = refusal(config);
      assert.equal(error.option, option);
      assert.match(error.message, new RegExp(option.replace('.', '\\.')), 'the message names the option');
      if (mention) assert.match(error.message, mention);
    });
  }

  it('refuses a config that is not an object', () => {
    assert.equal(refusal('fast').option, 'producer');
  });
});

describe('producer options: defaults', () => {
  it('is idempotent by default (acks -1, as the Java client since 3.0)', () => {
    assert.equal(offline.producer().isIdempotent(), true);
    assert.equal(offline.producer({ acks: -1 }).isIdempotent(), true);
    assert.equal(offline.producer({ acks: 'all' }).isIdempotent(), true);
  });

  it('turns idempotence off when acks is 1 or 0 and idempotent was not asked for (KIP-679)', () => {
    assert.equal(offline.producer({ acks: 1 }).isIdempotent(), false);
    assert.equal(offline.producer({ acks: 0 }).isIdempotent(), false);
  });

  it('turns idempotence off when maxInFlightRequests exceeds 5 and idempotent was not asked for', () => {
    assert.equal(offline.producer({ maxInFlightRequests: 6 }).isIdempotent(), false);
    assert.equal(offline.producer({ maxInFlightRequests: 5 }).isIdempotent(), true);
  });

  it('keeps an explicit idempotent: false', () => {
    assert.equal(offline.producer({ idempotent: false }).isIdempotent(), false);
  });

  it('never changes the config object it is given (frozen, nested objects too)', () => {
    const partitioner = (): (() => number) => () => 0;
    const config = Object.freeze({
      acks: 'all' as const,
      compression: 'gzip',
      lingerMs: 10,
      batchSize: 32_768,
      retry: Object.freeze({ retries: 3, initialRetryTime: 50 }),
      createPartitioner: partitioner,
    });
    const before = JSON.stringify(config);
    const producer = offline.producer(config);
    assert.equal(producer.isIdempotent(), true);
    assert.equal(JSON.stringify(config), before);
    assert.equal(config.createPartitioner, partitioner);
    assert.equal(Object.keys(config).length, 6, 'no defaults were written into it');
  });
});

describe('producer options: the defaults on the wire', () => {
  let running: RunningBroker;
  let kafka: Kafka;
  const producers: Producer[] = [];

  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'num.partitions': 1 } });
    await running.broker.topics.create('defaults', 1, new Map());
    await running.broker.topics.create('leader-acks', 1, new Map());
    kafka = new Kafka({ clientId: 'options-test', brokers: [running.bootstrap], logLevel: logLevel.NOTHING });
  });
  after(async () => {
    await Promise.all(producers.map((p) => p.disconnect()));
    await running.close();
  });

  const batchesOf = async (topic: string): Promise<RecordBatch[]> => {
    const log = running.broker.topics.get(topic)!.partitions[0]!.log;
    return decodeRecordBatches(log.read(0, 64 * 1024 * 1024, log.logEndOffset).records);
  };

  it('a default producer writes idempotent batches: a producer id from the broker, sequence 0 first', async () => {
    const producer = kafka.producer();
    producers.push(producer);
    await producer.connect();
    await producer.send({ topic: 'defaults', messages: [{ value: 'a' }, { value: 'b' }] });
    const [batch, ...rest] = await batchesOf('defaults');
    assert.equal(rest.length, 0);
    assert.ok(batch!.producerId >= 0, `producer id ${batch!.producerId}`);
    assert.ok(batch!.producerEpoch >= 0);
    assert.equal(batch!.baseSequence, 0);
    assert.equal(batch!.recordCount, 2);
  });

  it('a producer with acks 1 writes plain batches: no producer id, no sequence', async () => {
    const producer = kafka.producer({ acks: 1 });
    producers.push(producer);
    await producer.connect();
    await producer.send({ topic: 'leader-acks', messages: [{ value: 'a' }] });
    const [batch] = await batchesOf('leader-acks');
    assert.equal(batch!.producerId, -1);
    assert.equal(batch!.producerEpoch, -1);
    assert.equal(batch!.baseSequence, -1);
  });

  it('a producer idempotent by default sends a per-send acks 1 without producer id (KIP-679: conflicting acks turn default idempotence off)', async () => {
    const producer = kafka.producer();
    producers.push(producer);
    await producer.connect();
    const log = running.broker.topics.get('defaults')!.partitions[0]!.log;
    const end = log.logEndOffset;
    const [meta] = await producer.send({ topic: 'defaults', acks: 1, messages: [{ value: 'acks-1', partition: 0 }] });
    assert.equal(meta!.baseOffset, String(end));
    const [batch] = await decodeRecordBatches(log.read(end, 1 << 20).records);
    assert.equal(batch!.producerId, -1, 'an acks=1 batch carries no producer id');
    assert.equal(batch!.baseSequence, -1);
  });

  it('refuses per-send acks an explicitly idempotent producer cannot honour, and per-send values that are invalid, naming the option', async () => {
    const producer = kafka.producer({ idempotent: true });
    producers.push(producer);
    await producer.connect();
    const end = running.broker.topics.get('defaults')!.partitions[0]!.log.logEndOffset;
    await assert.rejects(producer.send({ topic: 'defaults', acks: 1, messages: [{ value: 'x' }] }), (e: unknown) => e instanceof KafkaJSConfigurationError && e.option === 'send.acks');
    await assert.rejects(producer.send({ topic: 'defaults', acks: 2 as never, messages: [{ value: 'x' }] }), (e: unknown) => e instanceof KafkaJSConfigurationError && e.option === 'send.acks');
    await assert.rejects(producer.send({ topic: 'defaults', compression: 'brotli', messages: [{ value: 'x' }] }), (e: unknown) => e instanceof KafkaJSConfigurationError && e.option === 'send.compression');
    await assert.rejects(
      producer.sendBatch({ topicMessages: [{ topic: 'defaults', messages: [{ value: 'x' }] }], compression: 'brotli' }),
      (e: unknown) => e instanceof KafkaJSConfigurationError && e.option === 'sendBatch.compression',
    );
    await producer.flush();
    assert.equal(running.broker.topics.get('defaults')!.partitions[0]!.log.logEndOffset, end, 'nothing of a refused send is written');
  });
});
