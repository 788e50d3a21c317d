/**
 * Producer benchmark: tskafka next to KafkaJS, @platformatic/kafka and node-rdkafka in
 * one run, against one embedded tskafka broker (in memory, in its own process), with the
 * same records: 100-byte values, keys k0..k999, 6 partitions. Cases (workload.ts):
 * (a) awaited single sends, linger 0; (b) awaited sends of 100; (c) single-record sends
 * fired in waves of 2,000, each wave awaited; (d1) as (c) with acks -1 and idempotence;
 * (d2) as d1 with zstd. Acks 1 except in (d); linger 0 for the clients that have one.
 *
 *   bash bench/producer/setup.sh     # once: the competitors, into bench/producer/.competitors/
 *   npm run bench -- producer        # or: npx tsx bench/producer/run.ts
 *
 * Environment:
 *   BENCH_SCALE=0.1          multiply every case's record count (default 1)
 *   BENCH_MAX_SECONDS=20     end a client's measurement after this long (default 20)
 *   BENCH_CASES=a,c          only these cases
 *   BENCH_CLIENTS=tskafka,kafkajs   only these clients
 *
 * The broker is warmed up first (KafkaJS, 2,000 single sends and 200 of 100 records), so
 * the client measured first does not pay for the broker's JIT warm-up.
 * Every client runs as its own child process (clients/*.ts, one JSON line of results),
 * one at a time, each into a fresh topic deleted afterwards, so no run pays for another's
 * garbage or log. @platformatic/kafka needs Node >= 22 and runs on the Node 24 binary that
 * setup.sh installs; the others run on this process's Node. Not a test: the numbers move
 * with the machine (and this broker shares its 2 cores with the client); the ratios are
 * what to compare.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs, { type Admin } from 'kafkajs';
import { type BrokerChild, startBrokerChild } from '../../test/support/broker-child.js';
import { benchBrokerArgs } from '../shared/broker.js';
import { type ClientOutcome, type ClientProgram, runClientProcess } from '../shared/client-process.js';
import { COMPETITORS_DIR, NODE24, SETUP_HINT } from '../shared/competitors.js';
import { envList, envNumber } from '../shared/env.js';
import { fmtNum, fmtRatio } from '../shared/stats.js';
import { CASES, CASE_IDS, type CaseId, type CaseSpec, type ClientResult } from './workload.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLIENTS_DIR = fileURLToPath(new URL('./clients/', import.meta.url));
const PARTITIONS = 6;
/** A client run that takes longer than its time cap plus this is killed. */
const RUN_GRACE_MS = 120_000;

type Client = ClientProgram;

const competitorInstalled = (...path: string[]): boolean => existsSync(join(COMPETITORS_DIR, ...path));

function kafkajsSource(): string | undefined {
  if (competitorInstalled('node_modules', 'kafkajs', 'package.json')) return undefined;
  try {
    createRequire(import.meta.url).resolve('kafkajs');
    return "the repo's devDependency (bench/producer/.competitors has none)";
  } catch {
    return undefined;
  }
}

const CLIENTS: readonly Client[] = [
  {
    id: 'tskafka',
    script: 'tskafka.ts',
    node: process.execPath,
    missing: () => (existsSync(join(ROOT, 'src', 'kafka.ts')) ? undefined : 'src/kafka.ts does not exist yet: the tskafka producer has not landed'),
  },
  {
    id: 'tskafka@node24',
    script: 'tskafka.ts',
    node: NODE24,
    missing: () => {
      if (!existsSync(join(ROOT, 'src', 'kafka.ts'))) return 'src/kafka.ts does not exist yet';
      return existsSync(NODE24) ? undefined : `no Node 24 binary (${SETUP_HINT})`;
    },
  },
  {
    id: 'kafkajs',
    script: 'kafkajs.ts',
    node: process.execPath,
    missing: () => (competitorInstalled('node_modules', 'kafkajs', 'package.json') || kafkajsSource() ? undefined : `kafkajs is not installed (${SETUP_HINT})`),
  },
  {
    id: 'platformatic',
    script: 'platformatic.ts',
    node: NODE24,
    missing: () => {
      if (!competitorInstalled('platformatic', 'node_modules', '@platformatic', 'kafka', 'package.json')) return `@platformatic/kafka is not installed (${SETUP_HINT})`;
      return existsSync(NODE24) ? undefined : `no Node 24 binary for @platformatic/kafka, which needs Node >= 22 (${SETUP_HINT})`;
    },
  },
  {
    id: 'node-rdkafka',
    script: 'node-rdkafka.ts',
    node: process.execPath,
    missing: () =>
      competitorInstalled('node_modules', 'node-rdkafka', 'build', 'Release', 'node-librdkafka.node') ? undefined : `node-rdkafka is not built (${SETUP_HINT}; it needs librdkafka-dev)`,
  },
];

type Outcome = ClientOutcome<ClientResult>;

/** The case's default record count times BENCH_SCALE, a whole number of waves. */
function recordsFor(spec: CaseSpec, scale: number): number {
  const unit = spec.messagesPerSend * spec.sendsPerWave;
  return Math.max(1, Math.round((spec.defaultRecords * scale) / unit)) * unit;
}

const fmt = {
  int: (x: number): string => Math.round(x).toLocaleString('en-US'),
  num: fmtNum,
  ratio: fmtRatio,
};

function latencyUnit(spec: CaseSpec): string {
  return spec.sendsPerWave === 1 ? 'per awaited send' : `per wave of ${fmt.int(spec.sendsPerWave)} sends`;
}

function printCaseTable(spec: CaseSpec, records: number, outcomes: Map<string, Outcome>): void {
  const base = outcomes.get('tskafka');
  const baseRate = base?.kind === 'ok' ? base.result.recordsPerSec : Number.NaN;
  console.log(`\n### (${spec.id}) ${spec.title}: ${fmt.int(records)} records (fewer where the time cap ended a run); latency ${latencyUnit(spec)}\n`);
  console.log('| client | node | records | records/s | MB/s | p50 ms | p99 ms | peak RSS MB | records/s vs tskafka |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [id, outcome] of outcomes) {
    if (outcome.kind !== 'ok') {
      console.log(`| ${id} | | | ${outcome.kind}: ${outcome.reason.replaceAll('|', '/')} | | | | | |`);
      continue;
    }
    const r = outcome.result;
    const ratio = id === 'tskafka' ? '1.00x' : fmt.ratio(r.recordsPerSec / baseRate);
    console.log(`| ${id} | ${r.node} | ${fmt.int(r.records)} | ${fmt.int(r.recordsPerSec)} | ${fmt.num(r.mbPerSec, 2)} | ${fmt.num(r.p50Ms, 3)} | ${fmt.num(r.p99Ms, 3)} | ${fmt.num(r.peakRssMb, 0)} | ${ratio} |`);
  }
}

/** The issue's targets, checked against what this run measured. */
function printTargets(all: Map<CaseId, Map<string, Outcome>>): void {
  const get = (caseId: CaseId, client: string): ClientResult | undefined => {
    const o = all.get(caseId)?.get(client);
    return o?.kind === 'ok' ? o.result : undefined;
  };
  const lines: string[] = [];
  const check = (label: string, ok: boolean | undefined, detail: string): void => {
    lines.push(`- ${ok === undefined ? 'n/a ' : ok ? 'MET ' : 'MISS'} ${label}: ${detail}`);
  };
  const c = get('c', 'tskafka');
  const cRd = get('c', 'node-rdkafka');
  check('(c) >= 300k records/s', c && c.recordsPerSec >= 300_000, c ? `${fmt.int(c.recordsPerSec)}/s` : 'not measured');
  check('(c) >= 3x node-rdkafka', c && cRd && c.recordsPerSec >= 3 * cRd.recordsPerSec, c && cRd ? fmt.ratio(c.recordsPerSec / cRd.recordsPerSec) : 'not measured');
  const b = get('b', 'tskafka');
  const bPl = get('b', 'platformatic');
  check('(b) >= 2x platformatic', b && bPl && b.recordsPerSec >= 2 * bPl.recordsPerSec, b && bPl ? fmt.ratio(b.recordsPerSec / bPl.recordsPerSec) : 'not measured');
  const a = get('a', 'tskafka');
  const aPl = get('a', 'platformatic');
  check(
    '(a) p50 and p99 no worse than platformatic',
    a && aPl && a.p50Ms <= aPl.p50Ms && a.p99Ms <= aPl.p99Ms,
    a && aPl ? `p50 ${a.p50Ms} vs ${aPl.p50Ms} ms, p99 ${a.p99Ms} vs ${aPl.p99Ms} ms` : 'not measured',
  );
  const peaks = CASE_IDS.flatMap((id) => {
    const r = get(id, 'tskafka');
    return r ? [`${id} ${fmt.num(r.peakRssMb, 0)}`] : [];
  });
  lines.push(`- tskafka peak RSS MB per case (memory bounded in every case): ${peaks.join(', ') || 'not measured'}`);
  console.log(`\n### Targets (tskafka on ${process.version})\n\n${lines.join('\n')}`);
}

/** Runs `body` with `topic` created (6 partitions) and deletes the topic afterwards. Also used by memory.ts. */
export async function withTopic<T>(admin: Admin, topic: string, body: () => Promise<T>): Promise<T> {
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  try {
    return await body();
  } finally {
    // Frees the in-memory log, so the broker's heap does not carry earlier runs.
    await admin.deleteTopics({ topics: [topic] });
  }
}

/**
 * Load the broker's Produce path before anything is measured, with KafkaJS (a peer
 * of every client measured): a fresh broker process runs its handlers in V8's
 * interpreter and baseline tiers at first, and whichever client ran first would pay
 * for compiling them.
 */
async function warmUpBroker(kafka: InstanceType<typeof kafkajs.Kafka>, admin: Admin): Promise<void> {
  const topic = 'bench-producer-broker-warm-up';
  await withTopic(admin, topic, async () => {
    const producer = kafka.producer();
    await producer.connect();
    try {
      const value = Buffer.alloc(100, 'w');
      for (let i = 0; i < 2_000; i++) await producer.send({ topic, acks: 1, messages: [{ key: `k${i % 1000}`, value }] });
      for (let i = 0; i < 200; i++) await producer.send({ topic, acks: 1, messages: Array.from({ length: 100 }, (_, j) => ({ key: `k${j}`, value })) });
    } finally {
      await producer.disconnect();
    }
  });
}

/** Run every case for every installed client and print the tables. */
export async function runProducerBench(): Promise<void> {
  const scale = envNumber('BENCH_SCALE', 1);
  const maxSeconds = envNumber('BENCH_MAX_SECONDS', 20);
  const onlyCases = envList('BENCH_CASES');
  const onlyClients = envList('BENCH_CLIENTS');
  const caseIds = CASE_IDS.filter((id) => !onlyCases || onlyCases.includes(id));
  const clients = CLIENTS.filter((c) => !onlyClients || onlyClients.includes(c.id));

  console.log('Same records for every client: 100-byte values, keys k0..k999, 6 partitions, one fresh topic per client and case.');
  console.log(`Broker: tskafka's embedded broker, in memory, in its own process on ${process.version}. BENCH_SCALE=${scale}, time cap ${maxSeconds} s per client and case.`);
  const runnable: Client[] = [];
  for (const client of clients) {
    const missing = client.missing();
    if (missing) {
      console.log(`- ${client.id}: skipped: ${missing}`);
    } else {
      runnable.push(client);
      const from = client.id === 'kafkajs' ? kafkajsSource() : undefined;
      const node = client.node === process.execPath ? process.version : `${execFileSync(client.node, ['--version'], { encoding: 'utf8' }).trim()} (${client.node})`;
      console.log(`- ${client.id}: node ${node}${from ? `, kafkajs from ${from}` : ''}`);
    }
  }
  if (runnable.length === 0) return;

  let broker: BrokerChild | undefined;
  let admin: Admin | undefined;
  try {
    broker = await startBrokerChild(benchBrokerArgs(PARTITIONS));
    const kafka = new kafkajs.Kafka({ clientId: 'bench-producer-admin', brokers: [broker.bootstrap], logLevel: kafkajs.logLevel.ERROR });
    admin = kafka.admin();
    await admin.connect();
    await warmUpBroker(kafka, admin);

    const all = new Map<CaseId, Map<string, Outcome>>();
    let run = 0;
    for (const caseId of caseIds) {
      const spec = CASES[caseId];
      const records = recordsFor(spec, scale);
      const outcomes = new Map<string, Outcome>();
      all.set(caseId, outcomes);
      for (const client of runnable) {
        const topic = `bench-producer-${caseId}-${client.id.replace('@', '-')}-${run++}`;
        const args = ['--brokers', broker.bootstrap, '--topic', topic, '--case', caseId, '--count', String(records), '--max-seconds', String(maxSeconds)];
        const outcome = await withTopic(admin, topic, () => runClientProcess<ClientResult>(ROOT, CLIENTS_DIR, client, args, maxSeconds * 1000 + RUN_GRACE_MS));
        outcomes.set(client.id, outcome);
        const summary = outcome.kind === 'ok' ? `${fmt.int(outcome.result.recordsPerSec)} records/s` : `${outcome.kind}: ${outcome.reason}`;
        process.stderr.write(`  (${caseId}) ${client.id}: ${summary}\n`);
      }
      printCaseTable(spec, records, outcomes);
    }
    printTargets(all);
  } finally {
    await admin?.disconnect();
    await broker?.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  await runProducerBench();
}
