/**
 * The tutorials' consumer examples (examples/seed-002-*.ts) run as they are,
 * each in its own Node process against an embedded broker started here, with
 * KAFKA_BROKERS pointing at it. Each must exit with code 0 and print no error;
 * the evidence is what they print and the offsets their groups committed, read
 * from the broker's group coordinator after the example ended.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { startBroker } from '../../src/broker/server.js';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

interface ExampleRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Committed offsets by group, then `topic-partition`; -1 entries left out. */
  committed: Map<string, Map<string, number>>;
}

interface RunOptions {
  /** Topics created before the example starts, with their partition counts (others are created automatically, 1 partition). */
  partitions?: Record<string, number>;
  /** Groups whose committed offsets to read after the run. */
  groups?: string[];
  /** Send this signal once stdout matches `when`. */
  signal?: { when: RegExp; signal: NodeJS.Signals };
  /** Kill the example after this long: a hung example fails instead of hanging the suite (never a timing assertion). */
  timeoutMs?: number;
}

/**
 * Start a broker, run `examples/<file>` with KAFKA_BROKERS set, and read the
 * groups' committed offsets. The broker runs in this process: the child is
 * spawned asynchronously, so the broker keeps serving while we wait.
 */
async function runExample(file: string, options: RunOptions = {}): Promise<ExampleRun> {
  const running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 } });
  try {
    for (const [topic, count] of Object.entries(options.partitions ?? {})) await running.broker.topics.create(topic, count, new Map());
    const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_BROKERS: running.bootstrap };
    for (const name of ['KAFKA_CLIENT_ID', 'KAFKA_LOG_LEVEL', 'NODE_TEST_CONTEXT']) delete env[name];
    const child = spawn(process.execPath, ['--import', 'tsx', join('examples', file)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      if (options.signal && !signalled && options.signal.when.test(stdout)) {
        signalled = true;
        child.kill(options.signal.signal);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, s) => resolve([c, s]));
    });
    clearTimeout(timer);
    const committed = new Map<string, Map<string, number>>();
    for (const groupId of options.groups ?? []) {
      const offsets = new Map<string, number>();
      for (const topic of running.broker.groups.fetchOffsets(groupId, null)) {
        for (const p of topic.partitions) if (p.offset >= 0n) offsets.set(`${topic.name}-${p.partition}`, Number(p.offset));
      }
      committed.set(groupId, offsets);
    }
    return { code, signal, stdout, stderr, committed };
  } finally {
    await running.close();
  }
}

/** Exit code 0 and no error printed (the examples print errors with ❌). */
function assertClean(run: ExampleRun): void {
  const output = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.code, 0, `exit code 0 (signal ${run.signal})\n${output}`);
  assert.ok(!output.includes('❌'), `no error printed:\n${output}`);
}

const committedOf = (run: ExampleRun, group: string): Record<string, number> => Object.fromEntries(run.committed.get(group) ?? []);

describe('the tutorials’ consumer examples (seed 002), run against the embedded broker', { concurrency: 4 }, () => {
  it('seed-002-offset-types: current 10, committed 6, high watermark 10, log start 0', async () => {
    const run = await runExample('seed-002-offset-types.ts', { groups: ['offset-types-group'] });
    assertClean(run);
    assert.match(run.stdout, /已处理 10 条消息/);
    assert.match(run.stdout, /Current Offset \(当前偏移量\): 10\n/);
    assert.match(run.stdout, /Committed Offset \(已提交偏移量\): 6\n/);
    assert.match(run.stdout, /High Water Mark \(HWM\): 10\n/);
    assert.match(run.stdout, /Log End Offset \(LEO\): 10 /);
    assert.match(run.stdout, /Log Start Offset: 0\n/);
    assert.match(run.stdout, /Lag \(未处理\): 0\n/);
    assert.deepEqual(committedOf(run, 'offset-types-group'), { 'offset-types-0': 6 });
  });

  it('seed-002-auto-commit: 300 messages processed, auto-commits printed, offset 300 committed by the end', async () => {
    const run = await runExample('seed-002-auto-commit.ts', { groups: ['auto-commit-group'] });
    assertClean(run);
    assert.match(run.stdout, /已处理 300 条消息/);
    assert.match(run.stdout, /自动提交: auto-commit-0 offset \d+/);
    assert.deepEqual(committedOf(run, 'auto-commit-group'), { 'auto-commit-0': 300 });
  });

  it('seed-002-manual-sync-commit: one awaited commit per message, in order, ending at offset 20', async () => {
    const run = await runExample('seed-002-manual-sync-commit.ts', { groups: ['manual-sync-commit-group'] });
    assertClean(run);
    const processed = [...run.stdout.matchAll(/处理消息: (.+)/g)].map((m) => m[1]);
    assert.deepEqual(processed, Array.from({ length: 20 }, (_, i) => `Message ${i}`));
    assert.match(run.stdout, /同步提交 20 次，最后提交的 offset: 20/);
    assert.deepEqual(committedOf(run, 'manual-sync-commit-group'), { 'manual-sync-commit-0': 20 });
  });

  it('seed-002-batched-async-commit: batches of 100 committed without waiting, the rest committed at shutdown', async () => {
    const run = await runExample('seed-002-batched-async-commit.ts', { groups: ['batched-async-commit-group'] });
    assertClean(run);
    assert.match(run.stdout, /批量处理 100 条消息: offset 0 - 99/);
    assert.match(run.stdout, /批量处理 100 条消息: offset 100 - 199/);
    assert.match(run.stdout, /批量处理 50 条消息: offset 200 - 249/);
    assert.match(run.stdout, /异步提交完成: offset 100/);
    assert.match(run.stdout, /异步提交完成: offset 200/);
    assert.match(run.stdout, /关闭前同步提交: offset 250/);
    assert.deepEqual(committedOf(run, 'batched-async-commit-group'), { 'batched-async-commit-0': 250 });
  });

  it('seed-002-offset-reset: earliest reads from 0, latest only what came after, seek from 5, seek by time to the record after that time', async () => {
    const run = await runExample('seed-002-offset-reset.ts', { groups: ['offset-reset-earliest', 'offset-reset-latest', 'offset-reset-seek', 'offset-reset-time'] });
    assertClean(run);
    assert.match(run.stdout, /earliest: 第一条 offset 0，共 10 条/);
    assert.match(run.stdout, /latest: 收到 offset 10\n/);
    assert.match(run.stdout, /seek: 第一条 offset 5，共 6 条/);
    assert.match(run.stdout, /by time: 第一条 offset 10\n/);
    assert.deepEqual(committedOf(run, 'offset-reset-earliest'), { 'offset-reset-0': 10 });
    assert.deepEqual(committedOf(run, 'offset-reset-latest'), { 'offset-reset-0': 11 });
    assert.deepEqual(committedOf(run, 'offset-reset-seek'), { 'offset-reset-0': 11 });
  });

  it('seed-002-rebalance-tuning: the sticky assignor moves only the partitions the new member takes', async () => {
    const run = await runExample('seed-002-rebalance-tuning.ts', { partitions: { 'rebalance-tuning': 6 }, timeoutMs: 180_000 });
    assertClean(run);
    const joined = /A 加入: A = \[([\d,]*)\]/.exec(run.stdout);
    const split = /B 加入: A = \[([\d,]*)\]，B = \[([\d,]*)\]/.exec(run.stdout);
    assert.ok(joined && split, run.stdout);
    assert.equal(joined[1], '0,1,2,3,4,5');
    const a = split[1]!.split(',').map(Number);
    const b = split[2]!.split(',').map(Number);
    assert.equal(a.length, 3);
    assert.deepEqual([...a, ...b].sort(), [0, 1, 2, 3, 4, 5], 'every partition owned by exactly one member');
    assert.match(run.stdout, /Sticky: A 保留了原有的 3 个分区，只移动了 3 个/);
    assert.match(run.stdout, /B 离开: A = \[0,1,2,3,4,5\]/);
  });

  it('seed-002-graceful-shutdown: SIGTERM lets the consumer commit, leave and exit 0 by itself', async () => {
    const run = await runExample('seed-002-graceful-shutdown.ts', { groups: ['graceful-shutdown-group'], signal: { when: /已处理 100 条消息/, signal: 'SIGTERM' } });
    assertClean(run);
    assert.match(run.stdout, /收到 SIGTERM，正在关闭消费者/);
    assert.match(run.stdout, /✅ 消费者已优雅关闭/);
    assert.deepEqual(committedOf(run, 'graceful-shutdown-group'), { 'graceful-shutdown-0': 100 });
  });

  it('seed-002-fetch-tuning: 3,000 messages over 3 partitions consumed concurrently and committed', async () => {
    const run = await runExample('seed-002-fetch-tuning.ts', { partitions: { 'fetch-tuning': 3 }, groups: ['fetch-tuning-group'] });
    assertClean(run);
    assert.match(run.stdout, /已消费 3000 条消息/);
    const perPartition = [...run.stdout.matchAll(/分区 (\d): (\d+) 条/g)].map((m) => Number(m[2]));
    assert.equal(perPartition.length, 3);
    assert.equal(perPartition.reduce((x, y) => x + y, 0), 3000);
    const committed = Object.values(committedOf(run, 'fetch-tuning-group'));
    assert.equal(committed.length, 3);
    assert.equal(committed.reduce((x, y) => x + y, 0), 3000);
    assert.match(run.stdout, /Fetch 请求 \d+ 次/);
  });
});
