/**
 * Shared set-up of the consumer interop and fault tests: an in-process broker
 * tuned for group tests, records spread over partitions with known offsets,
 * and the group's assignment as the coordinator reports it (DescribeGroups,
 * read with KafkaJS's admin client: a reader nobody here wrote).
 */
import { after, before } from 'node:test';
import { AssignerProtocol, type Admin } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { eventually } from './eventually.js';

/**
 * A broker for group tests: no initial rebalance delay, and session timeouts
 * down to 1 s allowed (Kafka's floor is 6 s), so a dead member is noticed soon.
 */
export function startGroupBroker(properties: Record<string, string | number> = {}): Promise<RunningBroker> {
  return startBroker({
    inMemory: true,
    port: 0,
    logLevel: 'nothing',
    properties: { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000, ...properties },
  });
}

/** What {@link useGroupBroker} gives a describe block's tests. */
export interface GroupBrokerForTests {
  /** The broker (started in `before`). */
  readonly running: RunningBroker;
  /** A connected KafkaJS admin on it; only with `admin: true`. */
  readonly admin: Admin;
}

/**
 * Call inside `describe`: a group broker ({@link startGroupBroker}) started before
 * the block's tests, with `topics` created (name to partition count) and, with
 * `admin`, a KafkaJS admin connected; both closed after the tests.
 */
export function useGroupBroker(options: { topics?: Readonly<Record<string, number>>; admin?: boolean } = {}): GroupBrokerForTests {
  let running: RunningBroker | undefined;
  let admin: Admin | undefined;
  before(async () => {
    running = await startGroupBroker();
    for (const [topic, partitions] of Object.entries(options.topics ?? {})) await running.broker.topics.create(topic, partitions, new Map());
    if (options.admin) admin = await kafkaJsAdmin(running.bootstrap);
  });
  after(async () => {
    await admin?.disconnect();
    await running?.close();
  });
  return {
    get running(): RunningBroker {
      if (!running) throw new Error('the group broker starts in before()');
      return running;
    },
    get admin(): Admin {
      if (!admin) throw new Error(options.admin ? 'the admin connects in before()' : 'useGroupBroker({ admin: true }) for an admin');
      return admin;
    },
  };
}

/**
 * Send `count` records to `topic`, record `i` (value `${prefix}-${i}`) to
 * partition `i % partitions`, so partition p holds records p, p + partitions, ...
 * Sent in chunks of `chunk`, with `pauseMs` between chunks (records flowing).
 */
export async function produceSpread(
  bootstrap: string,
  topic: string,
  options: { partitions: number; count: number; prefix?: string; chunk?: number; pauseMs?: number; compression?: string; stop?: () => boolean },
): Promise<number> {
  const producer = new Kafka({ clientId: 'group-fixture-producer', brokers: [bootstrap], logLevel: logLevel.NOTHING }).producer({ lingerMs: 5 });
  await producer.connect();
  const prefix = options.prefix ?? topic;
  const chunk = options.chunk ?? 1000;
  let sent = 0;
  try {
    for (let start = 0; start < options.count; start += chunk) {
      if (options.stop?.()) break;
      const end = Math.min(options.count, start + chunk);
      const messages = [];
      for (let i = start; i < end; i++) messages.push({ partition: i % options.partitions, value: `${prefix}-${i}` });
      await producer.send({ topic, messages, ...(options.compression ? { compression: options.compression } : {}) });
      sent = end;
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  } finally {
    await producer.disconnect();
  }
  return sent;
}

/** One member of a stable group, as DescribeGroups reports it. */
export interface DescribedMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly partitions: readonly number[];
}

/**
 * Wait until `groupId` is Stable with `members` members whose assignments of
 * `topic` are disjoint and cover partitions 0..partitions-1; return them.
 *
 * @throws when the group does not get there within `ms`, naming the last state seen
 */
export async function stableAssignment(admin: Admin, groupId: string, topic: string, options: { members: number; partitions: number; ms?: number }): Promise<DescribedMember[]> {
  let last = 'nothing yet';
  try {
    return await eventually(
      `group ${groupId} Stable with ${options.members} members sharing ${options.partitions} partitions`,
      async () => {
        const group = (await admin.describeGroups([groupId])).groups[0];
        if (!group) return undefined;
        const members = group.members.map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          partitions: [...(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? [])].sort((a, b) => a - b),
        }));
        last = `${group.state} ${group.protocol} ${JSON.stringify(members.map((m) => [m.clientId, m.partitions]))}`;
        if (group.state !== 'Stable' || members.length !== options.members) return undefined;
        const all = members.flatMap((m) => m.partitions).sort((a, b) => a - b);
        if (all.length !== options.partitions || all.some((p, i) => p !== i)) return undefined;
        return members;
      },
      options.ms ?? 60_000,
      100,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen: ${last}`);
  }
}

/** A KafkaJS admin client on `bootstrap` (connected). */
export async function kafkaJsAdmin(bootstrap: string): Promise<Admin> {
  const { Kafka: KafkaJS, logLevel: kafkaJsLogLevel } = await import('kafkajs');
  const admin = new KafkaJS({ clientId: 'group-fixture-admin', brokers: [bootstrap], logLevel: kafkaJsLogLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } }).admin();
  await admin.connect();
  return admin;
}
