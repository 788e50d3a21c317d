/**
 * Follower fetching (KIP-392): a consumer with `rackId` sends its rack in each
 * Fetch; a leader with a rack-aware replica selector answers a partition with a
 * preferred read replica instead of records, and the consumer fetches that
 * partition from the replica until the lease ends (`metadataMaxAge`), an error
 * comes back for it, or the replica cannot be reached. An OFFSET_OUT_OF_RANGE
 * from the replica (a follower behind its leader) sends the consumer back to
 * the leader: it does not reset its position.
 *
 * A cluster proxy plays three brokers in front of one real broker: leaders name
 * node 3 as the replica of a consumer in rack "rack-3" (as a Kafka leader with
 * `replica.selector.class` RackAwareReplicaSelector and node 3 in that rack
 * would), and the proxy counts which node answered each partition's records.
 * KafkaJS (which implements KIP-392) and kcat (librdkafka, `client.rack`) read
 * through the same proxy: the answers are a KIP-392 leader's as a third-party
 * client reads them, not only as ours does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kafka as KafkaJS, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { type Consumer } from '../../src/consumer/consumer.js';
import { type ClusterProxy, startClusterProxy } from '../support/cluster-proxy.js';
import { eventually } from '../support/eventually.js';
import { runKcat, skipWithoutKcat } from '../support/kcat.js';

const RACK = 'rack-3';
const REPLICA = 3;

describe('follower fetching (KIP-392): a consumer with rackId reads from the replica its leader names', () => {
  let running: RunningBroker;
  let proxy: ClusterProxy;
  /** Nodes the leaders no longer name (a replica out of the ISR, as a leader would see it). */
  const unnamed = new Set<number>();
  /** Fetch errors node 3 answers with, per partition key, while this returns one. */
  let replicaError: ((topic: string, partition: number) => number | undefined) | undefined;
  let topics = 0;
  const consumers: Consumer[] = [];

  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'group.initial.rebalance.delay.ms': 0 } });
    proxy = await startClusterProxy(() => running.bootstrap, 3, {
      readReplica: (_topic, _partition, rackId) => (rackId === RACK && !unnamed.has(REPLICA) ? REPLICA : -1),
      fetchError: (nodeId, topic, partition) => (nodeId === REPLICA ? replicaError?.(topic, partition) : undefined),
    });
  });
  after(async () => {
    for (const c of consumers) await c.disconnect().catch(() => undefined);
    await proxy.close();
    await running.close();
  });

  /** A new topic with 2 partitions: partition 0 led by node 1, partition 1 by node 2 (the proxy's default). */
  const newTopic = async (): Promise<string> => {
    const topic = `read-replica-${++topics}`;
    await running.broker.topics.create(topic, 2, new Map());
    return topic;
  };

  const produce = async (topic: string, prefix: string, count: number): Promise<void> => {
    const producer = new Kafka({ clientId: 'read-replica-producer', brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ partition: i % 2, value: `${prefix}-${i}` })) });
    } finally {
      await producer.disconnect();
    }
  };

  /** Records the proxy saw answered with records, by node, for `topic`. */
  const servedBy = (topic: string): Record<number, number> => {
    const out: Record<number, number> = { 1: 0, 2: 0, 3: 0 };
    for (const [node, counts] of proxy.fetchedRecords) {
      for (const [key, n] of counts) if (key.startsWith(`${topic}:`)) out[node] = (out[node] ?? 0) + n;
    }
    return out;
  };

  /** A consumer of `topic` through the proxy, keeping what it reads per partition. */
  const consume = async (topic: string, config: { rackId?: string; metadataMaxAge?: number; fromBeginning?: boolean }) => {
    const kafka = new Kafka({ clientId: 'read-replica-consumer', brokers: [proxy.bootstrap], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, maxRetryTime: 500 } });
    const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 200, ...(config.rackId !== undefined ? { rackId: config.rackId } : {}), ...(config.metadataMaxAge !== undefined ? { metadataMaxAge: config.metadataMaxAge } : {}) });
    consumers.push(consumer);
    const seen: string[][] = [[], []];
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => void (joined = true));
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: config.fromBeginning ?? true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void seen[partition]!.push(message.value!.toString()) });
    await eventually('the consumer to join its group', () => (joined ? true : undefined), 30_000);
    return { consumer, seen, total: () => seen[0]!.length + seen[1]!.length };
  };

  const expected = (prefix: string, count: number, partition: number): string[] =>
    Array.from({ length: count }, (_, i) => i).filter((i) => i % 2 === partition).map((i) => `${prefix}-${i}`);

  it('fetches every partition from the named replica: each record once, in order, none of them from the leaders', async () => {
    const topic = await newTopic();
    await produce(topic, 'a', 200);
    const answersBefore = proxy.readReplicaAnswers;
    const { seen, total } = await consume(topic, { rackId: RACK });
    await eventually('the first 200 records', () => (total() >= 200 ? true : undefined), 30_000);
    await produce(topic, 'b', 100);
    await eventually('300 records', () => (total() >= 300 ? true : undefined), 30_000);
    for (const p of [0, 1]) assert.deepEqual(seen[p], [...expected('a', 200, p), ...expected('b', 100, p)], `partition ${p}`);
    const served = servedBy(topic);
    assert.ok(served[REPLICA]! > 0, `node ${REPLICA} served the records: ${JSON.stringify(served)}`);
    assert.deepEqual([served[1], served[2]], [0, 0], `the leaders (nodes 1 and 2) served no records: ${JSON.stringify(served)}`);
    assert.ok(proxy.readReplicaAnswers - answersBefore >= 2, 'each partition was redirected by its leader');
  });

  it('without rackId, sends no rack: its leaders never redirect it and serve every record', async () => {
    const topic = await newTopic();
    await produce(topic, 'a', 100);
    const answersBefore = proxy.readReplicaAnswers;
    const { seen, total } = await consume(topic, {});
    await eventually('100 records', () => (total() >= 100 ? true : undefined), 30_000);
    for (const p of [0, 1]) assert.deepEqual(seen[p], expected('a', 100, p));
    const served = servedBy(topic);
    assert.equal(served[REPLICA], 0, `node ${REPLICA} (a replica, leading neither partition) served nothing: ${JSON.stringify(served)}`);
    assert.equal(proxy.readReplicaAnswers, answersBefore);
  });

  it('goes back to the leaders when the replica goes down, losing and repeating nothing', async () => {
    const topic = await newTopic();
    await produce(topic, 'a', 100);
    const { seen, total } = await consume(topic, { rackId: RACK });
    try {
      await eventually('100 records from the replica', () => (total() >= 100 ? true : undefined), 30_000);
      assert.ok(servedBy(topic)[REPLICA]! > 0);
      // Node 3 crashes; its leaders see it leave the ISR and stop naming it.
      unnamed.add(REPLICA);
      proxy.setDown(REPLICA, true);
      const servedBefore = servedBy(topic);
      await produce(topic, 'b', 100);
      await eventually('200 records', () => (total() >= 200 ? true : undefined), 30_000);
      for (const p of [0, 1]) assert.deepEqual(seen[p], [...expected('a', 100, p), ...expected('b', 100, p)], `partition ${p}`);
      const served = servedBy(topic);
      assert.ok(served[1]! > servedBefore[1]! && served[2]! > servedBefore[2]!, `both leaders served records once the replica was down: ${JSON.stringify(served)}`);
    } finally {
      proxy.setDown(REPLICA, false);
      unnamed.delete(REPLICA);
    }
  });

  it('an OFFSET_OUT_OF_RANGE from the replica (a follower behind) sends it back to the leader; its position is not reset', async () => {
    const topic = await newTopic();
    await produce(topic, 'old', 100);
    // Until the second wave is produced and one answer after that, node 3 answers OFFSET_OUT_OF_RANGE:
    // a consumer that reset to latest on it would jump past the second wave.
    let produced = false;
    const outOfRangeAfter = new Set<number>();
    replicaError = (t, partition) => {
      if (t !== topic) return undefined;
      if (!produced) return ErrorCode.OFFSET_OUT_OF_RANGE;
      if (outOfRangeAfter.has(partition)) return undefined;
      outOfRangeAfter.add(partition);
      return ErrorCode.OFFSET_OUT_OF_RANGE;
    };
    try {
      const errorsBefore = proxy.fetchErrorAnswers;
      // A new group with no committed offset starts at the latest offset: each partition's log end (50).
      const { seen, total } = await consume(topic, { rackId: RACK, fromBeginning: false });
      await eventually('the replica to answer OFFSET_OUT_OF_RANGE', () => (proxy.fetchErrorAnswers - errorsBefore >= 2 ? true : undefined), 30_000);
      await produce(topic, 'new', 100);
      produced = true;
      await eventually('the 100 new records', () => (total() >= 100 ? true : undefined), 30_000);
      for (const p of [0, 1]) assert.deepEqual(seen[p], expected('new', 100, p), `partition ${p}: every new record, none of the old`);
      assert.deepEqual([...outOfRangeAfter].sort(), [0, 1], 'each partition met OFFSET_OUT_OF_RANGE at the replica after the new records were produced');
      assert.ok(servedBy(topic)[REPLICA]! > 0, 'the replica served the records in the end');
    } finally {
      replicaError = undefined;
    }
  });

  it('asks the leader again once metadataMaxAge has passed (the replica lease ends)', async () => {
    const topic = await newTopic();
    await produce(topic, 'a', 10);
    const leaderFetches = (): number => proxy.requestsByNode.get(1)?.get(ApiKey.Fetch) ?? 0;
    const { total } = await consume(topic, { rackId: RACK, metadataMaxAge: 1500 });
    await eventually('10 records', () => (total() >= 10 ? true : undefined), 30_000);
    const answers = proxy.readReplicaAnswers;
    const fetchesBefore = leaderFetches();
    // Nothing to read: the consumer long-polls the replica, and goes back to the leader (which names the replica again) when the lease ends.
    await eventually('another Fetch at the leader, redirected again', () => (leaderFetches() > fetchesBefore && proxy.readReplicaAnswers > answers ? true : undefined), 30_000);
  });

  it('KafkaJS with the same rackId reads the records from the replica too (the answers are a KIP-392 leader\u2019s as a third-party client reads them)', async () => {
    const topic = await newTopic();
    await produce(topic, 'a', 100);
    const consumer = new KafkaJS({ clientId: 'read-replica-kafkajs', brokers: [proxy.bootstrap], logLevel: kafkaJsLogLevel.NOTHING }).consumer({ groupId: `${topic}-kafkajs`, rackId: RACK, maxWaitTimeInMs: 200 });
    const seen: string[][] = [[], []];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => void seen[partition]!.push(message.value!.toString()) });
      await eventually('KafkaJS to read 100 records', () => (seen[0]!.length + seen[1]!.length >= 100 ? true : undefined), 60_000);
    } finally {
      await consumer.disconnect();
    }
    for (const p of [0, 1]) assert.deepEqual(seen[p], expected('a', 100, p));
    const served = servedBy(topic);
    assert.ok(served[REPLICA]! > 0, `KafkaJS fetched from node ${REPLICA}: ${JSON.stringify(served)}`);
    assert.deepEqual([served[1], served[2]], [0, 0], `KafkaJS fetched no records from the leaders: ${JSON.stringify(served)}`);
  });

  it('kcat with client.rack reads the records from the replica too', { skip: skipWithoutKcat }, async () => {
    const topic = await newTopic();
    await produce(topic, 'a', 100);
    const run = await runKcat(['-C', '-b', proxy.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %s\\n', '-X', `client.rack=${RACK}`, '-m', '20'], { timeoutMs: 60_000 });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    for (const p of [0, 1]) assert.deepEqual(lines.filter((l) => l.startsWith(`${p} `)).map((l) => l.slice(2)), expected('a', 100, p));
    const served = servedBy(topic);
    assert.ok(served[REPLICA]! > 0, `kcat fetched from node ${REPLICA}: ${JSON.stringify(served)}`);
    assert.deepEqual([served[1], served[2]], [0, 0], `kcat fetched no records from the leaders: ${JSON.stringify(served)}`);
  });
});
