/**
 * ACL enforcement API by API on the wire, with our own codecs, in the issue's
 * scenario (acl-scenario.ts: bob owns `bob-` topics and groups, alice `alice-`,
 * carol nothing, admin is the super user): each API's refusal in the shape
 * Kafka answers it (per partition, per topic, per group, per resource, or the
 * response's error), decided before existence, next to the owner's success.
 * The clients' view is in enforcement-kafkajs and enforcement-kcat; these are
 * the answers clients do not reach or do not show.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AclOperation, AclResourceType, CLUSTER_RESOURCE_NAME } from '../../../src/broker/acl/acl-binding.js';
import { SUPPORTED_OPERATIONS, operationsBitField } from '../../../src/broker/acl/authorizer.js';
import { type RunningBroker } from '../../../src/broker/server.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  AlterConfigsRequest,
  AlterConfigsResponse,
  CreatePartitionsRequest,
  CreatePartitionsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteGroupsRequest,
  DeleteGroupsResponse,
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  DescribeClusterRequest,
  DescribeClusterResponse,
  DescribeConfigsRequest,
  DescribeConfigsResponse,
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  FetchRequest,
  FetchResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  LeaveGroupResponse,
  ListGroupsRequest,
  ListGroupsResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  MetadataResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  ProduceRequest,
  ProduceResponse,
  SyncGroupRequest,
  SyncGroupResponse,
} from '../../../src/protocol/generated/index.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/constants.js';
import { RecordBatchAttribute, RecordBatchField, computeRecordBatchCrc } from '../../../src/protocol/records/record-batch.js';
import { idempotentBatch } from '../../support/idempotent-produce.js';
import { type RawClient } from '../groups/raw-client.js';
import { type User, allowLiteral, grant, rawClientAs, startAclScenario } from './acl-scenario.js';

/** KIP-430's bit field of every operation a resource type has. */
const allOperations = (type: AclResourceType): number => operationsBitField(SUPPORTED_OPERATIONS.get(type) ?? []);
/** Kafka's ConfigResource.Type codes. */
const ConfigResource = { TOPIC: 2, BROKER: 4 } as const;

describe('ACL enforcement on the wire, API by API', () => {
  let running: RunningBroker;
  const clients = new Map<User, RawClient>();
  /** One connection per user (requests answered in order on each). */
  const as = (user: User): RawClient => clients.get(user)!;

  const createTopics = (user: User, ...names: string[]) =>
    as(user).send(CreateTopicsRequest, CreateTopicsResponse, 7, { topics: names.map((name) => ({ name, numPartitions: 1, replicationFactor: -1 })), timeoutMs: 5000, validateOnly: false });
  const topicIdOf = async (name: string): Promise<string> => (await as('admin').send(MetadataRequest, MetadataResponse, 12, { topics: [{ name, topicId: ZERO_UUID }] })).topics[0]!.topicId;
  const commit = (user: User, groupId: string, topic: string, offset: bigint) =>
    as(user).send(OffsetCommitRequest, OffsetCommitResponse, 8, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });

  before(async () => {
    running = await startAclScenario();
    for (const user of ['admin', 'alice', 'bob', 'carol'] as const) clients.set(user, await rawClientAs(running, user));
    assert.deepEqual(
      (await createTopics('bob', 'bob-orders', 'bob-scratch')).topics.map((t) => t.errorCode),
      [ErrorCode.NONE, ErrorCode.NONE],
    );
    assert.equal((await createTopics('alice', 'alice-notes')).topics[0]!.errorCode, ErrorCode.NONE);
  });

  after(async () => {
    for (const client of clients.values()) client.close();
    await running.close();
  });

  it('Metadata: a named topic without DESCRIBE is TOPIC_AUTHORIZATION_FAILED whether it exists or not; by id, without its name', async () => {
    const byName = await as('alice').send(MetadataRequest, MetadataResponse, 1, { topics: [{ name: 'bob-orders', topicId: ZERO_UUID }, { name: 'bob-missing', topicId: ZERO_UUID }, { name: 'alice-notes', topicId: ZERO_UUID }] });
    assert.deepEqual(
      byName.topics.map((t) => [t.name, t.errorCode, t.partitions.length]),
      [
        ['bob-orders', ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0],
        ['bob-missing', ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0],
        ['alice-notes', ErrorCode.NONE, 1],
      ],
    );
    assert.equal(running.broker.topics.get('bob-missing'), undefined, 'not auto-created for alice');
    const id = await topicIdOf('bob-orders');
    const byId = await as('alice').send(MetadataRequest, MetadataResponse, 12, { topics: [{ name: null, topicId: id }] });
    assert.deepEqual(
      byId.topics.map((t) => [t.name, t.topicId, t.errorCode]),
      [[null, id, ErrorCode.TOPIC_AUTHORIZATION_FAILED]],
    );
  });

  it('Metadata: auto-creation needs CREATE on the cluster or the topic, not only DESCRIBE', async () => {
    await grant(running, [allowLiteral(AclResourceType.TOPIC, 'shared-a', 'carol', AclOperation.DESCRIBE), allowLiteral(AclResourceType.TOPIC, 'shared-b', 'carol', AclOperation.ALL)]);
    const answer = await as('carol').send(MetadataRequest, MetadataResponse, 4, { topics: [{ name: 'shared-a', topicId: ZERO_UUID }, { name: 'shared-b', topicId: ZERO_UUID }], allowAutoTopicCreation: true });
    assert.deepEqual(
      answer.topics.map((t) => [t.name, t.errorCode]),
      [
        ['shared-a', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
        ['shared-b', ErrorCode.NONE],
      ],
    );
    assert.equal(running.broker.topics.get('shared-a'), undefined);
    assert.ok(running.broker.topics.get('shared-b'));
  });

  it("Metadata v8+ and DescribeCluster: authorized operations are the caller's (the cluster's 0 without DESCRIBE on it)", async () => {
    const request = { topics: [{ name: 'bob-orders', topicId: ZERO_UUID }], includeTopicAuthorizedOperations: true, includeClusterAuthorizedOperations: true };
    const bob = await as('bob').send(MetadataRequest, MetadataResponse, 8, request);
    assert.equal(bob.topics[0]!.topicAuthorizedOperations, allOperations(AclResourceType.TOPIC));
    assert.equal(bob.clusterAuthorizedOperations, 0);
    const admin = await as('admin').send(MetadataRequest, MetadataResponse, 8, request);
    assert.equal(admin.clusterAuthorizedOperations, allOperations(AclResourceType.CLUSTER));
    const describeCluster = async (user: User) => (await as(user).send(DescribeClusterRequest, DescribeClusterResponse, 0, { includeClusterAuthorizedOperations: true })).clusterAuthorizedOperations;
    assert.equal(await describeCluster('alice'), 0);
    assert.equal(await describeCluster('admin'), allOperations(AclResourceType.CLUSTER));
    // An operation on the cluster is not shown to a caller who may not describe it (Kafka's rule).
    await grant(running, [allowLiteral(AclResourceType.CLUSTER, CLUSTER_RESOURCE_NAME, 'carol', AclOperation.IDEMPOTENT_WRITE)]);
    assert.equal((await as('carol').send(MetadataRequest, MetadataResponse, 8, { topics: [], includeClusterAuthorizedOperations: true })).clusterAuthorizedOperations, 0);
    assert.equal(await describeCluster('carol'), 0);
  });

  it('ListOffsets: DESCRIBE on the topic, else TOPIC_AUTHORIZATION_FAILED per partition', async () => {
    const list = (user: User) =>
      as(user).send(ListOffsetsRequest, ListOffsetsResponse, 7, { replicaId: -1, topics: [{ name: 'bob-orders', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] });
    assert.equal((await list('alice')).topics[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    assert.equal((await list('bob')).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  });

  it('Fetch: a follower needs CLUSTER_ACTION on the cluster', async () => {
    const follower = (user: User) =>
      as(user).send(FetchRequest, FetchResponse, 12, { replicaId: 1, maxWaitMs: 0, minBytes: 0, topics: [{ topic: 'alice-notes', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1024 }] }] });
    assert.equal((await follower('alice')).responses[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    assert.equal((await follower('admin')).responses[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  });

  it('Produce: a transactional batch needs WRITE on its transactional id, else every partition TRANSACTIONAL_ID_AUTHORIZATION_FAILED', async () => {
    const batch = idempotentBatch(7n, 0, 0);
    batch.writeInt16BE(batch.readInt16BE(RecordBatchField.attributes) | RecordBatchAttribute.transactional, RecordBatchField.attributes);
    batch.writeUInt32BE(computeRecordBatchCrc(batch), RecordBatchField.crc);
    const answer = await as('alice').send(ProduceRequest, ProduceResponse, 9, { transactionalId: 'alice-tx', acks: -1, timeoutMs: 5000, topicData: [{ name: 'alice-notes', partitionData: [{ index: 0, records: batch }] }] });
    assert.equal(answer.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });

  it('CreateTopics: CREATE on the cluster or the topic, else TOPIC_AUTHORIZATION_FAILED; configs only with DESCRIBE_CONFIGS', async () => {
    const refused = await createTopics('alice', 'bob-by-alice', 'alice-more');
    assert.deepEqual(
      refused.topics.map((t) => [t.name, t.errorCode]),
      [
        ['bob-by-alice', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
        ['alice-more', ErrorCode.NONE],
      ],
    );
    assert.equal(running.broker.topics.get('bob-by-alice'), undefined);
    assert.ok(refused.topics[1]!.configs!.length > 0, 'alice may describe the configs of her topic');

    // carol may create any topic (CREATE on the cluster) but describe none of them.
    await grant(running, [allowLiteral(AclResourceType.CLUSTER, CLUSTER_RESOURCE_NAME, 'carol', AclOperation.CREATE)]);
    const created = (await createTopics('carol', 'carol-topic')).topics[0]!;
    assert.deepEqual(
      [created.errorCode, created.topicConfigErrorCode, created.numPartitions, created.replicationFactor, created.configs],
      [ErrorCode.NONE, ErrorCode.TOPIC_AUTHORIZATION_FAILED, -1, -1, null],
    );
    assert.ok(running.broker.topics.get('carol-topic'), 'the topic is created all the same');
  });

  it('CreatePartitions: ALTER on the topic, else TOPIC_AUTHORIZATION_FAILED, revealing nothing through the request limit', async () => {
    const grow = (user: User, count: number) => as(user).send(CreatePartitionsRequest, CreatePartitionsResponse, 1, { topics: [{ name: 'bob-orders', count, assignments: null }], timeoutMs: 5000, validateOnly: false });
    assert.equal((await grow('alice', 2)).results[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    assert.equal((await grow('alice', 50_000)).results[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    assert.equal((await grow('bob', 2)).results[0]!.errorCode, ErrorCode.NONE);
    assert.equal(running.broker.topics.get('bob-orders')!.partitions.length, 2);
  });

  it('DeleteRecords: DELETE on the topic, else TOPIC_AUTHORIZATION_FAILED per partition', async () => {
    const deleteRecords = (user: User) => as(user).send(DeleteRecordsRequest, DeleteRecordsResponse, 1, { topics: [{ name: 'bob-scratch', partitions: [{ partitionIndex: 0, offset: -1n }] }], timeoutMs: 5000 });
    assert.deepEqual((await deleteRecords('alice')).topics[0]!.partitions[0], { partitionIndex: 0, lowWatermark: -1n, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
    assert.equal((await deleteRecords('bob')).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  });

  it('DeleteTopics: by name DELETE, else TOPIC_AUTHORIZATION_FAILED; by id without DESCRIBE the id is unknown', async () => {
    const id = await topicIdOf('bob-scratch');
    const byName = await as('alice').send(DeleteTopicsRequest, DeleteTopicsResponse, 5, { topicNames: ['bob-scratch', 'bob-missing'], timeoutMs: 5000 });
    assert.deepEqual(
      byName.responses.map((r) => [r.name, r.errorCode]),
      [
        ['bob-scratch', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
        ['bob-missing', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
      ],
    );
    const byId = await as('alice').send(DeleteTopicsRequest, DeleteTopicsResponse, 6, { topics: [{ name: null, topicId: id }], timeoutMs: 5000 });
    assert.deepEqual(
      byId.responses.map((r) => [r.name, r.topicId, r.errorCode]),
      [[null, id, ErrorCode.UNKNOWN_TOPIC_ID]],
    );
    // carol may describe the topic but not delete it: the id resolves, the deletion is refused.
    await grant(running, [allowLiteral(AclResourceType.TOPIC, 'bob-scratch', 'carol', AclOperation.DESCRIBE)]);
    const described = await as('carol').send(DeleteTopicsRequest, DeleteTopicsResponse, 6, { topics: [{ name: null, topicId: id }], timeoutMs: 5000 });
    assert.deepEqual(
      described.responses.map((r) => [r.name, r.errorCode]),
      [['bob-scratch', ErrorCode.TOPIC_AUTHORIZATION_FAILED]],
    );
    assert.ok(running.broker.topics.get('bob-scratch'), "bob's topic is still there");
    const bob = await as('bob').send(DeleteTopicsRequest, DeleteTopicsResponse, 6, { topics: [{ name: null, topicId: id }], timeoutMs: 5000 });
    assert.equal(bob.responses[0]!.errorCode, ErrorCode.NONE);
  });

  it('DescribeConfigs and AlterConfigs of the broker need DESCRIBE_CONFIGS / ALTER_CONFIGS on the cluster', async () => {
    const broker = { resourceType: ConfigResource.BROKER, resourceName: String(running.config.nodeId) };
    const describeBroker = (user: User) => as(user).send(DescribeConfigsRequest, DescribeConfigsResponse, 1, { resources: [{ ...broker, configurationKeys: ['num.partitions'] }] });
    assert.equal((await describeBroker('alice')).results[0]!.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    assert.deepEqual((await describeBroker('alice')).results[0]!.configs, []);
    assert.equal((await describeBroker('admin')).results[0]!.errorCode, ErrorCode.NONE);
    const alterBroker = (user: User) => as(user).send(AlterConfigsRequest, AlterConfigsResponse, 1, { resources: [{ ...broker, configs: [{ name: 'num.partitions', value: '3' }] }], validateOnly: true });
    assert.equal((await alterBroker('alice')).responses[0]!.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    // Allowed, the broker's static configs are then refused for what they are.
    assert.equal((await alterBroker('admin')).responses[0]!.errorCode, ErrorCode.INVALID_REQUEST);
    const alterTopic = (user: User) =>
      as(user).send(AlterConfigsRequest, AlterConfigsResponse, 1, { resources: [{ resourceType: ConfigResource.TOPIC, resourceName: 'bob-missing', configs: [] }], validateOnly: true });
    assert.equal((await alterTopic('alice')).responses[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    assert.equal((await alterTopic('bob')).responses[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it("FindCoordinator: DESCRIBE on the group or transactional id, per key from v4", async () => {
    const v3 = (user: User, keyType: number, key: string) => as(user).send(FindCoordinatorRequest, FindCoordinatorResponse, 3, { key, keyType });
    assert.equal((await v3('alice', 0, 'bob-group')).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    assert.equal((await v3('alice', 1, 'bob-tx')).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    assert.equal((await v3('bob', 0, 'bob-group')).errorCode, ErrorCode.NONE);
    const v4 = await as('alice').send(FindCoordinatorRequest, FindCoordinatorResponse, 4, { keyType: 0, coordinatorKeys: ['bob-group', 'alice-group'] });
    assert.deepEqual(
      v4.coordinators.map((c) => [c.key, c.errorCode, c.nodeId]),
      [
        ['bob-group', ErrorCode.GROUP_AUTHORIZATION_FAILED, -1],
        ['alice-group', ErrorCode.NONE, running.config.nodeId],
      ],
    );
  });

  it('JoinGroup, SyncGroup, Heartbeat and LeaveGroup: READ on the group, else GROUP_AUTHORIZATION_FAILED', async () => {
    const alice = as('alice');
    const join = await alice.send(JoinGroupRequest, JoinGroupResponse, 5, {
      groupId: 'bob-group',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    });
    assert.deepEqual([join.errorCode, join.memberId, join.generationId], [ErrorCode.GROUP_AUTHORIZATION_FAILED, '', -1]);
    assert.equal((await alice.send(SyncGroupRequest, SyncGroupResponse, 3, { groupId: 'bob-group', generationId: 1, memberId: 'm', assignments: [] })).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    assert.equal((await alice.send(HeartbeatRequest, HeartbeatResponse, 3, { groupId: 'bob-group', generationId: 1, memberId: 'm' })).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    assert.equal((await alice.send(LeaveGroupRequest, LeaveGroupResponse, 1, { groupId: 'bob-group', memberId: 'm' })).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const leave = await alice.send(LeaveGroupRequest, LeaveGroupResponse, 3, { groupId: 'bob-group', members: [{ memberId: 'm', groupInstanceId: null }] });
    assert.deepEqual([leave.errorCode, leave.members], [ErrorCode.GROUP_AUTHORIZATION_FAILED, []]);
    // Bob passes the check and meets the group's own answer.
    assert.equal((await as('bob').send(HeartbeatRequest, HeartbeatResponse, 3, { groupId: 'bob-group', generationId: 1, memberId: 'm' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('OffsetFetch: DESCRIBE on the group (per group v8+, top-level v2-v7, per partition v1); undescribable topics refused or left out', async () => {
    assert.equal((await commit('bob', 'bob-group', 'bob-orders', 5n)).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
    assert.equal((await commit('alice', 'alice-group', 'alice-notes', 3n)).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
    // The super user commits for alice's group on bob's topic, which alice may not describe.
    assert.equal((await commit('admin', 'alice-group', 'bob-orders', 4n)).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);

    const v1 = await as('alice').send(OffsetFetchRequest, OffsetFetchResponse, 1, { groupId: 'bob-group', topics: [{ name: 'bob-orders', partitionIndexes: [0] }] });
    assert.deepEqual(
      v1.topics[0]!.partitions.map((p) => [p.errorCode, p.committedOffset]),
      [[ErrorCode.GROUP_AUTHORIZATION_FAILED, -1n]],
    );
    const v5 = await as('alice').send(OffsetFetchRequest, OffsetFetchResponse, 5, { groupId: 'bob-group', topics: null });
    assert.deepEqual([v5.errorCode, v5.topics], [ErrorCode.GROUP_AUTHORIZATION_FAILED, []]);
    const named = await as('alice').send(OffsetFetchRequest, OffsetFetchResponse, 5, {
      groupId: 'alice-group',
      topics: [
        { name: 'bob-orders', partitionIndexes: [0] },
        { name: 'alice-notes', partitionIndexes: [0] },
      ],
    });
    assert.deepEqual(
      named.topics.map((t) => [t.name, t.partitions[0]!.errorCode, t.partitions[0]!.committedOffset]),
      [
        ['bob-orders', ErrorCode.TOPIC_AUTHORIZATION_FAILED, -1n],
        ['alice-notes', ErrorCode.NONE, 3n],
      ],
    );
    const all = await as('alice').send(OffsetFetchRequest, OffsetFetchResponse, 8, { groups: [{ groupId: 'alice-group', topics: null }] });
    assert.deepEqual(
      all.groups[0]!.topics.map((t) => t.name),
      ['alice-notes'],
    );
  });

  it('DescribeGroups, ListGroups and DeleteGroups: only the groups the caller may describe or delete', async () => {
    await commit('bob', 'bob-listed', 'bob-orders', 1n);
    await commit('alice', 'alice-listed', 'alice-notes', 1n);

    const described = await as('alice').send(DescribeGroupsRequest, DescribeGroupsResponse, 5, { groups: ['bob-listed', 'alice-listed'], includeAuthorizedOperations: true });
    assert.deepEqual(
      described.groups.map((g) => [g.groupId, g.errorCode, g.groupState]),
      [
        ['bob-listed', ErrorCode.GROUP_AUTHORIZATION_FAILED, ''],
        ['alice-listed', ErrorCode.NONE, 'Empty'],
      ],
    );
    assert.equal(described.groups[1]!.authorizedOperations, allOperations(AclResourceType.GROUP));

    const listed = async (user: User) => (await as(user).send(ListGroupsRequest, ListGroupsResponse, 4, {})).groups.map((g) => g.groupId).sort();
    assert.deepEqual(await listed('alice'), ['alice-group', 'alice-listed']);
    assert.deepEqual(await listed('admin'), ['alice-group', 'alice-listed', 'bob-group', 'bob-listed']);

    const refused = await as('alice').send(DeleteGroupsRequest, DeleteGroupsResponse, 2, { groupsNames: ['bob-listed'] });
    assert.deepEqual(refused.results, [{ groupId: 'bob-listed', errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }]);
    assert.ok((await listed('bob')).includes('bob-listed'));
    const deleted = await as('bob').send(DeleteGroupsRequest, DeleteGroupsResponse, 2, { groupsNames: ['bob-listed'] });
    assert.deepEqual(deleted.results, [{ groupId: 'bob-listed', errorCode: ErrorCode.NONE }]);
  });
});
