/**
 * Issue 10.7: bufferMemory did not bound the producer's memory. 1,000,000 `send()` calls
 * of 1 KB values fired in one synchronous loop with bufferMemory 32 MiB took the process
 * to 1.5 GB RSS: every send that did not fit stayed queued, with its messages, its
 * promise and a maxBlockMs timer, for up to maxBlockMs (bench/producer/memory.ts
 * measures it).
 *
 * What these tests ask for (the rule, in the producer's #queueSlow: a send may wait
 * only while the records in batches plus those of the sends already waiting plus its
 * own fit in bufferMemory + maxRequestSize; the first to wait always may):
 * (a) sends past that fail at once with KafkaJSBufferExhaustedError, long before
 *     maxBlockMs, and the bytes the producer's batches hold (`metrics().bufferUsedBytes`)
 *     never pass bufferMemory by more than one batch's growth;
 * (b) a string counts its UTF-8 bytes, not its UTF-16 length ('€' is 3 bytes);
 * (c) back-pressure stays: a send that does not fit while no other send waits still
 *     waits for room (up to maxBlockMs), so a loop that awaits its sends goes at the
 *     broker's pace and never fails for want of room.
 *
 * Against the embedded broker behind the fault proxy, which the broker advertises, so
 * every connection of the producer goes through it: swallowed Produce answers make a
 * broker that never acknowledges (nothing is ever released), delayed ones a slow broker.
 * No assertion on time other than generous deadlines: the machine may be loaded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { KafkaJSBufferExhaustedError } from '../../src/errors/errors.js';
import { Kafka } from '../../src/kafka.js';
import { type Producer } from '../../src/producer/producer.js';
import { type ProducerConfig } from '../../src/producer/producer-config.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { within } from '../support/within.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Outcomes of sends nobody awaits, counted as they settle. */
class Outcomes {
  resolved = 0;
  readonly rejected = new Map<string, number>();
  firstError: Error | undefined;
  #onSettle: (() => void) | undefined;

  get settled(): number {
    let n = this.resolved;
    for (const count of this.rejected.values()) n += count;
    return n;
  }

  track(send: Promise<unknown>): void {
    send.then(
      () => {
        this.resolved++;
        this.#onSettle?.();
      },
      (e: unknown) => {
        const name = e instanceof Error ? e.name : typeof e;
        this.rejected.set(name, (this.rejected.get(name) ?? 0) + 1);
        if (e instanceof Error) this.firstError ??= e;
        this.#onSettle?.();
      },
    );
  }

  /** Resolves once at least `count` have settled; rejects after `ms`, saying how many had. */
  async settledAtLeast(count: number, ms: number): Promise<void> {
    await within(
      `${count} sends settled`,
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (this.settled >= count) resolve();
        };
        this.#onSettle = check;
        check();
      }),
      ms,
    ).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}: only ${this.settled} had (${this.describe()})`);
    });
  }

  describe(): string {
    return `resolved ${this.resolved}, rejected ${[...this.rejected].map(([name, n]) => `${name} ${n}`).join(', ') || '0'}`;
  }
}

describe('issue 10.7: bufferMemory bounds what the producer holds', () => {
  let running: RunningBroker | undefined;
  let proxy: FaultProxy;
  let kafka: Kafka;
  const producers: Producer[] = [];
  let topicCount = 0;

  before(async () => {
    proxy = await startFaultProxy(() => `127.0.0.1:${running!.port}`);
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'advertised.listeners': `PLAINTEXT://${proxy.address}` } });
    kafka = new Kafka({ clientId: 'issue-10-7', brokers: [proxy.address], logLevel: logLevel.NOTHING });
  });
  after(async () => {
    proxy.reset();
    // Pending sends fail at disconnect; cleanup must end even when a producer is stuck.
    await Promise.all(producers.map((p) => within('disconnect', p.disconnect({ timeout: 3_000 }), 10_000).catch(() => undefined)));
    await proxy.close();
    await running?.close();
  });

  const newTopic = async (partitions: number): Promise<string> => {
    const name = `issue-10-7-${++topicCount}`;
    await running!.broker.topics.create(name, partitions, new Map());
    return name;
  };

  /** A connected producer that already has `topic`'s metadata, so no send below waits for it. */
  const connected = async (config: ProducerConfig, topic: string): Promise<Producer> => {
    proxy.reset();
    const producer = kafka.producer(config);
    producers.push(producer);
    await within('connect', producer.connect(), 30_000);
    const sent = producer.send({ topic, messages: [{ partition: 0, value: 'warm-up' }] });
    await within('warm-up flush', producer.flush(), 30_000);
    await within('warm-up send', sent, 30_000);
    return producer;
  };

  it('(a) with the broker never acknowledging, 20,000 sends of 1 KB fired at once: those past bufferMemory + maxRequestSize fail with KafkaJSBufferExhaustedError long before maxBlockMs, and bufferUsedBytes never passes bufferMemory by more than one batch', { timeout: 90_000 }, async () => {
    const topic = await newTopic(6);
    const bufferMemory = MiB;
    const maxRequestSize = 256 * KiB;
    const batchSize = 16 * KiB;
    const producer = await connected({ bufferMemory, maxRequestSize, batchSize, maxBlockMs: 120_000, lingerMs: 5 }, topic);
    proxy.swallowResponses({ apiKey: ApiKey.Produce });
    const value = Buffer.alloc(1000, 'a');
    const sends = 20_000;
    const outcomes = new Outcomes();
    let maxUsed = 0;
    const sample = (): void => {
      maxUsed = Math.max(maxUsed, producer.metrics().bufferUsedBytes);
    };
    const sampler = setInterval(sample, 1);
    try {
      for (let i = 0; i < sends; i++) {
        outcomes.track(producer.send({ topic, messages: [{ value }] }));
        sample();
      }
      // Every send that fits or waits takes at least its value's bytes, within bufferMemory +
      // maxRequestSize. Every other send must fail, and soon: 40 s is a third of maxBlockMs,
      // and ages on any machine.
      const mayFitOrWait = Math.floor((bufferMemory + maxRequestSize) / value.length);
      await outcomes.settledAtLeast(sends - mayFitOrWait - 1, 40_000);
    } finally {
      clearInterval(sampler);
    }
    sample();
    assert.equal(outcomes.resolved, 0, 'nothing is acknowledged: no send can succeed');
    assert.deepEqual([...outcomes.rejected.keys()], ['KafkaJSBufferExhaustedError'], `sends failed only for want of room (${outcomes.describe()}); first: ${outcomes.firstError?.stack}`);
    assert.ok(outcomes.firstError instanceof KafkaJSBufferExhaustedError);
    assert.ok(maxUsed <= bufferMemory + batchSize + 128, `bufferUsedBytes reached ${maxUsed}, over bufferMemory (${bufferMemory}) + one batch`);
    assert.ok(maxUsed > bufferMemory / 2, `the buffer filled up before sends failed (${maxUsed} bytes at most)`);
    assert.ok(outcomes.settled < sends, 'the sends that got in wait for room (maxBlockMs) rather than failing at once');
  });

  it('(b) a string value counts its UTF-8 bytes: 1000 "€" take about 3000 bytes of bufferMemory, and such sends never take bufferUsedBytes past bufferMemory', { timeout: 60_000 }, async () => {
    const topic = await newTopic(1);
    const bufferMemory = 64 * KiB;
    // A linger far past the test: a batch leaves only when full, and is never acknowledged.
    const batchSize = 16 * KiB;
    const producer = await connected({ bufferMemory, batchSize, maxRequestSize: 32 * KiB, lingerMs: 600_000, deliveryTimeoutMs: 600_000, maxBlockMs: 1_000 }, topic);
    proxy.swallowResponses({ apiKey: ApiKey.Produce });
    const euros = '€'.repeat(1000);
    assert.equal(Buffer.byteLength(euros), 3000);
    const outcomes = new Outcomes();

    const before = producer.metrics().bufferUsedBytes;
    outcomes.track(producer.send({ topic, messages: [{ partition: 0, value: euros }] }));
    const one = producer.metrics().bufferUsedBytes - before;
    // About 3000: the record's own few bytes of framing on top, and its batch's allocation
    // where that is what is counted (4000 bytes at first); about 1000 would be UTF-16 units.
    assert.ok(one >= 3000 && one <= 4200, `one value of 1000 '€' counts ${one} bytes of bufferMemory; its UTF-8 encoding is 3000 bytes`);

    // 40 more in one send: 120,000 bytes in UTF-8, about 42,000 counted in UTF-16 units,
    // which would fit in bufferMemory (65,536) at once.
    let maxUsed = producer.metrics().bufferUsedBytes;
    const sample = (): void => {
      maxUsed = Math.max(maxUsed, producer.metrics().bufferUsedBytes);
    };
    // Batches hold their allocated buffers: one may grow past the limit by at most batchSize + 128.
    const limit = bufferMemory + batchSize + 128;
    const overflow = (): string => `bufferUsedBytes reached ${maxUsed}, over bufferMemory (${bufferMemory}) + one batch: a string's bytes were counted in UTF-16 units`;
    const sampler = setInterval(sample, 1);
    try {
      outcomes.track(producer.send({ topic, messages: Array.from({ length: 40 }, () => ({ partition: 0, value: euros })) }));
      sample();
      assert.ok(maxUsed <= limit, overflow());
      // It cannot all fit and nothing is ever released: what fits is appended, then it
      // waits maxBlockMs (1 s) and fails. Watch the buffer until then (or a while past it).
      await outcomes.settledAtLeast(1, 5_000).catch(() => undefined);
    } finally {
      clearInterval(sampler);
    }
    sample();
    assert.ok(maxUsed <= limit, overflow());
  });

  it('(c) a send that does not fit while no other send waits still waits for room: with a slow broker, a loop awaiting pairs of sends, together 12 times bufferMemory, completes without an error', { timeout: 90_000 }, async () => {
    const topic = await newTopic(3);
    const bufferMemory = 64 * KiB;
    const producer = await connected({ bufferMemory, maxRequestSize: 32 * KiB, lingerMs: 5, maxBlockMs: 30_000 }, topic);
    proxy.delayResponses(100, { apiKey: ApiKey.Produce });
    const value = Buffer.alloc(KiB, 'c');
    // Each send is about 40 KiB: the first of a pair fits, the second must wait for it.
    const messages = Array.from({ length: 40 }, () => ({ value }));
    const rounds = 10;
    try {
      for (let round = 0; round < rounds; round++) {
        const first = producer.send({ topic, messages });
        const second = producer.send({ topic, messages });
        await within(`round ${round}`, Promise.all([first, second]), 20_000);
      }
    } finally {
      proxy.reset();
    }
    const stored = running!.broker.topics.get(topic)!.partitions.reduce((n, p) => n + p.log.logEndOffset, 0);
    assert.equal(stored, 1 + rounds * 2 * messages.length, 'every record of every send is stored, once');
    assert.equal(producer.metrics().bufferUsedBytes, 0);
  });
});
