/**
 * `describeProducers` (KIP-664) through our admin: the producer id and epoch a
 * KafkaJS 2.2.4 idempotent producer wrote into its record batches, per
 * partition, with the last sequence of the records it sent there; partition
 * errors together in a KafkaJSAggregateError, as KafkaJS reports them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KafkaJSAggregateError, KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { type KafkaJSProtocolError } from '../../src/errors/protocol-errors.js';
import { batchesOf } from '../support/partition-log.js';
import { type AdminFixture, startAdminFixture } from './admin-fixture.js';

describe('admin: describeProducers', () => {
  let f: AdminFixture;
  before(async () => {
    f = await startAdminFixture('admin-describe-producers-test');
    await f.peer.createTopics({ topics: [{ topic: 'idem', numPartitions: 3 }] });
  });
  after(async () => {
    await f.close();
  });

  it("reports a KafkaJS idempotent producer's id, epoch and last sequence on each partition it wrote to", async () => {
    const producer = f.kafkajs.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const before = Date.now();
      await producer.send({ topic: 'idem', messages: Array.from({ length: 6 }, (_, i) => ({ partition: 0, value: `a${i}` })) });
      await producer.send({ topic: 'idem', messages: [...Array.from({ length: 4 }, (_, i) => ({ partition: 0, value: `b${i}` })), { partition: 1, value: 'c' }] });
      const [batch] = await batchesOf(f.broker, 'idem', 0);
      const answer = await f.admin.describeProducers({ topics: [{ topic: 'idem', partitions: [0, 1, 2] }] });
      assert.equal(answer.length, 1);
      assert.equal(answer[0]!.topic, 'idem');
      const [p0, p1, p2] = answer[0]!.partitions;
      const expected = (lastSequence: number) => ({
        producerId: batch!.producerIdExact.toString(),
        producerEpoch: batch!.producerEpoch,
        lastSequence,
        coordinatorEpoch: null,
        currentTransactionStartOffset: null,
      });
      const { lastTimestamp, ...state0 } = p0!.activeProducers[0]!;
      assert.deepEqual([p0!.partition, p0!.activeProducers.length, state0], [0, 1, expected(9)], '10 records on partition 0: sequences 0-9');
      assert.ok(lastTimestamp >= before && lastTimestamp <= Date.now(), `lastTimestamp ${lastTimestamp}`);
      const { lastTimestamp: _, ...state1 } = p1!.activeProducers[0]!;
      assert.deepEqual([p1!.partition, state1], [1, expected(0)]);
      assert.deepEqual(p2, { partition: 2, activeProducers: [] });
    } finally {
      await producer.disconnect();
    }
  });

  it('rejects with a KafkaJSAggregateError of the partitions that do not exist', async () => {
    await assert.rejects(f.admin.describeProducers({ topics: [{ topic: 'idem', partitions: [0, 7] }, { topic: 'nowhere', partitions: [0] }] }), (e: unknown) => {
      assert.ok(e instanceof KafkaJSAggregateError, String(e));
      assert.deepEqual(e.errors.map((x) => (x as KafkaJSProtocolError).type), ['UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_OR_PARTITION']);
      return true;
    });
  });

  it('refuses bad arguments before sending', async () => {
    await assert.rejects(f.admin.describeProducers({} as never), KafkaJSNonRetriableError);
    await assert.rejects(f.admin.describeProducers({ topics: [{ topic: '', partitions: [0] }] }), KafkaJSNonRetriableError);
    await assert.rejects(f.admin.describeProducers({ topics: [{ topic: 'idem', partitions: [1.5] }] }), KafkaJSNonRetriableError);
  });
});
