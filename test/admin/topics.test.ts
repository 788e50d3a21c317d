/**
 * Topics through our admin, each effect checked by KafkaJS 2.2.4's admin:
 * createTopics (partitions, configs, manual assignment, validateOnly, an existing
 * topic), deleteTopics, createPartitions, listTopics, fetchTopicMetadata and
 * describeCluster (answers compared with KafkaJS's own for the same call).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { KafkaJSAggregateError, KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { KafkaJSCreateTopicError, KafkaJSProtocolError } from '../../src/errors/protocol-errors.js';
import { type AdminFixture, startAdminFixture } from './admin-fixture.js';

const { ConfigResourceTypes } = kafkajs;

describe('admin: topics', () => {
  let f: AdminFixture;
  before(async () => {
    f = await startAdminFixture('admin-topics-test');
  });
  after(async () => {
    await f.close();
  });

  const partitionCount = async (topic: string): Promise<number> => (await f.peer.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length;

  it('createTopics creates topics KafkaJS then sees, with their partitions and configs, and resolves true', async () => {
    const created = await f.admin.createTopics({
      topics: [
        { topic: 'orders', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
        { topic: 'defaults' },
        { topic: 'assigned', replicaAssignment: [{ partition: 0, replicas: [1] }, { partition: 1, replicas: [1] }] },
      ],
    });
    assert.equal(created, true);
    assert.equal(await partitionCount('orders'), 3);
    assert.equal(await partitionCount('defaults'), 1, "num.partitions, the broker's default");
    assert.equal(await partitionCount('assigned'), 2, 'one partition per assignment');
    const configs = await f.peer.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders', configNames: ['retention.ms'] }] });
    assert.equal(configs.resources[0]!.configEntries[0]!.configValue, '3600000');
  });

  it('createTopics with validateOnly checks without creating', async () => {
    assert.equal(await f.admin.createTopics({ validateOnly: true, topics: [{ topic: 'dry-run', numPartitions: 2 }] }), true);
    assert.ok(!(await f.peer.listTopics()).includes('dry-run'));
  });

  it('createTopics resolves false when the only failures are topics that already exist, as KafkaJS', async () => {
    assert.equal(await f.admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] }), false);
    assert.equal(await f.peer.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] }), false, 'KafkaJS answers the same');
    assert.equal(await f.admin.createTopics({ topics: [{ topic: 'orders' }, { topic: 'fresh' }] }), false, 'the new one is created all the same');
    assert.ok((await f.peer.listTopics()).includes('fresh'));
  });

  it('createTopics rejects with a KafkaJSAggregateError of KafkaJSCreateTopicErrors, one per failed topic', async () => {
    await assert.rejects(
      f.admin.createTopics({ topics: [{ topic: 'orders' }, { topic: 'bad-config', configEntries: [{ name: 'cleanup.policy', value: 'sometimes' }] }] }),
      (e: unknown) => {
        assert.ok(e instanceof KafkaJSAggregateError, String(e));
        const errors = e.errors as KafkaJSCreateTopicError[];
        assert.deepEqual(errors.map((x) => [x.name, x.topic, x.type]).sort(), [
          ['KafkaJSCreateTopicError', 'bad-config', 'INVALID_CONFIG'],
          ['KafkaJSCreateTopicError', 'orders', 'TOPIC_ALREADY_EXISTS'],
        ]);
        return true;
      },
    );
    assert.ok(!(await f.peer.listTopics()).includes('bad-config'));
  });

  it("createTopics refuses bad arguments with KafkaJS's errors, sending nothing", async () => {
    await assert.rejects(f.admin.createTopics({ topics: 'orders' as never }), (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'Invalid topics array orders');
    await assert.rejects(
      f.admin.createTopics({ topics: [{ topic: 'a' }, { topic: 'a' }] }),
      (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'Invalid topics array, it cannot have multiple entries for the same topic',
    );
    await assert.rejects(
      f.admin.createTopics({ topics: [{ topic: 'a', configEntries: [{ name: 'x' } as never] }] }),
      (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'Invalid configEntries for topic "a". Entry 0 must have a valid "value" property',
    );
  });

  it('createPartitions grows a topic, as KafkaJS sees; a count not above the current one is INVALID_PARTITIONS', async () => {
    await f.admin.createTopics({ topics: [{ topic: 'growing', numPartitions: 1 }] });
    assert.equal(await f.admin.createPartitions({ validateOnly: true, topicPartitions: [{ topic: 'growing', count: 4 }] }), true);
    assert.equal(await partitionCount('growing'), 1, 'validateOnly changes nothing');
    await f.admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 4 }] });
    assert.equal(await partitionCount('growing'), 4);
    await assert.rejects(f.admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 2 }] }), (e: unknown) => e instanceof KafkaJSProtocolError && e.type === 'INVALID_PARTITIONS' && !e.retriable);
  });

  it('deleteTopics deletes topics KafkaJS then no longer lists; an unknown topic rejects with UNKNOWN_TOPIC_OR_PARTITION at once', async () => {
    await f.peer.createTopics({ topics: [{ topic: 'doomed-1' }, { topic: 'doomed-2' }] });
    await f.admin.deleteTopics({ topics: ['doomed-1', 'doomed-2'] });
    const topics = await f.peer.listTopics();
    assert.ok(!topics.includes('doomed-1') && !topics.includes('doomed-2'), topics.join());
    await assert.rejects(f.admin.deleteTopics({ topics: ['never-existed'] }), (e: unknown) => e instanceof KafkaJSProtocolError && e.type === 'UNKNOWN_TOPIC_OR_PARTITION' && /never-existed/.test(e.message));
  });

  it('listTopics lists what KafkaJS created', async () => {
    await f.peer.createTopics({ topics: [{ topic: 'made-by-kafkajs' }] });
    const ours = await f.admin.listTopics();
    assert.ok(ours.includes('made-by-kafkajs'));
    assert.deepEqual([...ours].sort(), [...(await f.peer.listTopics())].sort());
  });

  it("fetchTopicMetadata answers what KafkaJS's answers, for named topics and for all", async () => {
    // The same topics and partitions; KafkaJS keeps the broker's order, ours sorts partitions by id.
    type Metadata = { topics: { name: string; partitions: { partitionId: number }[] }[] };
    const normalized = (r: Metadata) =>
      [...r.topics].sort((a, b) => a.name.localeCompare(b.name)).map((t) => ({ ...t, partitions: [...t.partitions].sort((a, b) => a.partitionId - b.partitionId) }));
    assert.deepEqual(normalized(await f.admin.fetchTopicMetadata({ topics: ['orders', 'growing'] })), normalized(await f.peer.fetchTopicMetadata({ topics: ['orders', 'growing'] })));
    assert.deepEqual(normalized(await f.admin.fetchTopicMetadata()), normalized(await f.peer.fetchTopicMetadata()));
  });

  it('fetchTopicMetadata of a missing topic rejects with UNKNOWN_TOPIC_OR_PARTITION and does not create it', async () => {
    const admin = f.newAdmin({ retry: { retries: 0 } });
    await assert.rejects(admin.fetchTopicMetadata({ topics: ['missing'] }), (e: unknown) => e instanceof Error && /UNKNOWN_TOPIC_OR_PARTITION/.test(e.message));
    assert.ok(!(await f.peer.listTopics()).includes('missing'));
  });

  it("describeCluster answers what KafkaJS's answers", async () => {
    const ours = await f.admin.describeCluster();
    assert.deepEqual(ours, await f.peer.describeCluster());
    assert.equal(ours.brokers.length, 1);
    assert.equal(ours.controller, ours.brokers[0]!.nodeId);
  });
});
