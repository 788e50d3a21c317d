/**
 * kcat as a consumer group member (`kcat -G <group> <topic>`: librdkafka's
 * balanced KafkaConsumer), for tests that put a member nobody here wrote in a
 * group beside ours. It runs as an async child process (the broker is in this
 * process); its records arrive on stdout as `topic partition offset` lines
 * (`-u`: unbuffered), and its rebalances on stderr, as kcat's rebalance
 * callback prints them:
 *
 *   % Group g rebalanced: incremental assignment of 2 partition(s) (memberid m, COOPERATIVE rebalance protocol): t [0], t [3]
 *   % Group g rebalanced: incremental revoke of 1 partition(s) (memberid m, COOPERATIVE rebalance protocol): t [3]
 *   % Group g rebalanced (memberid m): assigned: t [0], t [3]      (eager protocols)
 *
 * Each is reported to `onRebalance` the moment its line arrives here (after
 * kcat printed it, so never earlier than the event). `stop()` sends SIGTERM:
 * kcat then closes its consumer (revoke, commit, LeaveGroup) and exits. Stop it
 * only when no records are arriving for it: a record librdkafka hands kcat
 * after the signal is stored for the commit but not printed, so it would look
 * lost.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { KCAT } from './kcat.js';
import { type OwnedPartition } from './partition-ownership.js';

/** One record kcat consumed. */
export interface KcatRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface KcatMemberOptions {
  readonly bootstrap: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** librdkafka properties (`-X key=value`), e.g. partition.assignment.strategy. */
  readonly properties?: Readonly<Record<string, string>>;
  /** `-e`: exit once every assigned partition is at its end. */
  readonly exitAtEnd?: boolean;
  onRecord?: (record: KcatRecord) => void;
  onRebalance?: (kind: 'assigned' | 'revoked' | 'lost', partitions: OwnedPartition[]) => void;
}

export interface KcatMember {
  readonly child: ChildProcess;
  readonly records: KcatRecord[];
  /** Everything kcat wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code once kcat has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (a clean close: revoke, commit, leave), then wait for the exit; SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const PARTITION = /(\S+) \[(\d+)\]/g;

function partitionsIn(list: string): OwnedPartition[] {
  return [...list.matchAll(PARTITION)].map((m) => ({ topic: m[1]!, partition: Number(m[2]) }));
}

/** Parse one of kcat's stderr lines: a rebalance, or null. */
export function parseKcatRebalance(line: string): { kind: 'assigned' | 'revoked' | 'lost'; partitions: OwnedPartition[] } | null {
  const incremental = /rebalanced: incremental (assignment|revoke) of \d+ partition\(s\) \(memberid [^,]*(, assignment lost)?, [A-Z]+ rebalance protocol\): ?(.*)$/.exec(line);
  if (incremental) {
    const kind = incremental[1] === 'assignment' ? 'assigned' : incremental[2] ? 'lost' : 'revoked';
    return { kind, partitions: partitionsIn(incremental[3]!) };
  }
  const eager = /rebalanced \(memberid [^)]*\): (assigned|revoked): ?(.*)$/.exec(line);
  if (eager) return { kind: eager[1] === 'assigned' ? 'assigned' : 'revoked', partitions: partitionsIn(eager[2]!) };
  return null;
}

/** Start kcat as a member of `groupId`. */
export function startKcatMember(options: KcatMemberOptions): KcatMember {
  const args = ['-b', options.bootstrap, '-G', options.groupId, '-u', '-f', '%t %p %o\\n'];
  for (const [k, v] of Object.entries(options.properties ?? {})) args.push('-X', `${k}=${v}`);
  if (options.exitAtEnd) args.push('-e');
  args.push(...options.topics);
  const child = spawn(KCAT, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const records: KcatRecord[] = [];
  let stderr = '';
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const lines = (stream: NodeJS.ReadableStream, onLine: (line: string) => void): void => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      pending += d;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
  };
  lines(child.stdout!, (line) => {
    const m = /^(\S+) (\d+) (\d+)$/.exec(line);
    if (!m) return;
    const record = { topic: m[1]!, partition: Number(m[2]), offset: Number(m[3]) };
    records.push(record);
    options.onRecord?.(record);
  });
  lines(child.stderr!, (line) => {
    stderr += `${line}\n`;
    const rebalance = parseKcatRebalance(line);
    if (rebalance) options.onRebalance?.(rebalance.kind, rebalance.partitions);
  });
  return {
    child,
    records,
    stderr: () => stderr,
    exited,
    stop: async (timeoutMs = 20_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
