/**
 * Issue 10.6: InitProducerId is not retried in connect(). A retriable answer
 * (COORDINATOR_LOAD_IN_PROGRESS 14, COORDINATOR_NOT_AVAILABLE 15, NOT_COORDINATOR 16)
 * or a connection lost before the answer failed connect(), where Java's producer
 * retries with backoff until it has an id. A non-retriable answer
 * (CLUSTER_AUTHORIZATION_FAILED 31) must still fail connect(), naming it, at once.
 * And a new producer id resets every partition's sequences: each partition's first
 * batch under the new id starts at sequence 0, epoch 0.
 *
 * Against the capture broker, which answers the n-th InitProducerId as the test says
 * and records every request; checked on the wire (producer id, epoch, base sequence of
 * every batch received).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { logLevel } from '../../src/client/logger.js';
import { KafkaJSProtocolError } from '../../src/errors/protocol-errors.js';
import { Kafka } from '../../src/kafka.js';
import { type Producer } from '../../src/producer/producer.js';
import { type ProducerConfig } from '../../src/producer/producer-config.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ApiKey, type ProduceRequest } from '../../src/protocol/generated/index.js';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.js';
import { type CaptureBroker, type CaptureBrokerOptions, decodeRequest, startCaptureBroker } from '../support/capture-broker.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { within, disconnectQuietly as disconnect } from '../support/within.js';

/** One record batch as the broker received it. */
interface BatchSeen {
  partition: number;
  producerId: number;
  epoch: number;
  sequence: number;
  values: string[];
}

/** Every batch of every Produce request the broker received, in arrival order. */
async function batchesSeen(broker: CaptureBroker): Promise<BatchSeen[]> {
  const seen: BatchSeen[] = [];
  for (const f of broker.frames.filter((f) => f.header.apiKey === ApiKey.Produce)) {
    const request = decodeRequest(f.bytes).body as ProduceRequest;
    for (const t of request.topicData) {
      for (const p of t.partitionData) {
        for (const b of await decodeRecordBatches(p.records!)) {
          seen.push({ partition: p.index, producerId: Number(b.producerId), epoch: b.producerEpoch, sequence: b.baseSequence, values: b.records.map((r) => r.value!.toString()) });
        }
      }
    }
  }
  return seen;
}

const initProducerIdRequests = (broker: CaptureBroker): number => broker.frames.filter((f) => f.header.apiKey === ApiKey.InitProducerId).length;

describe('issue 10.6: InitProducerId retries, and a new producer id resets sequences', () => {
  const brokers: CaptureBroker[] = [];
  const proxies: FaultProxy[] = [];
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(brokers.map((b) => b.close()));
  });

  const config: ProducerConfig = { idempotent: true, lingerMs: 0, deliveryTimeoutMs: 20_000, retry: { initialRetryTime: 50, maxRetryTime: 500 } };

  const captureBroker = async (options: CaptureBrokerOptions): Promise<CaptureBroker> => {
    const broker = await startCaptureBroker(options);
    brokers.push(broker);
    return broker;
  };

  const producerOn = (bootstrap: string, clientId: string): Producer =>
    new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING }).producer(config);

  for (const [name, code] of [
    ['COORDINATOR_LOAD_IN_PROGRESS', ErrorCode.COORDINATOR_LOAD_IN_PROGRESS],
    ['COORDINATOR_NOT_AVAILABLE', ErrorCode.COORDINATOR_NOT_AVAILABLE],
    ['NOT_COORDINATOR', ErrorCode.NOT_COORDINATOR],
  ] as const) {
    it(`connect() retries InitProducerId answered ${name} twice, and the first Produce carries the id of the first successful answer`, { timeout: 60_000 }, async () => {
      const broker = await captureBroker({ partitions: 1, initProducerId: (n) => (n < 2 ? { errorCode: code } : { producerId: 7000n + BigInt(n), producerEpoch: 0 }) });
      const producer = producerOn(broker.bootstrap, 'issue-10-6-retriable');
      try {
        await within('connect', producer.connect(), 20_000);
        await within('send', producer.send({ topic: 'ids', messages: [{ partition: 0, value: 'a' }] }), 20_000);
        assert.equal(initProducerIdRequests(broker), 3, 'two refused, the third answered');
        const [first] = await batchesSeen(broker);
        assert.deepEqual(first, { partition: 0, producerId: 7002, epoch: 0, sequence: 0, values: ['a'] });
        assert.deepEqual(broker.errors, []);
      } finally {
        await disconnect(producer);
      }
    });
  }

  it('connect() retries InitProducerId when the connection drops before its answer, and uses the id of the answer it got', { timeout: 60_000 }, async () => {
    let broker: CaptureBroker | undefined;
    // The proxy first (its port is what the broker advertises), then the broker behind it.
    const proxy = await startFaultProxy(() => broker!.bootstrap);
    proxies.push(proxy);
    broker = await captureBroker({ partitions: 1, advertisedAddress: proxy.address, initProducerId: (n) => ({ producerId: 7100n + BigInt(n), producerEpoch: 0 }) });
    proxy.dropOnResponse({ apiKey: ApiKey.InitProducerId });
    const producer = producerOn(proxy.address, 'issue-10-6-dropped');
    try {
      await within('connect', producer.connect(), 20_000);
      await within('send', producer.send({ topic: 'ids', messages: [{ partition: 0, value: 'a' }] }), 20_000);
      assert.equal(initProducerIdRequests(broker), 2, 'the first answer was lost with its connection, the second reached the producer');
      const [first] = await batchesSeen(broker);
      assert.deepEqual(first, { partition: 0, producerId: 7101, epoch: 0, sequence: 0, values: ['a'] });
      assert.deepEqual(broker.errors, []);
    } finally {
      await disconnect(producer);
    }
  });

  it('connect() fails at once with a protocol error naming CLUSTER_AUTHORIZATION_FAILED, a non-retriable InitProducerId answer', { timeout: 60_000 }, async () => {
    const broker = await captureBroker({ partitions: 1, initProducerId: () => ({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED }) });
    const producer = producerOn(broker.bootstrap, 'issue-10-6-fatal');
    try {
      await assert.rejects(within('connect', producer.connect(), 20_000), (e: unknown) => {
        assert.ok(e instanceof KafkaJSProtocolError, `a KafkaJSProtocolError, got ${String(e)}`);
        assert.equal(e.type, 'CLUSTER_AUTHORIZATION_FAILED');
        assert.equal(e.code, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
        assert.equal(e.retriable, false);
        return true;
      });
      assert.equal(initProducerIdRequests(broker), 1, 'a non-retriable answer is not retried');
    } finally {
      await disconnect(producer);
    }
  });

  /**
   * Three partitions each send two batches (sequences 0, then 2) under producer 4000 at
   * epoch 32767; partition 0's next batch is refused UNKNOWN_PRODUCER_ID, the epoch cannot
   * be bumped, a new producer id (4001) is asked for, and then every partition sends again.
   * `initProducerId` scripts the answers from the second one on (the renewal).
   */
  const renewWithThreePartitions = async (renewal: (n: number) => { producerId: bigint; producerEpoch: number } | { errorCode: number }) => {
    const broker = await captureBroker({
      partitions: 3,
      initProducerId: (n) => (n === 0 ? { producerId: 4000n, producerEpoch: 32767 } : renewal(n)),
      // Batches 0-5: two per partition; batch 6, partition 0's third, is refused once.
      produceError: (_topic, _partition, n) => (n === 6 ? ErrorCode.UNKNOWN_PRODUCER_ID : 0),
    });
    const producer = producerOn(broker.bootstrap, 'issue-10-6-renewal');
    try {
      await within('connect', producer.connect(), 20_000);
      for (const round of ['a', 'b']) {
        for (const partition of [0, 1, 2]) {
          await within('send', producer.send({ topic: 'renewed', messages: [{ partition, value: `${round}${partition}-1` }, { partition, value: `${round}${partition}-2` }] }), 20_000);
        }
      }
      for (const partition of [0, 1, 2]) {
        await within('send after the renewal', producer.send({ topic: 'renewed', messages: [{ partition, value: `c${partition}` }] }), 20_000);
      }
      assert.deepEqual(broker.errors, []);
      return { seen: await batchesSeen(broker), inits: initProducerIdRequests(broker) };
    } finally {
      await disconnect(producer);
    }
  };

  /** Each partition's first batch under `producerId`. */
  const firstBatchesUnder = (seen: readonly BatchSeen[], producerId: number) =>
    [0, 1, 2].map((partition) => seen.find((b) => b.partition === partition && b.producerId === producerId));

  it('a new producer id resets every partition\'s sequences: 3 partitions, each past sequence 0, start again at sequence 0, epoch 0', { timeout: 60_000 }, async () => {
    const { seen, inits } = await renewWithThreePartitions(() => ({ producerId: 4001n, producerEpoch: 0 }));
    assert.equal(inits, 2);
    assert.deepEqual(
      seen.filter((b) => b.producerId === 4000).map((b) => [b.partition, b.sequence]),
      [[0, 0], [1, 0], [2, 0], [0, 2], [1, 2], [2, 2], [0, 4]],
      'under the first id every partition got past sequence 0 (the last batch, partition 0\'s, refused)',
    );
    assert.deepEqual(firstBatchesUnder(seen, 4001), [
      { partition: 0, producerId: 4001, epoch: 0, sequence: 0, values: ['c0'] },
      { partition: 1, producerId: 4001, epoch: 0, sequence: 0, values: ['c1'] },
      { partition: 2, producerId: 4001, epoch: 0, sequence: 0, values: ['c2'] },
    ]);
  });

  it('the renewal of an exhausted producer id retries a retriable InitProducerId answer, then resets every partition\'s sequences', { timeout: 60_000 }, async () => {
    const { seen, inits } = await renewWithThreePartitions((n) => (n === 1 ? { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS } : { producerId: 4001n, producerEpoch: 0 }));
    assert.equal(inits, 3, 'the first renewal answer refused, the second gave the new id');
    assert.deepEqual(firstBatchesUnder(seen, 4001), [
      { partition: 0, producerId: 4001, epoch: 0, sequence: 0, values: ['c0'] },
      { partition: 1, producerId: 4001, epoch: 0, sequence: 0, values: ['c1'] },
      { partition: 2, producerId: 4001, epoch: 0, sequence: 0, values: ['c2'] },
    ]);
  });
});
