/**
 * Group members for the group tests: a broker tuned for groups for each
 * describe block, and a GroupMember on its own Cluster (its own connections,
 * as a separate consumer process would have) with hooks and events recorded.
 */
import { after, before } from 'node:test';
import { type RunningBroker } from '../../../src/broker/server.js';
import { Cluster } from '../../../src/client/cluster.js';
import { logLevel, silentLogger } from '../../../src/client/logger.js';
import { type Assigner, type PartitionAssigner } from '../../../src/consumer/assignors/assigner.js';
import { roundRobin } from '../../../src/consumer/assignors/round-robin.js';
import { GroupMember, type GroupMemberEvent, type GroupMemberOptions, createAssignerCluster } from '../../../src/consumer/group/index.js';
import { SubscriptionState, type TopicPartition } from '../../../src/consumer/subscription-state.js';
import { startGroupBroker } from '../../support/group-fixture.js';

/** One group test broker for a describe block, and what its tests share. */
export interface GroupTestBroker {
  /** The broker (started in `before`). */
  readonly running: RunningBroker;
  /** Close `m` after the block's tests (it may be closed before); returns it. */
  track(m: TestMember): TestMember;
  /** A topic of `partitions` partitions and a group id, new for each call. */
  fresh(partitions: number): Promise<{ topic: string; groupId: string }>;
}

/**
 * Call inside `describe`: a group test broker (support/group-fixture.ts) started
 * before the block's tests and closed after them, the tracked members first.
 * `prefix` names the topics and groups `fresh` makes.
 */
export function useGroupTestBroker(prefix: string): GroupTestBroker {
  let running: RunningBroker | undefined;
  const open: TestMember[] = [];
  let n = 0;
  before(async () => {
    running = await startGroupBroker();
  });
  after(async () => {
    await Promise.all(open.map((m) => m.close().catch(() => undefined)));
    await running?.close();
  });
  const group: GroupTestBroker = {
    get running(): RunningBroker {
      if (!running) throw new Error('the group test broker starts in before()');
      return running;
    },
    track: (m) => {
      open.push(m);
      return m;
    },
    fresh: async (partitions) => {
      n++;
      const topic = `${prefix}-${n}`;
      await group.running.broker.topics.create(topic, partitions, new Map());
      return { topic, groupId: `${prefix}-group-${n}` };
    },
  };
  return group;
}

/** One recorded hook call. */
export interface HookCall {
  readonly hook: 'revoke' | 'assign' | 'lost';
  readonly partitions: TopicPartition[];
}

/** A member under test and what it recorded. */
export interface TestMember {
  readonly name: string;
  readonly member: GroupMember;
  readonly subscriptions: SubscriptionState;
  readonly cluster: Cluster;
  readonly hooks: HookCall[];
  readonly events: { type: GroupMemberEvent; payload: Record<string, unknown> }[];
  readonly fatal: Error[];
  /** This member's partitions of `topic`, sorted. */
  partitionsOf(topic: string): number[];
  /** Leave and close the member's connections. */
  close(): Promise<void>;
}

/** Options of {@link startMember}; anything of GroupMemberOptions may be overridden. */
export interface TestMemberOptions extends Partial<Omit<GroupMemberOptions, 'cluster' | 'subscriptions' | 'hooks' | 'assigners'>> {
  readonly groupId: string;
  readonly topics: readonly (string | RegExp)[];
  readonly assigners?: readonly PartitionAssigner[];
  /** Called inside the revoke hook, before it returns (to block it, say). */
  readonly onRevoke?: (partitions: TopicPartition[]) => Promise<void>;
}

/** Create a member (not joined yet). */
export function createMember(running: RunningBroker, name: string, options: TestMemberOptions): TestMember {
  const cluster = new Cluster({ clientId: name, brokers: [running.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 } });
  const subscriptions = new SubscriptionState('earliest');
  subscriptions.subscribe(options.topics, true);
  const hooks: HookCall[] = [];
  const events: TestMember['events'] = [];
  const fatal: Error[] = [];
  const assigners: Assigner[] = (options.assigners ?? [roundRobin]).map((factory) => factory({ cluster: createAssignerCluster(cluster), groupId: options.groupId, logger: silentLogger }));
  const { onRevoke, topics: _topics, assigners: _assigners, ...rest } = options;
  const member = new GroupMember({
    cluster,
    groupInstanceId: null,
    sessionTimeout: 6000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 500,
    logger: silentLogger,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
    onFatal: (e) => fatal.push(e),
    instrument: (type, payload) => events.push({ type, payload: payload as Record<string, unknown> }),
    ...rest,
    assigners,
    subscriptions,
    hooks: {
      revoke: async (partitions) => {
        hooks.push({ hook: 'revoke', partitions });
        await onRevoke?.(partitions);
      },
      assign: async (partitions) => void hooks.push({ hook: 'assign', partitions }),
      lost: async (partitions) => void hooks.push({ hook: 'lost', partitions }),
    },
  });
  return {
    name,
    member,
    subscriptions,
    cluster,
    hooks,
    events,
    fatal,
    partitionsOf: (topic) =>
      subscriptions
        .assignment()
        .filter((p) => p.topic === topic)
        .map((p) => p.partition)
        .sort((a, b) => a - b),
    close: async () => {
      await member.leave();
      await cluster.disconnect();
    },
  };
}

/** Create a member and join. */
export async function startMember(running: RunningBroker, name: string, options: TestMemberOptions): Promise<TestMember> {
  const m = createMember(running, name, options);
  await m.member.join();
  return m;
}

/** Whether the members' partitions of `topic` are disjoint and cover 0..partitions-1. */
export function splitsExactly(members: readonly TestMember[], topic: string, partitions: number): boolean {
  const all = members.flatMap((m) => m.partitionsOf(topic)).sort((a, b) => a - b);
  return all.length === partitions && all.every((p, i) => p === i);
}

/** A short description of who owns what, for failure messages. */
export function ownership(members: readonly TestMember[], topic: string): string {
  return members.map((m) => `${m.name}[${m.member.state} g${m.member.generationId}]=${JSON.stringify(m.partitionsOf(topic))}`).join(' ');
}
