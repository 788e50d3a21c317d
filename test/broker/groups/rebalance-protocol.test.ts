/**
 * The classic rebalance protocol against a real in-process broker, spoken with
 * our own codecs over sockets: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and
 * the group state machine behind them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinGroupRequest,
  type JoinGroupResponse,
  JoinGroupResponse as JoinGroupResponseCodec,
  LeaveGroupRequest,
  LeaveGroupResponse,
  SyncGroupRequest,
  type SyncGroupResponse,
  SyncGroupResponse as SyncGroupResponseCodec,
} from '../../../src/protocol/generated/index.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { RawClient } from './raw-client.js';

interface JoinOptions {
  groupId: string;
  memberId?: string;
  groupInstanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  protocolType?: string;
  protocols?: { name: string; metadata: Buffer }[];
  version?: number;
}

/** One group member on its own connection. */
class TestMember {
  memberId = '';
  generationId = -1;

  private constructor(
    readonly client: RawClient,
    readonly name: string,
  ) {}

  static async connect(broker: RunningBroker, name: string): Promise<TestMember> {
    return new TestMember(await RawClient.connect(broker.port, name), name);
  }

  async join(o: Omit<JoinOptions, 'memberId'> & { memberId?: string }): Promise<JoinGroupResponse> {
    const r = await this.client.send(JoinGroupRequest, JoinGroupResponseCodec, o.version ?? 5, {
      groupId: o.groupId,
      memberId: o.memberId ?? this.memberId,
      groupInstanceId: o.groupInstanceId ?? null,
      // Long defaults: no group timer may fire because a loaded machine is slow
      // between two requests; tests that exercise a timer set a short one.
      sessionTimeoutMs: o.sessionTimeoutMs ?? 30_000,
      rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 30_000,
      protocolType: o.protocolType ?? 'consumer',
      protocols: o.protocols ?? [{ name: 'range', metadata: Buffer.from(`subscription of ${this.name}`) }],
    });
    if (r.errorCode === ErrorCode.NONE || r.errorCode === ErrorCode.MEMBER_ID_REQUIRED) this.memberId = r.memberId;
    if (r.errorCode === ErrorCode.NONE) this.generationId = r.generationId;
    return r;
  }

  /** JoinGroup v5 the KIP-394 way: ask for an id, then join with it. */
  async joinWithId(o: JoinOptions): Promise<JoinGroupResponse> {
    const first = await this.join({ ...o, memberId: '' });
    assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    return this.join(o);
  }

  sync(groupId: string, assignments: { memberId: string; assignment: Buffer }[] = [], generationId = this.generationId): Promise<SyncGroupResponse> {
    return this.client.send(SyncGroupRequest, SyncGroupResponseCodec, 5, { groupId, generationId, memberId: this.memberId, protocolType: 'consumer', protocolName: 'range', assignments });
  }

  async heartbeat(groupId: string, generationId = this.generationId, groupInstanceId: string | null = null): Promise<number> {
    return (await this.client.send(HeartbeatRequest, HeartbeatResponse, 4, { groupId, generationId, memberId: this.memberId, groupInstanceId })).errorCode;
  }

  close(): void {
    this.client.close();
  }
}

async function describeGroup(broker: RunningBroker, groupId: string): Promise<DescribeGroupsResponse['groups'][number]> {
  const c = await RawClient.connect(broker.port);
  try {
    const r = await c.send(DescribeGroupsRequest, DescribeGroupsResponse, 5, { groups: [groupId], includeAuthorizedOperations: false });
    return r.groups[0]!;
  } finally {
    c.close();
  }
}

/**
 * alpha joins alone and leads; beta joins, alpha learns of it from a heartbeat
 * and rejoins; both sync. Deterministic: one generation holding both.
 */
async function formGroup(groupId: string, alpha: TestMember, beta: TestMember, o: { alpha?: Partial<JoinOptions>; beta?: Partial<JoinOptions> } = {}): Promise<void> {
  await alpha.joinWithId({ groupId, ...o.alpha });
  await alpha.sync(groupId, [{ memberId: alpha.memberId, assignment: Buffer.from('A1') }]);
  const betaJoin = beta.joinWithId({ groupId, ...o.beta });
  while ((await alpha.heartbeat(groupId)) === ErrorCode.NONE) await sleep(10);
  await Promise.all([alpha.join({ groupId, ...o.alpha }), betaJoin]);
  const assignments = [
    { memberId: alpha.memberId, assignment: Buffer.from('A') },
    { memberId: beta.memberId, assignment: Buffer.from('B') },
  ];
  const [a, b] = await Promise.all([alpha.sync(groupId, assignments), beta.sync(groupId)]);
  assert.equal(a.errorCode, ErrorCode.NONE);
  assert.equal(b.errorCode, ErrorCode.NONE);
}

const text = (b: Buffer): string => b.toString('utf8');

describe('classic rebalance protocol (raw sockets)', () => {
  let broker: RunningBroker;
  const members: TestMember[] = [];
  const member = async (name: string): Promise<TestMember> => {
    const m = await TestMember.connect(broker, name);
    members.push(m);
    return m;
  };

  before(async () => {
    broker = await startBroker({ inMemory: true, port: 0, logLevel: 'error', properties: { 'group.min.session.timeout.ms': 100, 'group.max.session.timeout.ms': 60_000 } });
  });
  after(async () => {
    for (const m of members) m.close();
    await broker.close();
  });

  it('gives a new member an id with MEMBER_ID_REQUIRED (KIP-394), then makes it leader of generation 1', async () => {
    const alpha = await member('alpha');
    const first = await alpha.join({ groupId: 'g-first', memberId: '' });
    assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.match(first.memberId, /^alpha-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const joined = await alpha.join({ groupId: 'g-first' });
    assert.equal(joined.errorCode, ErrorCode.NONE);
    assert.equal(joined.generationId, 1);
    assert.equal(joined.leader, first.memberId);
    assert.equal(joined.protocolName, 'range');
    assert.deepEqual(
      joined.members.map((m) => [m.memberId, text(m.metadata)]),
      [[first.memberId, 'subscription of alpha']],
    );
    const synced = await alpha.sync('g-first', [{ memberId: alpha.memberId, assignment: Buffer.from('all of it') }]);
    assert.equal(synced.errorCode, ErrorCode.NONE);
    assert.equal(text(synced.assignment), 'all of it');
    assert.equal((await describeGroup(broker, 'g-first')).groupState, 'Stable');
  });

  it('rebalances for a second member: the leader hears REBALANCE_IN_PROGRESS, rejoins, gets both members, and its SyncGroup answers the follower', async () => {
    const alpha = await member('alpha');
    const beta = await member('beta');
    await alpha.joinWithId({ groupId: 'g-two' });
    await alpha.sync('g-two', [{ memberId: alpha.memberId, assignment: Buffer.from('A1') }]);

    const betaJoin = beta.joinWithId({ groupId: 'g-two' });
    // The group waits for the known member; it learns of the rebalance from its heartbeat.
    let hb = await alpha.heartbeat('g-two');
    for (const deadline = Date.now() + 20_000; hb === ErrorCode.NONE && Date.now() < deadline; ) {
      await sleep(10);
      hb = await alpha.heartbeat('g-two');
    }
    assert.equal(hb, ErrorCode.REBALANCE_IN_PROGRESS);
    const [a2, b2] = await Promise.all([alpha.join({ groupId: 'g-two' }), betaJoin]);
    assert.equal(a2.errorCode, ErrorCode.NONE);
    assert.equal(b2.errorCode, ErrorCode.NONE);
    assert.equal(a2.generationId, 2);
    assert.equal(b2.generationId, 2);
    assert.equal(a2.leader, alpha.memberId, 'the leader stays the leader');
    assert.equal(b2.leader, alpha.memberId);
    assert.deepEqual(
      a2.members.map((m) => [m.memberId, text(m.metadata)]).sort(),
      [
        [alpha.memberId, 'subscription of alpha'],
        [beta.memberId, 'subscription of beta'],
      ].sort(),
    );
    assert.deepEqual(b2.members, [], 'followers get no member list');

    // The follower's SyncGroup waits for the leader's.
    let betaSynced = false;
    const betaSync = beta.sync('g-two').then((r) => ((betaSynced = true), r));
    assert.equal(await alpha.heartbeat('g-two'), ErrorCode.NONE, 'heartbeats between JoinGroup and SyncGroup are normal');
    await sleep(50);
    assert.equal(betaSynced, false);
    assert.equal((await describeGroup(broker, 'g-two')).groupState, 'CompletingRebalance');
    const aSync = await alpha.sync('g-two', [
      { memberId: alpha.memberId, assignment: Buffer.from('A2') },
      { memberId: beta.memberId, assignment: Buffer.from('B2') },
    ]);
    assert.equal(text(aSync.assignment), 'A2');
    const bSync = await betaSync;
    assert.equal(bSync.errorCode, ErrorCode.NONE);
    assert.equal(text(bSync.assignment), 'B2');
    assert.equal(bSync.protocolType, 'consumer');
    assert.equal(bSync.protocolName, 'range');

    assert.equal(await beta.heartbeat('g-two', 1), ErrorCode.ILLEGAL_GENERATION);
    assert.equal((await beta.sync('g-two', [], 1)).errorCode, ErrorCode.ILLEGAL_GENERATION);
    assert.equal(await beta.heartbeat('g-two'), ErrorCode.NONE);

    const described = await describeGroup(broker, 'g-two');
    assert.equal(described.groupState, 'Stable');
    assert.equal(described.protocolType, 'consumer');
    assert.equal(described.protocolData, 'range');
    assert.deepEqual(described.members.map((m) => [m.clientId, text(m.memberAssignment), m.clientHost]).sort(), [
      ['alpha', 'A2', '/127.0.0.1'],
      ['beta', 'B2', '/127.0.0.1'],
    ]);
  });

  it('expires a member that stops heartbeating after its session timeout; the other gets REBALANCE_IN_PROGRESS and rejoins alone', async () => {
    const alpha = await member('alpha');
    const beta = await member('beta');
    // beta's session must outlast the gap between its JoinGroup answer and its SyncGroup on a slow machine.
    await formGroup('g-expire', alpha, beta, { beta: { sessionTimeoutMs: 1_500 } });
    const generation = alpha.generationId;

    // beta goes silent; alpha keeps heartbeating until told to rejoin.
    const silentSince = Date.now();
    let hb = ErrorCode.NONE as number;
    while (hb === ErrorCode.NONE && Date.now() - silentSince < 20_000) {
      await sleep(50);
      hb = await alpha.heartbeat('g-expire');
    }
    const elapsed = Date.now() - silentSince;
    assert.equal(hb, ErrorCode.REBALANCE_IN_PROGRESS);
    assert.ok(elapsed >= 1_450, `beta was expired after ${elapsed} ms, before its 1500 ms session timeout`);

    const rejoined = await alpha.join({ groupId: 'g-expire' });
    assert.equal(rejoined.errorCode, ErrorCode.NONE);
    assert.equal(rejoined.generationId, generation + 1);
    assert.equal(rejoined.leader, alpha.memberId);
    assert.deepEqual(
      rejoined.members.map((m) => m.memberId),
      [alpha.memberId],
    );
    assert.equal(await beta.heartbeat('g-expire'), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('ends the join phase at the rebalance timeout, dropping a member that did not rejoin', async () => {
    const alpha = await member('alpha');
    const beta = await member('beta');
    // alpha keeps the long default while the group forms (so a slow rejoin or SyncGroup is not
    // cut off); its rejoin below brings the group's rebalance timeout, the largest of its members', to 400 ms.
    await formGroup('g-rto', alpha, beta, { beta: { rebalanceTimeoutMs: 400 } });
    const generation = alpha.generationId;

    // The leader rejoins (as a consumer does when metadata changes); beta never does.
    const started = Date.now();
    const again = await alpha.join({ groupId: 'g-rto', rebalanceTimeoutMs: 400 });
    const waited = Date.now() - started;
    assert.equal(again.errorCode, ErrorCode.NONE);
    assert.equal(again.generationId, generation + 1);
    assert.deepEqual(
      again.members.map((m) => m.memberId),
      [alpha.memberId],
    );
    assert.ok(waited >= 350, `the join phase ended after ${waited} ms, before the 400 ms rebalance timeout`);
    assert.equal(await beta.heartbeat('g-rto'), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('drops a member that never sends SyncGroup once the rebalance timeout passes, and rebalances', async () => {
    const alpha = await member('alpha');
    const beta = await member('beta');
    // alpha joins first with the long default, so its rejoin is not cut off on a slow machine;
    // the rejoin brings the group's rebalance timeout (the largest of its members') to 2 s, which
    // also leaves alpha's own SyncGroup ample time.
    await alpha.joinWithId({ groupId: 'g-nosync' });
    await alpha.sync('g-nosync');
    const bJoin = beta.joinWithId({ groupId: 'g-nosync', rebalanceTimeoutMs: 2_000, sessionTimeoutMs: 60_000 });
    while ((await alpha.heartbeat('g-nosync')) === ErrorCode.NONE) await sleep(10);
    // Taken before the join phase can end, so before the SyncGroup deadline starts.
    const started = Date.now();
    await Promise.all([alpha.join({ groupId: 'g-nosync', rebalanceTimeoutMs: 2_000 }), bJoin]);
    assert.equal((await alpha.sync('g-nosync', [{ memberId: alpha.memberId, assignment: Buffer.from('A') }])).errorCode, ErrorCode.NONE);
    // beta never sends SyncGroup (its session, 60 s, is not what removes it).
    let hb = ErrorCode.NONE as number;
    while (hb === ErrorCode.NONE && Date.now() - started < 30_000) {
      await sleep(20);
      hb = await alpha.heartbeat('g-nosync');
    }
    assert.equal(hb, ErrorCode.REBALANCE_IN_PROGRESS);
    const waited = Date.now() - started;
    assert.ok(waited >= 1_950, `beta was dropped after ${waited} ms, before the 2 s rebalance timeout`);
    assert.equal(await beta.heartbeat('g-nosync'), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('removes a member on LeaveGroup and rebalances; the last one leaving leaves the group Empty at the next generation', async () => {
    const alpha = await member('alpha');
    const beta = await member('beta');
    await formGroup('g-leave', alpha, beta);

    const left = await beta.client.send(LeaveGroupRequest, LeaveGroupResponse, 3, { groupId: 'g-leave', members: [{ memberId: beta.memberId, groupInstanceId: null }] });
    assert.equal(left.errorCode, ErrorCode.NONE);
    assert.deepEqual(
      left.members.map((m) => [m.memberId, m.errorCode]),
      [[beta.memberId, ErrorCode.NONE]],
    );
    assert.equal(await alpha.heartbeat('g-leave'), ErrorCode.REBALANCE_IN_PROGRESS);
    const alone = await alpha.join({ groupId: 'g-leave' });
    assert.deepEqual(
      alone.members.map((m) => m.memberId),
      [alpha.memberId],
    );

    const generation = broker.broker.groups.group('g-leave')!.generationId;
    const v0 = await alpha.client.send(LeaveGroupRequest, LeaveGroupResponse, 0, { groupId: 'g-leave', memberId: alpha.memberId });
    assert.equal(v0.errorCode, ErrorCode.NONE);
    const unknown = await alpha.client.send(LeaveGroupRequest, LeaveGroupResponse, 0, { groupId: 'g-leave', memberId: alpha.memberId });
    assert.equal(unknown.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'v0-v2 fold the member error into the top level');
    assert.equal((await describeGroup(broker, 'g-leave')).groupState, 'Empty');
    assert.equal(broker.broker.groups.group('g-leave')!.generationId, generation + 1);
    assert.equal(await alpha.heartbeat('g-leave'), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('refuses bad joins: INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, INCONSISTENT_GROUP_PROTOCOL, UNKNOWN_MEMBER_ID', async () => {
    const alpha = await member('alpha');
    const other = await member('other');
    assert.equal((await other.join({ groupId: '' })).errorCode, ErrorCode.INVALID_GROUP_ID);
    assert.equal((await other.join({ groupId: 'g-bad', sessionTimeoutMs: 50 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    assert.equal((await other.join({ groupId: 'g-bad', sessionTimeoutMs: 60_001 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    assert.equal((await other.join({ groupId: 'g-bad', protocols: [] })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal(broker.broker.groups.group('g-bad'), undefined, 'a refused first join creates no group');
    assert.equal((await other.join({ groupId: 'g-bad', memberId: 'made-up' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);

    await alpha.joinWithId({ groupId: 'g-bad' });
    await alpha.sync('g-bad');
    assert.equal((await other.join({ groupId: 'g-bad', memberId: '', protocolType: 'connect' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const noCommonAssignor = await other.join({ groupId: 'g-bad', memberId: '', protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] });
    assert.equal(noCommonAssignor.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal((await other.join({ groupId: 'g-bad', memberId: 'made-up' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    const wrongName = await alpha.client.send(SyncGroupRequest, SyncGroupResponseCodec, 5, { groupId: 'g-bad', generationId: alpha.generationId, memberId: alpha.memberId, protocolType: 'consumer', protocolName: 'sticky', assignments: [] });
    assert.equal(wrongName.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal((await describeGroup(broker, 'g-bad')).groupState, 'Stable', 'refused joins leave the group alone');
  });

  it('chooses, among the protocols every member supports, the one most members prefer', async () => {
    const [alpha, beta, gamma] = await Promise.all([member('alpha'), member('beta'), member('gamma')]);
    const offer = (...names: string[]) => names.map((name) => ({ name, metadata: Buffer.alloc(0) }));
    await alpha.joinWithId({ groupId: 'g-vote', protocols: offer('sticky', 'range') });
    await alpha.sync('g-vote');
    // Both newcomers hold ids first (KIP-394), so the join phase waits for both.
    for (const m of [beta, gamma]) assert.equal((await m.join({ groupId: 'g-vote', memberId: '' })).errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    const joins = [beta.join({ groupId: 'g-vote', protocols: offer('range', 'sticky', 'roundrobin') }), gamma.join({ groupId: 'g-vote', protocols: offer('roundrobin', 'range', 'sticky') })];
    while ((await alpha.heartbeat('g-vote')) === ErrorCode.NONE) await sleep(10);
    const answers = await Promise.all([alpha.join({ groupId: 'g-vote', protocols: offer('sticky', 'range') }), ...joins]);
    // roundrobin is not alpha's; of sticky and range, range is first for beta and gamma.
    assert.deepEqual(
      answers.map((a) => a.protocolName),
      ['range', 'range', 'range'],
    );
    assert.equal(answers[0]!.members.length, 3);
  });

  it('lets a static member (KIP-345) restart without a rebalance and fences the old instance', async () => {
    const first = await member('static-1');
    const joined = await first.join({ groupId: 'g-static', memberId: '', groupInstanceId: 'instance-1' });
    assert.equal(joined.errorCode, ErrorCode.NONE, 'static members get no MEMBER_ID_REQUIRED round trip');
    assert.match(joined.memberId, /^instance-1-/);
    await first.sync('g-static', [{ memberId: first.memberId, assignment: Buffer.from('S') }]);
    const generation = joined.generationId;

    // The same instance restarts: it comes back with no member id.
    const restarted = await member('static-1');
    const back = await restarted.join({ groupId: 'g-static', memberId: '', groupInstanceId: 'instance-1' });
    assert.equal(back.errorCode, ErrorCode.NONE);
    assert.equal(back.generationId, generation, 'a Stable group is not rebalanced');
    assert.notEqual(back.memberId, first.memberId);
    assert.equal(back.leader, first.memberId, 'before v9 the old leader id comes back, so the member does not run an assignment');
    assert.equal(text((await restarted.sync('g-static')).assignment), 'S', 'the assignment is kept');
    assert.equal(await first.heartbeat('g-static', generation, 'instance-1'), ErrorCode.FENCED_INSTANCE_ID);
    assert.equal(await restarted.heartbeat('g-static', generation, 'instance-1'), ErrorCode.NONE);

    // v9 (KIP-814): the restarted leader learns it leads, with the members, and that it must skip the assignment.
    const again = await member('static-1');
    const v9 = await again.join({ groupId: 'g-static', memberId: '', groupInstanceId: 'instance-1', version: 9 });
    assert.equal(v9.errorCode, ErrorCode.NONE);
    assert.equal(v9.leader, v9.memberId);
    assert.equal(v9.skipAssignment, true);
    assert.equal(v9.members.length, 1);
    assert.equal((await describeGroup(broker, 'g-static')).members[0]!.groupInstanceId, 'instance-1');
  });

  it('holds a new group’s first generation for group.initial.rebalance.delay.ms, longer while members keep arriving (KIP-134)', async () => {
    // A long delay, so beta's join lands inside the first one even on a slow machine.
    const local = await startBroker({ inMemory: true, port: 0, logLevel: 'error', properties: { 'group.initial.rebalance.delay.ms': 1_500 } });
    const alpha = await TestMember.connect(local, 'alpha');
    const beta = await TestMember.connect(local, 'beta');
    try {
      const started = Date.now();
      const aJoin = alpha.join({ groupId: 'g-delay', version: 3 });
      await sleep(100);
      const bJoin = beta.join({ groupId: 'g-delay', version: 3 });
      const [a, b] = await Promise.all([aJoin, bJoin]);
      const waited = Date.now() - started;
      assert.equal(a.generationId, 1);
      assert.equal(b.generationId, 1, 'both members are in the first generation: no second rebalance');
      assert.equal(a.members.length + b.members.length, 2);
      assert.ok(waited >= 2_950, `a member arriving during the delay extends it by another delay; waited ${waited} ms`);
    } finally {
      alpha.close();
      beta.close();
      await local.close();
    }
  });

  it('closes promptly with a JoinGroup parked and group timers pending', async () => {
    const local = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
    const alpha = await TestMember.connect(local, 'alpha');
    const beta = await TestMember.connect(local, 'beta');
    try {
      await alpha.joinWithId({ groupId: 'g-close', rebalanceTimeoutMs: 60_000, sessionTimeoutMs: 30_000 });
      await alpha.sync('g-close');
      const parked = beta.joinWithId({ groupId: 'g-close', rebalanceTimeoutMs: 60_000, sessionTimeoutMs: 30_000 }).catch((e: unknown) => e);
      await sleep(50);
      const started = Date.now();
      await local.close();
      const closing = Date.now() - started;
      // Far below the 30 s / 60 s group timers a close must not wait for.
      assert.ok(closing < 20_000, `close took ${closing} ms`);
      assert.ok((await parked) instanceof Error, 'the connection is closed with the broker');
    } finally {
      alpha.close();
      beta.close();
    }
  });
});
