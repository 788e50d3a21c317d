/**
 * The fetcher when the cluster moves under it: a partition leader that moves
 * while its old broker goes down, a topic deleted and created again (its id
 * changes: stale metadata), connections cut and Fetch answers lost. Each time
 * it recovers, and every record arrives once, in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { logLevel } from '../../../src/client/logger.js';
import { Kafka } from '../../../src/kafka.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { type ClusterProxy, startClusterProxy } from '../../support/cluster-proxy.js';
import { eventually } from '../../support/eventually.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import { createHarness, text, useBroker } from './fetcher-fixture.js';

async function produce(bootstrap: string, topic: string, messages: { partition?: number; value: string }[]): Promise<void> {
  const kafka = new Kafka({ clientId: 'faults-producer', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

describe('Fetcher: leadership and metadata changes', () => {
  const broker = useBroker('fetcher-faults');
  let proxy: ClusterProxy | undefined;
  before(async () => {
    proxy = await startClusterProxy(() => broker.running.bootstrap, 3);
  });
  after(async () => proxy?.close());

  it('follows a partition to its new leader when the old one goes down, losing and repeating nothing', async () => {
    const topic = await broker.newTopic(3);
    const cluster = proxy!;
    const first = Array.from({ length: 90 }, (_, i) => ({ partition: i % 3, value: `first-${i}` }));
    await produce(broker.running.bootstrap, topic, first);
    const h = await createHarness(cluster.bootstrap, topic, { partitions: [0, 1, 2] });
    try {
      const before = await h.drain(90);
      assert.equal(before.length, 90);
      // Partition 1 (led by node 2) moves to node 3, and node 2 goes down.
      assert.equal(cluster.leaderOf(topic, 1), 2);
      cluster.setLeader(topic, 1, 3);
      cluster.setDown(2, true);
      const second = Array.from({ length: 90 }, (_, i) => ({ partition: i % 3, value: `second-${i}` }));
      await produce(broker.running.bootstrap, topic, second);
      const after = await h.drain(90);
      for (const p of [0, 1, 2]) {
        assert.deepEqual(
          after.filter((m) => m.partition === p).map((m) => text(m.value)),
          second.filter((m) => m.partition === p).map((m) => m.value),
        );
        assert.deepEqual(
          after.filter((m) => m.partition === p).map((m) => Number(m.offset)),
          Array.from({ length: 30 }, (_, i) => 30 + i),
        );
      }
      assert.equal(h.cluster.metadata!.partition(topic, 1)!.leaderId, 3, 'the fetcher refreshed metadata and found the new leader');
    } finally {
      cluster.setDown(2, false);
      await h.close();
    }
  });

  it('recovers when its topic is deleted and created again (a new topic id): fetches the new topic from its start', async () => {
    const topic = await broker.newTopic(1);
    await produce(broker.running.bootstrap, topic, Array.from({ length: 20 }, (_, i) => ({ value: `old-${i}` })));
    const h = await broker.harness(topic, { partitions: [0], reset: 'earliest' });
    assert.equal((await h.drain(20)).length, 20);
    const oldId = h.cluster.metadata!.topic(topic)!.topicId;
    const topics = broker.running.broker.topics;
    await topics.delete(topic);
    await topics.create(topic, 1, new Map());
    await produce(broker.running.bootstrap, topic, Array.from({ length: 5 }, (_, i) => ({ value: `new-${i}` })));
    // Position 20 is past the new log's end: out of range, reset to earliest.
    const read = await h.drain(5);
    assert.deepEqual(
      read.map((m) => [m.offset, text(m.value)]),
      Array.from({ length: 5 }, (_, i) => [String(i), `new-${i}`]),
    );
    assert.notEqual(h.cluster.metadata!.topic(topic)!.topicId, oldId);
  });
});

describe('Fetcher: lost connections and answers', () => {
  let running: RunningBroker | undefined;
  let proxy: FaultProxy | undefined;
  before(async () => {
    proxy = await startFaultProxy(() => `127.0.0.1:${running!.port}`);
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'num.partitions': 1, 'advertised.listeners': `PLAINTEXT://${proxy.address}` } });
  });
  after(async () => {
    await proxy?.close();
    await running?.close();
  });

  it('delivers every record once, in order, through cut connections and lost Fetch answers', async () => {
    const topic = 'faults-lost';
    await running!.broker.topics.create(topic, 2, new Map());
    const h = await createHarness(proxy!.address, topic, { partitions: [0, 1], maxBytesPerPartition: 2_000, clientConfig: { requestTimeout: 2_000 } });
    try {
      const seen: { partition: number; offset: number; value: string | null }[] = [];
      const direct = `127.0.0.1:${running!.port}`;
      for (let round = 0; round < 6; round++) {
        await produce(direct, topic, Array.from({ length: 50 }, (_, i) => ({ partition: i % 2, value: `r${round}-${i}` })));
        if (round % 3 === 0) proxy!.dropConnections();
        else if (round % 3 === 1) proxy!.dropOnResponse({ apiKey: ApiKey.Fetch });
        else proxy!.swallowResponses({ apiKey: ApiKey.Fetch, count: 1 });
        for (const m of await h.drain(50, { timeoutMs: 30_000 })) seen.push({ partition: m.partition, offset: Number(m.offset), value: text(m.value) });
      }
      for (const p of [0, 1]) {
        assert.deepEqual(
          seen.filter((m) => m.partition === p).map((m) => m.offset),
          Array.from({ length: 150 }, (_, i) => i),
          `partition ${p}: every offset once, in order`,
        );
      }
      await eventually('no request left in flight after stop', async () => {
        await h.fetcher.stop();
        return h.cluster.connections.every((c) => c.inFlightCount === 0) ? true : undefined;
      });
    } finally {
      proxy!.reset();
      await h.close();
    }
  });
});

describe('Fetcher: bounded buffering', () => {
  const broker = useBroker('fetcher-bounded');

  it('keeps buffered bytes within maxBufferedBytes while 12 MB wait and nothing consumes, then delivers them all', async () => {
    const topic = await broker.newTopic(4);
    const value = Buffer.alloc(10_000, 1);
    const producer = await broker.producer();
    const total = 1_200;
    for (let i = 0; i < total; i += 100) await producer.send({ topic, messages: Array.from({ length: 100 }, (_, j) => ({ partition: (i + j) % 4, value })) });
    const bound = 2 * 1024 * 1024;
    const h = await broker.harness(topic, { partitions: [0, 1, 2, 3], maxBytes: 1024 * 1024, maxBytesPerPartition: 512 * 1024, maxBufferedBytes: bound });
    let peak = 0;
    const sample = setInterval(() => (peak = Math.max(peak, h.fetcher.bufferedBytes)), 2);
    try {
      await eventually('the buffer to fill', () => (h.fetcher.bufferedBytes >= bound / 2 ? true : undefined));
      const fetches = (): number => h.events.filter((e) => e.type === 'fetch_start').length;
      const started = fetches();
      // With nothing taken, the fetcher stops fetching: a while later no Fetch was sent and the bound holds.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(fetches(), started, 'no fetch while the buffer is full');
      assert.ok(peak <= bound, `buffered ${peak} bytes, bound ${bound}`);
      assert.ok(peak > 0);
      const read = await h.drain(total, { timeoutMs: 60_000 });
      assert.equal(read.length, total);
      assert.ok(peak <= bound, `buffered ${peak} bytes while draining, bound ${bound}`);
    } finally {
      clearInterval(sample);
    }
  });
});
