/**
 * `tskafka demo [--brokers host:port] [--count N] [--topic T]`: the main job.
 *
 * Produces N order events (seed 000's production example: keyed by user id,
 * with headers) with the reliable profile (idempotent, acks all, zstd,
 * lingerMs 10) into a fresh topic (`T-<time>-<random>`, so a second run
 * against the same broker starts from nothing), showing progress; then reads
 * them back with a consumer group of 3 tskafka consumers (eachBatch,
 * auto-commit, committed again on disconnect) and prints throughput, send
 * latency, batching, compression, the offsets the group committed, and
 * "lost L, duplicated D" computed from what the group consumed. Without
 * --brokers it starts the embedded broker in this process; with it, it runs
 * against any Kafka.
 */
import { type KafkaConfig } from '../client/client-options.js';
import { logLevel } from '../client/logger.js';
import { startBroker } from '../broker/server.js';
import { Kafka } from '../kafka.js';
import { type Consumer } from '../consumer/consumer.js';

interface DemoOptions {
  brokers: string[] | null;
  count: number;
  topic: string;
  partitions: number;
}

function parseArgs(argv: readonly string[]): DemoOptions {
  const o: DemoOptions = { brokers: null, count: 1_000_000, topic: 'orders', partitions: 6 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--brokers') o.brokers = next().split(',');
    else if (arg === '--count') o.count = Number(next());
    else if (arg === '--topic') o.topic = next();
    else throw new Error(`unknown argument ${JSON.stringify(arg)}; usage: tskafka demo [--brokers host:port[,...]] [--count N] [--topic T]`);
  }
  if (!Number.isSafeInteger(o.count) || o.count < 1) throw new Error(`--count must be a positive integer, got ${o.count}`);
  return o;
}

/** Members of the consumer group that reads the orders back. */
const GROUP_MEMBERS = 3;

/** Run the demo; resolves to an exit code (1 if anything was lost or duplicated). */
export async function demoCommand(argv: readonly string[], print: (line: string) => void): Promise<number> {
  const options = parseArgs(argv);
  const embedded = options.brokers ? null : await startBroker({ inMemory: true, port: 0, properties: { 'num.partitions': options.partitions } });
  const brokers = options.brokers ?? [embedded!.bootstrap];
  print(embedded ? `embedded broker (in memory) on ${embedded.bootstrap}` : `brokers: ${brokers.join(', ')}`);
  const config: KafkaConfig = { clientId: 'tskafka-demo', brokers, logLevel: logLevel.WARN };
  // A fresh topic and group per run: orders of an earlier run are not counted as duplicates.
  const runId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const topic = `${options.topic}-${runId}`;
  print(`topic ${topic}`);
  try {
    const kafka = new Kafka(config);
    // The reliable profile of seeds 000 and 004.
    const producer = kafka.producer({ idempotent: true, acks: -1, compression: 'zstd', lingerMs: 10, retry: { retries: Number.MAX_SAFE_INTEGER } });
    await producer.connect();
    const start = Date.now();
    let bytes = 0;
    // Waves of concurrent sends, each awaited: the producer batches a wave's records.
    const chunk = 10_000;
    let nextReport = 100_000;
    for (let sent = 0; sent < options.count; ) {
      const n = Math.min(chunk, options.count - sent);
      const sends = new Array<Promise<unknown>>(n);
      for (let i = 0; i < n; i++) {
        const seq = sent + i;
        const userId = `user-${seq % 10_000}`;
        const value = JSON.stringify({
          orderId: `order-${seq}`,
          userId,
          amount: Math.round(((seq * 7919) % 100_000) / 100 + 1),
          items: [{ productId: `prod-${String.fromCharCode(65 + (seq % 26))}`, quantity: 1 + (seq % 3), price: 149.99 }],
          timestamp: start + seq,
        });
        bytes += value.length;
        sends[i] = producer.send({
          topic,
          messages: [{ key: userId, value, headers: { 'event-type': 'order-created', version: '1.0', source: 'order-service' } }],
        });
      }
      await Promise.all(sends);
      sent += n;
      if (sent >= nextReport || sent === options.count) {
        const s = (Date.now() - start) / 1000;
        print(`  produced ${sent.toLocaleString('en-US')} / ${options.count.toLocaleString('en-US')} (${Math.round(sent / s).toLocaleString('en-US')} records/s)`);
        nextReport += 100_000;
      }
    }
    const seconds = (Date.now() - start) / 1000;
    const m = producer.metrics();
    await producer.disconnect();
    print(
      `produced ${options.count.toLocaleString('en-US')} records in ${seconds.toFixed(2)} s: ${Math.round(options.count / seconds).toLocaleString('en-US')} records/s, ${(bytes / 1024 / 1024 / seconds).toFixed(1)} MB/s of values`,
    );
    print(
      `send latency p50 ${m.sendLatencyP50.toFixed(1)} ms, p99 ${m.sendLatencyP99.toFixed(1)} ms; ${m.recordsPerBatch.toFixed(1)} records per batch (${m.batchesSent.toLocaleString('en-US')} batches); zstd compression ratio ${m.compressionRatio.toFixed(2)}; ${m.retries} retries`,
    );

    const readStart = Date.now();
    const { records, lost, duplicated, committed, assignments } = await consumeWithGroup(kafka, { topic, groupId: `tskafka-demo-${runId}`, members: GROUP_MEMBERS, count: options.count, print });
    const readSeconds = (Date.now() - readStart) / 1000;
    print(`group of ${GROUP_MEMBERS} consumers (partitions per member: ${assignments.join(', ')}) consumed ${records.toLocaleString('en-US')} records in ${readSeconds.toFixed(2)} s: ${Math.round(records / readSeconds).toLocaleString('en-US')} records/s`);
    print(`committed offsets: ${committed.toLocaleString('en-US')} of ${options.count.toLocaleString('en-US')} records`);
    print(`lost ${lost}, duplicated ${duplicated}`);
    return lost === 0 && duplicated === 0 && committed === options.count ? 0 : 1;
  } finally {
    await embedded?.close();
  }
}

interface GroupReadOptions {
  topic: string;
  groupId: string;
  members: number;
  /** Orders produced: order-0 ... order-(count-1). */
  count: number;
  print: (line: string) => void;
}

interface GroupReadResult {
  /** Records the group processed, duplicates included. */
  records: number;
  lost: number;
  duplicated: number;
  /** Sum over partitions of the last offset the group committed (the next offset to read). */
  committed: number;
  /** Partitions assigned to each member when the reading ended. */
  assignments: number[];
}

/** The bytes every order's value starts with (JSON.stringify puts orderId first). */
const ORDER_PREFIX = Buffer.from('{"orderId":"order-');

/** The order's sequence number, read from the value's bytes without parsing the whole JSON. */
function orderSequence(value: Buffer): number {
  if (value.length > ORDER_PREFIX.length && value.compare(ORDER_PREFIX, 0, ORDER_PREFIX.length, 0, ORDER_PREFIX.length) === 0) {
    let seq = 0;
    for (let i = ORDER_PREFIX.length; i < value.length; i++) {
      const digit = value[i]! - 48;
      if (digit < 0 || digit > 9) return seq;
      seq = seq * 10 + digit;
    }
  }
  const { orderId } = JSON.parse(value.toString()) as { orderId: string };
  return Number(orderId.slice('order-'.length));
}

/** How long the group may go without a new order before the demo gives up and reports what is missing. */
const STALL_MS = 60_000;

/**
 * Read the topic from the beginning with a group of `members` consumers (eachBatch,
 * auto-commit; disconnect commits what was processed), until every order was seen or
 * nothing new arrived for a minute. lost = never seen, duplicated = seen more than once.
 */
async function consumeWithGroup(kafka: Kafka, options: GroupReadOptions): Promise<GroupReadResult> {
  const { topic, count, print } = options;
  const seen = new Uint8Array(count);
  let records = 0;
  let distinct = 0;
  let duplicated = 0;
  let nextReport = 100_000;
  const readStart = Date.now();
  const committedOffsets = new Map<number, number>();
  const assignments: number[] = new Array<number>(options.members).fill(0);
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const consumers: Consumer[] = [];
  for (let m = 0; m < options.members; m++) {
    const consumer = kafka.consumer({ groupId: options.groupId });
    consumer.on(consumer.events.COMMIT_OFFSETS, (event) => {
      for (const t of (event.payload as { topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }).topics) {
        if (t.topic !== topic) continue;
        for (const p of t.partitions) committedOffsets.set(p.partition, Math.max(committedOffsets.get(p.partition) ?? 0, Number(p.offset)));
      }
    });
    consumers.push(consumer);
  }
  let lastProgress = Date.now();
  const stallCheck = setInterval(() => {
    if (Date.now() - lastProgress > STALL_MS) finish();
  }, 1_000);
  try {
    await Promise.all(
      consumers.map(async (consumer) => {
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              records++;
              const seq = message.value ? orderSequence(message.value) : -1;
              if (seq < 0 || seq >= count) continue;
              if (seen[seq]) duplicated++;
              else {
                seen[seq] = 1;
                distinct++;
              }
            }
            lastProgress = Date.now();
            if (records >= nextReport) {
              const s = (Date.now() - readStart) / 1000;
              print(`  consumed ${records.toLocaleString('en-US')} / ${count.toLocaleString('en-US')} (${Math.round(records / s).toLocaleString('en-US')} records/s)`);
              nextReport += 100_000;
            }
            if (distinct === count) finish();
          },
        });
      }),
    );
    await finished;
  } finally {
    clearInterval(stallCheck);
    consumers.forEach((c, m) => (assignments[m] = c.assignment().filter((p) => p.topic === topic).length));
    // Disconnect stops fetching, lets the batch in progress finish, commits what was processed and leaves the group.
    await Promise.all(consumers.map((c) => c.disconnect()));
  }
  let committed = 0;
  for (const offset of committedOffsets.values()) committed += offset;
  return { records, lost: count - distinct, duplicated, committed, assignments };
}
