/**
 * The client's read path against a network that cuts the broker's bytes
 * anywhere: a proxy forwards every response in random pieces (1 byte to 3 KiB,
 * each written on its own turn of the event loop), so reads end inside size
 * prefixes, headers and records, and a large Fetch response arrives in hundreds
 * of reads. A TCP connection reads through `onread` into one buffer it reuses
 * between responses and straight into a large response's own buffer: a frame
 * returned as a view of the reused buffer, or a miscounted read, shows up here as
 * a record whose bytes differ from what was produced, or as a decode error. The
 * consumer runs while the records are produced (small Fetch responses, some
 * completed within one read) and its handler sleeps, so fetched records wait in
 * the fetch buffer while later reads reuse the read buffer.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { eventually } from '../support/eventually.js';
import { faultSeed, seededRandom } from '../support/seeded-random.js';

/** Forwards requests as they come, and responses in random pieces, each written on its own event loop turn; counts the cuts. */
async function startFragmentingProxy(target: () => number, random: () => number): Promise<{ port: number; cuts: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let cuts = 0;
  const server: Server = createServer((client) => {
    const broker = connect(target(), '127.0.0.1');
    client.setNoDelay(true);
    broker.setNoDelay(true);
    sockets.add(client).add(broker);
    // Responses wait here and leave in pieces, in order.
    const queue: Buffer[] = [];
    let writing = false;
    const pump = (): void => {
      const chunk = queue[0];
      if (chunk === undefined || client.destroyed) {
        writing = false;
        return;
      }
      // Small pieces; now and then a short chunk whole, so a small response can complete in one read.
      const n = chunk.length <= 16_384 && random() < 0.5 ? chunk.length : Math.min(chunk.length, 1 + Math.floor(random() ** 3 * 3072));
      client.write(chunk.subarray(0, n));
      if (n < chunk.length) cuts++;
      if (n === chunk.length) queue.shift();
      else queue[0] = chunk.subarray(n);
      setImmediate(pump);
    };
    broker.on('data', (chunk: Buffer) => {
      queue.push(chunk);
      if (!writing) {
        writing = true;
        setImmediate(pump);
      }
    });
    client.on('data', (chunk: Buffer) => broker.write(chunk));
    const close = (): void => {
      client.destroy();
      broker.destroy();
      sockets.delete(client);
      sockets.delete(broker);
    };
    client.on('close', close).on('error', close);
    broker.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cuts: () => cuts,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const digest = (b: Buffer | null): string => (b === null ? 'null' : createHash('sha256').update(b).digest('hex'));

describe('client reads with the bytes cut anywhere', () => {
  const seed = faultSeed();
  let running: RunningBroker | undefined;
  let proxy: Awaited<ReturnType<typeof startFragmentingProxy>> | undefined;

  before(async () => {
    proxy = await startFragmentingProxy(() => running!.port, seededRandom(seed));
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'warn', properties: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` } });
  });
  after(async () => {
    await proxy?.close();
    await running?.close();
  });

  it(`produces and consumes small and 200 KB records intact through a proxy cutting every response (FAULT_SEED=${seed})`, { timeout: 120_000 }, async () => {
    const random = seededRandom(seed ^ 0x5eed);
    const bootstrap = `127.0.0.1:${proxy!.port}`;
    const kafka = new Kafka({ clientId: 'fragmented', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const topic = `fragmented-${seed}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    // Values from 0 bytes to 200 KB (larger than the 64 KiB read buffer), random bytes, some tombstones, with headers.
    const sent = Array.from({ length: 600 }, (_, i) => {
      const size = i % 100 === 7 ? 200_000 + Math.floor(random() * 1000) : Math.floor(random() ** 3 * 600);
      const value = i % 41 === 3 ? null : Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256)));
      return { key: `k-${i}`, value, headers: { i: String(i) }, partition: i % 3 };
    });
    const consumer = kafka.consumer({ groupId: `fragmented-${seed}`, maxBytesPerPartition: 256 * 1024, maxWaitTimeInMs: 20 });
    const expected = new Map(sent.map((m, i) => [m.key, `${digest(m.value)} ${i}`]));
    const seen = new Set<string>();
    const wrong: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    consumer.on(consumer.events.CRASH, ({ payload }) => wrong.push(`crash: ${payload.error.message}`));
    await consumer.run({
      eachMessage: async ({ message }) => {
        // Checked at once, then a sleep: what must stay intact is what was fetched while the previous handler slept.
        const key = message.key?.toString() ?? 'null';
        const got = `${digest(message.value)} ${String(message.headers.i)}`;
        if (expected.get(key) === got) seen.add(key);
        else wrong.push(`record ${JSON.stringify(key.slice(0, 20))} at offset ${message.offset}: ${got.slice(0, 20)}..., expected ${String(expected.get(key)).slice(0, 20)}...`);
        await sleep(1);
      },
    });
    const producer = kafka.producer({ lingerMs: 5 });
    await producer.connect();
    for (let i = 0; i < sent.length; i += 5) await producer.send({ topic, messages: sent.slice(i, i + 5) });
    await producer.disconnect();
    try {
      await eventually(`all ${sent.length} records consumed (FAULT_SEED=${seed})`, () => (seen.size >= sent.length || wrong.length > 0 ? true : undefined), 90_000);
    } finally {
      await consumer.disconnect();
    }
    assert.deepEqual(wrong.slice(0, 3), [], `every record arrives as produced (FAULT_SEED=${seed})`);
    assert.equal(seen.size, sent.length);
    assert.ok(proxy!.cuts() > 1000, `the proxy cut responses ${proxy!.cuts()} times`);
  });
});
