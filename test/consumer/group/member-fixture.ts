/**
 * Group members for the group tests: a broker tuned for groups, and a
 * GroupMember on its own Cluster (its own connections, as a separate consumer
 * process would have) with hooks and events recorded.
 */
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { Cluster } from '../../../src/client/cluster.js';
import { logLevel, silentLogger } from '../../../src/client/logger.js';
import { type Assigner, type PartitionAssigner } from '../../../src/consumer/assignors/assigner.js';
import { roundRobin } from '../../../src/consumer/assignors/round-robin.js';
import { GroupMember, type GroupMemberEvent, type GroupMemberOptions, createAssignerCluster } from '../../../src/consumer/group/index.js';
import { SubscriptionState, type TopicPartition } from '../../../src/consumer/subscription-state.js';

/** A broker for group tests: no initial rebalance delay, session timeouts down to 1 s (Kafka's floor is 6 s). */
export function startGroupTestBroker(properties: Record<string, string | number> = {}): Promise<RunningBroker> {
  return startBroker({
    inMemory: true,
    port: 0,
    logLevel: 'nothing',
    properties: { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000, ...properties },
  });
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
