/**
 * Issue 10.2: the delivery timeout is not a hard limit.
 *
 * `deliveryTimeoutMs` bounds a record's whole life, from `send` to its outcome, as
 * Java's `delivery.timeout.ms`. Today a batch is failed by it only while it waits in
 * its queue, or when its request fails after the deadline: a batch in flight waits for
 * its request's answer or timeout. With `enforceRequestTimeout: false` and a broker
 * that stops answering, `send` never settles; with a request timeout longer than the
 * delivery timeout, it settles only after the request timeout.
 *
 * Expected: the send rejects with KafkaJSDeliveryTimeoutError about deliveryTimeoutMs
 * after the call (never before), whatever the request timeout; and once the broker
 * answers again, later sends to the partition succeed and the log holds every record
 * once: the timed-out batch, whose outcome is unknown (the broker stored it), is not
 * stored a second time.
 *
 * Against the embedded broker behind a fault proxy that swallows every Produce answer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { type KafkaConfig } from '../../src/client/client-options.js';
import { logLevel } from '../../src/client/logger.js';
import { KafkaJSDeliveryTimeoutError } from '../../src/errors/errors.js';
import { Kafka } from '../../src/kafka.js';
import { type Producer } from '../../src/producer/producer.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { recordsOf } from '../support/partition-log.js';
import { within, disconnectQuietly as disconnect } from '../support/within.js';

const deliveryTimeoutMs = 1500;
/** Far past deliveryTimeoutMs, so a loaded machine cannot make a correct producer miss it. */
const settleWithinMs = 20_000;

/** The embedded broker behind a fault proxy (it advertises the proxy), a one-partition topic, and a connected producer. */
async function withSilentBrokerSetUp(client: Partial<KafkaConfig>, test: (s: { running: RunningBroker; proxy: FaultProxy; producer: Producer; topic: string }) => Promise<void>): Promise<void> {
  let running: RunningBroker | undefined;
  const proxy = await startFaultProxy(() => `127.0.0.1:${running!.port}`);
  let producer: Producer | undefined;
  try {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'advertised.listeners': `PLAINTEXT://${proxy.address}`, 'auto.create.topics.enable': false } });
    const topic = 'issue-10-2';
    await running.broker.topics.create(topic, 1, new Map());
    const kafka = new Kafka({ clientId: 'issue-10-2', brokers: [proxy.address], logLevel: logLevel.NOTHING, connectionTimeout: 1000, ...client });
    producer = kafka.producer({ lingerMs: 0, deliveryTimeoutMs, retry: { initialRetryTime: 50, maxRetryTime: 200 } });
    await within('connect', producer.connect(), 30_000);
    // Metadata and the producer id are known before the broker goes silent.
    await within('the first send', producer.send({ topic, messages: [{ value: 'before' }] }), 30_000);
    await test({ running, proxy, producer, topic });
  } finally {
    proxy.reset();
    if (producer) await disconnect(producer);
    await proxy.close();
    await running?.close();
  }
}

/** Send one record while every Produce answer is swallowed; returns what the send settled with and when. */
async function sendIntoSilence(proxy: FaultProxy, producer: Producer, topic: string, value: string): Promise<{ error: unknown; elapsed: number }> {
  proxy.swallowResponses({ apiKey: ApiKey.Produce });
  const started = Date.now();
  const error = await within(
    `a send to a broker that answers nothing, deliveryTimeoutMs ${deliveryTimeoutMs}`,
    producer.send({ topic, messages: [{ value }] }).then(
      () => assert.fail('the send cannot succeed: no answer reaches the producer'),
      (e: unknown) => e,
    ),
    settleWithinMs,
  );
  return { error, elapsed: Date.now() - started };
}

const setUps: { name: string; client: Partial<KafkaConfig> }[] = [
  { name: 'with enforceRequestTimeout false', client: { enforceRequestTimeout: false } },
  { name: 'with a requestTimeout (60 s) longer than deliveryTimeoutMs', client: { requestTimeout: 60_000 } },
];

describe('issue 10.2: the delivery timeout is a hard limit', () => {
  for (const { name, client } of setUps) {
    it(`${name}, a send to a broker that answers nothing rejects with KafkaJSDeliveryTimeoutError after deliveryTimeoutMs`, { timeout: 90_000 }, async () => {
      await withSilentBrokerSetUp(client, async ({ proxy, producer, topic }) => {
        const { error, elapsed } = await sendIntoSilence(proxy, producer, topic, 'into the void');
        assert.ok(error instanceof KafkaJSDeliveryTimeoutError, `a delivery timeout, got ${String(error)}`);
        assert.equal(error.deliveryTimeoutMs, deliveryTimeoutMs);
        assert.ok(elapsed >= deliveryTimeoutMs, `not before deliveryTimeoutMs: failed ${elapsed} ms after the call`);
      });
    });

    it(`${name}, after the delivery timeout failed a batch in flight, later sends to the partition succeed once the broker answers again, and the log holds every record once`, { timeout: 90_000 }, async () => {
      await withSilentBrokerSetUp(client, async ({ running, proxy, producer, topic }) => {
        const { error } = await sendIntoSilence(proxy, producer, topic, 'timed out');
        assert.ok(error instanceof KafkaJSDeliveryTimeoutError, `a delivery timeout, got ${String(error)}`);

        proxy.reset();
        const offsets: string[] = [];
        for (const value of ['after-1', 'after-2']) {
          const [meta] = await within(`the send of ${value} once the broker answers again`, producer.send({ topic, messages: [{ value }] }), settleWithinMs);
          offsets.push(meta!.offsets[0]!);
        }

        const log = (await recordsOf(running, topic, 0)).map((r) => ({ offset: String(r.offset), value: r.value!.toString() }));
        const shown = log.map((r) => `${r.offset}: ${r.value}`).join(', ');
        const count = (value: string) => log.filter((r) => r.value === value).length;
        assert.ok(count('timed out') <= 1, `the timed-out record is stored at most once (its first attempt reached the broker): ${shown}`);
        for (const value of ['before', 'after-1', 'after-2']) assert.equal(count(value), 1, `${value} is stored once: ${shown}`);
        assert.deepEqual(
          offsets,
          ['after-1', 'after-2'].map((value) => log.find((r) => r.value === value)!.offset),
          `each later send was told its record's offset in the log: ${shown}`,
        );
      });
    });
  }
});
