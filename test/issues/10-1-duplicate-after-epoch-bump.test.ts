/**
 * Issue 10.1: a record stored twice by an idempotent producer.
 *
 * The review's reproduction: two partitions, a client `requestTimeout` of 800 ms, a
 * producer `deliveryTimeoutMs` of 3000, a proxy that loses Produce answers. A send to
 * partition 0 fails its delivery timeout with an unknown outcome, which bumps the
 * epoch (KIP-360); meanwhile a send of `x` to partition 1 was stored by the broker as
 * (epoch 0, sequence 1), its answer lost. The bump re-sequenced every queued batch of
 * every partition, so `x` went out again as (epoch 1, sequence 0), which the broker
 * takes as a new record: partition 1 held `x` twice, and its `send` resolved.
 *
 * The rule the fix follows, as Java's TransactionManager since KIP-360 (a partition
 * takes the bumped epoch only once it has no batch in flight): a batch that was sent
 * keeps its producer id, epoch and sequence until its outcome is known; a partition
 * moves to a new epoch only when nothing of it is outstanding; the epoch is bumped
 * only when the failing batch carries the current epoch.
 *
 * The first test reads the embedded broker's log behind a fault proxy; the second
 * checks the rule on the wire, against a capture broker behind the proxy.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { KafkaJSDeliveryTimeoutError } from '../../src/errors/errors.js';
import { Kafka } from '../../src/kafka.js';
import { type Producer } from '../../src/producer/producer.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ApiKey, type ProduceRequest } from '../../src/protocol/generated/index.js';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.js';
import { type CaptureBroker, decodeRequest, startCaptureBroker } from '../support/capture-broker.js';
import { eventually } from '../support/eventually.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { batchesOf, logEnd } from '../support/partition-log.js';
import { within, disconnectQuietly as disconnect } from '../support/within.js';

/** A send's outcome as a value: 'resolved', or the error it rejected with. */
function outcomeOf(sent: Promise<unknown>): Promise<'resolved' | unknown> {
  return sent.then(
    () => 'resolved' as const,
    (e: unknown) => e,
  );
}

const describeOutcome = (outcome: unknown): string => (outcome === 'resolved' ? 'resolved' : `rejected with ${String(outcome)}`);

describe('issue 10.1: a record stored twice by an idempotent producer', () => {
  it('a batch of partition 0 failing its delivery timeout does not make partition 1 resend a record whose outcome is unknown under a new epoch: partition 1 holds it once', { timeout: 90_000 }, async () => {
    let running: RunningBroker | undefined;
    const proxy = await startFaultProxy(() => `127.0.0.1:${running!.port}`);
    let producer: Producer | undefined;
    try {
      running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'advertised.listeners': `PLAINTEXT://${proxy.address}`, 'auto.create.topics.enable': false } });
      const broker = running;
      const topic = 'issue-10-1-duplicate';
      await broker.broker.topics.create(topic, 2, new Map());
      // The review's timeline (requestTimeout 800, deliveryTimeoutMs 3000, x 2 s after a) at twice the
      // scale: x must be sent before a fails, a margin a loaded machine's event loop could eat at 1x.
      const kafka = new Kafka({ clientId: 'issue-10-1', brokers: [proxy.address], logLevel: logLevel.NOTHING, requestTimeout: 1600, connectionTimeout: 1000 });
      producer = kafka.producer({ lingerMs: 0, deliveryTimeoutMs: 6000, retry: { initialRetryTime: 100, maxRetryTime: 200 } });
      const p = producer;
      await within('connect', p.connect(), 30_000);
      // Both partitions hold a record of epoch 0 (sequence 0): the next one of each is sequence 1.
      await within('the first send', p.send({ topic, messages: [{ partition: 0, value: 'w0' }, { partition: 1, value: 'w1' }] }), 30_000);

      // From now on the broker stores every batch and the producer hears nothing back.
      proxy.swallowResponses({ apiKey: ApiKey.Produce });
      const aSentAt = Date.now();
      const a = outcomeOf(p.send({ topic, messages: [{ partition: 0, value: 'a' }] }));
      await eventually('a stored on partition 0', () => (logEnd(broker, topic, 0) >= 2 ? true : undefined), 30_000);
      // x goes out 4 s after a, so its own delivery timeout ends well after a's: x is still
      // being retried, its outcome unknown, when a fails.
      await sleep(Math.max(0, aSentAt + 4000 - Date.now()));
      const x = outcomeOf(p.send({ topic, messages: [{ partition: 1, value: 'x' }] }));
      await eventually('x stored on partition 1', () => (logEnd(broker, topic, 1) >= 2 ? true : undefined), 30_000);

      // a's delivery timeout has passed: cutting the connection fails a's attempt in flight
      // now (or a expires from its retry queue), instead of after a request timeout.
      await sleep(Math.max(0, aSentAt + 6000 + 100 - Date.now()));
      proxy.dropConnections();
      const aOutcome = await within('the send of a', a, 30_000);
      assert.ok(aOutcome instanceof KafkaJSDeliveryTimeoutError, `the scenario: a fails its delivery timeout, its outcome unknown; its send ${describeOutcome(aOutcome)}`);

      // The broker answers again; an attempt of x whose answer was already lost need not wait out its request timeout.
      proxy.reset();
      proxy.dropConnections();
      const xOutcome = await within('the send of x', x, 30_000);

      // The scenario: x was first stored in the epoch a was sent with, so before a failed and the epoch moved on.
      const aBatch = (await batchesOf(broker, topic, 0)).find((b) => b.records.some((r) => r.value?.toString() === 'a'));
      const xFirst = (await batchesOf(broker, topic, 1)).find((b) => b.records.some((r) => r.value?.toString() === 'x'));
      assert.ok(aBatch && xFirst && xFirst.producerEpoch === aBatch.producerEpoch, `the scenario: x was first sent in a's epoch (${aBatch?.producerEpoch}), before a failed; it was first stored in epoch ${xFirst?.producerEpoch}`);

      const stored = (await batchesOf(broker, topic, 1)).flatMap((b) =>
        b.records.filter((r) => r.value?.toString() === 'x').map((r) => `offset ${r.offset} as (producer ${b.producerId}, epoch ${b.producerEpoch}, sequence ${b.baseSequence + (r.offset - b.baseOffset)})`),
      );
      assert.equal(stored.length, 1, `partition 1 holds x ${stored.length} times: ${stored.join('; ')} (the send of x ${describeOutcome(xOutcome)})`);
    } finally {
      proxy.reset();
      if (producer) await disconnect(producer);
      await proxy.close();
      await running?.close();
    }
  });

  it('an OUT_OF_ORDER_SEQUENCE_NUMBER on partition 0 while partition 1 has a batch of unknown outcome: that batch keeps its producer id, epoch and sequence, and partition 1 takes the new epoch only once it is answered', { timeout: 90_000 }, async () => {
    let capture: CaptureBroker | undefined;
    const proxy = await startFaultProxy(() => capture!.bootstrap);
    let producer: Producer | undefined;
    /** The error code the broker answered for each batch it received, in arrival order. */
    const answered: number[] = [];
    let refuseNextOnPartition0 = false;
    try {
      capture = await startCaptureBroker({
        partitions: 2,
        advertisedAddress: proxy.address,
        produceError: (_topic, partition, n) => {
          let code = 0;
          if (partition === 0 && refuseNextOnPartition0) {
            refuseNextOnPartition0 = false;
            code = ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
          }
          answered[n] = code;
          return code;
        },
      });
      const broker = capture;
      const topic = 'issue-10-1-wire';
      // The request timeout leaves time for partition 0's refusal to come back while partition 1's answer is still awaited.
      const kafka = new Kafka({ clientId: 'issue-10-1-wire', brokers: [proxy.address], logLevel: logLevel.NOTHING, requestTimeout: 3000, connectionTimeout: 1000 });
      producer = kafka.producer({ lingerMs: 0, maxInFlightRequests: 5, deliveryTimeoutMs: 30_000, retry: { initialRetryTime: 100, maxRetryTime: 500 } });
      const p = producer;
      await within('connect', p.connect(), 30_000);
      await within('the first send', p.send({ topic, messages: [{ partition: 0, value: 'w0' }, { partition: 1, value: 'w1' }] }), 30_000);

      const produceFrames = () => broker.frames.filter((f) => f.header.apiKey === ApiKey.Produce);
      const before = produceFrames().length;
      // y reaches the broker, which stores it; its answer is lost.
      proxy.swallowResponses({ apiKey: ApiKey.Produce, count: 1 });
      const y = outcomeOf(p.send({ topic, messages: [{ partition: 1, value: 'y' }] }));
      await eventually('the answer to y swallowed', () => (proxy.stats.responsesSwallowed >= 1 ? true : undefined), 30_000);
      const lostFrame = produceFrames()[before]!;
      // z, in a request of its own while y's is outstanding, is refused.
      refuseNextOnPartition0 = true;
      const z = outcomeOf(p.send({ topic, messages: [{ partition: 0, value: 'z' }] }));
      const [yOutcome, zOutcome] = await within('the sends of y and z', Promise.all([y, z]), 45_000);
      assert.deepEqual(broker.errors, []);

      // Every batch on the wire, with what the producer learnt of it.
      interface SentBatch {
        frame: number;
        partition: number;
        producerId: number;
        epoch: number;
        baseSequence: number;
        values: string[];
        outcome: 'stored' | 'refused' | 'unknown';
      }
      const sent: SentBatch[] = [];
      let n = 0;
      for (const [frame, f] of produceFrames().entries()) {
        const request = decodeRequest(f.bytes).body as ProduceRequest;
        for (const t of request.topicData) {
          for (const pd of t.partitionData) {
            const batches = await decodeRecordBatches(pd.records!);
            assert.equal(batches.length, 1, `one batch per partition in a Produce request (frame ${frame})`);
            const b = batches[0]!;
            const code = answered[n++]!;
            sent.push({
              frame,
              partition: pd.index,
              producerId: Number(b.producerId),
              epoch: b.producerEpoch,
              baseSequence: b.baseSequence,
              values: b.records.map((r) => r.value!.toString()),
              outcome: f === lostFrame ? 'unknown' : code === 0 || code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER ? 'stored' : 'refused',
            });
          }
        }
      }
      const show = (b: SentBatch) => `frame ${b.frame}: partition ${b.partition} [${b.values.join(', ')}] as (producer ${b.producerId}, epoch ${b.epoch}, sequence ${b.baseSequence}), ${b.outcome}`;
      const wire = sent.map(show).join('\n  ');

      // The scenario: y's first attempt had no answer, and z was refused while y was still outstanding.
      const yFirst = sent.find((b) => b.values.includes('y'));
      const zRefused = sent.find((b) => b.values.includes('z') && b.outcome === 'refused');
      assert.ok(yFirst && yFirst.outcome === 'unknown', `the scenario: the first batch of y is the one whose answer was lost:\n  ${wire}`);
      assert.ok(zRefused, `the scenario: z was refused with OUT_OF_ORDER_SEQUENCE_NUMBER:\n  ${wire}`);
      const ySecond = sent.find((b) => b.values.includes('y') && b.frame > yFirst.frame);
      assert.ok(ySecond === undefined || ySecond.frame > zRefused.frame, `the scenario: z was refused before y was sent again:\n  ${wire}`);

      const violations: string[] = [];
      // A record keeps the producer id, epoch and sequence it was first sent with until an answer says it was not stored.
      const identity = new Map<string, { frame: number; key: string }>();
      for (const b of sent) {
        for (const [i, value] of b.values.entries()) {
          const key = `producer ${b.producerId}, epoch ${b.epoch}, sequence ${b.baseSequence + i}`;
          const first = identity.get(value);
          if (!first) identity.set(value, { frame: b.frame, key });
          else if (first.key !== key) violations.push(`${value} went out in frame ${b.frame} as (${key}), after frame ${first.frame} sent it as (${first.key}) and no answer said it was not stored`);
          if (b.outcome === 'refused') identity.delete(value);
        }
      }
      // No batch of a partition in a new epoch while a batch of it in an older one has no known outcome.
      const outstanding = new Map<number, Map<string, SentBatch>>();
      for (const b of sent) {
        let pending = outstanding.get(b.partition);
        if (!pending) outstanding.set(b.partition, (pending = new Map()));
        for (const o of pending.values()) {
          if (o.producerId !== b.producerId || o.epoch !== b.epoch) {
            violations.push(`partition ${b.partition}: frame ${b.frame} sent [${b.values.join(', ')}] in epoch ${b.epoch} while [${o.values.join(', ')}] of epoch ${o.epoch}, sent in frame ${o.frame}, had no known outcome`);
          }
        }
        const key = `${b.producerId}/${b.epoch}/${b.baseSequence}`;
        if (b.outcome === 'unknown') pending.set(key, b);
        else pending.delete(key);
      }
      assert.deepEqual(violations, [], `the batches on the wire:\n  ${wire}`);
      assert.equal(yOutcome, 'resolved', `the send of y ${describeOutcome(yOutcome)}`);
      assert.equal(zOutcome, 'resolved', `the send of z ${describeOutcome(zOutcome)}`);
    } finally {
      proxy.reset();
      if (producer) await disconnect(producer);
      await proxy.close();
      await capture?.close();
    }
  });
});
