/**
 * Consumer groups through our admin, checked with KafkaJS 2.2.4: a KafkaJS
 * consumer group is listed and described as KafkaJS's admin lists and
 * describes it; deleteGroups removes a group KafkaJS's admin then no longer
 * lists, and reports per-group failures in a KafkaJSDeleteGroupsError.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Consumer } from 'kafkajs';
import { KafkaJSDeleteGroupsError, KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { KafkaJSProtocolError } from '../../src/errors/protocol-errors.js';
import { eventually } from '../support/eventually.js';
import { type AdminFixture, startAdminFixture } from './admin-fixture.js';

describe('admin: groups', () => {
  let f: AdminFixture;
  let running: Consumer;
  before(async () => {
    f = await startAdminFixture('admin-groups-test');
    await f.peer.createTopics({ topics: [{ topic: 'jobs', numPartitions: 2 }] });
    running = f.consumer('busy-group');
    await running.connect();
    await running.subscribe({ topics: ['jobs'] });
    let joined = false;
    running.on(running.events.GROUP_JOIN, () => void (joined = true));
    await running.run({ eachMessage: async () => undefined });
    await eventually('the KafkaJS consumer to join', () => (joined ? true : undefined), 60_000);
    // Two groups with offsets only, no members (Empty).
    await f.peer.setOffsets({ groupId: 'idle-group-1', topic: 'jobs', partitions: [{ partition: 0, offset: '0' }] });
    await f.peer.setOffsets({ groupId: 'idle-group-2', topic: 'jobs', partitions: [{ partition: 0, offset: '0' }] });
  });
  after(async () => {
    await f.close();
  });

  it("listGroups lists every group, as KafkaJS's admin does, with its state", async () => {
    const ours = (await f.admin.listGroups()).groups;
    const theirs = (await f.peer.listGroups()).groups;
    const ids = (gs: { groupId: string; protocolType: string }[]) => gs.map((g) => [g.groupId, g.protocolType]).sort();
    assert.deepEqual(ids(ours), ids(theirs));
    assert.deepEqual(ours.find((g) => g.groupId === 'busy-group'), { groupId: 'busy-group', protocolType: 'consumer', groupState: 'Stable' });
    assert.ok(ours.some((g) => g.groupId === 'idle-group-1' && g.groupState === 'Empty'));
  });

  it("describeGroups answers what KafkaJS's answers, members, assignment and state included", async () => {
    const ours = await f.admin.describeGroups(['busy-group', 'idle-group-1', 'unknown-group']);
    const theirs = await f.peer.describeGroups(['busy-group', 'idle-group-1', 'unknown-group']);
    assert.deepEqual(
      ours.groups.map((g) => g.groupId),
      ['busy-group', 'idle-group-1', 'unknown-group'],
      'in the order asked',
    );
    const withoutInstanceIds = ours.groups.map((g) => ({ ...g, members: g.members.map(({ groupInstanceId: _, ...m }) => m) }));
    assert.deepEqual(withoutInstanceIds, theirs.groups);
    const busy = ours.groups[0]!;
    assert.equal(busy.state, 'Stable');
    assert.equal(busy.protocol, 'RoundRobinAssigner');
    assert.equal(busy.members.length, 1);
    assert.ok(busy.members[0]!.memberAssignment.length > 0);
    assert.equal(ours.groups[2]!.state, 'Dead');
  });

  it('deleteGroups deletes Empty groups, which KafkaJS then no longer lists', async () => {
    assert.deepEqual(await f.admin.deleteGroups(['idle-group-1', 'idle-group-2']), [
      { groupId: 'idle-group-1', errorCode: 0 },
      { groupId: 'idle-group-2', errorCode: 0 },
    ]);
    const listed = (await f.peer.listGroups()).groups.map((g) => g.groupId);
    assert.ok(!listed.includes('idle-group-1') && !listed.includes('idle-group-2'), listed.join());
  });

  it('deleteGroups rejects with KafkaJSDeleteGroupsError naming each group it could not delete and why', async () => {
    await f.peer.setOffsets({ groupId: 'idle-group-3', topic: 'jobs', partitions: [{ partition: 0, offset: '0' }] });
    await assert.rejects(
      f.admin.deleteGroups(['busy-group', 'never-was', 'idle-group-3']),
      (e: unknown) => {
        assert.ok(e instanceof KafkaJSDeleteGroupsError, String(e));
        assert.deepEqual(
          e.groups.map((g) => [g.groupId, g.errorCode, (g.error as KafkaJSProtocolError).type]).sort(),
          [
            ['busy-group', 68, 'NON_EMPTY_GROUP'],
            ['never-was', 69, 'GROUP_ID_NOT_FOUND'],
          ],
        );
        return true;
      },
    );
    assert.ok(!(await f.peer.listGroups()).groups.some((g) => g.groupId === 'idle-group-3'), 'the deletable group went all the same');
    assert.ok((await f.peer.listGroups()).groups.some((g) => g.groupId === 'busy-group'));
  });

  it('refuses a groupIds argument that is not an array of strings', async () => {
    await assert.rejects(f.admin.deleteGroups('busy-group' as never), KafkaJSNonRetriableError);
    await assert.rejects(f.admin.describeGroups([42 as never]), KafkaJSNonRetriableError);
  });
});
