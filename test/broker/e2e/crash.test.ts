/**
 * Durability across kill -9: a broker in a child process with
 * `log.flush.interval.messages=1` (fsync before every acknowledgement) takes a
 * stream of acks=-1 sends from KafkaJS and is SIGKILLed mid-stream. Restarted
 * on the same data directory, it still has every acknowledged record at its
 * acknowledged offset, carries on from there, and still knows the group's
 * committed offsets.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerChild, startBrokerChild } from '../../support/broker-child.js';
import { eventually } from '../../support/eventually.js';

const TOPIC = 'crash';
const GROUP = 'crash-readers';
const PARTITIONS = 3;
/** Producers sending at once, each one send (one record) at a time. */
const STREAMS = 4;
const STREAM_MS = 1_000;

interface Acknowledged {
  readonly key: string;
  readonly value: string;
  readonly partition: number;
  readonly offset: number;
}

const kafkaFor = (bootstrap: string, clientId: string): Kafka =>
  // No retries, but a connection timeout a loaded machine cannot hit.
  new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 15_000 });

describe('kill -9 of a broker that fsyncs every write', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tskafka-crash-'));
  const children: BrokerChild[] = [];
  const start = async (): Promise<BrokerChild> => {
    const child = await startBrokerChild([
      '--override', 'listeners=PLAINTEXT://127.0.0.1:0',
      '--override', `log.dirs=${logDir}`,
      '--override', 'log.flush.interval.messages=1',
      '--override', `num.partitions=${PARTITIONS}`,
      '--log-level', 'warn',
    ]);
    children.push(child);
    return child;
  };
  after(async () => {
    for (const c of children) await c.stop('SIGKILL');
    rmSync(logDir, { recursive: true, force: true });
  });

  const acknowledged: Acknowledged[] = [];
  const attempted = new Map<string, string>();
  let committed: { partition: number; offset: string }[] = [];

  it('acknowledges a stream of acks=-1 sends until the broker is killed mid-stream', async () => {
    const broker = await start();
    const kafka = kafkaFor(broker.bootstrap, 'crash-before');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });

    let killed = false;
    const failures: string[] = [];
    const stream = async (s: number): Promise<void> => {
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      try {
        for (let i = 0; !killed; i++) {
          const key = `s${s}-k${i % 10}`;
          const value = `stream ${s} record ${i} ${'payload '.repeat(i % 20)}`;
          attempted.set(value, key);
          try {
            const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ key, value }] });
            // Acknowledged: the broker says it is on disk at this offset.
            acknowledged.push({ key, value, partition: meta!.partition, offset: Number(meta!.baseOffset) });
          } catch (e) {
            if (!killed) failures.push(String(e));
            return;
          }
        }
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
    };
    const streams = Array.from({ length: STREAMS }, (_, s) => stream(s));

    // A group member reads alongside the stream and commits as it goes; what it has
    // committed when it leaves (acknowledged commits) must survive the crash too.
    const reader = kafka.consumer({ groupId: GROUP, maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({ topics: [TOPIC], fromBeginning: true });
    let readerSaw = 0;
    await reader.run({ eachMessage: async () => void readerSaw++ });
    await sleep(STREAM_MS / 2);
    // A loaded machine may take longer than that to join the group and fetch.
    await eventually('the group member to read part of the stream', () => (readerSaw > 0 ? true : undefined), 30_000);
    await reader.disconnect();
    committed = (await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }))[0]!.partitions.map((p) => ({ partition: p.partition, offset: p.offset }));
    await admin.disconnect();
    assert.ok(readerSaw > 0, 'the group member read part of the stream');

    await sleep(STREAM_MS / 2);
    // The stream must be under way (50 acknowledged fsynced sends), however slow the machine.
    await eventually('50 acknowledged sends', () => (acknowledged.length >= 50 ? true : undefined), 60_000);
    // SIGKILL goes out synchronously, with sends in flight; their failures come after `killed` is set.
    const exited = broker.stop('SIGKILL');
    killed = true;
    const exit = await exited;
    await Promise.all(streams);

    assert.equal(exit.signal, 'SIGKILL');
    assert.deepEqual(failures, [], 'no send failed before the kill');
    assert.ok(acknowledged.length >= 50, `the stream was under way when the broker died (${acknowledged.length} acknowledged)`);
    assert.ok(committed.some((c) => Number(c.offset) > 0), 'the commit covered some records');
  });

  it('has every acknowledged record at its acknowledged offset after a restart, and carries on from the log end', async () => {
    const broker = await start();
    const kafka = kafkaFor(broker.bootstrap, 'crash-after');
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(TOPIC);
      const endOf = new Map(ends.map((p) => [p.partition, Number(p.high)]));
      for (const p of ends) assert.equal(p.low, '0', `partition ${p.partition}: log start offset`);

      // Read the whole log back with a fresh group.
      const read = new Map<string, { key: string; value: string }>();
      const consumer = kafka.consumer({ groupId: 'crash-verifier', maxWaitTimeInMs: 100 });
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ partition, message }) => {
            read.set(`${partition}@${message.offset}`, { key: message.key!.toString(), value: message.value!.toString() });
          },
        });
        const total = ends.reduce((sum, p) => sum + Number(p.high), 0);
        await eventually(`all ${total} records`, () => (read.size >= total ? true : undefined), 30_000);
      } finally {
        await consumer.disconnect();
      }

      for (const a of acknowledged) {
        assert.ok(a.offset < endOf.get(a.partition)!, `acknowledged ${a.partition}@${a.offset} is below the log end offset ${endOf.get(a.partition)}`);
        assert.deepEqual(read.get(`${a.partition}@${a.offset}`), { key: a.key, value: a.value }, `acknowledged record at ${a.partition}@${a.offset}`);
      }
      // Anything else in the log is a record that was sent (in flight at the kill), each stored once.
      const values = [...read.values()].map((r) => r.value);
      assert.equal(new Set(values).size, values.length, 'no record stored twice');
      for (const r of read.values()) assert.equal(attempted.get(r.value), r.key, `stored record ${r.value} was sent with this key`);
      assert.ok(read.size - acknowledged.length <= STREAMS, `at most one unacknowledged record per stream (${read.size - acknowledged.length})`);

      // The committed offsets survived.
      const fetched = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
      assert.deepEqual(
        fetched[0]!.partitions.map((p) => ({ partition: p.partition, offset: p.offset })).sort((a, b) => a.partition - b.partition),
        [...committed].sort((a, b) => a.partition - b.partition),
      );

      // The log carries on where it ended.
      const producer = kafka.producer();
      await producer.connect();
      try {
        for (let partition = 0; partition < PARTITIONS; partition++) {
          const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition, key: 'after', value: 'after the restart' }] });
          assert.equal(Number(meta!.baseOffset), endOf.get(partition), `partition ${partition}: the next offset`);
        }
      } finally {
        await producer.disconnect();
      }
    } finally {
      await admin.disconnect();
    }
    const exit = await broker.stop('SIGTERM');
    assert.equal(exit.code, 0, broker.output());
  });
});
