/**
 * Broker throughput, measured from outside: the broker runs in its own process
 * (`tskafka broker`, so clients and broker do not share an event loop), and
 * real clients drive it over loopback TCP.
 *
 * - KafkaJS: a producer sending 1,000 messages per send, one send at a time,
 *   with acks=1 and acks=-1; a consumer group member reading everything back.
 * - kcat (librdkafka): `kcat -P -l` of a file of lines with linger.ms=5 and
 *   batch.num.messages=10000, acks=1 and acks=-1; `kcat -C -e` reading back.
 *
 * Every value is 100 bytes; MB/s counts values only (1 MB = 10^6 bytes). Rows
 * are in memory (`--in-memory`: the broker, not the disk) unless marked disk:
 * a temporary log.dirs with the default flush policy (the OS page cache).
 *
 *   npx tsx bench/broker.ts
 *   BENCH_RECORDS=50000 BENCH_KCAT_RECORDS=200000 npx tsx bench/broker.ts
 *
 * Not a test: numbers vary with the machine; compare rows from the same run.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerChild, startBrokerChild } from '../test/support/broker-child.js';
import { KCAT } from '../test/support/kcat.js';

const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 200_000);
const KCAT_RECORDS = Number(process.env['BENCH_KCAT_RECORDS'] ?? 1_000_000);
const VALUE_BYTES = 100;
const PER_SEND = 1_000;
const PARTITIONS = 3;

interface Row {
  readonly client: string;
  readonly work: string;
  readonly storage: string;
  readonly records: number;
  readonly seconds: number;
}

/** A 100-byte value; the sequence number makes each one different. */
function valueOf(i: number): string {
  const head = `value ${i} `;
  return head + 'x'.repeat(VALUE_BYTES - head.length);
}

async function createTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
  } finally {
    await admin.disconnect();
  }
}

async function kafkaJsProduce(kafka: Kafka, topic: string, acks: 1 | -1): Promise<number> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  // Built before the clock starts: the bench measures sending, not string building.
  const sends = Array.from({ length: Math.ceil(RECORDS / PER_SEND) }, (_, s) =>
    Array.from({ length: Math.min(PER_SEND, RECORDS - s * PER_SEND) }, (_, j) => ({ key: `k${(s * PER_SEND + j) % 1000}`, value: valueOf(s * PER_SEND + j) })),
  );
  try {
    const started = process.hrtime.bigint();
    for (const messages of sends) await producer.send({ topic, acks, messages });
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    await producer.disconnect();
  }
}

async function kafkaJsConsume(kafka: Kafka, topic: string, expected: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-${topic}`, maxBytesPerPartition: 4 << 20, maxBytes: 16 << 20, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let resolveDone: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const started = process.hrtime.bigint();
  await consumer.run({
    autoCommitInterval: 1_000,
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      if (seen >= expected) resolveDone();
    },
  });
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await consumer.disconnect();
  if (seen !== expected) throw new Error(`KafkaJS read ${seen} records of ${topic}, expected ${expected}`);
  return seconds;
}

/** Run kcat; resolves to its wall time. `countLines` counts stdout lines without keeping them. */
async function kcat(args: readonly string[], countLines = false): Promise<{ seconds: number; lines: number }> {
  const started = process.hrtime.bigint();
  const child = spawn(KCAT, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0;
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    if (!countLines) return;
    for (let at = d.indexOf(10); at >= 0; at = d.indexOf(10, at + 1)) lines++;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`kcat ${args.join(' ')} exited with ${code}: ${stderr}`);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, lines };
}

/** A file of `n` lines of 100-byte values, for `kcat -P -l`. */
async function linesFile(dir: string, n: number): Promise<string> {
  const path = join(dir, `lines-${n}.txt`);
  const out = createWriteStream(path);
  const chunk = 10_000;
  for (let i = 0; i < n; i += chunk) {
    const lines = Array.from({ length: Math.min(chunk, n - i) }, (_, j) => valueOf(i + j)).join('\n') + '\n';
    if (!out.write(lines)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return path;
}

async function benchOne(broker: BrokerChild, storage: string, scratch: string, rows: Row[], cases: { kafkajsAcks: (1 | -1)[]; kafkajsConsume: boolean; kcatAcks: (1 | -1)[]; kcatConsume: boolean }): Promise<void> {
  const kafka = new Kafka({ clientId: 'bench-broker', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  for (const acks of cases.kafkajsAcks) {
    const topic = `kafkajs-${storage}-acks${acks === -1 ? 'all' : acks}`;
    await createTopic(kafka, topic);
    rows.push({ client: 'KafkaJS', work: `produce, acks=${acks}, ${PER_SEND} per send`, storage, records: RECORDS, seconds: await kafkaJsProduce(kafka, topic, acks) });
    if (cases.kafkajsConsume && acks === cases.kafkajsAcks[0]) {
      rows.push({ client: 'KafkaJS', work: 'consume (group member, from the beginning)', storage, records: RECORDS, seconds: await kafkaJsConsume(kafka, topic, RECORDS) });
    }
  }
  if (KCAT === '') return;
  const file = await linesFile(scratch, KCAT_RECORDS);
  for (const acks of cases.kcatAcks) {
    const topic = `kcat-${storage}-acks${acks === -1 ? 'all' : acks}`;
    await createTopic(kafka, topic);
    const produced = await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-l', file, '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-X', `acks=${acks}`, '-X', 'queue.buffering.max.messages=1000000']);
    rows.push({ client: 'kcat', work: `produce, acks=${acks}, linger.ms=5`, storage, records: KCAT_RECORDS, seconds: produced.seconds });
    if (cases.kcatConsume && acks === cases.kcatAcks[0]) {
      const consumed = await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-e', '-q', '-o', 'beginning', '-f', '%s\n'], true);
      if (consumed.lines !== KCAT_RECORDS) throw new Error(`kcat read ${consumed.lines} records of ${topic}, expected ${KCAT_RECORDS}`);
      rows.push({ client: 'kcat', work: 'consume (-C -e, from the beginning)', storage, records: KCAT_RECORDS, seconds: consumed.seconds });
    }
  }
}

function printTable(rows: readonly Row[]): void {
  const header = ['client', 'work', 'storage', 'records', 'seconds', 'records/s', 'MB/s'];
  const cells = rows.map((r) => [
    r.client,
    r.work,
    r.storage,
    r.records.toLocaleString('en-US'),
    r.seconds.toFixed(2),
    Math.round(r.records / r.seconds).toLocaleString('en-US'),
    ((r.records * VALUE_BYTES) / 1e6 / r.seconds).toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const numeric = (i: number): boolean => i >= 3;
  const line = (c: readonly string[]): string => `| ${c.map((cell, i) => (numeric(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (numeric(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const c of cells) console.log(line(c));
}

/** The broker benchmark: a table of records/s and MB/s per client and case. */
export async function runBrokerBench(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'tskafka-bench-'));
  const rows: Row[] = [];
  const children: BrokerChild[] = [];
  const listeners = ['--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--log-level', 'warn'];
  try {
    console.log(`${VALUE_BYTES}-byte values, ${PARTITIONS} partitions per topic; KafkaJS ${RECORDS.toLocaleString('en-US')} records per case, kcat ${KCAT === '' ? 'not installed: skipped' : `${KCAT_RECORDS.toLocaleString('en-US')} records per case`}\n`);
    const memory = await startBrokerChild(['--in-memory', ...listeners]);
    children.push(memory);
    await benchOne(memory, 'memory', scratch, rows, { kafkajsAcks: [1, -1], kafkajsConsume: true, kcatAcks: [1, -1], kcatConsume: true });
    await memory.stop();

    const disk = await startBrokerChild(['--override', `log.dirs=${join(scratch, 'data')}`, ...listeners]);
    children.push(disk);
    await benchOne(disk, 'disk', scratch, rows, { kafkajsAcks: [-1], kafkajsConsume: false, kcatAcks: [-1], kcatConsume: true });
    await disk.stop();
    printTable(rows);
  } finally {
    for (const c of children) await c.stop('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runBrokerBench();
}
