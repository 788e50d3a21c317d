/**
 * Graceful shutdown, errors in handlers (retried, then a crash that restarts the
 * consumer, as KafkaJS), the 'none' reset policy, and a slow handler that does
 * not cost the member its partitions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type InstrumentationEvent } from '../../src/consumer/consumer-events.js';
import { KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { eventually } from '../support/eventually.js';
import { within } from '../support/within.js';
import { useConsumerFixture } from './consumer-fixture.js';

type CrashPayload = { error: Error; groupId: string; restart: boolean };

describe('Consumer lifecycle', () => {
  const f = useConsumerFixture('lifecycle');

  it('disconnect() during a slow handler lets it finish, commits it, and leaves the group', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    await f.produce(topic, 5);
    const consumer = f.consumer({ groupId });
    await consumer.subscribe({ topic, fromBeginning: true });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const finished: number[] = [];
    let started = false;
    await consumer.run({
      autoCommitInterval: 600_000,
      eachMessage: async ({ message }) => {
        if (Number(message.offset) === 2) {
          started = true;
          await gate;
        }
        finished.push(Number(message.offset));
      },
    });
    await eventually('the slow handler started', () => (started ? true : undefined));
    const disconnecting = consumer.disconnect();
    await sleep(200);
    assert.deepEqual(finished, [0, 1], 'disconnect waits for the handler');
    release();
    await within('disconnect', disconnecting, 30_000);
    assert.deepEqual(finished, [0, 1, 2], 'the handler finished; no record started after disconnect()');
    assert.equal(f.committed(groupId, topic, 1).get(0), 3, 'its offset was committed');
    const group = f.running.broker.groups.describeGroup(groupId);
    assert.equal(group.members.length, 0, 'the member left');
  });

  it('disconnect() gives the partitions back through onPartitionsRevoked, after the final commit and before leaving', async () => {
    const topic = await f.newTopic(2);
    const groupId = f.newGroup();
    await f.produce(topic, 6);
    const revoked: { partitions: number[]; committed: (number | undefined)[]; members: number }[] = [];
    const consumer = f.consumer({
      groupId,
      onPartitionsRevoked: async (partitions) => {
        const committed = f.committed(groupId, topic, 2);
        revoked.push({
          partitions: partitions.map((p) => p.partition).sort(),
          committed: [committed.get(0), committed.get(1)],
          members: f.running.broker.groups.describeGroup(groupId).members.length,
        });
      },
    });
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    await consumer.run({ autoCommitInterval: 600_000, eachMessage: async () => void seen++ });
    await eventually('6 records', () => (seen >= 6 ? true : undefined));
    await within('disconnect', consumer.disconnect(), 30_000);
    assert.equal(revoked.length, 1, 'onPartitionsRevoked ran once, at disconnect');
    assert.deepEqual(revoked[0]!.partitions, [0, 1], 'with every owned partition');
    const total = (revoked[0]!.committed[0] ?? 0) + (revoked[0]!.committed[1] ?? 0);
    assert.equal(total, 6, 'after the final commit of everything processed');
    assert.equal(revoked[0]!.members, 1, 'before the member left the group');
  });

  it('stop() leaves connections open; run() again resumes from the committed offset', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    await f.produce(topic, 4);
    const consumer = f.consumer({ groupId });
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: number[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(Number(message.offset)) });
    await eventually('4 records', () => (seen.length >= 4 ? true : undefined));
    await consumer.stop();
    await f.produce(topic, 2, { from: 4 });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(Number(message.offset)) });
    await eventually('6 records', () => (seen.length >= 6 ? true : undefined));
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
    await consumer.disconnect();
  });

  it('a throwing eachMessage is retried from the failed record; earlier records are committed', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    await f.produce(topic, 5);
    const consumer = f.consumer({ groupId });
    await consumer.subscribe({ topic, fromBeginning: true });
    const attempts: number[] = [];
    let failures = 0;
    await consumer.run({
      eachMessage: async ({ message }) => {
        attempts.push(Number(message.offset));
        if (Number(message.offset) === 2 && failures < 2) {
          failures++;
          throw new Error('transient');
        }
      },
    });
    await eventually('all records', () => (attempts.filter((o) => o === 4).length >= 1 ? true : undefined), 20_000);
    assert.deepEqual(attempts, [0, 1, 2, 2, 2, 3, 4]);
    await eventually('committed to 5', () => (f.committed(groupId, topic, 1).get(0) === 5 ? true : undefined));
    await consumer.disconnect();
  });

  it('crashes after retries are exhausted and restarts (consumer.crash with restart: true), as KafkaJS', async () => {
    const topic = await f.newTopic(1);
    await f.produce(topic, 2);
    const consumer = f.kafka.consumer({ groupId: f.newGroup(), sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100, retry: { retries: 1, initialRetryTime: 50 } });
    const crashes: InstrumentationEvent<CrashPayload>[] = [];
    consumer.on(consumer.events.CRASH, (e) => void crashes.push(e as InstrumentationEvent<CrashPayload>));
    await consumer.subscribe({ topic, fromBeginning: true });
    let calls = 0;
    let done = false;
    await consumer.run({
      eachMessage: async ({ message }) => {
        calls++;
        if (Number(message.offset) === 1 && calls < 6) throw new Error('still failing');
        if (Number(message.offset) === 1) done = true;
      },
    });
    await eventually('a crash', () => (crashes.length >= 1 ? true : undefined), 20_000);
    assert.equal(crashes[0]!.payload.restart, true);
    assert.equal(crashes[0]!.payload.error.name, 'KafkaJSNumberOfRetriesExceeded');
    await eventually('processed after the restart', () => (done ? true : undefined), 30_000);
    await consumer.disconnect();
  });

  it('a non-retriable error crashes without a restart; restartOnFailure can veto a restart', async () => {
    const topic = await f.newTopic(1);
    await f.produce(topic, 1);
    const consumer = f.consumer({ groupId: f.newGroup() });
    const crashes: InstrumentationEvent<CrashPayload>[] = [];
    consumer.on(consumer.events.CRASH, (e) => void crashes.push(e as InstrumentationEvent<CrashPayload>));
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async () => {
        throw new KafkaJSNonRetriableError('bad record');
      },
    });
    await eventually('a crash', () => (crashes.length >= 1 ? true : undefined));
    assert.equal(crashes[0]!.payload.restart, false);
    assert.equal(crashes[0]!.payload.error.message, 'bad record');
    await sleep(300);
    assert.equal(crashes.length, 1);
    await consumer.disconnect();

    const vetoed = f.kafka.consumer({ groupId: f.newGroup(), maxWaitTimeInMs: 100, retry: { retries: 0, initialRetryTime: 50, restartOnFailure: async () => false } });
    const vetoCrashes: InstrumentationEvent<CrashPayload>[] = [];
    vetoed.on(vetoed.events.CRASH, (e) => void vetoCrashes.push(e as InstrumentationEvent<CrashPayload>));
    await vetoed.subscribe({ topic, fromBeginning: true });
    await vetoed.run({
      eachMessage: async () => {
        throw new Error('transient');
      },
    });
    await eventually('a crash', () => (vetoCrashes.length >= 1 ? true : undefined), 20_000);
    assert.equal(vetoCrashes[0]!.payload.restart, false);
    await vetoed.disconnect();
  });

  it("autoOffsetReset 'none' crashes on a partition without a committed offset", async () => {
    const topic = await f.newTopic(1);
    await f.produce(topic, 1);
    const consumer = f.consumer({ groupId: f.newGroup(), autoOffsetReset: 'none' });
    const crashes: InstrumentationEvent<CrashPayload>[] = [];
    consumer.on(consumer.events.CRASH, (e) => void crashes.push(e as InstrumentationEvent<CrashPayload>));
    await consumer.subscribe({ topic });
    let processed = 0;
    await consumer.run({ eachMessage: async () => void processed++ });
    await eventually('a crash', () => (crashes.length >= 1 ? true : undefined));
    assert.equal(crashes[0]!.payload.error.name, 'KafkaJSOffsetOutOfRange');
    assert.equal(crashes[0]!.payload.restart, false);
    assert.equal(processed, 0);
    await consumer.disconnect();
  });

  it('a handler slower than the session timeout keeps its partitions: heartbeats do not wait for it', async () => {
    const topic = await f.newTopic(1);
    await f.produce(topic, 2);
    // A 3 s session (10 heartbeats) so a stalled machine does not expire it; the handler takes twice as long.
    const consumer = f.consumer({ groupId: f.newGroup(), sessionTimeout: 3_000, heartbeatInterval: 300 });
    const rebalances: unknown[] = [];
    consumer.on(consumer.events.REBALANCING, (e) => void rebalances.push(e));
    const joins: unknown[] = [];
    consumer.on(consumer.events.GROUP_JOIN, (e) => void joins.push(e));
    await consumer.subscribe({ topic, fromBeginning: true });
    const done: number[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (Number(message.offset) === 0) await sleep(6_000);
        done.push(Number(message.offset));
      },
    });
    await eventually('both records', () => (done.length >= 2 ? true : undefined), 30_000);
    assert.deepEqual(done, [0, 1]);
    assert.equal(joins.length, 1, 'no rejoin');
    assert.equal(rebalances.length, 0);
    await consumer.disconnect();
  });
});
