/**
 * Golden bytes from KafkaJS: a real KafkaJS producer talks to the capture
 * broker over a real socket; every request it sends must decode with our
 * codecs and re-encode to the very same bytes, and its Produce payloads must
 * decode with our record batch decoder to exactly the messages sent.
 *
 * What KafkaJS 2.2.4 sends against a broker advertising Kafka 3.7's ranges:
 * ApiVersions v2, Metadata v6, Produce v7 (record batch magic 2), and for an
 * idempotent producer InitProducerId v1. All are non-flexible versions.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { CompressionTypes, Kafka, type Message, type Producer, logLevel } from 'kafkajs';
import { ApiKey, type ProduceRequest } from '../../src/protocol/generated/index.js';
import { CompressionCodec } from '../../src/protocol/records/compression.js';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.js';
import {
  ADVERTISED_API_VERSIONS,
  CAPTURE_PRODUCER_ID,
  type CaptureBroker,
  type CaptureBrokerOptions,
  type CapturedFrame,
  decodeRequest,
  reencodeMismatch,
  startCaptureBroker,
} from '../support/capture-broker.js';

const topic = 'golden-kafkajs';

function kafkaFor(broker: CaptureBroker, retries = 0): Kafka {
  return new Kafka({
    clientId: 'tskafka-golden',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    // Generous: no retries, so a slow (loaded) machine must not time a request out.
    connectionTimeout: 10_000,
    requestTimeout: 30_000,
    retry: { retries, initialRetryTime: 50 },
  });
}

/** Runs `body` against a fresh capture broker, closing both whatever happens. */
async function withProducer(
  options: CaptureBrokerOptions,
  producerOptions: Parameters<Kafka['producer']>[0],
  body: (producer: Producer, broker: CaptureBroker) => Promise<void>,
): Promise<CaptureBroker> {
  const broker = await startCaptureBroker(options);
  // No retries, so a bad answer fails at once; KafkaJS refuses an idempotent producer without them.
  const producer = kafkaFor(broker, producerOptions?.idempotent ? 1 : 0).producer(producerOptions);
  try {
    await producer.connect();
    await body(producer, broker);
  } finally {
    await producer.disconnect();
    await broker.close();
  }
  return broker;
}

function asBuffer(v: Buffer | string | null | undefined): Buffer | null {
  return v === null || v === undefined ? null : Buffer.from(v);
}

/** The headers KafkaJS writes for a message: one per value, arrays expanded in order. */
function expectedHeaders(m: Message): Array<{ key: string; value: Buffer | null }> {
  return Object.entries(m.headers ?? {}).flatMap(([key, v]) =>
    (Array.isArray(v) ? v : [v]).map((value: Buffer | string | undefined) => ({ key, value: asBuffer(value) })),
  );
}

function produceRequests(frames: readonly CapturedFrame[]): ProduceRequest[] {
  return frames.filter((f) => f.header.apiKey === ApiKey.Produce).map((f) => decodeRequest(f.bytes).body as ProduceRequest);
}

function assertEveryFrameReencodes(frames: readonly CapturedFrame[]): void {
  assert.ok(frames.length > 0, 'the client sent nothing');
  for (const f of frames) {
    const mismatch = reencodeMismatch(f.bytes);
    assert.equal(mismatch, null, `correlation id ${f.header.correlationId}: ${mismatch}`);
  }
}

/**
 * Decode one Produce request's partitions and compare them with the messages
 * sent for each partition, in order: keys, values, headers, timestamps, and
 * the batch's codec.
 */
async function assertProduceCarries(request: ProduceRequest, sent: readonly Message[], codec: CompressionCodec): Promise<void> {
  assert.equal(request.topicData.length, 1);
  const [topicData] = request.topicData;
  assert.equal(topicData!.name, topic);
  const partitions = [...new Set(sent.map((m) => m.partition!))].sort();
  assert.deepEqual(topicData!.partitionData.map((p) => p.index).sort(), partitions);
  for (const p of topicData!.partitionData) {
    const expected = sent.filter((m) => m.partition === p.index);
    assert.ok(p.records, `partition ${p.index} has records`);
    const batches = await decodeRecordBatches(p.records);
    assert.equal(batches.length, 1, `KafkaJS sends one batch per partition`);
    const [batch] = batches;
    assert.equal(batch!.compression, codec, `codec of partition ${p.index}'s batch`);
    assert.deepEqual(
      batch!.records.map((r) => ({
        offset: Number(r.offset),
        timestamp: Number(r.timestamp),
        key: r.key,
        value: r.value,
        headers: r.headers.map((h) => ({ key: h.key, value: h.value })),
      })),
      expected.map((m, i) => ({
        offset: i,
        timestamp: Number(m.timestamp),
        key: asBuffer(m.key),
        value: asBuffer(m.value),
        headers: expectedHeaders(m),
      })),
      `records of partition ${p.index}`,
    );
  }
}

describe('golden bytes: KafkaJS producer', () => {
  // Timestamps out of order within partition 1 make a negative timestampDelta
  // (KafkaJS takes the first record's timestamp as the base).
  const uncompressed: Message[] = [
    { key: 'key-1', value: 'value-1', headers: { 'h-str': 'text', 'h-buf': Buffer.from([0, 1, 2, 0xff]) }, timestamp: '1700000000001', partition: 0 },
    { key: null, value: 'a value without a key', timestamp: '1700000000002', partition: 0 },
    { key: 'tombstone', value: null, timestamp: '1700000000003', partition: 1 },
    { key: 'ключ', value: 'värde 🙂', headers: { multi: ['first', 'second'], empty: '' }, timestamp: '1699999999999', partition: 1 },
    { key: Buffer.from([0xde, 0xad, 0xbe, 0xef]), value: Buffer.from([0, 0xff, 0x80]), timestamp: '1700000000004', partition: 0 },
  ];
  const lorem = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(8);
  const gzipped: Message[] = [
    { key: 'gz-1', value: `1 ${lorem}`, headers: { encoding: 'text', raw: Buffer.from('bytes') }, timestamp: '1700000001000', partition: 0 },
    { key: null, value: `2 ${lorem}`, timestamp: '1700000001001', partition: 0 },
    { key: 'gz-3', value: null, timestamp: '1700000001002', partition: 1 },
  ];
  const fireAndForget: Message[] = [{ key: 'acks-0', value: 'nobody answers', timestamp: '1700000002000', partition: 1 }];

  let frames: CapturedFrame[] = [];
  let errors: Error[] = [];

  before(async () => {
    const broker = await withProducer({ partitions: 2 }, {}, async (producer, { frames: captured }) => {
      await producer.send({ topic, messages: uncompressed });
      await producer.send({ topic, compression: CompressionTypes.GZIP, messages: gzipped });
      // acks=0: KafkaJS resolves at once and the broker must not answer; wait
      // for the frame so disconnecting does not race it.
      await producer.send({ topic, acks: 0, messages: fireAndForget });
      const deadline = Date.now() + 30_000;
      while (produceRequests(captured).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    });
    frames = broker.frames;
    errors = broker.errors;
  });

  it('talks to the capture broker without an unanswerable request', () => {
    assert.deepEqual(errors, []);
  });

  it('sends ApiVersions v2, Metadata v6 and Produce v7', () => {
    assert.deepEqual(
      frames.map((f) => [f.header.apiKey, f.header.apiVersion, f.header.clientId]),
      [
        [ApiKey.ApiVersions, 2, 'tskafka-golden'],
        [ApiKey.Metadata, 6, 'tskafka-golden'],
        [ApiKey.Produce, 7, 'tskafka-golden'],
        [ApiKey.Produce, 7, 'tskafka-golden'],
        [ApiKey.Produce, 7, 'tskafka-golden'],
      ],
    );
  });

  it('every request re-encodes with our codecs to the captured bytes', () => {
    assertEveryFrameReencodes(frames);
  });

  it('an uncompressed Produce decodes to the keys, values, headers and timestamps sent', async () => {
    const [request] = produceRequests(frames);
    assert.equal(request!.acks, -1);
    assert.equal(request!.transactionalId, null);
    await assertProduceCarries(request!, uncompressed, CompressionCodec.None);
  });

  it('a GZIP Produce has the gzip codec attribute and decodes to the messages sent', async () => {
    await assertProduceCarries(produceRequests(frames)[1]!, gzipped, CompressionCodec.GZIP);
  });

  it('an acks=0 Produce carries acks 0 and its records', async () => {
    const request = produceRequests(frames)[2]!;
    assert.equal(request.acks, 0);
    await assertProduceCarries(request, fireAndForget, CompressionCodec.None);
  });
});

describe('golden bytes: KafkaJS idempotent producer', () => {
  it('sends InitProducerId v1 and stamps the batches with the producer id, epoch and sequences', async () => {
    const first: Message[] = [
      { key: 'a', value: '1', timestamp: '1700000003000', partition: 0 },
      { key: 'b', value: '2', timestamp: '1700000003001', partition: 0 },
    ];
    const second: Message[] = [{ key: 'c', value: '3', timestamp: '1700000003002', partition: 0 }];
    const broker = await withProducer({ partitions: 1 }, { idempotent: true, maxInFlightRequests: 1 }, async (producer) => {
      await producer.send({ topic, messages: first });
      await producer.send({ topic, messages: second });
    });
    assert.deepEqual(broker.errors, []);
    const init = broker.frames.find((f) => f.header.apiKey === ApiKey.InitProducerId);
    assert.equal(init?.header.apiVersion, 1);
    assertEveryFrameReencodes(broker.frames);

    const requests = produceRequests(broker.frames);
    assert.equal(requests.length, 2);
    const sequences: number[] = [];
    for (const [i, sent] of [first, second].entries()) {
      await assertProduceCarries(requests[i]!, sent, CompressionCodec.None);
      const [batch] = await decodeRecordBatches(requests[i]!.topicData[0]!.partitionData[0]!.records!);
      // The id and epoch our InitProducerId answer gave: KafkaJS read it correctly.
      assert.equal(BigInt(batch!.producerId), CAPTURE_PRODUCER_ID);
      assert.equal(batch!.producerEpoch, 0);
      sequences.push(batch!.baseSequence);
    }
    assert.deepEqual(sequences, [0, 2]);
  });
});

describe('golden bytes: KafkaJS against a broker refusing its ApiVersions version', () => {
  it('gets UNSUPPORTED_VERSION in a v0 body for ApiVersions v2, retries with v1, then produces', async () => {
    const advertised = ADVERTISED_API_VERSIONS.map((a) => (a.apiKey === ApiKey.ApiVersions ? { ...a, maxVersion: 1 } : a));
    const sent: Message[] = [{ key: 'k', value: 'v', timestamp: '1700000004000', partition: 0 }];
    const broker = await withProducer({ partitions: 1, advertised }, {}, async (producer) => {
      await producer.send({ topic, messages: sent });
    });
    assert.deepEqual(broker.errors, []);
    assert.deepEqual(
      broker.frames.map((f) => [f.header.apiKey, f.header.apiVersion]),
      [
        [ApiKey.ApiVersions, 2],
        [ApiKey.ApiVersions, 1],
        [ApiKey.Metadata, 6],
        [ApiKey.Produce, 7],
      ],
    );
    assertEveryFrameReencodes(broker.frames);
    await assertProduceCarries(produceRequests(broker.frames)[0]!, sent, CompressionCodec.None);
  });
});
