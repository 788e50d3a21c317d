/**
 * End to end with kcat (librdkafka, the C client most non-Java clients wrap):
 * metadata, a producer with every compression codec, a consumer that reads to
 * the end, and a balanced consumer group that commits; KafkaJS reads what
 * librdkafka wrote. kcat always runs as an async child process: the broker is
 * in this process and must keep answering.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { parseCompressionCodec } from '../../../src/protocol/records/compression.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { eventually } from '../../support/eventually.js';
import { registerKafkaJsCodecs } from '../../support/kafkajs-codecs.js';
import { runKcat, skipWithoutKcat } from '../../support/kcat.js';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const LINES = 1_000;
const PARTITIONS = 3;

/** `key:value` lines; the values repeat themselves so librdkafka's compression pays off and is really used. */
const linesFor = (codec: string): string[] =>
  Array.from({ length: LINES }, (_, i) => `${codec}-key-${i % 97}:${codec} value ${i} ${'lorem ipsum dolor sit amet '.repeat(4)}end`);

const sorted = (lines: readonly string[]): string[] => [...lines].sort();

describe('kcat against the broker', { skip: skipWithoutKcat }, () => {
  let broker: RunningBroker;
  let admin: Admin;
  let kafka: Kafka;

  before(async () => {
    registerKafkaJsCodecs();
    broker = await startBroker({ inMemory: true, port: 0, logLevel: 'error' });
    kafka = new Kafka({ clientId: 'e2e-kcat', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [...CODECS.map((codec) => ({ topic: `kcat-${codec}`, numPartitions: PARTITIONS })), { topic: 'kcat-group', numPartitions: PARTITIONS }] });
  });
  after(async () => {
    await admin.disconnect();
    await broker.close();
  });

  it('kcat -L lists the broker and every topic with its partitions', async () => {
    const r = await runKcat(['-b', broker.bootstrap, '-m', '20', '-L']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`1 brokers:\\s+broker ${broker.config.nodeId} at ${broker.bootstrap} \\(controller\\)`));
    for (const topic of [...CODECS.map((c) => `kcat-${c}`), 'kcat-group']) {
      assert.match(r.stdout, new RegExp(`topic "${topic}" with ${PARTITIONS} partitions:`));
    }
    for (let p = 0; p < PARTITIONS; p++) assert.match(r.stdout, new RegExp(`partition ${p}, leader ${broker.config.nodeId}, replicas: ${broker.config.nodeId}, isrs: ${broker.config.nodeId}`));
  });

  for (const codec of CODECS) {
    it(`${codec}: kcat -P writes 1,000 keyed lines, kcat -C and a KafkaJS consumer read exactly those lines back`, async () => {
      const topic = `kcat-${codec}`;
      const lines = linesFor(codec);
      const produced = await runKcat(['-b', broker.bootstrap, '-P', '-t', topic, '-z', codec, '-K:', '-X', 'linger.ms=50', '-X', 'acks=all'], { input: lines.join('\n') + '\n' });
      assert.equal(produced.code, 0, produced.stderr);

      // The broker stores librdkafka's batches as they came: compressed with the codec asked for.
      const codecId = parseCompressionCodec(codec);
      let stored = 0;
      for (const partition of broker.broker.topics.get(topic)!.partitions) {
        for await (const batch of partition.log.batches()) {
          assert.equal(batch.compression, codecId, `partition ${partition.index} batch at ${batch.baseOffset}`);
          stored += batch.recordCount;
        }
      }
      assert.equal(stored, LINES);

      const consumed = await runKcat(['-b', broker.bootstrap, '-C', '-t', topic, '-e', '-q', '-f', '%k:%s\n']);
      assert.equal(consumed.code, 0, consumed.stderr);
      const read = consumed.stdout.split('\n').filter((l) => l !== '');
      assert.deepEqual(sorted(read), sorted(lines));

      const fromKafkaJs: string[] = [];
      const consumer = kafka.consumer({ groupId: `kafkajs-reads-${codec}`, maxWaitTimeInMs: 100 });
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => void fromKafkaJs.push(`${message.key!.toString()}:${message.value!.toString()}`) });
        await eventually(`KafkaJS to read ${LINES} messages (has ${fromKafkaJs.length})`, () => (fromKafkaJs.length >= LINES ? true : undefined), 30_000);
      } finally {
        await consumer.disconnect();
      }
      assert.deepEqual(sorted(fromKafkaJs), sorted(lines));
    });
  }

  it('kcat -G reads every partition as a balanced consumer group and commits the end offsets', async () => {
    const topic = 'kcat-group';
    const lines = linesFor('group');
    const produced = await runKcat(['-b', broker.bootstrap, '-P', '-t', topic, '-K:', '-X', 'linger.ms=50'], { input: lines.join('\n') + '\n' });
    assert.equal(produced.code, 0, produced.stderr);

    const consumed = await runKcat(['-b', broker.bootstrap, '-G', 'kcat-readers', '-X', 'auto.offset.reset=earliest', '-e', '-q', '-f', '%k:%s\n', topic]);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.deepEqual(sorted(consumed.stdout.split('\n').filter((l) => l !== '')), sorted(lines));

    const ends = await admin.fetchTopicOffsets(topic);
    assert.equal(
      ends.reduce((sum, p) => sum + Number(p.high), 0),
      LINES,
    );
    const committed = await admin.fetchOffsets({ groupId: 'kcat-readers', topics: [topic] });
    assert.deepEqual(
      committed[0]!.partitions.map((p) => [p.partition, p.offset]).sort(),
      ends.map((p) => [p.partition, p.high]).sort(),
      'librdkafka commits its position on close',
    );
    const group = (await admin.describeGroups(['kcat-readers'])).groups[0]!;
    assert.equal(group.state, 'Empty', 'kcat left the group when it exited');
    assert.equal(group.protocolType, 'consumer');
  });
});
