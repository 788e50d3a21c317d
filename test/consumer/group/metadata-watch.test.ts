/**
 * A Stable member keeps watching metadata (every metadataMaxAge): a topic
 * newly matching its pattern subscription makes it rejoin and take that
 * topic's partitions; a subscribed topic growing partitions makes the leader
 * rejoin so the new partitions are handed out. And a member assigned a topic
 * it does not subscribe to reports it (received_unsubscribed_topics) and
 * leaves that topic alone, as KafkaJS does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemberState } from '../../../src/consumer/group/index.js';
import { eventually } from '../../support/eventually.js';
import { ownership, splitsExactly, startMember, useGroupTestBroker } from './member-fixture.js';

describe('GroupMember metadata watch', () => {
  const group = useGroupTestBroker('watch');

  it('a pattern subscription picks up a topic created after the member joined', async () => {
    await group.running.broker.topics.create('watch-a', 2, new Map());
    await group.running.broker.topics.create('unwatched', 2, new Map());
    const m = group.track(await startMember(group.running, 'pattern', { groupId: 'watch-pattern', topics: [/^watch-/], metadataMaxAge: 300 }));
    assert.deepEqual(m.subscriptions.assignment(), [
      { topic: 'watch-a', partition: 0 },
      { topic: 'watch-a', partition: 1 },
    ]);
    const generation = m.member.generationId;
    await group.running.broker.topics.create('watch-b', 3, new Map());
    await eventually(`the member takes watch-b's partitions (${JSON.stringify(m.subscriptions.assignment())})`, () =>
      m.member.state === MemberState.STABLE && m.partitionsOf('watch-b').length === 3 ? true : undefined,
      30_000,
    );
    assert.ok(m.member.generationId > generation, 'it rejoined');
    assert.deepEqual(m.partitionsOf('watch-a'), [0, 1]);
    assert.deepEqual(m.partitionsOf('unwatched'), [], 'a topic the pattern does not match is not taken');
  });

  it('the leader rejoins when a subscribed topic gets more partitions, and the new ones are handed out', async () => {
    const topic = 'growing';
    await group.running.broker.topics.create(topic, 2, new Map());
    const a = group.track(await startMember(group.running, 'grow-a', { groupId: 'watch-grow', topics: [topic], metadataMaxAge: 300 }));
    const b = group.track(await startMember(group.running, 'grow-b', { groupId: 'watch-grow', topics: [topic], metadataMaxAge: 300 }));
    await eventually(`two members split two partitions (${ownership([a, b], topic)})`, () => (splitsExactly([a, b], topic, 2) && a.partitionsOf(topic).length === 1 ? true : undefined));
    await group.running.broker.topics.createPartitions(group.running.broker.topics.get(topic)!, 6);
    await eventually(`six partitions split between the two (${ownership([a, b], topic)})`, () =>
      [a, b].every((m) => m.member.state === MemberState.STABLE && m.partitionsOf(topic).length === 3) && splitsExactly([a, b], topic, 6) ? true : undefined,
      30_000,
    );
  });

  it('reports and ignores assigned topics it does not subscribe to (received_unsubscribed_topics)', async () => {
    await group.running.broker.topics.create('shared', 2, new Map());
    await group.running.broker.topics.create('only-y', 2, new Map());
    const groupId = 'watch-unsubscribed';
    // KafkaJS's round robin deals every topic of the group to every member, whatever each subscribes to.
    const x = group.track(await startMember(group.running, 'x', { groupId, topics: ['shared'] }));
    const y = group.track(await startMember(group.running, 'y', { groupId, topics: ['shared', 'only-y'] }));
    const event = await eventually('x reports the topic it did not subscribe to', () => x.events.find((e) => e.type === 'received_unsubscribed_topics'), 30_000);
    assert.equal(event.payload.groupId, groupId);
    assert.deepEqual(event.payload.topicsSubscribed, ['shared']);
    assert.deepEqual(event.payload.topicsNotSubscribed, ['only-y']);
    assert.deepEqual(event.payload.assignedTopics, ['only-y', 'shared']);
    assert.equal(event.payload.memberId, x.member.memberId);
    assert.equal(event.payload.generationId, x.member.generationId);
    await eventually('x is stable', () => (x.member.state === MemberState.STABLE ? true : undefined));
    assert.deepEqual(x.partitionsOf('only-y'), [], 'x does not take them');
    assert.ok(y.partitionsOf('only-y').length > 0);
  });
});
