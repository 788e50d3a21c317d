/**
 * Regression ("the embedded broker holds under attack, faults and load", item 9): the
 * decompression budget was per request, so concurrent compressed Produce requests could
 * together expand far past it (16 gzip bombs: 1.6 GB RSS, measured in
 * broker-9-decompression-bombs-memory.test.ts).
 *
 * Now the broker has one budget (socket.request.max.bytes). A batch that does not fit waits
 * its turn rather than being refused (Kafka has no such budget; a refusal would send
 * well-behaved producers into retries while an attacker keeps it busy); past the request's
 * own timeoutMs it is answered REQUEST_TIMED_OUT (retriable), and a batch whose client hangs
 * up leaves the queue at once. A gzip batch holds the size its trailer declares, so ordinary
 * batches expand side by side.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { type BudgetWait, DecompressionBudget, DecompressionBudgetWaitError, decompressionBudgetOf } from '../../src/broker/decompression-budget.js';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ProduceRequest, ProduceResponse } from '../../src/protocol/generated/index.js';
import { CompressionCodec } from '../../src/protocol/records/compression.js';
import { DecompressionLimitError } from '../../src/protocol/records/compression/compression-error.js';
import { encodeRecordBatch } from '../../src/protocol/records/record-batch.js';
import { RawClient } from '../broker/groups/raw-client.js';
import { eventually } from '../support/eventually.js';
import { encodeRequest } from '../support/fuzz-frames.js';

const KiB = 1024;
const INT32_MAX = 0x7fffffff;
const gzipped = promisify(gzip);
const neverClosed = (): AbortSignal => new AbortController().signal;
const patient: BudgetWait = { timeoutMs: 60_000, closed: neverClosed() };

describe('the broker-wide decompression budget, through Produce', () => {
  let broker: RunningBroker;
  let client: RawClient;
  const TOPIC = 'compressed';

  const produceRequest = async (timeoutMs: number) => ({
    acks: -1,
    timeoutMs,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: await encodeRecordBatch({ compression: CompressionCodec.GZIP, records: [{ key: 'k', value: 'v'.repeat(1000) }] }) }] }],
  });
  const produce = async (timeoutMs: number): Promise<number> => {
    const answer = await client.send(ProduceRequest, ProduceResponse, 9, await produceRequest(timeoutMs));
    return answer.responses[0]!.partitionResponses[0]!.errorCode;
  };
  const logEndOffset = (): number => broker.broker.topics.get(TOPIC)!.partitions[0]!.log.logEndOffset;
  /** Takes the whole budget, as a batch expanding alone does. */
  const holdAll = () => {
    const budget = decompressionBudgetOf(broker.broker);
    return budget.reserve(budget.limit, patient);
  };

  before(async () => {
    broker = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
    await broker.broker.topics.create(TOPIC, 1, new Map());
    client = await RawClient.connect(broker.port, 'producer');
  });

  after(async () => {
    client?.close();
    await broker?.close();
  });

  it('is one for the whole broker: a compressed batch waits while another request holds it, and is stored once it is free', async () => {
    const budget = decompressionBudgetOf(broker.broker);
    assert.equal(budget.limit, broker.config.socketRequestMaxBytes);
    const release = await holdAll();
    const before = logEndOffset();
    const answered = produce(30_000);
    await eventually('the batch to wait for the budget', () => (budget.waiting === 1 ? true : undefined));
    assert.equal(logEndOffset(), before);
    release();
    assert.equal(await answered, ErrorCode.NONE);
    assert.equal(logEndOffset(), before + 1);
    assert.equal(budget.inUse, 0);
  });

  it("answers REQUEST_TIMED_OUT (retriable) when the budget stays busy for the request's timeoutMs, and stores nothing", async () => {
    const release = await holdAll();
    const before = logEndOffset();
    try {
      assert.equal(await produce(100), ErrorCode.REQUEST_TIMED_OUT);
    } finally {
      release();
    }
    assert.equal(logEndOffset(), before);
    assert.equal(await produce(30_000), ErrorCode.NONE, 'and takes the retry once the budget is free');
  });

  it('drops a waiting batch as soon as its client hangs up', async () => {
    const budget = decompressionBudgetOf(broker.broker);
    const release = await holdAll();
    const before = logEndOffset();
    try {
      const socket = connect(broker.port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(encodeRequest(ProduceRequest, ApiKey.Produce, 9, await produceRequest(INT32_MAX)).frame);
      await eventually('the batch to wait for the budget', () => (budget.waiting === 1 ? true : undefined));
      socket.end();
      await eventually('the batch to leave the queue', () => (budget.waiting === 0 ? true : undefined));
    } finally {
      release();
    }
    assert.equal(logEndOffset(), before);
  });
});

describe('DecompressionBudget', () => {
  const records = (size: number, fill: number): Buffer => Buffer.alloc(size, fill);

  it("holds what a gzip batch's trailer declares, not the whole budget, so ordinary batches expand side by side", async () => {
    const budget = new DecompressionBudget(1024 * KiB);
    const data = await gzipped(records(300 * KiB, 1));
    const heldWhileChecked = await budget.expand(CompressionCodec.GZIP, data, patient, () => budget.inUse);
    assert.equal(heldWhileChecked, 300 * KiB);
    assert.equal(budget.inUse, 0);
  });

  it('expands again holding the whole budget when the output passes what the trailer declares (several gzip members)', async () => {
    const budget = new DecompressionBudget(1024 * KiB);
    const data = Buffer.concat([await gzipped(records(300 * KiB, 1)), await gzipped(records(200 * KiB, 2))]);
    const seen = await budget.expand(CompressionCodec.GZIP, data, patient, (body) => ({ length: body.length, held: budget.inUse }));
    assert.deepEqual(seen, { length: 500 * KiB, held: 1024 * KiB });
  });

  it('refuses a batch whose records expand past the budget, whatever its trailer says', async () => {
    const budget = new DecompressionBudget(256 * KiB);
    const bomb = Buffer.from(await gzipped(records(1024 * KiB, 0)));
    bomb.writeUInt32LE(1000, bomb.length - 4); // the trailer lies
    await assert.rejects(budget.expand(CompressionCodec.GZIP, bomb, patient, (body) => body.length), DecompressionLimitError);
    assert.equal(budget.inUse, 0);
  });

  it('grants in arrival order: a batch needing the whole budget is not passed by smaller ones behind it', async () => {
    const budget = new DecompressionBudget(100);
    const order: string[] = [];
    const first = await budget.reserve(60, patient);
    const whole = budget.reserve(100, patient).then((release) => (order.push('whole'), release));
    const small = budget.reserve(10, patient).then((release) => (order.push('small'), release));
    assert.equal(budget.waiting, 2);
    first();
    (await whole)();
    (await small)();
    assert.deepEqual(order, ['whole', 'small']);
    assert.equal(budget.inUse, 0);
  });

  it('fails a wait past its timeout with a retriable REQUEST_TIMED_OUT, and lets the batches behind it go', async () => {
    const budget = new DecompressionBudget(100);
    const held = await budget.reserve(60, patient);
    const impatient = budget.reserve(100, { timeoutMs: 50, closed: neverClosed() });
    const behind = budget.reserve(40, patient);
    const error = await impatient.then(
      () => assert.fail('granted while the budget was held'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof DecompressionBudgetWaitError && error.retriable && error.code === ErrorCode.REQUEST_TIMED_OUT && error.reason === 'timeout', String(error));
    (await behind)();
    held();
    assert.equal(budget.inUse, 0);
  });
});
