/**
 * Consumer benchmark: tskafka next to KafkaJS, @platformatic/kafka and node-rdkafka, with
 * kcat (librdkafka's C consumer) as the physical reference, against one embedded tskafka
 * broker (in memory, in its own process). 1,000,000 records of 100 bytes (keys k0..k999,
 * no compression) are produced once over 6 partitions; every run then reads all of them
 * from the beginning in a fresh consumer group. Cases (workload.ts): (a) one consumer,
 * per message; (b) one consumer, per batch; (c) a group of 3 consumers in one process,
 * per batch; (memory) a handler slower than the fetcher, time-capped, for peak RSS.
 * Every client's handler reads each record's value (adds `value.length` to a byte count,
 * checked at the end), as a real handler would: a client that decodes lazily pays for it.
 *
 *   bash bench/producer/setup.sh              # once: the competitors
 *   npm run bench -- consumer [--runs N]      # or: npx tsx bench/consumer/run.ts [--runs N]
 *
 * Every client runs in its own child process (clients/*.ts), one at a time, so the CPU
 * and peak RSS it reports are its own; the runs of a case go round the clients, so a
 * drift of the machine spreads over all of them. Each cell is the median of N runs
 * (default 3) with the spread (min-max). The clock and the CPU count start at a client's
 * first record (connect and group join are outside them); kcat is timed whole, by
 * /usr/bin/time, start-up included.
 *
 * Environment: BENCH_RECORDS (default 1000000), BENCH_MAX_SECONDS (per run, default 60;
 * the memory case runs 15 s), BENCH_CASES=a,b, BENCH_CLIENTS=tskafka,kafkajs, BENCH_RUNS,
 * BENCH_AUTOCOMMIT=0 (no client commits: fetch, decode and dispatch only).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs, { type Admin } from 'kafkajs';
import { type BrokerChild, startBrokerChild } from '../../test/support/broker-child.js';
import { benchBrokerArgs } from '../shared/broker.js';
import { COMPETITORS_DIR, NODE24, SETUP_HINT } from '../shared/competitors.js';
import { envList, envNumber } from '../shared/env.js';
import { type ClientProgram, type Outcome, printCaseTable, printMemoryTable, printTargets, runClientProcess, runKcat } from './report.js';
import { AUTO_COMMIT, CASES, CASE_IDS, type CaseId, PARTITIONS, VALUE_BYTES } from './workload.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KCAT = '/usr/bin/kcat';
const installed = (...path: string[]): boolean => existsSync(join(COMPETITORS_DIR, ...path));

const CLIENTS: readonly ClientProgram[] = [
  { id: 'tskafka', script: 'tskafka.ts', node: process.execPath, missing: () => (existsSync(join(ROOT, 'src', 'consumer', 'consumer.ts')) ? undefined : 'src/consumer/consumer.ts does not exist yet') },
  {
    id: 'tskafka@node24',
    script: 'tskafka.ts',
    node: NODE24,
    missing: () => (!existsSync(join(ROOT, 'src', 'consumer', 'consumer.ts')) ? 'src/consumer/consumer.ts does not exist yet' : existsSync(NODE24) ? undefined : `no Node 24 binary (${SETUP_HINT})`),
  },
  { id: 'kafkajs', script: 'kafkajs.ts', node: process.execPath, missing: () => undefined },
  {
    id: 'platformatic',
    script: 'platformatic.ts',
    node: NODE24,
    missing: () => (!installed('platformatic', 'node_modules', '@platformatic', 'kafka', 'package.json') ? `@platformatic/kafka is not installed (${SETUP_HINT})` : existsSync(NODE24) ? undefined : `no Node 24 binary (${SETUP_HINT})`),
  },
  {
    id: 'node-rdkafka',
    script: 'node-rdkafka.ts',
    node: process.execPath,
    missing: () => (installed('node_modules', 'node-rdkafka', 'build', 'Release', 'node-librdkafka.node') ? undefined : `node-rdkafka is not built (${SETUP_HINT})`),
  },
];

/** `--runs N` from the command line (after `npm run bench -- consumer`), else BENCH_RUNS, else 3. */
function runsFromArgv(): number {
  const i = process.argv.indexOf('--runs');
  const raw = i >= 0 ? process.argv[i + 1] : process.env.BENCH_RUNS;
  if (raw === undefined || raw === '') return 3;
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${JSON.stringify(raw)}`);
  return runs;
}

/** Produce `records` records round-robin over the partitions with tskafka's producer, in sends of 1,000. */
async function preProduce(brokers: string[], topic: string, records: number): Promise<void> {
  const { Kafka, logLevel } = await import('../../src/index.js');
  const producer = new Kafka({ clientId: 'bench-consumer-seed', brokers, logLevel: logLevel.ERROR }).producer({ acks: 1, idempotent: false, lingerMs: 0 });
  await producer.connect();
  try {
    const value = Buffer.alloc(VALUE_BYTES);
    const perSend = 1_000;
    const wave: Promise<unknown>[] = [];
    for (let first = 0; first < records; first += perSend) {
      const n = Math.min(perSend, records - first);
      const partition = (first / perSend) % PARTITIONS;
      const messages = Array.from({ length: n }, (_, i) => {
        const seq = first + i;
        value.write(`record-${seq}-`.padEnd(VALUE_BYTES, 'x'), 'latin1');
        return { key: `k${seq % 1000}`, value: Buffer.from(value), partition };
      });
      wave.push(producer.send({ topic, messages }));
      if (wave.length === 20) await Promise.all(wave.splice(0));
    }
    await Promise.all(wave);
  } finally {
    await producer.disconnect();
  }
}

/** Run every case for every installed client, `--runs` times each, and print the tables. */
export async function runConsumerBench(): Promise<void> {
  const records = envNumber('BENCH_RECORDS', 1_000_000);
  const maxSeconds = envNumber('BENCH_MAX_SECONDS', 60);
  const runs = runsFromArgv();
  const onlyCases = envList('BENCH_CASES');
  const onlyClients = envList('BENCH_CLIENTS');
  const caseIds = CASE_IDS.filter((id) => !onlyCases || onlyCases.includes(id));
  const clients = CLIENTS.filter((c) => !onlyClients || onlyClients.includes(c.id));
  const withKcat = existsSync(KCAT) && (!onlyClients || onlyClients.includes('kcat'));

  console.log(`${records.toLocaleString('en-US')} records of ${VALUE_BYTES} bytes, no compression, ${PARTITIONS} partitions, produced once; every run reads them all from the beginning in a fresh group.`);
  console.log("Every client's handler reads each record's value (adds value.length to a byte count, checked against records x value size), as a real handler would.");
  console.log(`Broker: tskafka's embedded broker, in memory, in its own process on ${process.version}. ${runs} runs per client and case; medians with (min-max). Time cap ${maxSeconds} s per run. ${AUTO_COMMIT ? 'Each client auto-commits as its defaults say.' : 'BENCH_AUTOCOMMIT=0: no client commits.'}`);
  const runnable: ClientProgram[] = [];
  for (const client of clients) {
    const missing = client.missing();
    if (missing) {
      console.log(`- ${client.id}: skipped: ${missing}`);
      continue;
    }
    runnable.push(client);
    const node = client.node === process.execPath ? process.version : execFileSync(client.node, ['--version'], { encoding: 'utf8' }).trim();
    console.log(`- ${client.id}: node ${node}`);
  }
  console.log(withKcat ? `- kcat: ${execFileSync(KCAT, ['-V'], { encoding: 'utf8' }).split('\n').find((l) => l.startsWith('Version')) ?? KCAT}` : '- kcat: skipped: not at /usr/bin/kcat');

  let broker: BrokerChild | undefined;
  let admin: Admin | undefined;
  try {
    broker = await startBrokerChild([
      ...benchBrokerArgs(PARTITIONS),
      // The 3 members of case (c) start together: one second lets them join one generation (KIP-134).
      '--override',
      'group.initial.rebalance.delay.ms=1000',
    ]);
    const brokers = [broker.bootstrap];
    admin = new kafkajs.Kafka({ clientId: 'bench-consumer-admin', brokers, logLevel: kafkajs.logLevel.ERROR }).admin();
    await admin.connect();
    const topic = 'bench-consumer';
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
    const produceStart = performance.now();
    await preProduce(brokers, topic, records);
    const ends = Array.from({ length: PARTITIONS }, () => 0);
    for (const p of await admin.fetchTopicOffsets(topic)) ends[p.partition] = Number(p.high);
    const total = ends.reduce((a, b) => a + b, 0);
    if (total !== records) throw new Error(`produced ${records} records, the topic holds ${total}`);
    console.log(`Produced in ${((performance.now() - produceStart) / 1000).toFixed(1)} s; end offsets ${ends.join(', ')}.`);
    // Load the broker's Fetch path before anything is measured: whoever ran first would pay for its JIT warm-up.
    if (withKcat) await runKcat(brokers, topic, records, maxSeconds);

    let group = 0;
    const all = new Map<CaseId, Map<string, Outcome[]>>();
    for (const caseId of caseIds) {
      const spec = CASES[caseId];
      const outcomes = new Map<string, Outcome[]>();
      all.set(caseId, outcomes);
      const cap = caseId === 'memory' ? Math.min(15, maxSeconds) : maxSeconds;
      for (let run = 0; run < runs; run++) {
        for (const client of runnable) {
          const groupId = `bench-consumer-${caseId}-${client.id.replace('@', '-')}-${group++}`;
          const args = ['--brokers', broker.bootstrap, '--topic', topic, '--case', caseId, '--ends', ends.join(','), '--group', groupId, '--max-seconds', String(cap)];
          const outcome = await runClientProcess(ROOT, client, args, cap * 1000 + 120_000);
          if (!outcomes.has(client.id)) outcomes.set(client.id, []);
          outcomes.get(client.id)!.push(outcome);
          const summary = outcome.kind === 'ok' ? `${outcome.result.recordsPerSec.toLocaleString('en-US')} records/s, ${outcome.result.cpuUsPerRecord} us/record, ${outcome.result.peakRssMb} MB` : `${outcome.kind}: ${outcome.reason}`;
          process.stderr.write(`  (${caseId}) run ${run + 1} ${client.id}: ${summary}\n`);
        }
        // kcat reads with one consumer; it is the reference of (a) and (b) alike, shown once.
        if (withKcat && caseId === 'a') {
          const outcome = await runKcat(brokers, topic, records, maxSeconds);
          if (!outcomes.has('kcat')) outcomes.set('kcat', []);
          outcomes.get('kcat')!.push(outcome);
          process.stderr.write(`  (${caseId}) run ${run + 1} kcat: ${outcome.kind === 'ok' ? `${outcome.result.recordsPerSec.toLocaleString('en-US')} records/s` : outcome.reason}\n`);
        }
      }
      if (caseId === 'memory') printMemoryTable(spec, outcomes);
      else printCaseTable(spec, records, outcomes);
    }
    printTargets(all);
  } finally {
    await admin?.disconnect();
    await broker?.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  await runConsumerBench();
}
