/**
 * Commits and committed-offset lookups through the group member: a round trip
 * (read back by KafkaJS's admin too, a reader nobody here wrote), a commit in
 * the revoke hook (where the consumer commits before giving partitions back),
 * and a commit from a member the group rebalanced without, which fails as
 * Java's CommitFailedException: not retriable, nothing stored.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kafka as KafkaJS, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { KafkaJSProtocolError } from '../../../src/errors/protocol-errors.js';
import { MemberState } from '../../../src/consumer/group/index.js';
import { partitionKey } from '../../../src/consumer/subscription-state.js';
import { eventually } from '../../support/eventually.js';
import { within } from '../../support/within.js';
import { type TestMember, ownership, splitsExactly, startMember, useGroupTestBroker } from './member-fixture.js';

describe('GroupMember commits and committed offsets', () => {
  const group = useGroupTestBroker('offsets');

  it('commits offsets and fetches them back; a partition with no commit answers -1', async () => {
    const { topic, groupId } = await group.fresh(3);
    const m = group.track(await startMember(group.running, 'committer', { groupId, topics: [topic] }));
    await m.member.commitOffsets([
      { topic, partition: 0, offset: 5, metadata: 'checkpoint' },
      { topic, partition: 1, offset: 7, leaderEpoch: 0 },
    ]);
    assert.equal(m.subscriptions.cursor(topic, 0)?.committed, 5, 'the cursor knows its committed offset');
    const fetched = await m.member.fetchCommittedOffsets([0, 1, 2].map((partition) => ({ topic, partition })));
    assert.deepEqual(fetched.get(partitionKey(topic, 0)), { offset: 5, metadata: 'checkpoint', leaderEpoch: -1 });
    assert.equal(fetched.get(partitionKey(topic, 1))?.offset, 7);
    assert.equal(fetched.get(partitionKey(topic, 1))?.leaderEpoch, 0);
    assert.deepEqual(fetched.get(partitionKey(topic, 2)), { offset: -1, metadata: null, leaderEpoch: -1 });

    const admin = new KafkaJS({ clientId: 'offsets-admin', brokers: [group.running.bootstrap], logLevel: kafkaJsLogLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const [kafkaJs] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const byPartition = new Map(kafkaJs!.partitions.map((p) => [p.partition, p]));
      assert.deepEqual([0, 1, 2].map((p) => byPartition.get(p)?.offset), ['5', '7', '-1'], 'KafkaJS reads the same offsets');
      assert.equal(byPartition.get(0)?.metadata, 'checkpoint');
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses a commit during a rebalance with a retriable REBALANCE_IN_PROGRESS, and commits once it completes', async () => {
    const { topic, groupId } = await group.fresh(4);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let blocking = false;
    const quick = group.track(await startMember(group.running, 'quick', { groupId, topics: [topic] }));
    // The other member takes its time giving its partitions back, which holds the rebalance open.
    const slow = group.track(await startMember(group.running, 'slow-revoker', { groupId, topics: [topic], onRevoke: () => (blocking ? gate : Promise.resolve()) }));
    await eventually(`two members share the partitions (${ownership([quick, slow], topic)})`, () =>
      [quick, slow].every((m) => m.member.state === MemberState.STABLE && m.partitionsOf(topic).length === 2) ? true : undefined,
    );
    blocking = true;
    const third = startMember(group.running, 'third', { groupId, topics: [topic] });
    await eventually('the quick member waits in JoinGroup', () => (quick.member.state === MemberState.PREPARING_REBALANCE ? true : undefined), 30_000);
    assert.equal(quick.member.rebalanceInProgress, true);
    const refused = await quick.member.commitOffsets([{ topic, partition: 0, offset: 2 }]).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(refused instanceof KafkaJSProtocolError, `a protocol error (${String(refused)})`);
    assert.equal(refused.type, 'REBALANCE_IN_PROGRESS');
    assert.equal(refused.retriable, true, 'retriable: commit again after the rebalance');
    release();
    const t = group.track(await within('the third member joins', third, 30_000));
    const members = [quick, slow, t];
    await eventually(`three members split the partitions (${ownership(members, topic)})`, () =>
      members.every((m) => m.member.state === MemberState.STABLE && !m.member.rebalanceInProgress) && splitsExactly(members, topic, 4) ? true : undefined,
      30_000,
    );
    const owner = members.find((m) => m.partitionsOf(topic).includes(0))!;
    await owner.member.commitOffsets([{ topic, partition: 0, offset: 2 }]);
    assert.equal((await owner.member.fetchCommittedOffsets([{ topic, partition: 0 }])).get(partitionKey(topic, 0))?.offset, 2);
  });

  it('commits from the revoke hook, and fails a commit from a member the group rebalanced without as CommitFailedException', async () => {
    const { topic, groupId } = await group.fresh(4);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const revokeCommits: unknown[] = [];
    let revokes = 0;
    // rebalanceTimeout bounds how long the coordinator waits for slow members to rejoin: here 3 s.
    const slow: TestMember = group.track(
      await startMember(group.running, 'slow', {
        groupId,
        topics: [topic],
        rebalanceTimeout: 3000,
        onRevoke: async (partitions) => {
          if (revokes++ > 0) return;
          // Where the consumer commits its processed offsets before giving partitions back.
          revokeCommits.push(await slow.member.commitOffsets(partitions.map((p) => ({ ...p, offset: 1 }))).catch((e: unknown) => e));
          await gate; // and then takes longer than the rebalance timeout
        },
      }),
    );
    const generation = slow.member.generationId;
    const fast = group.track(await within('the fast member joins without the slow one', startMember(group.running, 'fast', { groupId, topics: [topic], rebalanceTimeout: 3000 }), 30_000));
    assert.deepEqual(revokeCommits, [undefined], 'the commit in the revoke hook succeeded (the generation was still current)');
    assert.deepEqual(fast.partitionsOf(topic), [0, 1, 2, 3], 'the group rebalanced without the slow member');
    assert.ok(fast.member.generationId > generation);

    const stale = await slow.member.commitOffsets([{ topic, partition: 0, offset: 99 }]).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(stale instanceof KafkaJSProtocolError, `a protocol error (${String(stale)})`);
    assert.equal(stale.retriable, false, 'not retriable: the partitions may be another member’s now');
    assert.ok(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION'].includes(stale.type), stale.type);
    const committed = await fast.member.fetchCommittedOffsets([{ topic, partition: 0 }]);
    assert.equal(committed.get(partitionKey(topic, 0))?.offset, 1, 'the stale commit stored nothing');

    release();
    await eventually(`the slow member rejoins and the two split the partitions (${ownership([slow, fast], topic)})`, () =>
      [slow, fast].every((m) => m.member.state === MemberState.STABLE && m.partitionsOf(topic).length === 2) && splitsExactly([slow, fast], topic, 4) ? true : undefined,
      30_000,
    );
    assert.ok(slow.hooks.some((h) => h.hook === 'lost') || slow.hooks.filter((h) => h.hook === 'revoke').length >= 1, 'the slow member gave its partitions up');
    assert.deepEqual(slow.fatal, [], 'no fatal error');
  });
});
