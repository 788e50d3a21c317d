/**
 * The consumer benchmark's child processes and tables: a client script or kcat run once,
 * medians and spreads over the runs, ratios to tskafka, and the issue's targets.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { lastLine } from '../shared/child-process.js';
import { type ClientOutcome, type ClientProgram, runClientProcess as runClientScript } from '../shared/client-process.js';
import { fmtNum, fmtRatio } from '../shared/stats.js';
import { CASE_IDS, type CaseId, type CaseSpec, type ClientResult } from './workload.js';

const CLIENTS_DIR = fileURLToPath(new URL('./clients/', import.meta.url));

export type { ClientProgram } from '../shared/client-process.js';

export type Outcome = ClientOutcome<ClientResult>;

/** The line of a crashed Node process's stderr that says what happened (Node ends it with its version). */
function firstErrorLine(text: string): string {
  return text.split('\n').find((l) => /error|exception/i.test(l))?.trim() ?? lastLine(text);
}

/** Run one client script once; its last stdout line is its result. */
export function runClientProcess(root: string, client: ClientProgram, args: string[], timeoutMs: number): Promise<Outcome> {
  return runClientScript<ClientResult>(root, CLIENTS_DIR, client, args, timeoutMs, firstErrorLine);
}

/**
 * kcat reading the whole topic from the beginning to the end (`-e`), printing nothing per
 * record, under /usr/bin/time for its wall time, CPU and peak RSS (start-up included).
 */
export function runKcat(brokers: string[], topic: string, records: number, maxSeconds: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const args = ['-f', '%e %U %S %M', '/usr/bin/kcat', '-C', '-b', brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-f', ''];
    const child = spawn('/usr/bin/time', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), maxSeconds * 1000 + 60_000);
    child.on('error', (err) => resolve({ kind: 'failed', reason: err.message }));
    child.on('exit', (code) => {
      clearTimeout(timer);
      const m = /^([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/m.exec(stderr);
      if (code !== 0 || !m) {
        resolve({ kind: 'failed', reason: `kcat exit ${code}: ${lastLine(stderr)}` });
        return;
      }
      const seconds = Number(m[1]);
      const cpuMicros = (Number(m[2]) + Number(m[3])) * 1e6;
      resolve({
        kind: 'ok',
        result: {
          client: 'kcat',
          library: 'kcat',
          case: 'a',
          records,
          seconds,
          recordsPerSec: Math.round(records / seconds),
          cpuUsPerRecord: Number((cpuMicros / records).toFixed(3)),
          peakRssMb: Number(((Number(m[4]) * 1024) / 1e6).toFixed(1)),
          complete: true,
          node: '-',
        },
      });
    });
  });
}

/** Median and spread of a list of numbers. */
interface Stat {
  median: number;
  min: number;
  max: number;
}

function stat(values: number[]): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

const fmt = {
  int: (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-'),
  num: fmtNum,
  ratio: fmtRatio,
};

const spread = (s: Stat, show: (x: number) => string): string => `${show(s.median)} (${show(s.min)}-${show(s.max)})`;

interface Summary {
  rate: Stat;
  cpu: Stat;
  rss: Stat;
  records: Stat;
  ok: number;
  incomplete: number;
  node: string;
  problems: string[];
}

function summarize(outcomes: Outcome[]): Summary {
  const ok = outcomes.flatMap((o) => (o.kind === 'ok' ? [o.result] : []));
  return {
    rate: stat(ok.map((r) => r.recordsPerSec)),
    cpu: stat(ok.map((r) => r.cpuUsPerRecord)),
    rss: stat(ok.map((r) => r.peakRssMb)),
    records: stat(ok.map((r) => r.records)),
    ok: ok.length,
    incomplete: ok.filter((r) => !r.complete).length,
    node: ok[0]?.node ?? '',
    problems: outcomes.flatMap((o) => (o.kind === 'ok' ? [] : [`${o.kind}: ${o.reason}`])),
  };
}

/** One case's table: medians (min-max) and the ratios of the medians to tskafka's. */
export function printCaseTable(spec: CaseSpec, records: number, outcomes: Map<string, Outcome[]>): void {
  const base = summarize(outcomes.get('tskafka') ?? []);
  console.log(`\n### (${spec.id}) ${spec.title}: ${fmt.int(records)} records\n`);
  console.log('| client | node | runs | records/s | CPU us/record | peak RSS MB | records/s vs tskafka | CPU/record vs tskafka |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [id, list] of outcomes) {
    const s = summarize(list);
    const runs = `${s.ok}/${list.length}${s.incomplete > 0 ? ` (${s.incomplete} hit the time cap)` : ''}`;
    if (s.ok === 0) {
      console.log(`| ${id} | | ${runs} | ${s.problems[0]?.replaceAll('|', '/') ?? ''} | | | | |`);
      continue;
    }
    const rateRatio = id === 'tskafka' ? '1.00x' : fmt.ratio(s.rate.median / base.rate.median);
    const cpuRatio = id === 'tskafka' ? '1.00x' : fmt.ratio(s.cpu.median / base.cpu.median);
    console.log(`| ${id} | ${s.node} | ${runs} | ${spread(s.rate, fmt.int)} | ${spread(s.cpu, (x) => fmt.num(x, 2))} | ${spread(s.rss, (x) => fmt.num(x, 0))} | ${rateRatio} | ${cpuRatio} |`);
  }
  if (spec.id === 'a' && outcomes.has('kcat')) console.log('\nkcat: one process reading every partition, timed whole by /usr/bin/time (start-up included): the reference of (a), (b) and (c) alike.');
}

/** The memory case: records processed in the capped window and peak RSS. */
export function printMemoryTable(spec: CaseSpec, outcomes: Map<string, Outcome[]>): void {
  console.log(`\n### (${spec.id}) ${spec.title}, 15 s per run\n`);
  console.log('| client | node | runs | records processed | records/s | peak RSS MB |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const [id, list] of outcomes) {
    const s = summarize(list);
    if (s.ok === 0) {
      console.log(`| ${id} | | 0/${list.length} | ${s.problems[0]?.replaceAll('|', '/') ?? ''} | | |`);
      continue;
    }
    console.log(`| ${id} | ${s.node} | ${s.ok}/${list.length} | ${spread(s.records, fmt.int)} | ${spread(s.rate, fmt.int)} | ${spread(s.rss, (x) => fmt.num(x, 0))} |`);
  }
}

/** The issue's targets, against this run's medians. */
export function printTargets(all: Map<CaseId, Map<string, Outcome[]>>): void {
  const lines: string[] = [];
  const kcat = summarize(all.get('a')?.get('kcat') ?? []);
  for (const caseId of CASE_IDS) {
    if (caseId === 'memory') continue;
    const outcomes = all.get(caseId);
    if (!outcomes) continue;
    const ts = summarize(outcomes.get('tskafka') ?? []);
    if (ts.ok === 0) {
      lines.push(`- n/a  (${caseId}): tskafka not measured`);
      continue;
    }
    const peers = [...outcomes].filter(([id]) => id !== 'kcat' && !id.startsWith('tskafka')).map(([id, list]) => [id, summarize(list)] as const).filter(([, s]) => s.ok > 0);
    const bestRate = peers.reduce<readonly [string, Summary] | undefined>((best, p) => (!best || p[1].rate.median > best[1].rate.median ? p : best), undefined);
    const bestCpu = peers.reduce<readonly [string, Summary] | undefined>((best, p) => (!best || p[1].cpu.median < best[1].cpu.median ? p : best), undefined);
    if (bestRate) {
      const r = ts.rate.median / bestRate[1].rate.median;
      lines.push(`- ${r >= 1.5 ? 'MET ' : 'MISS'} (${caseId}) records/s >= 1.5x the best Node peer (${bestRate[0]}): ${fmt.ratio(r)}`);
    }
    if (bestCpu) {
      const r = bestCpu[1].cpu.median / ts.cpu.median;
      lines.push(`- ${r >= 1.5 ? 'MET ' : 'MISS'} (${caseId}) CPU per record <= 1/1.5 of the best Node peer (${bestCpu[0]}): tskafka uses ${fmt.ratio(1 / r)} of its CPU per record`);
    }
    if (kcat.ok > 0) {
      const r = kcat.rate.median / ts.rate.median;
      lines.push(`- ${r <= 2 ? 'MET ' : 'MISS'} (${caseId}) within 2x of kcat's records/s: kcat is ${fmt.ratio(r)} tskafka`);
    }
  }
  const memory = summarize(all.get('memory')?.get('tskafka') ?? []);
  if (memory.ok > 0) lines.push(`- tskafka peak RSS with a handler slower than the fetcher: ${spread(memory.rss, (x) => fmt.num(x, 0))} MB`);
  console.log(`\n### Targets (tskafka on ${process.version}, medians)\n\n${lines.join('\n')}`);
}
