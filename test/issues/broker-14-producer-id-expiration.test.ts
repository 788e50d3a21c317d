/**
 * Regression ("the embedded broker holds under attack, faults and load", item 14):
 * Producer state is bounded, as Kafka's: an idle producer id is forgotten after
 * `producer.id.expiration.ms`, and so is one whose writes were all deleted
 * (Kafka's docs: "producer IDs may expire sooner if the last write from the
 * producer ID is deleted due to the topic's retention settings"). A forgotten
 * producer's next batch is taken at any sequence, as a new producer's (KIP-360).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Kafka as KafkaJS, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { eventually } from '../support/eventually.js';
import { RawClient } from '../broker/groups/raw-client.js';
import { idempotentBatch, produceBatch } from '../support/idempotent-produce.js';

describe('producer state expiration', () => {
  const brokers: RunningBroker[] = [];
  const clients: RawClient[] = [];
  const start = async (properties: Record<string, number> = {}): Promise<{ broker: RunningBroker; client: RawClient }> => {
    const broker = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties });
    brokers.push(broker);
    await broker.broker.topics.create('expiring', 1, new Map());
    const client = await RawClient.connect(broker.port);
    clients.push(client);
    return { broker, client };
  };
  after(async () => {
    for (const c of clients) c.close();
    for (const b of brokers) await b.close();
  });
  const partitionOf = (broker: RunningBroker) => broker.broker.topics.get('expiring')!.partitions[0]!;

  it('forgets a producer idle for producer.id.expiration.ms; its next batch is then taken at any sequence', async () => {
    // With the default (1 day) the producer is remembered: a gap in its sequences is refused.
    const kept = await start();
    assert.equal((await produceBatch(kept.client, 'expiring', 0, idempotentBatch(7n, 0, 0))).errorCode, ErrorCode.NONE);
    assert.equal((await produceBatch(kept.client, 'expiring', 0, idempotentBatch(7n, 0, 5))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);

    const { broker, client } = await start({ 'producer.id.expiration.ms': 200, 'producer.id.expiration.check.interval.ms': 50 });
    const first = await produceBatch(client, 'expiring', 0, idempotentBatch(7n, 0, 0));
    assert.equal(first.errorCode, ErrorCode.NONE);
    // Refused (OUT_OF_ORDER_SEQUENCE_NUMBER, nothing stored) while the producer is remembered, stored once it is forgotten.
    const gap = await eventually(
      'the idle producer id to expire',
      async () => {
        const answer = await produceBatch(client, 'expiring', 0, idempotentBatch(7n, 0, 5));
        return answer.errorCode === ErrorCode.NONE ? answer : undefined;
      },
      30_000,
      100,
    );
    assert.equal(gap.baseOffset, 1n, 'the batch of the forgotten producer is stored after its first one, nothing in between');
    assert.deepEqual(broker.broker.producers.producerIds(partitionOf(broker)), [7n], 'remembered again from that batch on');
  });

  it('forgets a producer whose writes DeleteRecords removed, and keeps one with writes left', async () => {
    const { broker, client } = await start();
    assert.equal((await produceBatch(client, 'expiring', 0, idempotentBatch(1n, 0, 0))).baseOffset, 0n);
    assert.equal((await produceBatch(client, 'expiring', 0, idempotentBatch(2n, 0, 0))).baseOffset, 1n);
    const admin = new KafkaJS({ clientId: 'expiring-admin', brokers: [broker.bootstrap], logLevel: kafkaJsLogLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: ['expiring'] });
      await admin.deleteTopicRecords({ topic: 'expiring', partitions: [{ partition: 0, offset: '1' }] });
    } finally {
      await admin.disconnect();
    }
    const deleted = await produceBatch(client, 'expiring', 0, idempotentBatch(1n, 0, 5));
    assert.equal(deleted.errorCode, ErrorCode.NONE, `producer 1 wrote only below the log start offset: forgotten (${deleted.errorMessage})`);
    const kept = await produceBatch(client, 'expiring', 0, idempotentBatch(2n, 0, 5));
    assert.equal(kept.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'producer 2 still has a write at the log start offset');
  });
});
