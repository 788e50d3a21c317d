/**
 * At-least-once across a crash: a tskafka consumer in a child process
 * (test/support/consumer-child.ts) processes records with eachBatch,
 * auto-commits every few hundred ms, and logs each record it processed (fsync
 * per line) before resolving it. It is killed with SIGKILL in the middle of a
 * batch. A new member then joins the group, takes the partitions over once
 * the dead member's session expires, and consumes to the end. Then:
 *
 * - no commit of an unprocessed offset: every offset below the committed one
 *   was in the dead member's log;
 * - the new member starts each partition exactly at the committed offset;
 * - nothing is lost: every offset was processed by one of them;
 * - the duplicates are exactly the uncommitted window: the offsets the dead
 *   member processed at or past the commit, and no others.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type RunningBroker } from '../../../src/broker/server.js';
import { logLevel } from '../../../src/client/logger.js';
import { Kafka } from '../../../src/kafka.js';
import { type ConsumerChildOptions } from '../../support/consumer-child.js';
import { eventually } from '../../support/eventually.js';
import { produceSpread, startGroupBroker } from '../../support/group-fixture.js';
import { within } from '../../support/within.js';

const CHILD = fileURLToPath(new URL('../../support/consumer-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PARTITIONS = 3;
const PER_PARTITION = 2000;
const TOPIC = 'kill-9';
const GROUP = 'kill-9-group';

/** The child's log, parsed. */
interface ChildLog {
  /** Offsets processed, per partition, in order. */
  readonly processed: number[][];
  readonly commits: number;
  /** The last line: `S` means the child died inside a batch. */
  readonly last: string;
}

/** The log's whole lines (none before the child opened it). */
function linesOf(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : [];
}

function readChildLog(path: string): ChildLog {
  const processed = Array.from({ length: PARTITIONS }, () => [] as number[]);
  let commits = 0;
  const lines = linesOf(path);
  for (const line of lines) {
    const [kind, p, o] = line.split(' ');
    if (kind === 'R') processed[Number(p)]!.push(Number(o));
    if (kind === 'C') commits++;
  }
  return { processed, commits, last: lines.at(-1) ?? '' };
}

/** Inside a batch: a batch started (`S`) and has not ended (`E`) since. */
function insideBatch(path: string): boolean {
  const lines = linesOf(path);
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.startsWith('E')) return false;
    if (lines[i]!.startsWith('S')) return true;
  }
  return false;
}

describe('at-least-once across a kill -9 of a consumer', () => {
  let running: RunningBroker;
  let dir: string;
  let child: ChildProcess | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tskafka-consumer-kill-'));
    running = await startGroupBroker();
    await running.broker.topics.create(TOPIC, PARTITIONS, new Map());
    await produceSpread(running.bootstrap, TOPIC, { partitions: PARTITIONS, count: PARTITIONS * PER_PARTITION, chunk: 150 });
  });
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a member killed mid-batch: the next one resumes at the last commit; nothing lost, duplicates only the uncommitted window', { timeout: 180_000 }, async (t) => {
    const out = join(dir, 'child.log');
    const options: ConsumerChildOptions = {
      bootstrap: running.bootstrap,
      groupId: GROUP,
      topic: TOPIC,
      out,
      sessionTimeout: 4000,
      rebalanceTimeout: 5000,
      heartbeatInterval: 500,
      autoCommitInterval: 300,
      delayPerRecordMs: 2,
      maxBytesPerPartition: 2048,
    };
    child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(options)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let childOutput = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (childOutput += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (childOutput += d));
    const exited = once(child, 'exit');

    // Kill once it has processed and committed a good part, at a moment it is inside a batch.
    await eventually(
      'the child to process 1500 records of every partition and commit',
      () => {
        if (child!.exitCode !== null) throw new Error(`the child exited early:\n${childOutput}`);
        const log = readChildLog(out);
        const busy = log.processed.filter((offsets) => offsets.length > 0).length;
        return log.processed.flat().length >= 1500 && busy === PARTITIONS && log.commits > 0 && insideBatch(out) ? true : undefined;
      },
      90_000,
      5,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${childOutput}`);
    });
    child.kill('SIGKILL');
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');
    const dead = readChildLog(out);
    assert.ok(insideBatch(out), 'the child died inside a batch');

    // Nothing commits for the group now: the commits are the dead member's last.
    const committed = running.broker.groups.fetchOffsets(GROUP, [{ name: TOPIC, partitions: [0, 1, 2] }])[0]!.partitions.map((p) => Number(p.offset));
    for (let p = 0; p < PARTITIONS; p++) {
      const done = new Set(dead.processed[p]);
      const unprocessed = Array.from({ length: Math.max(0, committed[p]!) }, (_, o) => o).filter((o) => !done.has(o));
      assert.deepEqual(unprocessed.slice(0, 5), [], `partition ${p}: committed ${committed[p]}, and every offset below it was processed`);
    }

    // A new member takes over once the dead one's session expires.
    const seen = Array.from({ length: PARTITIONS }, () => [] as number[]);
    const consumer = new Kafka({ clientId: 'kill-9-successor', brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => void seen[partition]!.push(Number(message.offset)) });
      await eventually('the successor to consume to the end', () => (seen.every((s) => s.at(-1) === PER_PARTITION - 1) ? true : undefined), 90_000);
    } finally {
      await within('successor disconnect', consumer.disconnect(), 30_000);
    }

    let duplicates = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const start = Math.max(0, committed[p]!);
      assert.equal(seen[p]![0], start, `partition ${p}: the successor started at the committed offset ${start}`);
      assert.deepEqual(seen[p], Array.from({ length: PER_PARTITION - start }, (_, i) => start + i), `partition ${p}: the successor processed every record from the commit on, once, in order`);
      const byDead = new Set(dead.processed[p]);
      const lost = Array.from({ length: PER_PARTITION }, (_, o) => o).filter((o) => o < start && !byDead.has(o));
      assert.deepEqual(lost, [], `partition ${p}: nothing lost`);
      const twice = dead.processed[p]!.filter((o) => o >= start);
      const window = twice.length === 0 ? [] : Array.from({ length: Math.max(...twice) - start + 1 }, (_, i) => start + i);
      assert.deepEqual(twice, window, `partition ${p}: the duplicates are exactly the uncommitted window ${start}..${window.at(-1) ?? '-'}`);
      duplicates += twice.length;
    }
    t.diagnostic(`the killed member processed ${dead.processed.flat().length} records and logged ${dead.commits} commits; committed ${committed.join(',')}; duplicates ${duplicates}; its last line: ${dead.last}`);
  });
});
