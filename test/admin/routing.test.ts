/**
 * Every admin call goes to the broker that must answer it: the controller
 * for topics and ACLs, each partition's leader for ListOffsets and
 * DeleteRecords, every broker for ListGroups. Three nodes in front of one
 * broker (test/support/cluster-proxy.ts): partition p led by node p + 1, node 1
 * the controller; the proxy counts what each node received.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Admin, createAdmin } from '../../src/admin/admin.js';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from '../../src/admin/admin-types.js';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel, silentLogger } from '../../src/client/logger.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { type ClusterProxy, startClusterProxy } from '../support/cluster-proxy.js';
import { BROKER_PROPERTIES } from './admin-fixture.js';

describe('admin: routing across brokers', () => {
  let broker: RunningBroker;
  let proxy: ClusterProxy;
  let admin: Admin;
  before(async () => {
    broker = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { ...BROKER_PROPERTIES, 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:ANONYMOUS' } });
    await broker.broker.topics.create('spread', 3, new Map());
    proxy = await startClusterProxy(() => broker.bootstrap, 3);
    for (const p of [0, 1, 2]) proxy.setLeader('spread', p, p + 1);
    admin = createAdmin({ clientId: 'admin-routing-test', brokers: [proxy.bootstrap], logLevel: logLevel.NOTHING }, { retry: { retries: 2, initialRetryTime: 50 } }, silentLogger);
    await admin.connect();
  });
  after(async () => {
    await admin.disconnect();
    await proxy.close();
    await broker.close();
  });

  /** How many requests of `apiKey` each node received since `before`, as [node 1, node 2, node 3]. */
  const received = (apiKey: number, before: readonly number[] = [0, 0, 0]): number[] => [1, 2, 3].map((n, i) => (proxy.requestsByNode.get(n)?.get(apiKey) ?? 0) - before[i]!);

  it('sends ListOffsets and DeleteRecords to each partition leader', async () => {
    const listBefore = received(ApiKey.ListOffsets);
    await admin.fetchTopicOffsets('spread');
    assert.deepEqual(received(ApiKey.ListOffsets, listBefore), [2, 2, 2], 'latest and earliest, one request each per leader');
    const deleteBefore = received(ApiKey.DeleteRecords);
    await admin.deleteTopicRecords({ topic: 'spread', partitions: [{ partition: 1, offset: '0' }, { partition: 2, offset: '0' }] });
    assert.deepEqual(received(ApiKey.DeleteRecords, deleteBefore), [0, 1, 1]);
  });

  it('sends topic and ACL requests to the controller only', async () => {
    const before = [ApiKey.CreateTopics, ApiKey.CreatePartitions, ApiKey.DeleteTopics, ApiKey.CreateAcls, ApiKey.DescribeAcls].map((k) => received(k));
    await admin.createTopics({ topics: [{ topic: 'routed', numPartitions: 1 }], waitForLeaders: false });
    await admin.createPartitions({ topicPartitions: [{ topic: 'routed', count: 2 }] });
    await admin.deleteTopics({ topics: ['routed'] });
    const acl = { resourceType: AclResourceTypes.TOPIC, resourceName: 'spread', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:x', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW };
    await admin.createAcls({ acl: [acl] });
    await admin.describeAcls({ ...acl, resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
    [ApiKey.CreateTopics, ApiKey.CreatePartitions, ApiKey.DeleteTopics, ApiKey.CreateAcls, ApiKey.DescribeAcls].forEach((k, i) => assert.deepEqual(received(k, before[i]), [1, 0, 0], `API key ${k}`));
  });

  it('asks every broker for its groups', async () => {
    const before = received(ApiKey.ListGroups);
    await admin.listGroups();
    assert.deepEqual(received(ApiKey.ListGroups, before), [1, 1, 1]);
  });
});
