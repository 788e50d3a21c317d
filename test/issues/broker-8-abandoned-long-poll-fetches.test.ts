/**
 * Regression ("the embedded broker holds under attack, faults and load", item 8): abandoned
 * long-poll Fetches held memory for up to maxWaitMs, which may be 2^31-1 ms: 2,000 of them
 * held 2.1 GB, 4.2 GB after three appends, and produce latency on their partition went to
 * 3-12 s, as every append made each of them read the partition again.
 *
 * Now, as Kafka's DelayedFetch, a waiting fetch holds no records and reads only to answer;
 * one whose client hangs up is dropped at once; and no fetch waits longer than 30 s. The
 * memory itself is measured in broker-8-long-poll-fetch-memory.test.ts.
 *
 * The partition's `onAppend` and its log's `read` are wrapped (behaviour kept) to see
 * when a fetch waits and when it reads: nothing else shows it from outside.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it, mock } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { type Partition } from '../../src/broker/topics.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { FetchRequest, FetchResponse, ProduceRequest, ProduceResponse } from '../../src/protocol/generated/index.js';
import { decodeRecordBatches, encodeRecordBatch } from '../../src/protocol/records/record-batch.js';
import { RawClient } from '../broker/groups/raw-client.js';
import { encodeRequest } from '../support/fuzz-frames.js';

const INT32_MAX = 0x7fffffff;

/** Polls `check` on every turn of the event loop (setImmediate: these tests mock setTimeout). */
async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Counts the fetches waiting for an append to `partition` (wraps its onAppend, keeping what it does). */
function countWaiters(partition: Partition): { readonly count: number } {
  const counter = { count: 0 };
  const onAppend = partition.onAppend.bind(partition);
  partition.onAppend = (cb) => {
    let waiting = true;
    counter.count++;
    const settle = (): void => {
      if (waiting) counter.count--;
      waiting = false;
    };
    const cancel = onAppend(() => {
      settle();
      cb();
    });
    return () => {
      settle();
      return cancel();
    };
  };
  return counter;
}

/** Counts the reads of `partition`'s log (wraps its read, keeping what it does). */
function countReads(partition: Partition): { readonly count: number } {
  const counter = { count: 0 };
  const log = partition.log;
  const read = log.read.bind(log);
  log.read = (...args) => {
    counter.count++;
    return read(...args);
  };
  return counter;
}

const fetchOf = (topic: string, minBytes: number, maxWaitMs: number) => ({
  replicaId: -1,
  maxWaitMs,
  minBytes,
  maxBytes: INT32_MAX,
  topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20, logStartOffset: -1n }] }],
});

describe('long-poll fetches', () => {
  let broker: RunningBroker;
  let client: RawClient;

  const batch = (value: string) => encodeRecordBatch({ records: [{ key: 'k', value }] });
  const append = async (topic: string, value: string): Promise<void> => {
    const answer = await client.send(ProduceRequest, ProduceResponse, 9, { acks: -1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: 0, records: await batch(value) }] }] });
    assert.equal(answer.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  };
  const partitionOf = (topic: string): Partition => broker.broker.topics.get(topic)!.partitions[0]!;

  before(async () => {
    broker = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
    for (const topic of ['abandoned', 'capped', 'gathered']) await broker.broker.topics.create(topic, 1, new Map());
    client = await RawClient.connect(broker.port, 'appender');
  });

  after(async () => {
    mock.timers.reset();
    client?.close();
    await broker?.close();
  });

  it('a waiting fetch is dropped as soon as its client hangs up, not when its maxWaitMs (2^31-1) ends', async () => {
    const waiters = countWaiters(partitionOf('abandoned'));
    const socket = connect(broker.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(encodeRequest(FetchRequest, ApiKey.Fetch, 12, fetchOf('abandoned', INT32_MAX, INT32_MAX)).frame);
    await until('the fetch to wait', () => waiters.count === 1);
    socket.end();
    await until('the fetch to be dropped', () => waiters.count === 0);
  });

  it('no fetch waits longer than 30 s: one asking for 2^31-1 ms is answered, empty, when 30 s have passed', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const waiters = countWaiters(partitionOf('capped'));
      let answer: FetchResponse | undefined;
      void client.send(FetchRequest, FetchResponse, 12, fetchOf('capped', INT32_MAX, INT32_MAX)).then((a) => (answer = a));
      await until('the fetch to wait', () => waiters.count === 1);
      mock.timers.tick(30_000);
      await until('the answer', () => answer !== undefined);
      assert.equal(answer!.errorCode, ErrorCode.NONE);
      assert.deepEqual(
        answer!.responses[0]!.partitions.map((p) => [p.errorCode, p.records?.length ?? 0]),
        [[ErrorCode.NONE, 0]],
      );
    } finally {
      mock.timers.reset();
    }
  });

  it('a waiting fetch reads only to answer: appends short of minBytes do not make it read, the one that brings minBytes does', async () => {
    const partition = partitionOf('gathered');
    const waiters = countWaiters(partition);
    const reads = countReads(partition);
    // Three batches of the same size: minBytes asks for more than two of them.
    const size = (await batch('value 1')).length;
    let answer: FetchResponse | undefined;
    const reader = await RawClient.connect(broker.port, 'reader');
    try {
      void reader.send(FetchRequest, FetchResponse, 12, fetchOf('gathered', 2 * size + 1, 60_000)).then((a) => (answer = a));
      await until('the fetch to wait', () => waiters.count === 1);
      assert.equal(reads.count, 0, 'an empty partition is not read');
      // Each append is acknowledged after the waiting fetch has seen it.
      await append('gathered', 'value 1');
      await append('gathered', 'value 2');
      assert.equal(answer, undefined);
      assert.equal(reads.count, 0, 'appends short of minBytes are counted, not read');
      await append('gathered', 'value 3');
      await until('the answer', () => answer !== undefined);
      assert.equal(reads.count, 1, 'read once, to answer');
      const records = (await decodeRecordBatches(answer!.responses[0]!.partitions[0]!.records!)).flatMap((b) => b.records.map((r) => r.value!.toString()));
      assert.deepEqual(records, ['value 1', 'value 2', 'value 3']);
    } finally {
      reader.close();
    }
  });
});
