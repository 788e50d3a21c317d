/**
 * The producer against a cluster of three brokers (test/support/cluster-proxy.ts:
 * three nodes in front of the embedded broker, each leading the partitions the test
 * says, answering NOT_LEADER_OR_FOLLOWER for the others as a follower does):
 * batches go to each partition's leader, and when a leader moves while records
 * flow, or a broker goes down and its partition is led elsewhere, the producer
 * refreshes its metadata and carries on at the new leader, with every record
 * stored once and each partition's order kept.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { type RecordMetadata } from '../../src/producer/accumulator/producer-batch.js';
import { type ProducerConfig } from '../../src/producer/producer-config.js';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.js';
import { type ClusterProxy, startClusterProxy } from '../support/cluster-proxy.js';

describe('producer: partitions led by different brokers, and leaders that move', () => {
  let running: RunningBroker | undefined;
  let cluster: ClusterProxy;
  let kafka: Kafka;

  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
    cluster = await startClusterProxy(() => `127.0.0.1:${running!.port}`, 3);
    kafka = new Kafka({ clientId: 'leader-change-test', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 20, maxRetryTime: 100 } });
  });

  after(async () => {
    await cluster.close();
    await running?.close();
  });

  const storedValues = async (topic: string, partition: number): Promise<string[]> => {
    const log = running!.broker.topics.get(topic)!.partitions[partition]!.log;
    const batches = await decodeRecordBatches(log.read(0, 64 * 1024 * 1024, log.logEndOffset).records);
    return batches.flatMap((b) => b.records.map((r) => r.value!.toString()));
  };

  it('sends each partition to its own leader: three brokers, three partitions, no request refused', async () => {
    const topic = 'spread';
    await running!.broker.topics.create(topic, 3, new Map());
    const before = new Map(cluster.produceRequests);
    const refusedBefore = cluster.notLeaderAnswers;
    const producer = kafka.producer({ lingerMs: 5 });
    await producer.connect();
    try {
      const result = await producer.send({ topic, messages: Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
      assert.deepEqual(result.map((m) => m.partition).sort(), [0, 1, 2]);
    } finally {
      await producer.disconnect();
    }
    for (const node of cluster.nodes) {
      assert.ok((cluster.produceRequests.get(node.nodeId) ?? 0) > (before.get(node.nodeId) ?? 0), `node ${node.nodeId} got its partition's Produce requests`);
    }
    assert.equal(cluster.notLeaderAnswers, refusedBefore, 'every request went to the leader');
    const stored = (await Promise.all([0, 1, 2].map((p) => storedValues(topic, p)))).flat();
    assert.equal(stored.length, 300);
  });

  /**
   * Send `waves` waves of 150 single-record sends over partitions 0-2, each wave awaited,
   * calling `before(wave)` first; returns each partition's values in the order sent.
   */
  const produceWaves = async (config: ProducerConfig, topic: string, waves: number, before: (wave: number) => void): Promise<string[][]> => {
    const producer = kafka.producer(config);
    await producer.connect();
    const sent: string[][] = [[], [], []];
    try {
      for (let wave = 0; wave < waves; wave++) {
        before(wave);
        const sends: Promise<RecordMetadata[]>[] = [];
        for (let i = 0; i < 150; i++) {
          const partition = i % 3;
          const value = `${wave}-${i}`;
          sent[partition]!.push(value);
          sends.push(producer.send({ topic, messages: [{ partition, value }] }));
        }
        await Promise.all(sends);
      }
    } finally {
      await producer.disconnect();
    }
    return sent;
  };

  const cases: { name: string; config: ProducerConfig }[] = [
    // A short delivery timeout: a producer that never finds the new leader fails here instead of hanging.
    { name: 'idempotent, 5 requests in flight', config: { idempotent: true, maxInFlightRequests: 5, lingerMs: 0, deliveryTimeoutMs: 30_000 } },
    { name: 'not idempotent, acks 1, 1 request in flight', config: { idempotent: false, acks: 1, maxInFlightRequests: 1, lingerMs: 0, deliveryTimeoutMs: 30_000 } },
  ];
  for (const [n, { name, config }] of cases.entries()) {
    it(`${name}: two leaders move while records flow; every record is stored once, in each partition's order`, async () => {
      const topic = `moving-${n}`;
      await running!.broker.topics.create(topic, 3, new Map());
      const refusedBefore = cluster.notLeaderAnswers;
      const sent = await produceWaves(config, topic, 30, (wave) => {
        if (wave === 10) cluster.setLeader(topic, 0, 2);
        if (wave === 20) cluster.setLeader(topic, 1, 3);
      });
      const refused = cluster.notLeaderAnswers - refusedBefore;
      assert.ok(refused > 0, 'the old leaders refused the moved partitions');
      // One refusal per batch in flight at the move is expected; more means the producer kept asking the old leader.
      assert.ok(refused <= 2 * 5, `the producer kept sending to the old leaders: ${refused} partitions refused`);
      assert.equal(cluster.leaderOf(topic, 0), 2);
      for (const partition of [0, 1, 2]) {
        assert.deepEqual(await storedValues(topic, partition), sent[partition], `partition ${partition}: each record once, in the order sent`);
      }
    });
  }

  it('a broker goes down and its partition gets a new leader: the producer finds it through metadata and loses nothing', async () => {
    const topic = 'broker-down';
    await running!.broker.topics.create(topic, 3, new Map());
    let sent: string[][];
    try {
      sent = await produceWaves({ idempotent: true, lingerMs: 0, deliveryTimeoutMs: 30_000 }, topic, 20, (wave) => {
        if (wave === 8) {
          // Node 3 crashes; the controller moves its partition (2) to node 1.
          cluster.setDown(3, true);
          cluster.setLeader(topic, 2, 1);
        }
      });
    } finally {
      cluster.setDown(3, false);
    }
    for (const partition of [0, 1, 2]) {
      assert.deepEqual(await storedValues(topic, partition), sent[partition], `partition ${partition}: each record once, in the order sent`);
    }
  });
});
