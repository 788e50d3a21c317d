/**
 * `describeLogDirs` (KIP-113) through our admin: every broker's one log
 * directory with the size of each partition replica, which grows as a KafkaJS
 * 2.2.4 producer writes and matches the bytes of the record batches it wrote;
 * the filter; the refusal without DESCRIBE on the CLUSTER.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { type KafkaJSProtocolError } from '../../src/errors/protocol-errors.js';
import { eventually } from '../support/eventually.js';
import { batchesOf } from '../support/partition-log.js';
import { type AdminFixture, startAdminFixture } from './admin-fixture.js';

/** `topic/partition: size` of every replica the answer lists. */
const sizes = (answer: Awaited<ReturnType<AdminFixture['admin']['describeLogDirs']>>): string[] =>
  answer.flatMap((b) => b.logDirs.flatMap((d) => d.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p.partition}: ${p.size}`))));

describe('admin: describeLogDirs', () => {
  let f: AdminFixture;
  before(async () => {
    f = await startAdminFixture('admin-log-dirs-test');
    await f.peer.createTopics({ topics: [{ topic: 'dirs', numPartitions: 2 }, { topic: 'other' }] });
  });
  after(async () => {
    await f.close();
  });

  it("describes the broker's log directory, every replica's size growing with what KafkaJS writes", async () => {
    const nodeId = f.broker.config.nodeId;
    const empty = await f.admin.describeLogDirs();
    assert.deepEqual(empty, [
      {
        brokerId: nodeId,
        logDirs: [
          {
            path: ':memory:',
            error: null,
            totalBytes: null,
            usableBytes: null,
            topics: [
              { topic: 'dirs', partitions: [0, 1].map((partition) => ({ partition, size: 0, offsetLag: 0, isFuture: false })) },
              { topic: 'other', partitions: [{ partition: 0, size: 0, offsetLag: 0, isFuture: false }] },
            ],
          },
        ],
      },
    ]);

    const producer = await f.producer();
    await producer.send({ topic: 'dirs', messages: Array.from({ length: 20 }, (_, i) => ({ partition: 1, key: `k${i}`, value: 'v'.repeat(50) })) });
    const written = (await batchesOf(f.broker, 'dirs', 1)).reduce((sum, b) => sum + b.batchLength + 12, 0); // + baseOffset and batchLength fields
    const after = await eventually('the replica to grow', async () => {
      const answer = await f.admin.describeLogDirs({ topics: [{ topic: 'dirs', partitions: [1] }] });
      return sizes(answer)[0] === `dirs/1: ${written}` ? answer : undefined;
    });
    assert.deepEqual(sizes(after), [`dirs/1: ${written}`], 'only the partition asked for');
  });

  it('asks only the brokers named, and refuses bad arguments before sending', async () => {
    const nodeId = f.broker.config.nodeId;
    assert.deepEqual((await f.admin.describeLogDirs({ brokers: [nodeId], topics: [{ topic: 'other', partitions: [0] }] })).map((b) => b.brokerId), [nodeId]);
    assert.deepEqual(await f.admin.describeLogDirs({ brokers: [] }), []);
    await assert.rejects(f.admin.describeLogDirs({ topics: [{ topic: 'dirs', partitions: [-1] }] }), KafkaJSNonRetriableError);
    await assert.rejects(f.admin.describeLogDirs({ brokers: ['1' as unknown as number] }), KafkaJSNonRetriableError);
  });

  it('rejects with CLUSTER_AUTHORIZATION_FAILED without DESCRIBE on the CLUSTER', async () => {
    const denied = await startAdminFixture('admin-log-dirs-denied', { properties: { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' } });
    try {
      await assert.rejects(denied.admin.describeLogDirs(), (e: unknown) => (e as KafkaJSProtocolError).type === 'CLUSTER_AUTHORIZATION_FAILED');
    } finally {
      await denied.close();
    }
  });
});
