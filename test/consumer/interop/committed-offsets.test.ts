/**
 * Committed offsets cross clients both ways, since a group's committed
 * offsets are the hand-over point when an application changes client:
 *
 * - what a tskafka consumer commits (auto-commit after processing, and an
 *   explicit commitOffsets with metadata) KafkaJS's admin reads exactly, a
 *   KafkaJS consumer in the same group resumes exactly there, and so does
 *   kcat (`kcat -G`, librdkafka's KafkaConsumer);
 * - what KafkaJS commits, and what kcat commits, a tskafka consumer resumes
 *   exactly after: its first record on each partition is the committed offset.
 *
 * Every consumer that should resume runs with reset-to-earliest, so a commit
 * that was not read shows as a restart from offset 0.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kafka as KafkaJS, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { logLevel } from '../../../src/client/logger.js';
import { Kafka } from '../../../src/kafka.js';
import { eventually } from '../../support/eventually.js';
import { produceSpread, useGroupBroker } from '../../support/group-fixture.js';
import { runKcat, skipWithoutKcat } from '../../support/kcat.js';
import { within } from '../../support/within.js';

const PARTITIONS = 3;
/** Records per partition in each round of production. */
const PER_PARTITION = 100;

type Offsets = Map<number, number>;

describe('committed offsets shared between tskafka, KafkaJS and kcat', () => {
  const fixture = useGroupBroker({ admin: true });

  const committedByKafkaJS = async (groupId: string, topic: string): Promise<{ offsets: Offsets; metadata: Map<number, string | null> }> => {
    const [fetched] = await fixture.admin.fetchOffsets({ groupId, topics: [topic] });
    return {
      offsets: new Map(fetched!.partitions.map((p) => [p.partition, Number(p.offset)])),
      metadata: new Map(fetched!.partitions.map((p) => [p.partition, p.metadata])),
    };
  };

  /** A tskafka consumer of the group: each partition's records as it saw them, until `until` holds; then it disconnects (committing if autoCommit). */
  const consumeWithTskafka = async (
    groupId: string,
    topic: string,
    options: { until: (seen: Map<number, number[]>, joined: boolean) => boolean; autoCommit?: boolean; commit?: { partition: number; offset: number; metadata: string }[] },
  ): Promise<Map<number, number[]>> => {
    const consumer = new Kafka({ clientId: 'tskafka-offsets', brokers: [fixture.running.bootstrap], logLevel: logLevel.NOTHING }).consumer({ groupId, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
    const seen = new Map<number, number[]>(Array.from({ length: PARTITIONS }, (_, p) => [p, []]));
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => void (joined = true));
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: options.autoCommit ?? true,
        autoCommitInterval: 100,
        eachMessage: async ({ partition, message }) => void seen.get(partition)!.push(Number(message.offset)),
      });
      await eventually(`tskafka to consume ${topic}`, () => (options.until(seen, joined) ? true : undefined), 30_000);
      if (options.commit) await consumer.commitOffsets(options.commit.map((c) => ({ topic, partition: c.partition, offset: String(c.offset), metadata: c.metadata })));
    } finally {
      await within('tskafka disconnect', consumer.disconnect(), 30_000);
    }
    return seen;
  };

  const first = (seen: Map<number, number[]>): Offsets => new Map([...seen].map(([p, offsets]) => [p, offsets[0] ?? -1]));
  const through = (end: number) => (seen: Map<number, number[]>) => [...seen.values()].every((o) => o.at(-1) === end - 1);

  it('tskafka’s commits are read exactly by KafkaJS’s fixture.admin, and a KafkaJS consumer of the group resumes exactly at them', { timeout: 90_000 }, async () => {
    const topic = 'offsets-to-kafkajs';
    const groupId = 'offsets-to-kafkajs-group';
    await fixture.running.broker.topics.create(topic, PARTITIONS, new Map());
    await produceSpread(fixture.running.bootstrap, topic, { partitions: PARTITIONS, count: PARTITIONS * PER_PARTITION });

    // Auto-commit after processing: the commit is one past the last record processed.
    const seen = await consumeWithTskafka(groupId, topic, { until: through(PER_PARTITION) });
    const auto = await committedByKafkaJS(groupId, topic);
    assert.deepEqual([...auto.offsets].sort(), [...seen].map(([p, o]) => [p, o.at(-1)! + 1]).sort(), 'the auto-commit covers exactly what was processed');

    // An explicit commit, back into the log, with metadata.
    const target = new Map([
      [0, 37],
      [1, 50],
      [2, 64],
    ]);
    await consumeWithTskafka(groupId, topic, {
      autoCommit: false,
      until: (_, joined) => joined,
      commit: [...target].map(([partition, offset]) => ({ partition, offset, metadata: `tskafka-${partition}` })),
    });
    const manual = await committedByKafkaJS(groupId, topic);
    assert.deepEqual([...manual.offsets].sort(), [...target].sort());
    assert.deepEqual([...manual.metadata].sort(), [...target.keys()].map((p) => [p, `tskafka-${p}`]).sort(), 'commit metadata as given');

    // A KafkaJS consumer of the group starts exactly there.
    const kafkajs = new KafkaJS({ clientId: 'kafkajs-offsets', brokers: [fixture.running.bootstrap], logLevel: kafkaJsLogLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } }).consumer({ groupId, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
    const kafkajsSeen = new Map<number, number[]>(Array.from({ length: PARTITIONS }, (_, p) => [p, []]));
    await kafkajs.connect();
    try {
      await kafkajs.subscribe({ topics: [topic], fromBeginning: true });
      await kafkajs.run({ eachMessage: async ({ partition, message }) => void kafkajsSeen.get(partition)!.push(Number(message.offset)) });
      await eventually('KafkaJS to consume to the end', () => (through(PER_PARTITION)(kafkajsSeen) ? true : undefined), 30_000);
    } finally {
      await kafkajs.disconnect();
    }
    assert.deepEqual([...first(kafkajsSeen)].sort(), [...target].sort(), 'KafkaJS resumed at the offsets tskafka committed');
  });

  it('KafkaJS’s commits are resumed exactly by a tskafka consumer of the group', { timeout: 90_000 }, async () => {
    const topic = 'offsets-from-kafkajs';
    const groupId = 'offsets-from-kafkajs-group';
    await fixture.running.broker.topics.create(topic, PARTITIONS, new Map());
    await produceSpread(fixture.running.bootstrap, topic, { partitions: PARTITIONS, count: PARTITIONS * PER_PARTITION });
    const target = new Map([
      [0, 61],
      [1, 72],
      [2, 83],
    ]);
    // KafkaJS reads everything, commits chosen offsets itself and leaves without an auto-commit.
    const kafkajs = new KafkaJS({ clientId: 'kafkajs-offsets', brokers: [fixture.running.bootstrap], logLevel: kafkaJsLogLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } }).consumer({ groupId, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
    const kafkajsSeen = new Map<number, number[]>(Array.from({ length: PARTITIONS }, (_, p) => [p, []]));
    await kafkajs.connect();
    try {
      await kafkajs.subscribe({ topics: [topic], fromBeginning: true });
      await kafkajs.run({ autoCommit: false, eachMessage: async ({ partition, message }) => void kafkajsSeen.get(partition)!.push(Number(message.offset)) });
      await eventually('KafkaJS to consume to the end', () => (through(PER_PARTITION)(kafkajsSeen) ? true : undefined), 30_000);
      await kafkajs.commitOffsets([...target].map(([partition, offset]) => ({ topic, partition, offset: String(offset) })));
    } finally {
      await kafkajs.disconnect();
    }
    assert.deepEqual([...(await committedByKafkaJS(groupId, topic)).offsets].sort(), [...target].sort(), 'KafkaJS committed what it was told');

    const seen = await consumeWithTskafka(groupId, topic, { until: through(PER_PARTITION) });
    assert.deepEqual([...first(seen)].sort(), [...target].sort(), 'tskafka resumed exactly at KafkaJS’s commits');
    for (const [p, offsets] of seen) assert.deepEqual(offsets, Array.from({ length: PER_PARTITION - target.get(p)! }, (_, i) => target.get(p)! + i), `partition ${p}: every record after the commit, once, in order`);
  });

  it('kcat (`-G`) resumes at tskafka’s commits, and tskafka resumes after kcat’s', { timeout: 120_000, skip: skipWithoutKcat }, async () => {
    const topic = 'offsets-kcat';
    const groupId = 'offsets-kcat-group';
    await fixture.running.broker.topics.create(topic, PARTITIONS, new Map());
    await produceSpread(fixture.running.bootstrap, topic, { partitions: PARTITIONS, count: PARTITIONS * PER_PARTITION });
    const target = new Map([
      [0, 25],
      [1, 45],
      [2, 65],
    ]);
    await consumeWithTskafka(groupId, topic, { autoCommit: false, until: through(PER_PARTITION), commit: [...target].map(([partition, offset]) => ({ partition, offset, metadata: '' })) });
    assert.deepEqual([...(await committedByKafkaJS(groupId, topic)).offsets].sort(), [...target].sort());

    // kcat alone in the group: reads from the commits to the end (-e), commits on close, exits.
    const r = await runKcat(
      ['-b', fixture.running.bootstrap, '-G', groupId, '-e', '-f', '%p %o\\n', '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=10000', '-X', 'heartbeat.interval.ms=500', topic],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const kcatSeen = new Map<number, number[]>(Array.from({ length: PARTITIONS }, (_, p) => [p, []]));
    for (const line of r.stdout.split('\n').filter((l) => l !== '')) {
      const [p, o] = line.split(' ').map(Number);
      kcatSeen.get(p!)!.push(o!);
    }
    assert.deepEqual([...first(kcatSeen)].sort(), [...target].sort(), `kcat resumed at the offsets tskafka committed:\n${r.stderr}`);
    for (const [p, offsets] of kcatSeen) assert.equal(offsets.at(-1), PER_PARTITION - 1, `kcat read partition ${p} to the end`);
    await eventually(
      'kcat’s commit on close',
      async () => ([...(await committedByKafkaJS(groupId, topic)).offsets.values()].every((o) => o === PER_PARTITION) ? true : undefined),
      10_000,
    );

    // More records; tskafka starts exactly after what kcat committed.
    await produceSpread(fixture.running.bootstrap, topic, { partitions: PARTITIONS, count: PARTITIONS * 10, prefix: 'more' });
    const seen = await consumeWithTskafka(groupId, topic, { until: through(PER_PARTITION + 10) });
    assert.deepEqual([...first(seen)].sort(), Array.from({ length: PARTITIONS }, (_, p) => [p, PER_PARTITION]), 'tskafka resumed exactly after kcat’s commits');
  });
});
