/**
 * A zombie member: a tskafka consumer in a child process is frozen (SIGSTOP)
 * in the middle of a batch, long past its session timeout, so the coordinator
 * expels it and the other member takes its partition over from the last
 * commit. Then the zombie is thawed (SIGCONT): its timers fire late, it may
 * still finish its stale batch and try to commit it with its old generation.
 *
 * - Its late commits must not move the group's committed offsets back (the
 *   coordinator fences them; the consumer must not retry them under a new
 *   generation): committed offsets, sampled all along, only move forward and
 *   never past the highest offset processed + 1;
 * - it learns it lost its partitions: onPartitionsLost, not
 *   onPartitionsRevoked (it had no chance to commit), then rejoins; a commit
 *   its handler makes for the stale batch (commitOffsetsIfNecessary, KafkaJS's
 *   eachBatch pattern) fails with UNKNOWN_MEMBER_ID, and that must not crash
 *   the consumer for good (KafkaJS's runner rejoins on such errors);
 * - nothing is lost: at the end every record was processed by one of them
 *   and everything is committed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type RunningBroker } from '../../../src/broker/server.js';
import { logLevel } from '../../../src/client/logger.js';
import { Kafka } from '../../../src/kafka.js';
import { watchCommittedOffsets } from '../../support/committed-offsets.js';
import { type ConsumerChildOptions } from '../../support/consumer-child.js';
import { eventually } from '../../support/eventually.js';
import { produceSpread, startGroupBroker } from '../../support/group-fixture.js';
import { within } from '../../support/within.js';

const CHILD = fileURLToPath(new URL('../../support/consumer-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PARTITIONS = 2;
const PER_PARTITION = 3000;
const TOPIC = 'zombie';
const GROUP = 'zombie-group';

/** Reads the child's log as it grows (only whole lines). */
class ChildLogTail {
  readonly lines: string[] = [];
  readonly processed = Array.from({ length: PARTITIONS }, () => new Set<number>());
  readonly maxProcessed = new Array<number>(PARTITIONS).fill(-1);
  #position = 0;
  #pending = '';
  constructor(readonly path: string) {}

  poll(): this {
    if (!existsSync(this.path)) return this;
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size <= this.#position) return this;
      const buffer = Buffer.alloc(size - this.#position);
      readSync(fd, buffer, 0, buffer.length, this.#position);
      this.#position = size;
      const text = this.#pending + buffer.toString('utf8');
      const parts = text.split('\n');
      this.#pending = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        const [kind, p, o] = line.split(' ');
        if (kind !== 'R') continue;
        const partition = Number(p);
        const offset = Number(o);
        this.processed[partition]!.add(offset);
        if (offset > this.maxProcessed[partition]!) this.maxProcessed[partition] = offset;
      }
    } finally {
      closeSync(fd);
    }
    return this;
  }
}

describe('a member frozen past its session timeout, then thawed (a zombie)', () => {
  let running: RunningBroker;
  let dir: string;
  let child: ChildProcess | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tskafka-consumer-zombie-'));
    running = await startGroupBroker();
  });
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const commitInHandler of [false, true]) {
    it(`is fenced: its late commits never move offsets back, it reports its partitions lost, rejoins, and no record is lost (${commitInHandler ? 'eachBatch calls commitOffsetsIfNecessary' : 'commits left to auto-commit'})`, { timeout: 180_000 }, async (t) => {
      const topic = `${TOPIC}-${commitInHandler}`;
      const group = `${GROUP}-${commitInHandler}`;
      await running.broker.topics.create(topic, PARTITIONS, new Map());
      await produceSpread(running.bootstrap, topic, { partitions: PARTITIONS, count: PARTITIONS * PER_PARTITION, chunk: 100 });
      const out = join(dir, `zombie-${commitInHandler}.log`);
      const tail = new ChildLogTail(out);
      const options: ConsumerChildOptions = {
        bootstrap: running.bootstrap,
        groupId: group,
        topic,
        out,
        sessionTimeout: 3000,
        rebalanceTimeout: 5000,
        heartbeatInterval: 500,
        autoCommitInterval: 300,
        delayPerRecordMs: 3,
        maxBytesPerPartition: 2048,
        commitInHandler,
      };
      child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(options)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let childOutput = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (childOutput += d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (childOutput += d));
      const exited = once(child, 'exit');

      const seen = Array.from({ length: PARTITIONS }, () => new Set<number>());
      const seenMax = new Array<number>(PARTITIONS).fill(-1);
      const watch = watchCommittedOffsets(running, group, topic, PARTITIONS, {
        intervalMs: 25,
        maxProcessed: (p) => Math.max(tail.poll().maxProcessed[p]!, seenMax[p]!),
      });
      const other = new Kafka({ clientId: 'zombie-other', brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).consumer({ groupId: group, sessionTimeout: 20_000, heartbeatInterval: 500, maxWaitTimeInMs: 100, maxBytesPerPartition: 2048 });
      const otherHeld = new Set<number>();
      try {
        await eventually('the child to process records', () => (tail.poll().processed.every((s) => s.size > 0) ? true : undefined), 60_000).catch((e: Error) => {
          throw new Error(`${e.message}\n${childOutput}`);
        });
        other.on(other.events.GROUP_JOIN, (e) => {
          otherHeld.clear();
          for (const p of e.payload.memberAssignment[topic] ?? []) otherHeld.add(p);
        });
        await other.connect();
        await other.subscribe({ topics: [topic], fromBeginning: true });
        await other.run({
          eachMessage: async ({ partition, message }) => {
            const offset = Number(message.offset);
            seen[partition]!.add(offset);
            if (offset > seenMax[partition]!) seenMax[partition] = offset;
            if (offset % 10 === 0) await sleep(1);
          },
        });
        await eventually('the group to split the partitions', () => (otherHeld.size === 1 ? true : undefined), 30_000);
        const zombiePartition = [0, 1].find((p) => !otherHeld.has(p))!;

        // Freeze the child inside a batch, just after it logged a record (so most likely in the handler's
        // per-record sleep: once thawed, it resolves that record and commits with its old generation
        // before it notices it was expelled); wait for the other member to take the partition over.
        await eventually('the child inside a batch, at a record', () => {
          const lines = tail.poll().lines;
          const marker = lines.filter((l) => l.startsWith('S') || l.startsWith('E')).at(-1);
          return marker?.startsWith('S') && lines.at(-1)?.startsWith('R ') ? true : undefined;
        }, 30_000, 1);
        child.kill('SIGSTOP');
        const frozenAt = tail.poll().lines.length;
        await eventually('the other member to take the frozen member’s partition and consume from it', () => (otherHeld.size === 2 && seenMax[zombiePartition]! > tail.maxProcessed[zombiePartition]! + 50 ? true : undefined), 60_000);

        // Thaw it: late timers, a stale batch, commits with an old generation.
        child.kill('SIGCONT');
        await eventually('the thawed member to notice it lost its partition and rejoin', () => {
          const since = tail.poll().lines.slice(frozenAt);
          const crash = since.find((l) => l.startsWith('X restart=false'));
          if (crash) throw new Error(`the thawed member crashed for good instead of rejoining: ${crash}`);
          return since.some((l) => l.startsWith('A ')) ? since : undefined;
        }, 60_000).catch((e: Error) => {
          throw new Error(`${e.message}: its log since the freeze: ${tail.lines.slice(frozenAt).slice(-20).join(' | ')}\n${childOutput}`);
        });
        const since = tail.lines.slice(frozenAt);
        const rebalanceLines = since.filter((l) => /^[AVL] /.test(l));
        t.diagnostic(`after the thaw the child logged: ${rebalanceLines.join(' | ')}; it processed ${since.filter((l) => l.startsWith('R')).length} records meanwhile`);
        const firstCallback = rebalanceLines[0] ?? '';
        assert.ok(firstCallback.startsWith('L ') && firstCallback.split(' ')[1]!.split(',').map(Number).includes(zombiePartition), `its first rebalance callback after the thaw was onPartitionsLost for partition ${zombiePartition}, not ${firstCallback}`);

        await eventually('every record processed and committed', () => {
          tail.poll();
          const all = Array.from({ length: PARTITIONS }, (_, p) => seen[p]!.size + [...tail.processed[p]!].filter((o) => !seen[p]!.has(o)).length);
          const committed = [...watch.current().values()];
          return all.every((n) => n === PER_PARTITION) && committed.every((o) => o === PER_PARTITION) ? true : undefined;
        }, 90_000).catch((e: Error) => {
          throw new Error(`${e.message}: committed ${JSON.stringify([...watch.current()])}\n${tail.lines.slice(-20).join(' | ')}`);
        });
      } finally {
        watch.sample();
        watch.stop();
        if (child.signalCode === null && child.exitCode === null) {
          child.kill('SIGCONT');
          child.kill('SIGTERM');
          await within('the child to exit', exited, 30_000).catch(() => child!.kill('SIGKILL'));
        }
        await within('the other member’s disconnect', other.disconnect(), 30_000).catch(() => undefined);
      }
      assert.deepEqual(watch.problems.slice(0, 10), [], 'committed offsets only moved forward, never past what was processed');
    });
  }
});
