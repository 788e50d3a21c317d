/**
 * End to end with KafkaJS, a client nobody here wrote, on every side: an
 * idempotent GZIP producer writes 10,000 keyed messages over three partitions,
 * a two-member consumer group reads them back while a rebalance moves
 * partitions between its members, and the admin client creates, inspects and
 * deletes the topic.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Admin, type Consumer, CompressionTypes, Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { murmur2Partition } from '../../../src/protocol/murmur2.js';
import { CompressionCodec } from '../../../src/protocol/records/compression.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { eventually } from '../../support/eventually.js';

const TOPIC = 'roundtrip';
const GROUP = 'roundtrip-readers';
const PARTITIONS = 3;
const TOTAL = 10_000;
const KEYS = 1_000;
const PER_SEND = 500;

interface Seen {
  readonly consumer: string;
  readonly partition: number;
  readonly offset: number;
  readonly message: KafkaMessage;
}

describe('KafkaJS producer, consumer group and admin against the broker', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  let admin: Admin;

  before(async () => {
    broker = await startBroker({ inMemory: true, port: 0, logLevel: 'error', properties: { 'auto.create.topics.enable': false } });
    kafka = new Kafka({ clientId: 'e2e-roundtrip', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
    admin = kafka.admin();
    await admin.connect();
  });
  after(async () => {
    await admin.disconnect();
    await broker.close();
  });

  it('creates the topic once and refuses to create it again', async () => {
    assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true }), true);
    assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] }), false, 'KafkaJS answers false for a topic that exists');
    const metadata = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    assert.deepEqual(
      metadata.topics[0]!.partitions.map((p) => [p.partitionId, p.leader]).sort(),
      [0, 1, 2].map((p) => [p, broker.config.nodeId]),
    );
  });

  it('refuses to create more than 10,000 partitions in one request, as Kafka does (KAFKA-17870, KAFKA-19673)', async () => {
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'too-big', numPartitions: 6_000 }, { topic: 'too-big-2', numPartitions: 4_001 }] }), (e: Error & { errors?: { type: string }[] }) => {
      assert.deepEqual(
        e.errors?.map((x) => x.type),
        ['POLICY_VIOLATION', 'POLICY_VIOLATION'],
      );
      return true;
    });
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: TOPIC, count: 10_004 }] }), (e: Error & { type?: string }) => e.type === 'POLICY_VIOLATION');
    assert.equal(broker.broker.topics.get('too-big'), undefined);
    assert.equal(broker.broker.topics.get(TOPIC)!.partitions.length, PARTITIONS);
  });

  it('takes 10,000 idempotent GZIP messages and acknowledges contiguous offsets per partition', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const nextOffset = new Map<number, number>();
    try {
      for (let start = 0; start < TOTAL; start += PER_SEND) {
        const messages = Array.from({ length: PER_SEND }, (_, j) => {
          const seq = start + j;
          const key = `k${seq % KEYS}`;
          return {
            key,
            value: JSON.stringify({ seq, key, perKey: Math.floor(seq / KEYS), pad: 'x'.repeat(seq % 50) }),
            headers: { seq: String(seq), origin: 'e2e', bin: Buffer.from([seq & 0xff, 0, 0xff]) },
          };
        });
        const metadata = await producer.send({ topic: TOPIC, acks: -1, compression: CompressionTypes.GZIP, messages });
        assert.equal(metadata.length, PARTITIONS, 'every send reaches every partition');
        for (const m of metadata) {
          assert.equal(m.errorCode, 0);
          // Each send lands as one batch per partition, right after the previous one.
          assert.equal(Number(m.baseOffset), nextOffset.get(m.partition) ?? 0, `partition ${m.partition}: base offset`);
          const sent = messages.filter((msg) => murmur2Partition(msg.key, PARTITIONS) === m.partition).length;
          nextOffset.set(m.partition, Number(m.baseOffset) + sent);
        }
      }
    } finally {
      await producer.disconnect();
    }
    const offsets = await admin.fetchTopicOffsets(TOPIC);
    assert.equal(offsets.length, PARTITIONS);
    assert.equal(
      offsets.reduce((sum, p) => sum + Number(p.high), 0),
      TOTAL,
    );
    for (const p of offsets) {
      assert.equal(p.low, '0');
      assert.equal(Number(p.high), nextOffset.get(p.partition), `partition ${p.partition}: end offset`);
      assert.ok(Number(p.high) > TOTAL / PARTITIONS / 2, `keys spread over the partitions (partition ${p.partition} has ${p.high})`);
    }
    // Stored as sent: GZIP batches carrying the idempotent producer's id and sequences.
    for (const partition of broker.broker.topics.get(TOPIC)!.partitions) {
      let expectedSequence = 0;
      let producerId: number | undefined;
      for await (const batch of partition.log.batches()) {
        assert.equal(batch.compression, CompressionCodec.GZIP);
        assert.ok(batch.producerId >= 0);
        producerId ??= batch.producerId;
        assert.equal(batch.producerId, producerId, 'one producer id');
        assert.equal(batch.baseSequence, expectedSequence, 'sequences without gaps');
        expectedSequence += batch.recordCount;
      }
      assert.equal(expectedSequence, nextOffset.get(partition.index));
    }
  });

  it('delivers every message exactly once, in order, to a group whose second member joins mid-stream', async () => {
    const seen: Seen[] = [];
    const joins: { consumer: string; partitions: number[] }[] = [];
    const consumers: Consumer[] = [];
    const start = async (name: string, slow: boolean): Promise<void> => {
      const consumer = kafka.consumer({ groupId: GROUP, heartbeatInterval: 100, sessionTimeout: 10_000, rebalanceTimeout: 10_000, maxWaitTimeInMs: 100, maxBytesPerPartition: 32 * 1024 });
      consumer.on(consumer.events.GROUP_JOIN, (e) => joins.push({ consumer: name, partitions: [...(e.payload.memberAssignment[TOPIC] ?? [])].sort() }));
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          seen.push({ consumer: name, partition, offset: Number(message.offset), message });
          // The first member reads slowly, and ten times more slowly until the second has joined
          // (9,000 messages then take 9 s at least), so the second joins while there is work left
          // to hand over however slow the machine is.
          if (slow && seen.length % (joins.some((j) => j.consumer === 'second') ? 100 : 10) === 0) await sleep(10);
        },
      });
    };
    try {
      await start('first', true);
      await eventually('the first member to start reading', () => (seen.length >= 1_000 ? true : undefined), 30_000);
      await start('second', false);
      await eventually(`all ${TOTAL} messages (have ${seen.length})`, () => (seen.length >= TOTAL ? true : undefined), 60_000);
      // Whatever is still in flight would show up as a duplicate.
      await sleep(300);

      assert.equal(seen.length, TOTAL, 'no message delivered twice');
      assert.ok(
        joins.some((j) => j.consumer === 'second' && j.partitions.length > 0),
        `the second member was given partitions: ${JSON.stringify(joins)}`,
      );
      assert.ok(
        joins.some((j) => j.consumer === 'first' && j.partitions.length === PARTITIONS),
        `the first member held every partition before the rebalance: ${JSON.stringify(joins)}`,
      );
      assert.ok(seen.some((s) => s.consumer === 'second'), 'the second member read some of the stream');

      const ends = new Map((await admin.fetchTopicOffsets(TOPIC)).map((p) => [p.partition, Number(p.high)]));
      const lastSeqOfKey = new Map<string, number>();
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const inPartition = seen.filter((s) => s.partition === partition);
        // Offsets 0..end-1, each once, in delivery order, across both members.
        assert.deepEqual(
          inPartition.map((s) => s.offset),
          Array.from({ length: ends.get(partition)! }, (_, i) => i),
          `partition ${partition}: offsets`,
        );
        for (const { message } of inPartition) {
          const key = message.key!.toString();
          const value = JSON.parse(message.value!.toString()) as { seq: number; key: string; perKey: number; pad: string };
          assert.equal(value.key, key);
          assert.equal(key, `k${value.seq % KEYS}`);
          assert.equal(value.perKey, Math.floor(value.seq / KEYS));
          assert.equal(value.pad, 'x'.repeat(value.seq % 50));
          assert.ok((lastSeqOfKey.get(key) ?? -1) < value.seq, `key ${key}: sequence ${value.seq} after ${lastSeqOfKey.get(key)}`);
          lastSeqOfKey.set(key, value.seq);
          assert.equal(message.headers!['seq']!.toString(), String(value.seq));
          assert.equal(message.headers!['origin']!.toString(), 'e2e');
          assert.deepEqual([...(message.headers!['bin'] as Buffer)], [value.seq & 0xff, 0, 0xff]);
        }
      }
      assert.equal(lastSeqOfKey.size, KEYS);
      assert.deepEqual(
        seen.map((s) => (JSON.parse(s.message.value!.toString()) as { seq: number }).seq).sort((a, b) => a - b),
        Array.from({ length: TOTAL }, (_, i) => i),
        'every sequence number once',
      );
    } finally {
      for (const c of consumers) await c.disconnect();
    }
  });

  it('reports the group’s committed offsets at the end offsets once it has read everything', async () => {
    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const ends = await admin.fetchTopicOffsets(TOPIC);
    assert.deepEqual(
      committed[0]!.partitions.map((p) => [p.partition, p.offset]).sort(),
      ends.map((p) => [p.partition, p.high]).sort(),
    );
    const group = (await admin.describeGroups([GROUP])).groups[0]!;
    assert.equal(group.state, 'Empty', 'both members left on disconnect');
  });

  it('deletes the topic', async () => {
    await admin.deleteTopics({ topics: [TOPIC], timeout: 5_000 });
    assert.ok(!(await admin.listTopics()).includes(TOPIC));
    assert.equal(broker.broker.topics.get(TOPIC), undefined);
    const metadata = await admin.fetchTopicMetadata({ topics: [] });
    assert.ok(!metadata.topics.some((t) => t.name === TOPIC), 'gone from Metadata');
    await assert.rejects(admin.fetchTopicOffsets(TOPIC), /does not host this topic-partition/);
  });
});
