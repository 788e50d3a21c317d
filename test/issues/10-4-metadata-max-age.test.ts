/**
 * Issue 10.4: `metadataMaxAge` is ignored on the send path. After a topic grows from 1
 * to 4 partitions, with metadataMaxAge 100 ms, a second of sends still used only
 * partition 0: sends took the partitions from the cached metadata however old it was,
 * and nothing refreshed it while no request failed.
 *
 * As Java's `metadata.max.age.ms`: metadata older than that is refreshed even when
 * nothing went wrong, so new partitions (and new leaders) are found.
 *
 * Against the embedded broker: the topic grows through the broker's topic registry,
 * as CreatePartitions would grow it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { type Producer } from '../../src/producer/producer.js';
import { within, disconnectQuietly as disconnect } from '../support/within.js';

describe('issue 10.4: metadataMaxAge on the send path', () => {
  let running: RunningBroker | undefined;
  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
  });
  after(async () => {
    await running?.close();
  });

  it('with metadataMaxAge 100, keyless records reach the partitions a topic grew to', { timeout: 120_000 }, async () => {
    const topics = running!.broker.topics;
    const topic = await topics.create('grows', 1, new Map());
    const kafka = new Kafka({ clientId: 'issue-10-4', brokers: [running!.bootstrap], logLevel: logLevel.NOTHING });
    // batchSize 1024 with 512-byte values: the sticky partitioner switches every couple of
    // records, so once the new partitions are known they are used at once.
    const producer = kafka.producer({ metadataMaxAge: 100, lingerMs: 0, batchSize: 1024 });
    const value = 'x'.repeat(512);
    try {
      await within('connect', producer.connect(), 30_000);
      for (let i = 0; i < 3; i++) {
        const [meta] = await within('a send before the topic grows', producer.send({ topic: topic.name, messages: [{ value }] }), 30_000);
        assert.equal(meta!.partition, 0);
      }
      await topics.createPartitions(topic, 4);
      const used = new Set<number>();
      let sends = 0;
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !(used.has(1) && used.has(2) && used.has(3))) {
        const [meta] = await within('a send after the topic grew', producer.send({ topic: topic.name, messages: [{ value }] }), 30_000);
        used.add(meta!.partition);
        sends++;
        await sleep(20);
      }
      assert.deepEqual(
        [...used].filter((p) => p > 0).sort(),
        [1, 2, 3],
        `after the topic grew to 4 partitions, ${sends} keyless sends over up to 30 s (metadataMaxAge 100 ms) used only partitions ${[...used].sort().join(', ')}`,
      );
    } finally {
      await disconnect(producer);
    }
  });
});
