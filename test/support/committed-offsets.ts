/**
 * Watches a consumer group's committed offsets on an in-process broker, as
 * the coordinator holds them (what an OffsetFetch would answer), sampling
 * every few milliseconds, and checks two promises of a consumer:
 *
 * - committed offsets only move forward, per partition (a commit from a
 *   member fenced by a newer generation must not move one back);
 * - nothing unprocessed is committed: a committed offset is at most one past
 *   the highest offset the application processed on that partition (read
 *   from `maxProcessed` at the moment of the sample; processing only grows,
 *   so a commit of an offset not yet processed when it was sent is caught
 *   unless processing caught up before the next sample).
 */
import { type RunningBroker } from '../../src/broker/server.js';

/** A breach of either promise, for assertion messages. */
export interface CommitProblem {
  readonly kind: 'backwards' | 'unprocessed';
  readonly partition: string;
  readonly detail: string;
}

/** What the watcher saw. */
export interface CommitWatch {
  /** Samples taken. */
  readonly samples: number;
  /** Distinct committed offsets seen, per partition `topic/partition`, in order. */
  readonly history: ReadonlyMap<string, readonly number[]>;
  readonly problems: readonly CommitProblem[];
  /** The offsets committed now, `topic/partition` → offset (-1 when none). */
  current(): Map<string, number>;
  /** Take one more sample now. */
  sample(): void;
  stop(): void;
}

/**
 * Sample `groupId`'s committed offsets for `topic` every `intervalMs`.
 *
 * @param maxProcessed - the highest offset processed so far on a partition, -1 when none; omit to check only monotonicity
 */
export function watchCommittedOffsets(
  running: RunningBroker,
  groupId: string,
  topic: string,
  partitions: number,
  options: { intervalMs?: number; maxProcessed?: (partition: number) => number } = {},
): CommitWatch {
  const history = new Map<string, number[]>();
  const problems: CommitProblem[] = [];
  let samples = 0;
  const read = (): Map<string, number> => {
    const fetched = running.broker.groups.fetchOffsets(groupId, [{ name: topic, partitions: Array.from({ length: partitions }, (_, p) => p) }]);
    const out = new Map<string, number>();
    for (const t of fetched) for (const p of t.partitions) out.set(`${t.name}/${p.partition}`, Number(p.offset));
    return out;
  };
  const sample = (): void => {
    samples++;
    for (const [key, offset] of read()) {
      if (offset < 0) continue;
      let seen = history.get(key);
      if (!seen) history.set(key, (seen = []));
      const last = seen.at(-1);
      if (last !== undefined && offset < last && problems.length < 50) problems.push({ kind: 'backwards', partition: key, detail: `committed offset went from ${last} back to ${offset}` });
      if (last !== offset) seen.push(offset);
      if (options.maxProcessed) {
        const partition = Number(key.slice(key.lastIndexOf('/') + 1));
        const max = options.maxProcessed(partition);
        if (offset > max + 1 && problems.length < 50) problems.push({ kind: 'unprocessed', partition: key, detail: `committed ${offset} while the highest offset processed was ${max}` });
      }
    }
  };
  const timer = setInterval(sample, options.intervalMs ?? 20);
  return {
    get samples() {
      return samples;
    },
    history,
    problems,
    current: read,
    sample,
    stop: () => clearInterval(timer),
  };
}
