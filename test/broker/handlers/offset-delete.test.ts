/**
 * OffsetDelete v0 (KIP-496) on the wire, with KafkaJS 2.2.4 committing offsets,
 * running a consumer of the group and reading offsets back: per-partition and
 * group errors as Kafka answers them, the emptied group removed, the deletion
 * durable across a restart, and the group ACL checked first.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { OffsetDeleteRequest } from '../../../src/protocol/generated/offset-delete-request.js';
import { OffsetDeleteResponse } from '../../../src/protocol/generated/offset-delete-response.js';
import { eventually } from '../../support/eventually.js';
import { RawClient } from '../groups/raw-client.js';

const PROPERTIES = { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 };

const offsetDelete = (c: RawClient, groupId: string, topics: Record<string, number[]>) =>
  c.send(OffsetDeleteRequest, OffsetDeleteResponse, 0, { groupId, topics: Object.entries(topics).map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex })) })) });

/** Each partition's error code, as `topic/partition: code`. */
const codes = (r: OffsetDeleteResponse): string[] => r.topics.flatMap((t) => t.partitions.map((p) => `${t.name}/${p.partitionIndex}: ${p.errorCode}`));

describe('OffsetDelete', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  const setUp = async (properties: Record<string, string | number> = {}, inMemory = true): Promise<{ broker: RunningBroker; kafka: Kafka; raw: RawClient }> => {
    const broker = await startBroker({ inMemory, port: 0, logLevel: 'nothing', properties: { ...PROPERTIES, ...properties } });
    const raw = await RawClient.connect(broker.port);
    cleanups.push(() => broker.close(), () => raw.close());
    return { broker, kafka: new Kafka({ clientId: 'offset-delete-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }), raw };
  };

  it('deletes committed offsets of an Empty group: KafkaJS then reads -1 there, the rest stays', async () => {
    const { kafka, raw } = await setUp();
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic: 'a', numPartitions: 2 }, { topic: 'b', numPartitions: 1 }] });
    await admin.setOffsets({ groupId: 'g', topic: 'a', partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '6' }] });
    await admin.setOffsets({ groupId: 'g', topic: 'b', partitions: [{ partition: 0, offset: '7' }] });

    const response = await offsetDelete(raw, 'g', { a: [0], b: [3], missing: [0] });
    assert.equal(response.errorCode, ErrorCode.NONE);
    assert.deepEqual(codes(response), [`a/0: ${ErrorCode.NONE}`, `b/3: ${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`, `missing/0: ${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`]);
    const offsets = await admin.fetchOffsets({ groupId: 'g', topics: ['a', 'b'] });
    assert.deepEqual(
      offsets.map((t) => [t.topic, [...t.partitions].sort((x, y) => x.partition - y.partition).map((p) => p.offset)]),
      [['a', ['-1', '6']], ['b', ['7']]],
    );
    assert.deepEqual(codes(await offsetDelete(raw, 'g', { a: [0] })), [`a/0: ${ErrorCode.NONE}`], 'nothing committed there any more: still NONE');
  });

  it('removes a group left without offsets, as offset expiry does', async () => {
    const { kafka, raw } = await setUp();
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic: 't' }] });
    await admin.setOffsets({ groupId: 'short-lived', topic: 't', partitions: [{ partition: 0, offset: '1' }] });
    assert.ok((await admin.listGroups()).groups.some((g) => g.groupId === 'short-lived'));
    assert.equal((await offsetDelete(raw, 'short-lived', { t: [0] })).errorCode, ErrorCode.NONE);
    assert.ok(!(await admin.listGroups()).groups.some((g) => g.groupId === 'short-lived'));
    const gone = await offsetDelete(raw, 'short-lived', { t: [0] });
    assert.deepEqual([gone.errorCode, gone.topics], [ErrorCode.GROUP_ID_NOT_FOUND, []]);
  });

  it('answers GROUP_ID_NOT_FOUND for an unknown group, with no topics', async () => {
    const { raw } = await setUp();
    const response = await offsetDelete(raw, 'nobody', { t: [0] });
    assert.deepEqual([response.errorCode, response.topics], [ErrorCode.GROUP_ID_NOT_FOUND, []]);
  });

  it('refuses GROUP_SUBSCRIBED_TO_TOPIC for the topics a running KafkaJS consumer of the group subscribes to, and deletes the others', async () => {
    const { kafka, raw } = await setUp();
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic: 'consumed' }, { topic: 'abandoned' }] });
    await admin.setOffsets({ groupId: 'live', topic: 'abandoned', partitions: [{ partition: 0, offset: '3' }] });
    const consumer = kafka.consumer({ groupId: 'live', sessionTimeout: 10_000, heartbeatInterval: 500 });
    cleanups.push(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topics: ['consumed'] });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => void (joined = true));
    await consumer.run({ eachMessage: async () => undefined });
    await eventually('the consumer to join', () => (joined ? true : undefined), 60_000);

    const response = await offsetDelete(raw, 'live', { consumed: [0], abandoned: [0] });
    assert.equal(response.errorCode, ErrorCode.NONE);
    assert.deepEqual(codes(response), [`consumed/0: ${ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC}`, `abandoned/0: ${ErrorCode.NONE}`]);
    assert.equal((await admin.fetchOffsets({ groupId: 'live', topics: ['abandoned'] }))[0]!.partitions[0]!.offset, '-1');
  });

  it('keeps the deletion across a restart on the same log directory', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'tskafka-offset-delete-'));
    cleanups.push(() => rmSync(logDir, { recursive: true, force: true }));
    const properties = { 'log.dirs': logDir };
    let broker = await startBroker({ port: 0, logLevel: 'nothing', properties: { ...PROPERTIES, ...properties } });
    const kafkaOn = (b: RunningBroker) => new Kafka({ clientId: 'offset-delete-restart', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    let admin = kafkaOn(broker).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kept', numPartitions: 2 }] });
    await admin.setOffsets({ groupId: 'durable', topic: 'kept', partitions: [{ partition: 0, offset: '1' }, { partition: 1, offset: '2' }] });
    const raw = await RawClient.connect(broker.port);
    assert.deepEqual(codes(await offsetDelete(raw, 'durable', { kept: [0] })), [`kept/0: ${ErrorCode.NONE}`]);
    raw.close();
    await admin.disconnect();
    await broker.close();

    broker = await startBroker({ port: 0, logLevel: 'nothing', properties: { ...PROPERTIES, ...properties } });
    cleanups.push(() => broker.close());
    admin = kafkaOn(broker).admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const offsets = (await admin.fetchOffsets({ groupId: 'durable', topics: ['kept'] }))[0]!.partitions;
    assert.deepEqual([...offsets].sort((x, y) => x.partition - y.partition).map((p) => p.offset), ['-1', '2']);
  });

  it('answers GROUP_AUTHORIZATION_FAILED, with no topics, to a principal without DELETE on the group', async () => {
    const { raw } = await setUp({ 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' });
    const response = await offsetDelete(raw, 'g', { t: [0] });
    assert.deepEqual([response.errorCode, response.topics], [ErrorCode.GROUP_AUTHORIZATION_FAILED, []]);
  });
});
