/**
 * `tskafka perf produce|consume` against our broker: the numbers it prints, the
 * records it produced (counted by KafkaJS's admin), the SVG chart (well-formed XML
 * by Python's parser, a point per sample in each series), and the live progress
 * line: redrawn with carriage returns on a terminal (a pseudo-terminal from
 * util-linux's `script`), absent when stdout is a pipe.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliBroker, ROOT, cliCommandLine, runCli } from './cli-process.js';

const SCRIPT = '/usr/bin/script';
const hasScript = spawnSync(SCRIPT, ['--version'], { encoding: 'utf8' }).status === 0;

/** Python's XML parser's verdict on a file: the root tag and the number of elements, or the parse error. */
function parseXml(file: string): { ok: boolean; text: string } {
  const code = 'import sys, xml.etree.ElementTree as E\nroot = E.parse(sys.argv[1]).getroot()\nprint(root.tag, sum(1 for _ in root.iter()))';
  const run = spawnSync('python3', ['-c', code, file], { encoding: 'utf8' });
  return { ok: run.status === 0, text: run.status === 0 ? run.stdout.trim() : run.stderr };
}

/** Run a command line under a pseudo-terminal and collect what the terminal received. */
function runInTerminal(commandLine: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT, ['-qfec', commandLine, '/dev/null'], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('tskafka perf', () => {
  const cli = new CliBroker('cli-perf-test');
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tskafka-cli-perf-'));
    await cli.f.peer.createTopics({ topics: [{ topic: 'cli-perf', numPartitions: 2 }, { topic: 'cli-perf-tty' }] });
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('produces, prints throughput and latency percentiles, and writes a well-formed SVG chart with a point per sample', async () => {
    const chart = join(dir, 'produce.svg');
    const run = await runCli(['perf', 'produce', 'cli-perf', '--count', '5000', '--size', '64', '--acks', 'all', '--linger-ms', '5', '--batch-size', '8192', '--interval', '100', '--chart', chart, ...cli.brokers]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^5,000 records in [\d.]+ s: [\d,.]+ records\/s, [\d.]+ MB\/s$/m);
    assert.match(run.stdout, /^send-to-ack latency ms: p50 [\d,.]+, p95 [\d,.]+, p99 [\d,.]+, max [\d,.]+$/m);
    assert.doesNotMatch(run.stdout, /\r/, 'no carriage returns when stdout is a pipe');
    const offsets = await cli.f.peer.fetchTopicOffsets('cli-perf');
    assert.equal(offsets.reduce((n, p) => n + Number(p.high), 0), 5000);

    const samples = Number(/chart written to .+ \((\d+) samples\)/.exec(run.stderr)?.[1]);
    assert.ok(samples >= 1, run.stderr);
    const xml = parseXml(chart);
    assert.ok(xml.ok, xml.text);
    assert.match(xml.text, /^\{http:\/\/www\.w3\.org\/2000\/svg\}svg \d+$/);
    const svg = readFileSync(chart, 'utf8');
    const series = [...svg.matchAll(/<polyline class="series" data-series="([^"]+)"[^>]* points="([^"]*)"/g)];
    assert.deepEqual(series.map((m) => m[1]), ['records/s', 'p50', 'p99', 'max']);
    for (const m of series) assert.equal(m[2]!.split(' ').length, samples, `${m[1]}: a point per sample`);
    assert.equal([...svg.matchAll(/<circle class="sample"/g)].length, samples * 4);
    for (const axis of ['time (s)', 'throughput (records/s)', 'send-to-ack latency (ms)']) assert.ok(svg.includes(`>${axis}<`), `axis label ${axis}`);
  });

  it('consumes what was produced and reports it', async () => {
    const chart = join(dir, 'consume.svg');
    const run = await runCli(['perf', 'consume', 'cli-perf', '--interval', '100', '--chart', chart, ...cli.brokers]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^5,000 records in [\d.]+ s: [\d,.]+ records\/s, [\d.]+ MB\/s$/m);
    assert.match(run.stdout, /^record age ms: p50 [\d,.]+, p95 [\d,.]+, p99 [\d,.]+, max [\d,.]+$/m);
    assert.ok(parseXml(chart).ok);
  });

  it('redraws a live progress line with carriage returns on a terminal', { skip: hasScript ? false : `${SCRIPT} (util-linux) is not installed` }, async () => {
    const args = ['perf', 'produce', 'cli-perf-tty', '--count', '20000', '--size', '16', '--interval', '50'];
    const { code, output } = await runInTerminal(cliCommandLine(args), { KAFKA_BROKERS: cli.f.broker.bootstrap });
    assert.equal(code, 0, output);
    // The terminal turns "\n" into "\r\n"; a progress redraw is a "\r" not followed by "\n".
    const redraws = [...output.matchAll(/\r(?!\n)([\d,]+\/20,000 records \(\d+%\)[^\r]*)/g)].map((m) => m[1]!.trim());
    assert.ok(redraws.length >= 1, JSON.stringify(output));
    assert.match(redraws[redraws.length - 1]!, /^20,000\/20,000 records \(100%\)/);
    assert.match(output, /20,000 records in [\d.]+ s: /);
  });
});
