/**
 * Who owned which partition when, for consumer group tests: every member
 * reports the moments its rebalance callbacks ran (onPartitionsAssigned,
 * onPartitionsRevoked, onPartitionsLost) and when it processed records of a
 * partition; a sweep over each partition's intervals then finds any moment at
 * which two members owned, or processed, the same partition.
 *
 * All members must report on one clock: members in this process use
 * `performance.now()` (the default); a member in a child process (kcat)
 * reports the moment its lines arrive here, which is later than the event,
 * never earlier, so an overlap found with it is real.
 */
import { performance } from 'node:perf_hooks';

/** A topic partition, as rebalance callbacks name it. */
export interface OwnedPartition {
  readonly topic: string;
  readonly partition: number;
}

/** One member's hold on one partition, [start, end). */
export interface OwnershipInterval {
  readonly member: string;
  readonly key: string;
  readonly start: number;
  /** Infinity while still held. */
  end: number;
  /** How it ended: revoked, lost, or the member left (its intervals closed by the test). */
  endedBy: 'revoked' | 'lost' | 'left' | 'open';
}

/** Two intervals of one partition that overlap. */
export interface Overlap {
  readonly key: string;
  readonly first: OwnershipInterval;
  readonly second: OwnershipInterval;
}

const keyOf = (tp: OwnedPartition): string => `${tp.topic}/${tp.partition}`;

/** Find every pair of intervals of the same partition, of different members, that overlap in time. */
export function findOverlaps(intervals: readonly OwnershipInterval[]): Overlap[] {
  const byKey = new Map<string, OwnershipInterval[]>();
  for (const i of intervals) {
    let list = byKey.get(i.key);
    if (!list) byKey.set(i.key, (list = []));
    list.push(i);
  }
  const overlaps: Overlap[] = [];
  for (const [key, list] of byKey) {
    // Sweep by start time: an interval overlaps every earlier one still open when it starts.
    list.sort((a, b) => a.start - b.start);
    const open: OwnershipInterval[] = [];
    for (const i of list) {
      for (let j = open.length - 1; j >= 0; j--) if (open[j]!.end <= i.start) open.splice(j, 1);
      for (const o of open) if (o.member !== i.member) overlaps.push({ key, first: o, second: i });
      open.push(i);
    }
  }
  return overlaps;
}

/** Describe an overlap for an assertion message. */
export function describeOverlap(o: Overlap, origin = 0): string {
  const t = (x: number): string => (x === Infinity ? 'still' : `${(x - origin).toFixed(1)}ms`);
  return `${o.key}: ${o.first.member} [${t(o.first.start)} .. ${t(o.first.end)} ${o.first.endedBy}] and ${o.second.member} [${t(o.second.start)} .. ${t(o.second.end)} ${o.second.endedBy}]`;
}

/**
 * The ownership and processing record of a group under test. Members report
 * through {@link OwnershipLog.callbacks} (the consumer's rebalance callbacks)
 * and {@link OwnershipLog.processing} (around each eachMessage / eachBatch).
 */
export class OwnershipLog {
  readonly origin = performance.now();
  readonly ownership: OwnershipInterval[] = [];
  readonly processingIntervals: OwnershipInterval[] = [];
  /** Callback calls, in order, for diagnostics: `t member kind partitions`. */
  readonly events: string[] = [];
  lostCount = 0;
  readonly #open = new Map<string, OwnershipInterval>();

  now(): number {
    return performance.now();
  }

  #event(member: string, kind: string, tps: readonly OwnedPartition[], at: number): void {
    this.events.push(`${(at - this.origin).toFixed(1)}ms ${member} ${kind} ${tps.map(keyOf).join(' ')}`);
  }

  /** The member now owns these partitions. */
  assigned(member: string, tps: readonly OwnedPartition[], at = this.now()): void {
    this.#event(member, 'assigned', tps, at);
    for (const tp of tps) {
      const id = `${member}\u0000${keyOf(tp)}`;
      if (this.#open.has(id)) continue; // assigned twice without a revoke: still one interval
      const interval: OwnershipInterval = { member, key: keyOf(tp), start: at, end: Infinity, endedBy: 'open' };
      this.#open.set(id, interval);
      this.ownership.push(interval);
    }
  }

  /** The member gave these partitions back (revoked) or lost them. */
  released(member: string, tps: readonly OwnedPartition[], how: 'revoked' | 'lost', at = this.now()): void {
    this.#event(member, how, tps, at);
    if (how === 'lost') this.lostCount++;
    for (const tp of tps) {
      const id = `${member}\u0000${keyOf(tp)}`;
      const interval = this.#open.get(id);
      if (!interval) continue;
      interval.end = at;
      interval.endedBy = how;
      this.#open.delete(id);
    }
  }

  /** Close everything the member still holds (it left or was stopped). */
  left(member: string, at = this.now()): void {
    for (const [id, interval] of this.#open) {
      if (interval.member !== member) continue;
      interval.end = at;
      interval.endedBy = 'left';
      this.#open.delete(id);
    }
    this.events.push(`${(at - this.origin).toFixed(1)}ms ${member} left`);
  }

  /** Partitions the member holds now. */
  heldBy(member: string): string[] {
    return [...this.#open.values()].filter((i) => i.member === member).map((i) => i.key);
  }

  /**
   * Rebalance callbacks that report to this log, in the shape the consumer takes
   * (`onPartitionsAssigned` / `onPartitionsRevoked` / `onPartitionsLost`). The
   * release is recorded when the callback returns, after `revokeDelayMs`: a
   * consumer must wait for it before another member may take the partitions.
   */
  callbacks(member: string, revokeDelayMs = 0): {
    onPartitionsAssigned: (partitions: OwnedPartition[]) => Promise<void>;
    onPartitionsRevoked: (partitions: OwnedPartition[]) => Promise<void>;
    onPartitionsLost: (partitions: OwnedPartition[]) => Promise<void>;
  } {
    const pause = async (): Promise<void> => {
      if (revokeDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, revokeDelayMs));
    };
    return {
      onPartitionsAssigned: async (partitions) => this.assigned(member, partitions),
      onPartitionsRevoked: async (partitions) => {
        await pause();
        this.released(member, partitions, 'revoked');
      },
      onPartitionsLost: async (partitions) => this.released(member, partitions, 'lost'),
    };
  }

  /** Time a unit of processing of one partition by `member` (wrap eachMessage or eachBatch). */
  async processing<T>(member: string, tp: OwnedPartition, work: () => Promise<T>): Promise<T> {
    const interval: OwnershipInterval = { member, key: keyOf(tp), start: this.now(), end: Infinity, endedBy: 'open' };
    this.processingIntervals.push(interval);
    try {
      return await work();
    } finally {
      interval.end = this.now();
      interval.endedBy = 'revoked';
    }
  }

  /** Overlaps of ownership between members. */
  ownershipOverlaps(): Overlap[] {
    return findOverlaps(this.ownership);
  }

  /** Overlaps of processing between members (two members inside a handler for one partition at once). */
  processingOverlaps(): Overlap[] {
    return findOverlaps(this.processingIntervals);
  }

  /** Processing by a member of a partition it did not own at that moment (by its callbacks). */
  processingOutsideOwnership(): string[] {
    const problems: string[] = [];
    for (const p of this.processingIntervals) {
      const covered = this.ownership.some((o) => o.member === p.member && o.key === p.key && o.start <= p.start && p.end <= o.end);
      if (!covered) problems.push(`${p.member} processed ${p.key} at ${(p.start - this.origin).toFixed(1)}..${(p.end - this.origin).toFixed(1)}ms without owning it then`);
    }
    return problems;
  }

  /** The last `n` callback events, for assertion messages. */
  tail(n = 40): string {
    return this.events.slice(-n).join('\n');
  }
}
