/**
 * Issue 10.5: `flush()` waits for batches created after it was called, and disables
 * linger for everyone while it waits. With another task still sending, flush() had
 * not resolved after 3 s.
 *
 * Today flush() waits until no batch at all is unfinished, and sends every batch at
 * once, lingering or not, for as long as it waits. Java's `flush()` takes a snapshot
 * instead: it waits for the batches incomplete when it is called (so for the records
 * sent before the call), and only those are sent without waiting for `linger.ms`.
 *
 * Against the embedded broker behind a fault proxy that delays every Produce answer
 * (a slow broker), so that batches are always in flight while a task keeps sending.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { type Producer } from '../../src/producer/producer.js';
import { type ProducerConfig } from '../../src/producer/producer-config.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { batchesOf } from '../support/partition-log.js';
import { within, disconnectQuietly as disconnect } from '../support/within.js';

/** A send whose outcome can be read synchronously. */
interface TrackedSend {
  readonly value: string;
  outcome: 'pending' | 'resolved' | Error;
  readonly settled: Promise<void>;
}

function track(value: string, sent: Promise<unknown>): TrackedSend {
  const t: TrackedSend = {
    value,
    outcome: 'pending',
    settled: sent.then(
      () => void (t.outcome = 'resolved'),
      (e: unknown) => void (t.outcome = e instanceof Error ? e : new Error(String(e))),
    ),
  };
  return t;
}

/** The embedded broker behind a fault proxy (it advertises the proxy), a three-partition topic, and a connected producer. */
async function withSlowBroker(config: ProducerConfig, test: (s: { running: RunningBroker; proxy: FaultProxy; producer: Producer; topic: string }) => Promise<void>): Promise<void> {
  let running: RunningBroker | undefined;
  const proxy = await startFaultProxy(() => `127.0.0.1:${running!.port}`);
  let producer: Producer | undefined;
  try {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'advertised.listeners': `PLAINTEXT://${proxy.address}`, 'auto.create.topics.enable': false } });
    const topic = 'issue-10-5';
    await running.broker.topics.create(topic, 3, new Map());
    const kafka = new Kafka({ clientId: 'issue-10-5', brokers: [proxy.address], logLevel: logLevel.NOTHING, connectionTimeout: 1000 });
    producer = kafka.producer({ deliveryTimeoutMs: 60_000, ...config });
    await within('connect', producer.connect(), 30_000);
    await test({ running, proxy, producer, topic });
  } finally {
    proxy.reset();
    if (producer) await disconnect(producer);
    await proxy.close();
    await running?.close();
  }
}

describe('issue 10.5: flush() waits for what was sent before it, and only that skips linger', () => {
  it('flush() resolves once the records sent before it are acknowledged, while another task keeps sending', { timeout: 90_000 }, async () => {
    await withSlowBroker({ lingerMs: 1000 }, async ({ proxy, producer, topic }) => {
      // Every Produce answer comes 500 ms late: a batch is always in flight while the task below sends.
      proxy.delayResponses(500, { apiKey: ApiKey.Produce });
      let sending = true;
      const background: TrackedSend[] = [];
      const task = (async () => {
        for (let i = 0; sending; i++) {
          background.push(track(`background-${i}`, producer.send({ topic, messages: [{ key: `k${i % 7}`, value: `background-${i}` }] })));
          await sleep(5);
        }
      })();
      try {
        while (background.length < 20) await sleep(5);
        const before = Array.from({ length: 30 }, (_, i) => track(`before-${i}`, producer.send({ topic, messages: [{ key: `key-${i}`, value: `before-${i}` }] })));
        const sentBeforeFlush = background.length;
        await within('flush() while another task keeps sending', producer.flush(), 30_000);
        const sentDuringFlush = background.length - sentBeforeFlush;

        const unsettled = before.filter((s) => s.outcome !== 'resolved').map((s) => `${s.value}: ${String(s.outcome)}`);
        assert.deepEqual(unsettled, [], 'every record sent before flush() is acknowledged when flush() resolves');
        assert.ok(sending && sentDuringFlush > 0, `the other task kept sending while flush() waited (${sentDuringFlush} sends)`);
      } finally {
        sending = false;
        await task;
        await within('the other task\'s sends', Promise.all(background.map((s) => s.settled)), 30_000).catch(() => undefined);
      }
    });
  });

  it('while flush() waits, records sent after it still linger: a burst sent during a pending flush goes to the broker in one batch', { timeout: 90_000 }, async () => {
    await withSlowBroker({ lingerMs: 6000 }, async ({ running, proxy, producer, topic }) => {
      // Both partitions have had a batch acknowledged, so each may have several in flight.
      const first = producer.send({ topic, messages: [{ partition: 0, value: 'first-0' }, { partition: 1, value: 'first-1' }] });
      await within('the first flush', producer.flush(), 30_000);
      await within('the first send', first, 30_000);

      // A slow broker: the flush below waits 5 s for the answer to "flushed" (far longer than the
      // ~50 ms burst below takes, even on a loaded machine; the burst's linger is longer still).
      proxy.delayResponses(5000, { apiKey: ApiKey.Produce });
      const flushed = track('flushed', producer.send({ topic, messages: [{ partition: 0, value: 'flushed' }] }));
      let flushDone = false;
      const flush = producer.flush().then(() => void (flushDone = true));
      // A burst of sends, 10 ms apart (the first 10 ms after the call, so no doubt it comes after
      // it), well within lingerMs of each other: one batch, unless flush() makes them urgent.
      const late: TrackedSend[] = [];
      for (let i = 0; i < 5; i++) {
        await sleep(10);
        assert.equal(flushDone, false, `the scenario: flush() is still waiting when late-${i} is sent`);
        late.push(track(`late-${i}`, producer.send({ topic, messages: [{ partition: 1, value: `late-${i}` }] })));
      }
      await within('flush()', flush, 30_000);
      assert.equal(flushed.outcome, 'resolved', 'the record sent before flush() is acknowledged when it resolves');
      await within('the sends after flush()', Promise.all(late.map((s) => s.settled)), 30_000);
      const failed = late.filter((s) => s.outcome !== 'resolved').map((s) => `${s.value}: ${String(s.outcome)}`);
      assert.deepEqual(failed, [], 'every send after flush() succeeds');

      const batches = (await batchesOf(running, topic, 1))
        .map((b) => b.records.map((r) => r.value!.toString()).filter((v) => v.startsWith('late-')))
        .filter((values) => values.length > 0);
      assert.equal(batches.length, 1, `records sent after flush() while it waited went in ${batches.length} batches: ${batches.map((b) => `[${b.join(', ')}]`).join(' ')}`);
    });
  });
});
