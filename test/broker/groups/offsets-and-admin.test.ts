/**
 * Committed offsets and the group admin APIs against a real in-process broker,
 * spoken with our own codecs: OffsetCommit, OffsetFetch, FindCoordinator,
 * ListGroups, DescribeGroups, DeleteGroups, and offset expiry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  DeleteGroupsRequest,
  DeleteGroupsResponse,
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  ListGroupsRequest,
  ListGroupsResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  SyncGroupRequest,
  SyncGroupResponse,
} from '../../../src/protocol/generated/index.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { RawClient } from './raw-client.js';

describe('committed offsets and group admin APIs (raw sockets)', () => {
  let broker: RunningBroker;
  let client: RawClient;

  const commit = (version: number, body: Parameters<typeof OffsetCommitRequest.encode>[1]) => client.send(OffsetCommitRequest, OffsetCommitResponse, version, body);
  const errors = (r: OffsetCommitResponse): [string, number, number][] => r.topics.flatMap((t) => t.partitions.map((p): [string, number, number] => [t.name, p.partitionIndex, p.errorCode]));
  const simpleCommit = (groupId: string, partitions: { partitionIndex: number; committedOffset: number; committedMetadata?: string | null }[], topic = 'orders') =>
    commit(8, { groupId, generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: topic, partitions: partitions.map((p) => ({ committedMetadata: null, ...p })) }] });

  /**
   * One member joins `groupId` (JoinGroup v3: no MEMBER_ID_REQUIRED) and syncs; returns its id and generation.
   * Its session outlasts the whole file however slow the machine: later tests count on the group keeping a member.
   */
  const joinAlone = async (c: RawClient, groupId: string): Promise<{ memberId: string; generationId: number }> => {
    const j = await c.send(JoinGroupRequest, JoinGroupResponse, 3, { groupId, sessionTimeoutMs: 600_000, rebalanceTimeoutMs: 60_000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] });
    assert.equal(j.errorCode, ErrorCode.NONE);
    const s = await c.send(SyncGroupRequest, SyncGroupResponse, 3, { groupId, generationId: j.generationId, memberId: j.memberId, assignments: [] });
    assert.equal(s.errorCode, ErrorCode.NONE);
    return { memberId: j.memberId, generationId: j.generationId };
  };

  before(async () => {
    broker = await startBroker({ inMemory: true, port: 0, logLevel: 'error', properties: { 'offsets.retention.minutes': 1 } });
    await broker.broker.topics.create('orders', 3, new Map());
    await broker.broker.topics.create('payments', 1, new Map());
    client = await RawClient.connect(broker.port, 'admin');
  });
  after(async () => {
    client.close();
    await broker.close();
  });

  it('answers FindCoordinator with this broker for groups and transactions, batched from v4 (KIP-699)', async () => {
    const expected = { nodeId: broker.config.nodeId, host: '127.0.0.1', port: broker.port };
    const v0 = await client.send(FindCoordinatorRequest, FindCoordinatorResponse, 0, { key: 'g' });
    assert.deepEqual({ nodeId: v0.nodeId, host: v0.host, port: v0.port, errorCode: v0.errorCode }, { ...expected, errorCode: ErrorCode.NONE });
    const txn = await client.send(FindCoordinatorRequest, FindCoordinatorResponse, 3, { key: 'my-txn', keyType: 1 });
    assert.deepEqual({ nodeId: txn.nodeId, host: txn.host, port: txn.port, errorCode: txn.errorCode }, { ...expected, errorCode: ErrorCode.NONE });
    const batched = await client.send(FindCoordinatorRequest, FindCoordinatorResponse, 4, { keyType: 0, coordinatorKeys: ['g1', 'g2'] });
    assert.deepEqual(
      batched.coordinators.map((c) => [c.key, c.nodeId, c.host, c.port, c.errorCode]),
      [
        ['g1', expected.nodeId, expected.host, expected.port, ErrorCode.NONE],
        ['g2', expected.nodeId, expected.host, expected.port, ErrorCode.NONE],
      ],
    );
    const share = await client.send(FindCoordinatorRequest, FindCoordinatorResponse, 6, { keyType: 2, coordinatorKeys: ['s'] });
    assert.equal(share.coordinators[0]!.errorCode, ErrorCode.INVALID_REQUEST);
  });

  it('stores a commit from outside group management in a new group and returns -1 for partitions without one', async () => {
    const r = await simpleCommit('simple', [
      { partitionIndex: 0, committedOffset: 42, committedMetadata: 'checkpoint' },
      { partitionIndex: 2, committedOffset: 7 },
    ]);
    assert.deepEqual(errors(r), [
      ['orders', 0, ErrorCode.NONE],
      ['orders', 2, ErrorCode.NONE],
    ]);
    const f = await client.send(OffsetFetchRequest, OffsetFetchResponse, 5, { groupId: 'simple', topics: [{ name: 'orders', partitionIndexes: [0, 1, 2] }] });
    assert.equal(f.errorCode, ErrorCode.NONE);
    assert.deepEqual(
      f.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode]),
      [
        [0, 42n, 'checkpoint', ErrorCode.NONE],
        [1, -1n, '', ErrorCode.NONE],
        [2, 7n, '', ErrorCode.NONE],
      ],
    );
    const listed = await client.send(ListGroupsRequest, ListGroupsResponse, 4, {});
    assert.deepEqual(
      listed.groups.filter((g) => g.groupId === 'simple').map((g) => [g.protocolType, g.groupState]),
      [['', 'Empty']],
    );
  });

  it('fetches every committed partition for null topics (v2+), several groups at once (v8+), and -1 for an unknown group', async () => {
    await simpleCommit('all-of-them', [{ partitionIndex: 1, committedOffset: 11 }]);
    await simpleCommit('all-of-them', [{ partitionIndex: 0, committedOffset: 3 }], 'payments');
    const v7 = await client.send(OffsetFetchRequest, OffsetFetchResponse, 7, { groupId: 'all-of-them', topics: null, requireStable: true });
    assert.deepEqual(
      v7.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset])]).sort(),
      [
        ['orders', [[1, 11n]]],
        ['payments', [[0, 3n]]],
      ],
    );
    const v8 = await client.send(OffsetFetchRequest, OffsetFetchResponse, 8, {
      groups: [
        { groupId: 'all-of-them', topics: [{ name: 'orders', partitionIndexes: [1] }] },
        { groupId: 'nobody', topics: null },
        { groupId: 'nobody-either', topics: [{ name: 'orders', partitionIndexes: [0] }] },
      ],
    });
    assert.deepEqual(
      v8.groups.map((g) => [g.groupId, g.errorCode, g.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.committedOffset]))]),
      [
        ['all-of-them', ErrorCode.NONE, [['orders', 1, 11n]]],
        ['nobody', ErrorCode.NONE, []],
        ['nobody-either', ErrorCode.NONE, [['orders', 0, -1n]]],
      ],
    );
    const v1 = await client.send(OffsetFetchRequest, OffsetFetchResponse, 1, { groupId: 'all-of-them', topics: [{ name: 'orders', partitionIndexes: [1] }] });
    assert.equal(v1.topics[0]!.partitions[0]!.committedOffset, 11n);
  });

  it('refuses commits for unknown topics and partitions, and metadata over 4096 characters, partition by partition', async () => {
    const r = await commit(2, {
      groupId: 'picky',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      retentionTimeMs: -1,
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: 'x'.repeat(4097) }, { partitionIndex: 1, committedOffset: 1, committedMetadata: 'ok' }, { partitionIndex: 3, committedOffset: 1, committedMetadata: null }] },
        { name: 'no-such-topic', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] },
      ],
    });
    assert.deepEqual(errors(r), [
      ['orders', 0, ErrorCode.OFFSET_METADATA_TOO_LARGE],
      ['orders', 1, ErrorCode.NONE],
      ['orders', 3, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['no-such-topic', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
  });

  it('accepts commits only from the current generation of a group with members', async () => {
    const member = await RawClient.connect(broker.port, 'member');
    try {
      const { memberId, generationId } = await joinAlone(member, 'managed');
      const byMember = await member.send(OffsetCommitRequest, OffsetCommitResponse, 7, { groupId: 'managed', generationIdOrMemberEpoch: generationId, memberId, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 100, committedLeaderEpoch: 0, committedMetadata: null }] }] });
      assert.deepEqual(errors(byMember), [['orders', 0, ErrorCode.NONE]]);
      const stale = await member.send(OffsetCommitRequest, OffsetCommitResponse, 7, { groupId: 'managed', generationIdOrMemberEpoch: generationId - 1, memberId, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] }] });
      assert.deepEqual(errors(stale), [['orders', 0, ErrorCode.ILLEGAL_GENERATION]]);
      const stranger = await member.send(OffsetCommitRequest, OffsetCommitResponse, 7, { groupId: 'managed', generationIdOrMemberEpoch: generationId, memberId: 'stranger', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] }] });
      assert.deepEqual(errors(stranger), [['orders', 0, ErrorCode.UNKNOWN_MEMBER_ID]]);
      const outsider = await simpleCommit('managed', [{ partitionIndex: 0, committedOffset: 1 }]);
      assert.deepEqual(errors(outsider), [['orders', 0, ErrorCode.UNKNOWN_MEMBER_ID]], 'admin commits need an Empty group');
      const unknownGroup = await member.send(OffsetCommitRequest, OffsetCommitResponse, 7, { groupId: 'never-joined', generationIdOrMemberEpoch: 3, memberId: 'm', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] }] });
      assert.deepEqual(errors(unknownGroup), [['orders', 0, ErrorCode.ILLEGAL_GENERATION]]);

      const f = await client.send(OffsetFetchRequest, OffsetFetchResponse, 6, { groupId: 'managed', topics: [{ name: 'orders', partitionIndexes: [0] }] });
      assert.deepEqual(
        f.topics[0]!.partitions.map((p) => [p.committedOffset, p.committedLeaderEpoch]),
        [[100n, 0]],
      );
      const del = await client.send(DeleteGroupsRequest, DeleteGroupsResponse, 2, { groupsNames: ['managed'] });
      assert.deepEqual(del.results, [{ groupId: 'managed', errorCode: ErrorCode.NON_EMPTY_GROUP }]);
    } finally {
      member.close();
    }
  });

  it('lists groups with their state, filtered by state (v4+) and type (v5+), case-insensitively', async () => {
    const member = await RawClient.connect(broker.port, 'lister');
    try {
      await joinAlone(member, 'listed-stable');
      const stable = await client.send(ListGroupsRequest, ListGroupsResponse, 4, { statesFilter: ['STABLE'] });
      assert.ok(stable.groups.some((g) => g.groupId === 'listed-stable' && g.groupState === 'Stable' && g.protocolType === 'consumer'));
      assert.ok(stable.groups.every((g) => g.groupState === 'Stable'));
      const empty = await client.send(ListGroupsRequest, ListGroupsResponse, 4, { statesFilter: ['Empty'] });
      assert.ok(!empty.groups.some((g) => g.groupId === 'listed-stable'));
      const classic = await client.send(ListGroupsRequest, ListGroupsResponse, 5, { typesFilter: ['Classic'] });
      assert.ok(classic.groups.some((g) => g.groupId === 'listed-stable' && g.groupType === 'classic'));
      const consumer = await client.send(ListGroupsRequest, ListGroupsResponse, 5, { typesFilter: ['consumer'] });
      assert.deepEqual(consumer.groups, []);
      const v0 = await client.send(ListGroupsRequest, ListGroupsResponse, 0, {});
      assert.ok(v0.groups.some((g) => g.groupId === 'listed-stable'));
    } finally {
      member.close();
    }
  });

  it('describes an unknown group as Dead, and reports authorized operations on request (v3+)', async () => {
    const d = await client.send(DescribeGroupsRequest, DescribeGroupsResponse, 4, { groups: ['ghost', 'simple'], includeAuthorizedOperations: true });
    assert.deepEqual(
      d.groups.map((g) => [g.groupId, g.errorCode, g.groupState, g.members.length]),
      [
        ['ghost', ErrorCode.NONE, 'Dead', 0],
        ['simple', ErrorCode.NONE, 'Empty', 0],
      ],
    );
    assert.equal(d.groups[1]!.authorizedOperations, (1 << 3) | (1 << 6) | (1 << 8));
  });

  it('deletes Empty groups with their offsets; unknown ones are GROUP_ID_NOT_FOUND', async () => {
    await simpleCommit('doomed', [{ partitionIndex: 0, committedOffset: 5 }]);
    const del = await client.send(DeleteGroupsRequest, DeleteGroupsResponse, 0, { groupsNames: ['doomed', 'never-was'] });
    assert.deepEqual(del.results, [
      { groupId: 'doomed', errorCode: ErrorCode.NONE },
      { groupId: 'never-was', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    const f = await client.send(OffsetFetchRequest, OffsetFetchResponse, 5, { groupId: 'doomed', topics: [{ name: 'orders', partitionIndexes: [0] }] });
    assert.equal(f.topics[0]!.partitions[0]!.committedOffset, -1n);
    const listed = await client.send(ListGroupsRequest, ListGroupsResponse, 3, {});
    assert.ok(!listed.groups.some((g) => g.groupId === 'doomed'));
  });

  it('expires offsets: by the v2-v4 retention time, by commit time for offset-only groups, and removes the emptied group (KIP-211)', async () => {
    const v2 = await commit(2, { groupId: 'short-lived', generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: 1_000, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] }] });
    assert.deepEqual(errors(v2), [['orders', 0, ErrorCode.NONE]]);
    await simpleCommit('long-lived', [{ partitionIndex: 0, committedOffset: 1 }]);
    const coordinator = broker.broker.groups;

    await coordinator.expireOffsets(Date.now() + 2_000);
    assert.equal(coordinator.group('short-lived'), undefined, 'its only offset expired after its own retention time');
    assert.ok(coordinator.group('long-lived'));

    await coordinator.expireOffsets(Date.now() + 61_000); // offsets.retention.minutes=1
    assert.equal(coordinator.group('long-lived'), undefined);
    assert.ok(coordinator.group('listed-stable'), 'groups with members keep their offsets');
  });
});
