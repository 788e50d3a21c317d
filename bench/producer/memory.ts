/**
 * Producer memory benchmark (issue 10.7): how much memory a burst of sends nobody awaits
 * takes, and whether `bufferMemory` bounds it. One synchronous loop of N `send()` calls of
 * one record each (a 1 KB value), their promises not kept, each counted as it settles;
 * then every send awaited; then disconnect. With bufferMemory 32 MiB, 1,000,000 sends took
 * the process to 1.5 GB RSS: every send past the budget waited, messages and all.
 *
 *   npm run bench -- memory        # or: node --import tsx bench/producer/memory.ts
 *
 * Environment:
 *   MEMORY_BENCH_N=1000000,200000    sends per run, one case per value (default 1000000)
 *   MEMORY_BENCH_VALUE_BYTES=1000    value size (default 1000)
 *   MEMORY_BENCH_VALUE=buffer        buffer or string (one value shared by every send)
 *   MEMORY_BENCH_OBSERVE=then        then: a .then on every send (the caller holds a promise per send
 *                                    until its loop yields); event: fire-and-forget, failures counted
 *                                    with the producer.send_error event
 *   MEMORY_BENCH_BUFFER_MEMORY=33554432   the producer's bufferMemory (default 32 MiB)
 *   MEMORY_BENCH_RUNS=3              runs per case (default 3): median [min-max]
 *   MEMORY_BENCH_TIMEOUT_S=600       a workload still running after this is killed
 *
 * The broker is tskafka's, in memory, in a child process (test/support/broker-child.ts);
 * the workload (memory-workload.ts) runs in a child process of its own, so its RSS is
 * its own. Each run produces into a fresh topic of 6 partitions, deleted afterwards. The
 * baseline is the same child connecting the producer and sending 1 record: the constant
 * overhead (Node, tsx, the client's code).
 *
 * RSS and heapUsed are sampled every 10 ms (setInterval), and every 10,000 sends inside
 * the loop, since a synchronous loop holds timers back. Not a test: the figures move
 * with the machine and the Node version; compare peak RSS with the baseline and with
 * bufferMemory.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs, { type Admin } from 'kafkajs';
import { type BrokerChild, startBrokerChild } from '../../test/support/broker-child.js';
import { exitReason, lastLine, runChild as runScriptChild } from '../shared/child-process.js';
import { type WorkloadOptions, type WorkloadResult, workloadArgs } from './memory-workload.js';
import { withTopic } from './run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKLOAD = fileURLToPath(new URL('./memory-workload.ts', import.meta.url));
const MB = 1e6;

function envNumbers(name: string, dflt: number[]): number[] {
  const raw = process.env[name]?.trim();
  if (!raw) return dflt;
  const values = raw.split(',').map((s) => Number(s.trim().replaceAll('_', '')));
  if (!values.every((v) => Number.isInteger(v) && v > 0)) throw new Error(`${name} must be positive integers separated by commas, got ${JSON.stringify(raw)}`);
  return values;
}

function envNumber(name: string, dflt: number): number {
  const values = envNumbers(name, [dflt]);
  if (values.length !== 1) throw new Error(`${name} takes one number, got ${values.length}`);
  return values[0]!;
}

/** Runs one workload child; its last stdout line is its result. */
async function runChild(options: WorkloadOptions, timeoutMs: number): Promise<WorkloadResult> {
  const args = ['--import', 'tsx', WORKLOAD, ...workloadArgs(options)];
  const end = await runScriptChild(process.execPath, args, ROOT, timeoutMs);
  if (end.kind === 'error') throw end.error;
  const { code, signal, stdout, stderr } = end;
  const last = lastLine(stdout);
  if (code === 0) {
    try {
      return JSON.parse(last) as WorkloadResult;
    } catch {
      // falls through to the error below
    }
  }
  throw new Error(`workload of ${options.sends} sends: ${exitReason(code, signal, timeoutMs)}: ${stderr.trim().split('\n').slice(-3).join(' / ') || last}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** "median [min-max]" with `digits` decimals. */
function spread(xs: number[], digits: number): string {
  const f = (x: number): string => x.toFixed(digits);
  return xs.length === 1 ? f(xs[0]!) : `${f(median(xs))} [${f(Math.min(...xs))}-${f(Math.max(...xs))}]`;
}

function outcomes(r: WorkloadResult): string {
  const failed = Object.entries(r.rejected).map(([name, n]) => `${name} ${n.toLocaleString('en-US')}`);
  return `${r.resolved.toLocaleString('en-US')} ok${failed.length > 0 ? `, ${failed.join(', ')}` : ''}`;
}

/** Runs the baseline and every case MEMORY_BENCH_RUNS times and prints the table. */
export async function runMemoryBench(): Promise<void> {
  const cases = envNumbers('MEMORY_BENCH_N', [1_000_000]);
  const valueBytes = envNumber('MEMORY_BENCH_VALUE_BYTES', 1000);
  const bufferMemory = envNumber('MEMORY_BENCH_BUFFER_MEMORY', 32 * 1024 * 1024);
  const runs = envNumber('MEMORY_BENCH_RUNS', 3);
  const timeoutS = envNumber('MEMORY_BENCH_TIMEOUT_S', 600);
  const value = process.env['MEMORY_BENCH_VALUE']?.trim() || 'buffer';
  if (value !== 'buffer' && value !== 'string') throw new Error(`MEMORY_BENCH_VALUE must be buffer or string, got ${JSON.stringify(value)}`);
  const observe = process.env['MEMORY_BENCH_OBSERVE']?.trim() || 'then';
  if (observe !== 'then' && observe !== 'event') throw new Error(`MEMORY_BENCH_OBSERVE must be then or event, got ${JSON.stringify(observe)}`);
  console.log(
    `Unawaited sends of one ${valueBytes}-byte ${value} value each, in one synchronous loop, then all awaited; bufferMemory ${bufferMemory} bytes ` +
      `(${(bufferMemory / MB).toFixed(1)} MB); ${runs} run(s) per case, median [min-max]. Broker: tskafka's, in memory, in its own process; the workload in its own process on ${process.version}.`,
  );

  let broker: BrokerChild | undefined;
  let admin: Admin | undefined;
  const rows = new Map<string, WorkloadResult[]>();
  try {
    broker = await startBrokerChild(['--in-memory', '--log-level', 'warn', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', 'auto.create.topics.enable=false']);
    const kafka = new kafkajs.Kafka({ clientId: 'bench-producer-memory-admin', brokers: [broker.bootstrap], logLevel: kafkajs.logLevel.ERROR });
    admin = kafka.admin();
    await admin.connect();
    let topicNumber = 0;
    for (let run = 0; run < runs; run++) {
      for (const sends of [1, ...cases]) {
        const label = sends === 1 ? 'baseline: connect, 1 send' : `${sends.toLocaleString('en-US')} sends`;
        const topic = `bench-producer-memory-${topicNumber++}`;
        const options: WorkloadOptions = { brokers: [broker.bootstrap], topic, sends, valueBytes, value, bufferMemory, observe };
        const result = await withTopic(admin, topic, () => runChild(options, timeoutS * 1000));
        rows.set(label, [...(rows.get(label) ?? []), result]);
        process.stderr.write(`  run ${run + 1}/${runs}, ${label}: peak RSS ${result.peakRssMb.toFixed(0)} MB, ${result.settleSeconds.toFixed(1)} s, ${outcomes(result)}\n`);
      }
    }
  } finally {
    await admin?.disconnect();
    await broker?.stop();
  }

  console.log('\n| case | peak RSS MB | peak heapUsed MB | RSS after connect MB | send loop s | all settled s | sends resolved / failed (last run) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const [label, results] of rows) {
    const col = (f: (r: WorkloadResult) => number, digits: number): string => spread(results.map(f), digits);
    console.log(
      `| ${label} | ${col((r) => r.peakRssMb, 0)} | ${col((r) => r.peakHeapUsedMb, 0)} | ${col((r) => r.connectedRssMb, 0)} | ${col((r) => r.loopSeconds, 2)} | ${col((r) => r.settleSeconds, 2)} | ${outcomes(results[results.length - 1]!)} |`,
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  await runMemoryBench();
}
