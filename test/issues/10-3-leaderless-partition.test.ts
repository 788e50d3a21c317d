/**
 * Issue 10.3: one partition without a leader slows every send to its topic. With 1 of 4
 * partitions leaderless, 200 keyless sends made 200 Metadata requests (one per send:
 * the topic was "not usable" while any partition lacked a leader) and took 1.7 s
 * instead of 1 request and 0.19 s; during the outage metadata was refreshed every
 * 100 ms.
 *
 * What Java's producer does, and these tests ask for: partitioning needs only the
 * partition count (keyless records go to partitions with a leader); records for a
 * leaderless partition wait in the accumulator, not failed, until a leader is
 * elected; metadata refreshes meanwhile back off exponentially (`retry.backoff.ms`
 * 100 up to `retry.backoff.max.ms` 1000, KIP-580).
 *
 * Against the capture broker, whose Metadata reports the partitions the test says
 * with LEADER_NOT_AVAILABLE and leader -1; every request it receives is counted.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { type Producer } from '../../src/producer/producer.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import { type CaptureBroker, startCaptureBroker } from '../support/capture-broker.js';
import { within, disconnectQuietly as disconnect } from '../support/within.js';

const metadataRequests = (broker: CaptureBroker): number => broker.frames.filter((f) => f.header.apiKey === ApiKey.Metadata).length;

describe('issue 10.3: a partition without a leader', () => {
  const brokers: CaptureBroker[] = [];
  after(async () => {
    await Promise.all(brokers.map((b) => b.close()));
  });

  /** A capture broker with 4 partitions per topic, partition 3 leaderless, and a connected producer on it. */
  const setUp = async (): Promise<{ broker: CaptureBroker; producer: Producer }> => {
    const broker = await startCaptureBroker({ partitions: 4, leaderless: [3] });
    brokers.push(broker);
    const kafka = new Kafka({ clientId: 'issue-10-3', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    // Java's retry.backoff.ms and retry.backoff.max.ms; a delivery timeout far past the waits below
    // (a record waits through 200 sends, slow on a loaded machine).
    const producer = kafka.producer({ lingerMs: 0, deliveryTimeoutMs: 120_000, retry: { initialRetryTime: 100, maxRetryTime: 1000 } });
    try {
      await within('connect', producer.connect(), 30_000);
    } catch (e) {
      await disconnect(producer);
      throw e;
    }
    return { broker, producer };
  };

  /** 200 keyless sends, each awaited; returns the partitions used, the Metadata requests made meanwhile, and how long they took. */
  const send200 = async (broker: CaptureBroker, producer: Producer, topic: string) => {
    const before = metadataRequests(broker);
    const startedAt = Date.now();
    const partitions = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const [meta] = await within(`send ${i}`, producer.send({ topic, messages: [{ value: `v${i}` }] }), 20_000);
      partitions.add(meta!.partition);
    }
    return { partitions, metadataRequests: metadataRequests(broker) - before, elapsedMs: Date.now() - startedAt };
  };

  it('200 keyless sends to a topic with 1 of 4 partitions leaderless all succeed, with a handful of Metadata requests, not one per send', { timeout: 90_000 }, async () => {
    const { broker, producer } = await setUp();
    try {
      const { partitions, metadataRequests: during, elapsedMs } = await send200(broker, producer, 'one-leaderless');
      assert.deepEqual(broker.errors, []);
      assert.ok(!partitions.has(3), `a keyless record went to the leaderless partition 3 (partitions used: ${[...partitions].sort().join(', ')})`);
      // As below: a refresh now and then on a slow run, never one per send.
      const bound = 5 + Math.ceil(elapsedMs / 500);
      assert.ok(during <= bound, `200 sends made ${during} Metadata requests in ${elapsedMs} ms (at most ${bound} expected): one partition without a leader must not cost a metadata round trip per send`);
    } finally {
      await disconnect(producer);
    }
  });

  it('while a record waits for the leaderless partition, 200 keyless sends to the others all succeed without a Metadata request each', { timeout: 90_000 }, async () => {
    const { broker, producer } = await setUp();
    try {
      // A record for partition 3 waits in the accumulator, as keyed records hashing there would.
      const waiting = producer.send({ topic: 'one-leaderless-busy', messages: [{ partition: 3, value: 'waits' }] });
      waiting.catch(() => undefined);
      const { partitions, metadataRequests: during, elapsedMs } = await send200(broker, producer, 'one-leaderless-busy');
      assert.deepEqual(broker.errors, []);
      assert.ok(!partitions.has(3), `a keyless record went to the leaderless partition 3 (partitions used: ${[...partitions].sort().join(', ')})`);
      // The waiting record's refreshes back off to one a second at most (KIP-580); a slow run
      // may take a few more of them, never one per send. The elapsed time only loosens the bound.
      const bound = 5 + Math.ceil(elapsedMs / 500);
      assert.ok(during <= bound, `200 sends made ${during} Metadata requests in ${elapsedMs} ms (at most ${bound} expected): one partition without a leader must not cost a metadata round trip per send`);
      broker.setLeaderless([]);
      const [meta] = await within('the waiting record once the leader is back', waiting, 30_000);
      assert.equal(meta!.partition, 3);
    } finally {
      await disconnect(producer);
    }
  });

  it('a record sent to the leaderless partition waits, is delivered once the leader is back, and metadata is refreshed with backoff meanwhile', { timeout: 90_000 }, async () => {
    const { broker, producer } = await setUp();
    try {
      const before = metadataRequests(broker);
      const sent = producer.send({ topic: 'waits-for-leader', messages: [{ partition: 3, value: 'waited' }] });
      let outcome: 'pending' | 'delivered' | Error = 'pending';
      sent.then(
        () => (outcome = 'delivered'),
        (e: unknown) => (outcome = e instanceof Error ? e : new Error(String(e))),
      );
      // 3 s without a leader: refreshing every 100 ms would be ~30 requests; with
      // KIP-580's backoff (100, 200, 400, 800, 1000 ms...) about 6. A loaded machine only makes fewer.
      await sleep(3_000);
      const duringOutage = metadataRequests(broker) - before;
      assert.equal(outcome, 'pending', 'the send to the leaderless partition waits for a leader');
      broker.setLeaderless([]);
      const [meta] = await within('the send once the leader is back', sent, 30_000);
      assert.equal(meta!.partition, 3);
      assert.deepEqual(meta!.offsets, ['0'], 'delivered once the leader came back');
      assert.deepEqual(broker.errors, []);
      assert.ok(duringOutage <= 12, `${duringOutage} Metadata requests in 3 s without a leader: refreshes must back off (KIP-580), not come every 100 ms`);
    } finally {
      await disconnect(producer);
    }
  });
});
