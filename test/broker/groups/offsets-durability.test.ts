/**
 * Committed offsets and groups are durable when the broker has a log
 * directory: they survive a clean restart, a kill -9, and a torn last record.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  DeleteGroupsRequest,
  DeleteGroupsResponse,
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  ListGroupsRequest,
  ListGroupsResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  SyncGroupRequest,
  SyncGroupResponse,
} from '../../../src/protocol/generated/index.js';
import { ConsumerOffsetsLog } from '../../../src/broker/groups/consumer-offsets-log.js';
import { type BrokerLogger } from '../../../src/broker/logger.js';
import { startBroker } from '../../../src/broker/server.js';
import { RawClient } from './raw-client.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'tskafka-offsets-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const logFile = (logDir: string): string => join(logDir, '__consumer_offsets', 'consumer-offsets.log');

const commit = (c: RawClient, groupId: string, topic: string, partition: number, offset: number, metadata: string | null = null) =>
  c.send(OffsetCommitRequest, OffsetCommitResponse, 8, { groupId, generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: topic, partitions: [{ partitionIndex: partition, committedOffset: offset, committedMetadata: metadata }] }] });

const fetchOffsets = async (c: RawClient, groupId: string, topic: string, partitions: number[]): Promise<[number, bigint, string | null][]> => {
  const r = await c.send(OffsetFetchRequest, OffsetFetchResponse, 6, { groupId, topics: [{ name: topic, partitionIndexes: partitions }] });
  return r.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata]);
};

describe('durable committed offsets', () => {
  it('keeps committed offsets, groups and deletions across a broker restart on the same log directory', async () => {
    const logDir = tempDir();
    const properties = { 'log.dirs': logDir, 'group.min.session.timeout.ms': 100 };
    let broker = await startBroker({ port: 0, logLevel: 'error', properties });
    let c = await RawClient.connect(broker.port);
    try {
      await broker.broker.topics.create('orders', 2, new Map());
      await commit(c, 'simple', 'orders', 0, 10, 'first');
      await commit(c, 'simple', 'orders', 0, 15, 'second');
      await commit(c, 'simple', 'orders', 1, 3);
      await commit(c, 'doomed', 'orders', 0, 99);
      const del = await c.send(DeleteGroupsRequest, DeleteGroupsResponse, 2, { groupsNames: ['doomed'] });
      assert.equal(del.results[0]!.errorCode, ErrorCode.NONE);
      // A consumer group with a member and an assignment.
      const j = await c.send(JoinGroupRequest, JoinGroupResponse, 3, { groupId: 'consumers', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 5_000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('sub') }] });
      await c.send(SyncGroupRequest, SyncGroupResponse, 3, { groupId: 'consumers', generationId: j.generationId, memberId: j.memberId, assignments: [{ memberId: j.memberId, assignment: Buffer.from('orders-0,1') }] });
      const memberCommit = await c.send(OffsetCommitRequest, OffsetCommitResponse, 8, { groupId: 'consumers', generationIdOrMemberEpoch: j.generationId, memberId: j.memberId, topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 77, committedLeaderEpoch: 0, committedMetadata: null }] }] });
      assert.equal(memberCommit.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
      c.close();
      await broker.close();

      broker = await startBroker({ port: 0, logLevel: 'error', properties });
      c = await RawClient.connect(broker.port);
      assert.deepEqual(await fetchOffsets(c, 'simple', 'orders', [0, 1]), [
        [0, 15n, 'second'],
        [1, 3n, ''],
      ]);
      assert.deepEqual(await fetchOffsets(c, 'doomed', 'orders', [0]), [[0, -1n, '']], 'a deleted group stays deleted');
      assert.deepEqual(await fetchOffsets(c, 'consumers', 'orders', [1]), [[1, 77n, '']]);
      const listed = await c.send(ListGroupsRequest, ListGroupsResponse, 4, {});
      assert.deepEqual(
        listed.groups.map((g) => [g.groupId, g.protocolType, g.groupState]).sort(),
        [
          ['consumers', 'consumer', 'Stable'],
          ['simple', '', 'Empty'],
        ],
      );
      // The group comes back as Kafka loads it: Stable, same generation, same member and assignment.
      const described = await c.send(DescribeGroupsRequest, DescribeGroupsResponse, 5, { groups: ['consumers'] });
      const g = described.groups[0]!;
      assert.equal(g.protocolData, 'range');
      assert.deepEqual(
        g.members.map((m) => [m.memberId, m.memberAssignment.toString(), m.memberMetadata.toString()]),
        [[j.memberId, 'orders-0,1', 'sub']],
      );
      assert.equal(broker.broker.groups.group('consumers')!.generationId, j.generationId);
    } finally {
      c.close();
      await broker.close();
    }
  });

  it('keeps every acknowledged commit after kill -9, and drops a torn last record', async () => {
    const logDir = tempDir();
    const server = fileURLToPath(new URL('../../../src/broker/server.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { startBroker } from ${JSON.stringify(server)};
         const b = await startBroker({ port: 0, logLevel: 'error', properties: { 'log.dirs': ${JSON.stringify(logDir)} } });
         await b.broker.topics.create('orders', 1, new Map());
         process.stdout.write(JSON.stringify({ port: b.port }) + '\\n');`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      const { port } = JSON.parse(line) as { port: number };
      // Five connections commit at once, so appends share fsyncs; each answer still means "on disk".
      const clients = await Promise.all(Array.from({ length: 5 }, () => RawClient.connect(port)));
      await Promise.all(
        clients.map(async (c, g) => {
          for (let i = g; i < 50; i += 5) assert.equal((await commit(c, `group-${g}`, 'orders', 0, i)).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
        }),
      );
      const last = await commit(clients[0]!, 'group-0', 'orders', 0, 1_000, 'last');
      assert.equal(last.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
      child.kill('SIGKILL');
      await once(child, 'exit');
      for (const c of clients) c.close();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    // What a crash in the middle of an append leaves behind.
    appendFileSync(logFile(logDir), '1234abcd {"type":"offset","groupId":"group-0","topic":"ord');

    const broker = await startBroker({ port: 0, logLevel: 'nothing', properties: { 'log.dirs': logDir } });
    const c = await RawClient.connect(broker.port);
    try {
      assert.deepEqual(await fetchOffsets(c, 'group-0', 'orders', [0]), [[0, 1_000n, 'last']]);
      for (let g = 1; g < 5; g++) assert.deepEqual(await fetchOffsets(c, `group-${g}`, 'orders', [0]), [[0, BigInt(45 + g), '']]);
      const lines = readFileSync(logFile(logDir), 'utf8').split('\n');
      assert.equal(lines.pop(), '', 'the torn tail is gone: the log ends with a whole record');
      assert.equal(lines.length, 5, 'compacted on open: one record per group and partition');
    } finally {
      c.close();
      await broker.close();
    }
  });
});

describe('ConsumerOffsetsLog', () => {
  const warnings: string[] = [];
  const logger: BrokerLogger = { debug: () => {}, info: () => {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  const offset = (groupId: string, partition: number, value: number | null) =>
    ({ type: 'offset', groupId, topic: 't', partition, value: value === null ? null : { offset: BigInt(value), leaderEpoch: -1, metadata: '', commitTimestamp: 1, expireTimestamp: null } }) as const;

  it('replays the latest record per key, applies tombstones, and skips records whose checksum fails', async () => {
    const dir = tempDir();
    const first = await ConsumerOffsetsLog.open(dir, logger);
    assert.deepEqual(first.records, []);
    await first.log.append([offset('a', 0, 1), offset('a', 1, 1), offset('b', 0, 1)]);
    await first.log.append([offset('a', 0, 2), offset('b', 0, null)]);
    await first.log.append([{ type: 'group', groupId: 'a', value: { protocolType: 'consumer', protocolName: 'range', generationId: 3, leaderId: 'm', stateTimestamp: 5, members: [{ memberId: 'm', groupInstanceId: null, clientId: 'c', clientHost: '/h', rebalanceTimeoutMs: 1, sessionTimeoutMs: 2, metadata: Buffer.from([1, 2]), assignment: Buffer.from([3]) }] } }]);
    await first.log.close();

    // Flip a byte inside the record for partition a-1: its checksum no longer holds.
    const file = join(dir, 'consumer-offsets.log');
    const text = readFileSync(file, 'utf8');
    const damaged = text.replace(/("partition":1,"value":\{"offset":")1/, '$19');
    assert.notEqual(damaged, text);
    writeFileSync(file, damaged);

    warnings.length = 0;
    const second = await ConsumerOffsetsLog.open(dir, logger);
    await second.log.close();
    const offsets = second.records.filter((r) => r.type === 'offset').map((r) => [r.groupId, r.type === 'offset' && r.partition, r.value && 'offset' in r.value ? r.value.offset : null]);
    assert.deepEqual(offsets, [['a', 0, 2n]]);
    const group = second.records.find((r) => r.type === 'group');
    assert.equal(group?.value && 'members' in group.value ? group.value.members[0]!.metadata.toString('hex') : '', '0102');
    assert.ok(warnings.some((w) => /corrupt/.test(w)));
  });

  it('does not strand a record appended just as the previous flush finishes', async () => {
    const dir = tempDir();
    const { log } = await ConsumerOffsetsLog.open(dir, logger);
    // Each append is queued from the continuation of the previous one, i.e. while its flush loop is ending.
    for (let i = 0; i < 20; i++) await log.append([offset('a', 0, i)]);
    await log.close();
    const reopened = await ConsumerOffsetsLog.open(dir, logger);
    await reopened.log.close();
    assert.deepEqual(
      reopened.records.map((r) => (r.value && 'offset' in r.value ? r.value.offset : null)),
      [19n],
    );
  });

  it('compacts itself while running once superseded records pile up', async () => {
    const dir = tempDir();
    const { log } = await ConsumerOffsetsLog.open(dir, logger);
    await log.append(Array.from({ length: 10_000 }, (_, i) => offset('a', 0, i)));
    await log.append([offset('a', 1, 1)]);
    await log.close();
    const lines = readFileSync(join(dir, 'consumer-offsets.log'), 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /"offset":"9999"/);
  });

  it('keeps nothing on disk without a directory', async () => {
    const { log, records } = await ConsumerOffsetsLog.open(null, logger);
    await log.append([offset('a', 0, 1)]);
    await log.close();
    assert.deepEqual(records, []);
  });
});
