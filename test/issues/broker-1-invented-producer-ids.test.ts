/**
 * Regression ("the embedded broker holds under attack, faults and load", item 1):
 * A Produce may claim any producer id, up to 2^63-1, and Kafka stores it (an id
 * it never issued is an unknown producer, taken at any sequence). The broker's
 * own ids come from its persisted counter, never from what clients wrote: once
 * a batch claiming 2^53-1 made the rebuilt counter hand out 2^53, which
 * InitProducerId could not encode, and no idempotent producer could start for
 * as long as that batch was retained.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Kafka as KafkaJS, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { InitProducerIdRequest } from '../../src/protocol/generated/init-producer-id-request.js';
import { InitProducerIdResponse } from '../../src/protocol/generated/init-producer-id-response.js';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.js';
import { within } from '../support/within.js';
import { RawClient } from '../broker/groups/raw-client.js';
import { idempotentBatch, produceBatch } from '../support/idempotent-produce.js';

const TOPIC = 'invented-ids';
const LARGEST_SAFE = 2n ** 53n - 1n;
const LARGEST = 2n ** 63n - 1n;
/** Rounds to the same double as LARGEST: only an exact id tells them apart. */
const NEXT_TO_LARGEST = LARGEST - 1n;

describe('producer ids a client invents, up to 2^63-1', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tskafka-invented-ids-'));
  let running: RunningBroker | undefined;
  const clients: RawClient[] = [];
  const start = async (): Promise<RunningBroker> => {
    running = await startBroker({ port: 0, logLevel: 'nothing', properties: { 'log.dirs': logDir } });
    return running;
  };
  const connect = async (broker: RunningBroker): Promise<RawClient> => {
    const client = await RawClient.connect(broker.port);
    clients.push(client);
    return client;
  };
  after(async () => {
    for (const c of clients) c.close();
    await running?.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  const stored = new Map<bigint, bigint>();

  it('stores batches claiming 2^53-1 and 2^63-1, and answers their retries with the offsets they got', async () => {
    const broker = await start();
    await broker.broker.topics.create(TOPIC, 1, new Map());
    const client = await connect(broker);
    for (const producerId of [LARGEST_SAFE, LARGEST, NEXT_TO_LARGEST]) {
      const answer = await produceBatch(client, TOPIC, 0, idempotentBatch(producerId, 0, 0));
      assert.equal(answer.errorCode, ErrorCode.NONE, `producer id ${producerId}: ${answer.errorMessage}`);
      stored.set(producerId, answer.baseOffset);
    }
    assert.deepEqual([...stored.values()], [0n, 1n, 2n], 'three producers, three records: 2^63-1 and 2^63-2 are not taken for one another');
    for (const [producerId, offset] of stored) {
      const retry = await produceBatch(client, TOPIC, 0, idempotentBatch(producerId, 0, 0));
      assert.deepEqual([retry.errorCode, retry.baseOffset], [ErrorCode.NONE, offset], `the retry of producer ${producerId}'s batch is a duplicate`);
    }
    const log = broker.broker.topics.get(TOPIC)!.partitions[0]!.log;
    assert.equal(log.logEndOffset, 3);
    // What a consumer decodes: the ids exactly, and no int64 error for those past 2^53.
    const batches = await decodeRecordBatches(log.read(0, 1 << 20).records);
    assert.deepEqual(
      batches.map((b) => b.producerIdExact),
      [LARGEST_SAFE, LARGEST, NEXT_TO_LARGEST],
    );
  });

  it('still detects those retries after a restart, and hands out ids of its own counter', async () => {
    await running!.close();
    const broker = await start();
    const client = await connect(broker);
    for (const [producerId, offset] of stored) {
      const retry = await produceBatch(client, TOPIC, 0, idempotentBatch(producerId, 0, 0));
      assert.deepEqual([retry.errorCode, retry.baseOffset], [ErrorCode.NONE, offset], `producer ${producerId}'s retry after the restart`);
    }
    const init = await client.send(InitProducerIdRequest, InitProducerIdResponse, 4, { transactionalId: null, transactionTimeoutMs: -1, producerId: -1n, producerEpoch: -1 });
    assert.equal(init.errorCode, ErrorCode.NONE);
    assert.ok(init.producerId >= 0n && init.producerId < 10_000n, `a small id from the counter, not one past the ids clients wrote: ${init.producerId}`);
  });

  it('lets idempotent KafkaJS and tskafka producers start and produce after that restart', async () => {
    const broker = running!;
    const kafkajs = new KafkaJS({ clientId: 'invented-ids-kafkajs', brokers: [broker.bootstrap], logLevel: kafkaJsLogLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 } });
    const theirs = kafkajs.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    try {
      await within('KafkaJS connect', theirs.connect(), 30_000);
      const [meta] = await within('KafkaJS send', theirs.send({ topic: TOPIC, acks: -1, messages: [{ key: 'k', value: 'from kafkajs' }] }), 30_000);
      assert.equal(meta!.errorCode, 0);
    } finally {
      await theirs.disconnect().catch(() => undefined);
    }

    const ours = new Kafka({ clientId: 'invented-ids-tskafka', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer({ idempotent: true });
    try {
      await within('tskafka connect', ours.connect(), 30_000);
      const [meta] = await within('tskafka send', ours.send({ topic: TOPIC, messages: [{ key: 'k', value: 'from tskafka' }] }), 30_000);
      assert.equal(meta!.errorCode, 0);
    } finally {
      await ours.disconnect().catch(() => undefined);
    }
    assert.equal(broker.broker.topics.get(TOPIC)!.partitions[0]!.log.logEndOffset, 5);
  });
});
