/**
 * `electLeaders` (KIP-460) through our admin, on one broker that leads every
 * partition's one replica: no partition needs an election, which is a result
 * (`electionNotNeeded`), not an error; other partition errors reject together
 * in a KafkaJSAggregateError; KafkaJS 2.2.4 sees the same leaders after.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ElectionTypes } from '../../src/admin/admin-types.js';
import { KafkaJSAggregateError, KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { type KafkaJSProtocolError } from '../../src/errors/protocol-errors.js';
import { type AdminFixture, startAdminFixture } from './admin-fixture.js';

describe('admin: electLeaders', () => {
  let f: AdminFixture;
  before(async () => {
    f = await startAdminFixture('admin-elect-leaders-test');
    await f.peer.createTopics({ topics: [{ topic: 'led', numPartitions: 2 }, { topic: 'also' }] });
  });
  after(async () => {
    await f.close();
  });

  it('answers electionNotNeeded for partitions already led by the replica asked for, by either election type', async () => {
    const expected = [{ topic: 'led', partitions: [{ partition: 0, electionNotNeeded: true }, { partition: 1, electionNotNeeded: true }] }];
    for (const electionType of ['PREFERRED', 'UNCLEAN', ElectionTypes.PREFERRED, ElectionTypes.UNCLEAN] as const) {
      assert.deepEqual(await f.admin.electLeaders({ electionType, topicPartitions: [{ topic: 'led', partitions: [0, 1] }] }), expected, `election type ${electionType}`);
    }
    const metadata = await f.peer.fetchTopicMetadata({ topics: ['led'] });
    assert.deepEqual(metadata.topics[0]!.partitions.map((p) => p.leader), [f.broker.config.nodeId, f.broker.config.nodeId], 'KafkaJS sees the leaders unchanged');
  });

  it('for every partition lists each topic with only the partitions the controller acted on: none here', async () => {
    const answer = await f.admin.electLeaders({ electionType: 'PREFERRED' });
    assert.deepEqual([...answer].sort((a, b) => a.topic.localeCompare(b.topic)), [
      { topic: 'also', partitions: [] },
      { topic: 'led', partitions: [] },
    ]);
  });

  it('rejects with a KafkaJSAggregateError of the partitions in error, leaving out those that needed no election', async () => {
    await assert.rejects(f.admin.electLeaders({ electionType: 'PREFERRED', topicPartitions: [{ topic: 'led', partitions: [0, 5] }, { topic: 'gone', partitions: [0] }] }), (e: unknown) => {
      assert.ok(e instanceof KafkaJSAggregateError, String(e));
      assert.deepEqual(e.errors.map((x) => (x as KafkaJSProtocolError).type), ['UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_OR_PARTITION']);
      assert.match((e.errors[0] as Error).message, /partition 5 of topic "led"/);
      return true;
    });
  });

  it('refuses bad arguments before sending', async () => {
    await assert.rejects(f.admin.electLeaders({ electionType: 'FAST' as never }), KafkaJSNonRetriableError);
    await assert.rejects(f.admin.electLeaders({ electionType: 2 as never }), KafkaJSNonRetriableError);
    await assert.rejects(f.admin.electLeaders({ electionType: 'PREFERRED', topicPartitions: [{ topic: 'led', partitions: [-1] }] }), KafkaJSNonRetriableError);
    await assert.rejects(f.admin.electLeaders({ electionType: 'PREFERRED', timeout: -5 }), KafkaJSNonRetriableError);
  });

  it('rejects with CLUSTER_AUTHORIZATION_FAILED without ALTER on the CLUSTER', async () => {
    const denied = await startAdminFixture('admin-elect-leaders-denied', { properties: { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' } });
    try {
      await assert.rejects(denied.admin.electLeaders({ electionType: 'UNCLEAN', topicPartitions: [{ topic: 't', partitions: [0] }] }), (e: unknown) => (e as KafkaJSProtocolError).type === 'CLUSTER_AUTHORIZATION_FAILED');
    } finally {
      await denied.close();
    }
  });
});
