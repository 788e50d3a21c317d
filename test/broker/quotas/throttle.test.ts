/**
 * Client quotas really throttle (KIP-13, KIP-219): over `producer_byte_rate`,
 * Produce answers carry throttle_time_ms > 0 and the broker stops reading the
 * connection meanwhile, so KafkaJS (a peer) producing 500 KB at 100 KB/s takes
 * seconds; over `consumer_byte_rate` likewise for Fetch, whose throttled answer
 * is empty. Clients without a quota see throttle_time_ms 0 on the same load.
 *
 * The window is `quota.window.num` 2 samples of 1 s (Kafka's default is 11),
 * so the burst a quota lets through (quota x window) is small next to the load.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Kafka as KafkaJS, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { type Admin } from '../../../src/admin/admin.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { logLevel } from '../../../src/client/logger.js';
import { Kafka } from '../../../src/kafka.js';
import { FetchRequest } from '../../../src/protocol/generated/fetch-request.js';
import { FetchResponse } from '../../../src/protocol/generated/fetch-response.js';
import { ProduceRequest } from '../../../src/protocol/generated/produce-request.js';
import { ProduceResponse } from '../../../src/protocol/generated/produce-response.js';
import { encodeRecordBatch } from '../../../src/protocol/records/record-batch.js';
import { WireClient } from '../../support/wire-client.js';

const TOPIC = 'quota-topic';
const CHUNK = 50_000;

/** One Produce v7 (KafkaJS's version) of a record batch of `bytes` random bytes; returns the answer's throttle time. */
async function produceOnce(client: WireClient, bytes: number): Promise<number> {
  const records = Buffer.from(await encodeRecordBatch({ records: [{ key: null, value: randomBytes(bytes) }] }));
  const response = await client.request(ProduceRequest, ProduceResponse, 7, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] });
  assert.equal(response.responses[0]!.partitionResponses[0]!.errorCode, 0);
  return response.throttleTimeMs;
}

/** One Fetch v11 from `offset`; the answer's throttle time and how many bytes of records it carried. */
async function fetchOnce(client: WireClient, offset: bigint): Promise<{ throttleTimeMs: number; bytes: number }> {
  const response = await client.request(FetchRequest, FetchResponse, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: '',
  });
  const records = response.responses[0]?.partitions[0]?.records;
  return { throttleTimeMs: response.throttleTimeMs, bytes: records?.length ?? 0 };
}

describe('client quotas throttle', () => {
  let running: RunningBroker;
  let admin: Admin;

  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0, 'quota.window.num': 2 } });
    admin = new Kafka({ clientId: 'quota-admin', brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC }] });
    await admin.alterClientQuotas({
      entries: [
        { entity: [{ entityType: 'client-id', entityName: 'slow-producer' }], ops: [{ key: 'producer_byte_rate', value: 100_000 }] },
        { entity: [{ entityType: 'client-id', entityName: 'slow-consumer' }], ops: [{ key: 'consumer_byte_rate', value: 100_000 }] },
      ],
    });
  });

  after(async () => {
    await admin.disconnect();
    await running.close();
  });

  it('Produce over producer_byte_rate is answered with throttle_time_ms > 0; without a quota, 0', async () => {
    const slow = await WireClient.connect(running.port, 'slow-producer');
    const free = await WireClient.connect(running.port, 'free-producer');
    try {
      const slowThrottles: number[] = [];
      const freeThrottles: number[] = [];
      // Six rounds at least; on a loaded machine slow enough to spread them over the 2 s
      // window, more, until the client over its quota is throttled (at most 40: 2 MB).
      for (let i = 0; i < 6 || (i < 40 && !slowThrottles.some((t) => t > 0)); i++) {
        slowThrottles.push(await produceOnce(slow, CHUNK));
        freeThrottles.push(await produceOnce(free, CHUNK));
      }
      assert.ok(slowThrottles.some((t) => t > 0), `throttle times of the client over its quota: ${slowThrottles.join(', ')}`);
      assert.deepEqual(
        freeThrottles,
        freeThrottles.map(() => 0),
      );
    } finally {
      slow.destroy();
      free.destroy();
    }
  });

  it('KafkaJS producing 500 KB at 100 KB/s takes seconds', async () => {
    const kafkajs = new KafkaJS({ clientId: 'slow-producer', brokers: [running.bootstrap], logLevel: kafkaJsLogLevel.NOTHING });
    const producer = kafkajs.producer();
    await producer.connect();
    try {
      const started = Date.now();
      for (let i = 0; i < 10; i++) await producer.send({ topic: TOPIC, messages: [{ value: randomBytes(CHUNK) }] });
      const elapsed = Date.now() - started;
      // The quota lets about quota x window (100-200 KB) through at once; the rest waits its throttles.
      assert.ok(elapsed >= 2500, `500 KB at 100 KB/s took only ${elapsed} ms`);
    } finally {
      await producer.disconnect();
    }
  });

  it('Fetch over consumer_byte_rate is answered empty with throttle_time_ms > 0; without a quota, 0', async () => {
    const slow = await WireClient.connect(running.port, 'slow-consumer');
    const free = await WireClient.connect(running.port, 'free-consumer');
    try {
      const freeThrottles: number[] = [];
      for (let i = 0; i < 4; i++) freeThrottles.push((await fetchOnce(free, 0n)).throttleTimeMs);
      assert.deepEqual(freeThrottles, [0, 0, 0, 0]);
      // Each answer is up to 1 MB of records: the first goes over 100 KB/s at once.
      const first = await fetchOnce(slow, 0n);
      assert.ok(first.bytes > 0);
      let throttled: { throttleTimeMs: number; bytes: number } | undefined;
      // More tries than needed: a loaded machine may be slow enough between two for the 2 s window to roll over.
      for (let i = 0; i < 10 && !throttled; i++) {
        const r = await fetchOnce(slow, 0n);
        if (r.throttleTimeMs > 0) throttled = r;
      }
      assert.ok(throttled, 'no Fetch answer of the client over its quota was throttled');
      assert.equal(throttled.bytes, 0, 'a throttled Fetch is answered without records (Kafka takes its bytes back)');
    } finally {
      slow.destroy();
      free.destroy();
    }
  });

  it('a KafkaJS consumer over consumer_byte_rate takes seconds to read what a free one reads at once', async () => {
    const consume = async (clientId: string): Promise<number> => {
      const kafkajs = new KafkaJS({ clientId, brokers: [running.bootstrap], logLevel: kafkaJsLogLevel.NOTHING });
      const consumer = kafkajs.consumer({ groupId: `${clientId}-group`, maxBytesPerPartition: 60_000, maxBytes: 60_000 });
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      const started = Date.now();
      let bytes = 0;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${clientId} read only ${bytes} bytes`)), 60_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            bytes += message.value?.length ?? 0;
            if (bytes >= 400_000) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      const elapsed = Date.now() - started;
      await consumer.disconnect();
      return elapsed;
    };
    const elapsed = await consume('slow-consumer');
    assert.ok(elapsed >= 2000, `400 KB at 100 KB/s took only ${elapsed} ms`);
  });
});
