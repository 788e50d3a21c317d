/**
 * The member and a coordinator it cannot always reach (the fault proxy between
 * them): a cut connection is recovered from without leaving the generation
 * (the coordinator is looked up again and the commit retried), and a
 * coordinator unreachable for longer than the session timeout costs the
 * member its partitions (hooks.lost, no commit), which it gets back by
 * rejoining once the coordinator is reachable again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker } from '../../../src/broker/server.js';
import { MemberState } from '../../../src/consumer/group/index.js';
import { partitionKey } from '../../../src/consumer/subscription-state.js';
import { eventually } from '../../support/eventually.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import { startGroupBroker } from '../../support/group-fixture.js';
import { within } from '../../support/within.js';
import { type TestMember, startMember } from './member-fixture.js';

describe('GroupMember and an unreliable path to the coordinator', () => {
  let running: RunningBroker | undefined;
  let proxy: FaultProxy;
  const open: TestMember[] = [];

  before(async () => {
    proxy = await startFaultProxy(() => `127.0.0.1:${running!.port}`);
    running = await startGroupBroker({ 'advertised.listeners': `PLAINTEXT://${proxy.address}` });
  });
  after(async () => {
    proxy.reset();
    await Promise.all(open.map((m) => m.close().catch(() => undefined)));
    await proxy.close();
    await running?.close();
  });

  it('recovers from a cut connection in the same generation, and a commit across the cut succeeds', async () => {
    const topic = 'faults-cut';
    await running!.broker.topics.create(topic, 2, new Map());
    const m = await startMember(running!, 'cut', { groupId: 'faults-cut-group', topics: [topic], heartbeatInterval: 300 });
    open.push(m);
    const generation = m.member.generationId;
    proxy.dropConnections();
    await within('commit across the cut', m.member.commitOffsets([{ topic, partition: 0, offset: 3 }]), 30_000);
    const beats = m.events.filter((e) => e.type === 'heartbeat').length;
    await eventually('heartbeats resume', () => (m.events.filter((e) => e.type === 'heartbeat').length >= beats + 3 ? true : undefined), 30_000);
    assert.equal(m.member.generationId, generation, 'still the same generation');
    assert.equal(m.member.state, MemberState.STABLE);
    assert.ok(!m.hooks.some((h) => h.hook === 'lost'));
    const committed = await m.member.fetchCommittedOffsets([{ topic, partition: 0 }]);
    assert.equal(committed.get(partitionKey(topic, 0))?.offset, 3);
  });

  it('loses its partitions when no heartbeat succeeds for the session timeout, and rejoins once the coordinator is back', async () => {
    const topic = 'faults-outage';
    await running!.broker.topics.create(topic, 3, new Map());
    const m = await startMember(running!, 'outage', { groupId: 'faults-outage-group', topics: [topic], sessionTimeout: 2000, heartbeatInterval: 300 });
    open.push(m);
    assert.deepEqual(m.partitionsOf(topic), [0, 1, 2]);
    const generation = m.member.generationId;
    proxy.refuseConnections(true);
    proxy.dropConnections();
    const lost = await eventually('the partitions are lost', () => m.hooks.find((h) => h.hook === 'lost'), 30_000);
    assert.deepEqual(lost.partitions.map((p) => p.partition).sort(), [0, 1, 2]);
    assert.ok(!m.hooks.some((h) => h.hook === 'revoke' && h.partitions.length > 0 && m.hooks.indexOf(h) > m.hooks.indexOf(lost)), 'lost, not revoked');
    assert.deepEqual(m.partitionsOf(topic), [], 'no longer assigned');
    proxy.refuseConnections(false);
    await eventually('the member rejoins with its partitions', () => (m.member.state === MemberState.STABLE && m.partitionsOf(topic).length === 3 ? true : undefined), 60_000);
    assert.ok(m.member.generationId > generation, 'in a new generation');
    assert.deepEqual(m.fatal, []);
  });
});
