/**
 * The one owner of what a consumer subscribes to, which partitions it is
 * assigned, and where it is in each (Java's `SubscriptionState`).
 *
 * Per assigned partition a {@link PartitionCursor} holds:
 * - `position`: the next offset to hand to the application; null until it is
 *   known (the committed offset is still to be fetched, or a reset is pending);
 * - `version`: new on every seek, reset and (re)assignment (one counter for all cursors), so fetched data
 *   and processing that began before the change can tell they are stale;
 * - `paused`, the reset wanted (`reset`), and what the last Fetch reported
 *   (high watermark, last stable offset, log start offset).
 *
 * The fetcher reads cursors and reports what it saw; the runner advances
 * positions after processing; the group member changes the assignment. None of
 * them keeps a position of its own that could disagree with this one.
 */
import { KafkaJSConfigurationError } from '../errors/errors.js';

/** What to do when a partition has no committed offset, or its position is out of range (Java's `auto.offset.reset`). */
export type OffsetResetStrategy = 'earliest' | 'latest' | 'none';

/** A topic partition. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** Where a reset should move a cursor: the log start, the end, or the first offset at or after a timestamp (ListOffsets). */
export type OffsetReset = { readonly kind: 'earliest' } | { readonly kind: 'latest' } | { readonly kind: 'timestamp'; readonly timestamp: number };

/** One assigned partition's consumption state. */
export interface PartitionCursor extends TopicPartition {
  /** Next offset to hand to the application; null while unknown. */
  position: number | null;
  /** The leader epoch of the record before `position`, -1 when unknown (KIP-320). */
  positionLeaderEpoch: number;
  /** Bumped on every seek, reset and assignment: data fetched for an older version is stale. */
  version: number;
  paused: boolean;
  /** A reset to perform before fetching (set when there is no committed offset, on OFFSET_OUT_OF_RANGE, or by seek-by-time). */
  reset: OffsetReset | null;
  /** From the last Fetch response; -1 until one arrives. */
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** The last offset committed for this partition that this consumer knows of, null when none. */
  committed: number | null;
}

/** Separates topic and partition in a map key: a NUL cannot occur in a topic name. */
const SEP = '\u0000';

/** The map key of a topic partition. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}${SEP}${partition}`;
}

/** What changed, for the listeners that must react (the fetcher wakes, the runner drops stale batches). */
export type SubscriptionChange = 'assignment' | 'position' | 'pause';

/** Subscriptions, assignment and positions. */
export class SubscriptionState {
  readonly #topics = new Set<string>();
  readonly #patterns: RegExp[] = [];
  readonly #resetByTopic = new Map<string, OffsetResetStrategy>();
  readonly #cursors = new Map<string, PartitionCursor>();
  readonly #listeners = new Set<(change: SubscriptionChange) => void>();
  /** Pauses asked for before the partition was assigned (KafkaJS lets `pause` name a whole topic). */
  readonly #pausedTopics = new Set<string>();
  /**
   * Versions come from one counter for all cursors, so a cursor re-created by a
   * reassignment never reuses a version that data fetched before the revoke carries.
   */
  #lastVersion = 0;

  /** @param defaultReset - the strategy for topics subscribed without `fromBeginning` (KafkaJS: latest) */
  constructor(readonly defaultReset: OffsetResetStrategy = 'latest') {}

  /** Call `listener` after each change; returns a function that stops it. */
  onChange(listener: (change: SubscriptionChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Add topics (names or patterns) to the subscription. `fromBeginning` picks
   * the reset strategy for these topics: earliest, else the default.
   */
  subscribe(topics: readonly (string | RegExp)[], fromBeginning: boolean): void {
    const reset: OffsetResetStrategy = fromBeginning ? 'earliest' : this.defaultReset;
    for (const [i, t] of topics.entries()) {
      if (t instanceof RegExp) {
        if (!this.#patterns.some((p) => p.source === t.source && p.flags === t.flags)) this.#patterns.push(t);
        // A pattern's topics take the strategy of the subscription that named it.
        this.#resetByTopic.set(`/${t.source}/${t.flags}`, reset);
      } else if (typeof t === 'string' && t !== '') {
        this.#topics.add(t);
        this.#resetByTopic.set(t, reset);
      } else {
        throw new KafkaJSConfigurationError({ option: `subscribe topics[${i}]`, value: t, accepted: 'a non-empty topic name or a RegExp' });
      }
    }
  }

  /** The topic names subscribed to by name. */
  get topics(): readonly string[] {
    return [...this.#topics];
  }

  /** The patterns subscribed to. */
  get patterns(): readonly RegExp[] {
    return this.#patterns;
  }

  /** Whether `topic` is subscribed, by name or by a pattern. */
  isSubscribed(topic: string): boolean {
    if (this.#topics.has(topic)) return true;
    return this.#patterns.some((p) => {
      p.lastIndex = 0;
      return p.test(topic);
    });
  }

  /** The subscribed topics among `known` (Metadata's topic names), plus every topic subscribed by name. */
  subscribedTopics(known: Iterable<string> = []): string[] {
    const out = new Set(this.#topics);
    if (this.#patterns.length > 0) for (const t of known) if (this.isSubscribed(t)) out.add(t);
    return [...out].sort();
  }

  /** The reset strategy of `topic`: from the subscription that named it (or its first matching pattern), else the default. */
  resetStrategyFor(topic: string): OffsetResetStrategy {
    const byName = this.#resetByTopic.get(topic);
    if (byName) return byName;
    for (const p of this.#patterns) {
      p.lastIndex = 0;
      if (p.test(topic)) return this.#resetByTopic.get(`/${p.source}/${p.flags}`) ?? this.defaultReset;
    }
    return this.defaultReset;
  }

  /** Replace the whole assignment (eager rebalancing): partitions kept keep their cursor, others are dropped or created. */
  assign(partitions: readonly TopicPartition[]): void {
    const wanted = new Set(partitions.map((p) => partitionKey(p.topic, p.partition)));
    for (const key of [...this.#cursors.keys()]) if (!wanted.has(key)) this.#cursors.delete(key);
    for (const p of partitions) this.#add(p);
    this.#notify('assignment');
  }

  /** Add partitions to the assignment (cooperative rebalancing); already assigned ones are left as they are. */
  addPartitions(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.#add(p);
    this.#notify('assignment');
  }

  /** Remove partitions from the assignment (revoked or lost). */
  removePartitions(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.#cursors.delete(partitionKey(p.topic, p.partition));
    this.#notify('assignment');
  }

  /** Every assigned partition, sorted by topic then partition. */
  assignment(): TopicPartition[] {
    return [...this.#cursors.values()]
      .map((c) => ({ topic: c.topic, partition: c.partition }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  /** The cursor of an assigned partition, undefined when it is not assigned. */
  cursor(topic: string, partition: number): PartitionCursor | undefined {
    return this.#cursors.get(partitionKey(topic, partition));
  }

  /** Every cursor (live objects: read them, change them only through this class). */
  cursors(): IterableIterator<PartitionCursor> {
    return this.#cursors.values();
  }

  /** Cursors the fetcher may fetch for: position known, no reset pending, not paused. */
  fetchable(): PartitionCursor[] {
    const out: PartitionCursor[] = [];
    for (const c of this.#cursors.values()) if (c.position !== null && c.reset === null && !c.paused) out.push(c);
    return out;
  }

  /** Cursors waiting for a reset (ListOffsets) before they can be fetched. */
  awaitingReset(): PartitionCursor[] {
    return [...this.#cursors.values()].filter((c) => c.reset !== null);
  }

  /** Cursors whose position is unknown and no reset is pending: their committed offset must be fetched. */
  awaitingCommitted(): PartitionCursor[] {
    return [...this.#cursors.values()].filter((c) => c.position === null && c.reset === null);
  }

  /**
   * Set the committed offset fetched for a partition: it becomes the position,
   * or, when there is none (null or negative), the topic's reset strategy applies.
   * Returns what happened; 'no-offset' (strategy 'none') leaves the cursor
   * unpositioned and the caller raises the error (Java's NoOffsetForPartitionException).
   */
  initializePosition(topic: string, partition: number, committed: number | null, leaderEpoch = -1): 'positioned' | 'reset' | 'no-offset' | 'ignored' {
    const c = this.cursor(topic, partition);
    if (!c || c.position !== null || c.reset !== null) return 'ignored';
    let outcome: 'positioned' | 'reset' | 'no-offset';
    if (committed !== null && committed >= 0) {
      c.position = committed;
      c.positionLeaderEpoch = leaderEpoch;
      c.committed = committed;
      outcome = 'positioned';
    } else {
      const strategy = this.resetStrategyFor(topic);
      if (strategy === 'none') return 'no-offset';
      c.reset = { kind: strategy };
      outcome = 'reset';
    }
    this.#moved(c);
    return outcome;
  }

  /** Move a partition to `offset` (KafkaJS's `seek`); a pending reset is cancelled. */
  seek(topic: string, partition: number, offset: number): boolean {
    const c = this.cursor(topic, partition);
    if (!c) return false;
    this.#reposition(c, offset);
    return true;
  }

  /** Ask for a reset of a partition (on OFFSET_OUT_OF_RANGE, or a seek by time). */
  requestReset(topic: string, partition: number, reset: OffsetReset): boolean {
    const c = this.cursor(topic, partition);
    if (!c) return false;
    c.reset = reset;
    this.#moved(c);
    return true;
  }

  /** Complete a reset with the offset ListOffsets found, unless the cursor moved meanwhile. */
  completeReset(topic: string, partition: number, version: number, offset: number): boolean {
    const c = this.cursor(topic, partition);
    if (!c || c.version !== version || c.reset === null) return false;
    this.#reposition(c, offset);
    return true;
  }

  /** Put a cursor at `offset`, no reset pending, under a new version (records fetched for its old place are dropped). */
  #reposition(c: PartitionCursor, offset: number): void {
    c.position = offset;
    c.positionLeaderEpoch = -1;
    c.reset = null;
    this.#moved(c);
  }

  /** A cursor's position changed other than by consumption: a new version, and the onChange listeners (the fetcher) hear of it. */
  #moved(c: PartitionCursor): void {
    c.version = ++this.#lastVersion;
    this.#notify('position');
  }

  /**
   * Advance a partition's position after its records were processed, unless it
   * was seeked, reset or reassigned since they were fetched (`version` differs).
   */
  advance(topic: string, partition: number, version: number, nextOffset: number, leaderEpoch = -1): boolean {
    const c = this.cursor(topic, partition);
    if (!c || c.version !== version) return false;
    if (c.position !== null && nextOffset <= c.position) return true;
    c.position = nextOffset;
    if (leaderEpoch >= 0) c.positionLeaderEpoch = leaderEpoch;
    return true;
  }

  /**
   * {@link advance} for a cursor already in hand: the runner's per-record path, with
   * no key built per record. A cursor no longer assigned is a detached object, so
   * advancing it changes nothing anyone reads.
   */
  advanceCursor(c: PartitionCursor, version: number, nextOffset: number, leaderEpoch = -1): boolean {
    if (c.version !== version) return false;
    if (c.position !== null && nextOffset <= c.position) return true;
    c.position = nextOffset;
    if (leaderEpoch >= 0) c.positionLeaderEpoch = leaderEpoch;
    return true;
  }

  /** Pause topic partitions (no partitions: the whole topic), as KafkaJS's `pause([{ topic, partitions? }])`. */
  pause(topic: string, partitions?: readonly number[]): void {
    this.#setPaused(topic, partitions, true);
  }

  /** Resume topic partitions (no partitions: the whole topic). */
  resume(topic: string, partitions?: readonly number[]): void {
    this.#setPaused(topic, partitions, false);
  }

  /** The paused partitions, grouped by topic (KafkaJS's `paused()`). */
  paused(): { topic: string; partitions: number[] }[] {
    const byTopic = new Map<string, number[]>();
    for (const c of this.#cursors.values()) {
      if (!c.paused) continue;
      const list = byTopic.get(c.topic) ?? [];
      list.push(c.partition);
      byTopic.set(c.topic, list);
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
  }

  /** Whether a partition is paused (a whole-topic pause counts before the partition is assigned). */
  isPaused(topic: string, partition: number): boolean {
    return this.cursor(topic, partition)?.paused ?? this.#pausedTopics.has(topic);
  }

  /** Record what a Fetch response said of a partition's log. */
  updateLogOffsets(topic: string, partition: number, highWatermark: number, lastStableOffset: number, logStartOffset: number): void {
    const c = this.cursor(topic, partition);
    if (!c) return;
    if (highWatermark >= 0) c.highWatermark = highWatermark;
    if (lastStableOffset >= 0) c.lastStableOffset = lastStableOffset;
    if (logStartOffset >= 0) c.logStartOffset = logStartOffset;
  }

  /** Record a committed offset. */
  markCommitted(topic: string, partition: number, offset: number): void {
    const c = this.cursor(topic, partition);
    if (c) c.committed = offset;
  }

  #add(p: TopicPartition): void {
    const key = partitionKey(p.topic, p.partition);
    if (this.#cursors.has(key)) return;
    this.#cursors.set(key, {
      topic: p.topic,
      partition: p.partition,
      position: null,
      positionLeaderEpoch: -1,
      version: ++this.#lastVersion,
      paused: this.#pausedTopics.has(p.topic),
      reset: null,
      highWatermark: -1,
      lastStableOffset: -1,
      logStartOffset: -1,
      committed: null,
    });
  }

  #setPaused(topic: string, partitions: readonly number[] | undefined, paused: boolean): void {
    // A whole-topic pause also covers partitions of the topic assigned later.
    if (!partitions) {
      if (paused) this.#pausedTopics.add(topic);
      else this.#pausedTopics.delete(topic);
    }
    for (const c of this.#cursors.values()) if (c.topic === topic && (!partitions || partitions.includes(c.partition))) c.paused = paused;
    this.#notify('pause');
  }

  #notify(change: SubscriptionChange): void {
    for (const l of this.#listeners) l(change);
  }
}
