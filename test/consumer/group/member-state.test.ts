/**
 * The group member's state table: the moves a rebalance makes are legal, and
 * the ones a bug would make throw instead of leaving the member half-joined.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaJSInvariantViolation } from '../../../src/errors/errors.js';
import { MEMBER_TRANSITIONS, MemberState, canTransition } from '../../../src/consumer/group/index.js';
import { HEARTBEAT_STATES, transition } from '../../../src/consumer/group/member-state.js';

const S = MemberState;

describe('GroupMember state table', () => {
  it('allows a join, a sync, a rejoin and leaving', () => {
    const path = [S.UNJOINED, S.PREPARING_REBALANCE, S.COMPLETING_REBALANCE, S.STABLE, S.PREPARING_REBALANCE, S.COMPLETING_REBALANCE, S.STABLE, S.UNJOINED];
    for (let i = 1; i < path.length; i++) assert.equal(transition('g', path[i - 1]!, path[i]!), path[i]);
  });

  it('refuses skipping a phase: Stable without SyncGroup, SyncGroup without JoinGroup', () => {
    assert.equal(canTransition(S.UNJOINED, S.STABLE), false);
    assert.equal(canTransition(S.UNJOINED, S.COMPLETING_REBALANCE), false);
    assert.equal(canTransition(S.PREPARING_REBALANCE, S.STABLE), false);
    assert.throws(() => transition('g', S.UNJOINED, S.STABLE), (e: unknown) => e instanceof KafkaJSInvariantViolation && /cannot go from unjoined to stable/.test(e.message));
  });

  it('reaches fatal from every other state, and leaves it only by joining again', () => {
    for (const from of Object.values(S)) if (from !== S.FATAL) assert.ok(canTransition(from, S.FATAL), from);
    assert.deepEqual(MEMBER_TRANSITIONS[S.FATAL], [S.UNJOINED]);
  });

  it('heartbeats only in a generation: completing-rebalance and stable', () => {
    assert.deepEqual([...HEARTBEAT_STATES].sort(), [S.COMPLETING_REBALANCE, S.STABLE].sort());
  });
});
