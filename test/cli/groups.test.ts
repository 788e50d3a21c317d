/**
 * `tskafka groups list|describe|delete` against our broker with KafkaJS 2.2.4 as
 * the group's member and as the peer that checks the effects: describe shows the
 * live member, its assignment, and per partition the committed offset, the log end
 * offset and the lag; delete removes the group KafkaJS then no longer lists.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { eventually } from '../support/eventually.js';
import { CliBroker, runCli } from './cli-process.js';

const TOPIC = 'cli-lag';

describe('tskafka groups', () => {
  const cli = new CliBroker('cli-groups-test');
  before(async () => {
    await cli.f.peer.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
    const producer = await cli.f.producer();
    await producer.send({ topic: TOPIC, messages: [0, 1, 2, 3].map((i) => ({ partition: 0, value: `v${i}` })) });
    await producer.send({ topic: TOPIC, messages: [0, 1, 2].map((i) => ({ partition: 1, value: `v${i}` })) });
  });

  it('describes a live member, its assignment, committed offsets, log end offsets and lag; lists the group', async () => {
    await cli.f.peer.setOffsets({ groupId: 'cli-live', topic: TOPIC, partitions: [{ partition: 0, offset: '1' }, { partition: 1, offset: '3' }] });
    const consumer = cli.f.consumer('cli-live');
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC });
    // A member that takes nothing (autoCommit off, paused): its committed offsets stay as set.
    await consumer.run({ autoCommit: false, eachMessage: async () => consumer.pause([{ topic: TOPIC }]) });
    consumer.pause([{ topic: TOPIC }]);
    await eventually('the group to be stable', async () => ((await cli.f.peer.describeGroups(['cli-live'])).groups[0]!.state === 'Stable' ? true : undefined));
    const memberId = (await cli.f.peer.describeGroups(['cli-live'])).groups[0]!.members[0]!.memberId;

    const [described, listed] = [await runCli(['groups', 'describe', 'cli-live', ...cli.brokers]), await runCli(['groups', 'list', ...cli.brokers])];
    assert.equal(described.code, 0, described.stderr);
    const lines = described.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^group cli-live {2}state Stable {2}protocol RoundRobinAssigner {2}members 1$/);
    assert.match(described.stdout, new RegExp(`^${memberId}\\s+cli-groups-test-kafkajs\\s+\\S+\\s+${TOPIC}:0,${TOPIC}:1$`, 'm'));
    assert.match(described.stdout, new RegExp(`^${TOPIC}\\s+0\\s+1\\s+4\\s+3\\s+${memberId}$`, 'm'));
    assert.match(described.stdout, new RegExp(`^${TOPIC}\\s+1\\s+3\\s+3\\s+0\\s+${memberId}$`, 'm'));
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^cli-live\s+Stable\s+consumer$/m);
    await consumer.disconnect();
  });

  it('deletes an empty group, which KafkaJS then no longer lists, and exits 1 for a group that does not exist', async () => {
    await cli.f.peer.setOffsets({ groupId: 'cli-doomed', topic: TOPIC, partitions: [{ partition: 0, offset: '2' }] });
    const deleted = await runCli(['groups', 'delete', 'cli-doomed', ...cli.brokers]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'deleted group cli-doomed\n');
    assert.ok(!(await cli.f.peer.listGroups()).groups.some((g) => g.groupId === 'cli-doomed'));
    const missing = await runCli(['groups', 'delete', 'cli-doomed', ...cli.brokers]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^tskafka: error: .+\n$/);
  });
});
