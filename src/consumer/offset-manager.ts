/**
 * Resolved and committed offsets per partition, and when to commit them
 * (KafkaJS's OffsetManager, `kafkajs/src/consumer/offsetManager`).
 *
 * A partition's resolved offset is the next offset to consume: the last
 * processed record's offset + 1, which is what Kafka expects committed (KafkaJS
 * commits `resolveOffset(o)` as o + 1). Commits are serialized: one OffsetCommit
 * at a time, each carrying the resolved offsets as they are when it is sent, so
 * a commit never moves a partition's committed offset backwards by overtaking
 * a later one.
 *
 * When commits happen (autoCommit):
 * - with neither `autoCommitInterval` nor `autoCommitThreshold`, after each batch,
 *   as KafkaJS;
 * - with either, only when `autoCommitInterval` ms passed since the last commit
 *   or `autoCommitThreshold` records were resolved since it (checked after each
 *   record and on a timer), so a busy consumer sends one commit per interval,
 *   not one per batch;
 * - always when partitions are revoked, and on stop and disconnect.
 */
import { type Logger } from '../client/logger.js';
import { type ConsumerCommitOffsetsPayload, type TopicOffsets } from './consumer-events.js';
import { type SubscriptionState, type TopicPartition, partitionKey } from './subscription-state.js';

/** What the offset manager needs of the group member. */
export interface OffsetCommitter {
  readonly memberId: string;
  readonly generationId: number;
  commitOffsets(offsets: { topic: string; partition: number; offset: number; metadata?: string | null }[]): Promise<void>;
}

/** Options of an {@link OffsetManager}. */
export interface OffsetManagerOptions {
  readonly groupId: string;
  readonly member: OffsetCommitter;
  readonly subscriptions: SubscriptionState;
  readonly autoCommitInterval: number | null;
  readonly autoCommitThreshold: number | null;
  /** Called after each successful commit, with KafkaJS's `consumer.commit_offsets` payload. */
  readonly onCommit: (payload: ConsumerCommitOffsetsPayload) => void;
  readonly logger: Logger;
}

interface PartitionOffsets {
  readonly topic: string;
  readonly partition: number;
  /** Next offset to consume, by what the application processed; null when nothing resolved yet. */
  resolved: number | null;
  /** Last committed offset we know of; null when none. */
  committed: number | null;
  metadata: string | null;
}

/** Resolved and committed offsets, and the auto-commit policy. */
export class OffsetManager {
  readonly #o: OffsetManagerOptions;
  readonly #partitions = new Map<string, PartitionOffsets>();
  #lastCommit = Date.now();
  /** Records resolved since the last commit (for autoCommitThreshold). */
  #resolvedSinceCommit = 0;
  #chain: Promise<void> = Promise.resolve();

  constructor(options: OffsetManagerOptions) {
    this.#o = options;
  }

  /** Whether commits wait for an interval or threshold instead of following every batch. */
  get commitsOnCondition(): boolean {
    return this.#o.autoCommitInterval !== null || this.#o.autoCommitThreshold !== null;
  }

  #entry(topic: string, partition: number): PartitionOffsets {
    const key = partitionKey(topic, partition);
    let e = this.#partitions.get(key);
    if (!e) this.#partitions.set(key, (e = { topic, partition, resolved: null, committed: null, metadata: null }));
    return e;
  }

  /** Record a partition's committed offset (fetched on assignment); null when the group has none. */
  setCommitted(topic: string, partition: number, offset: number | null): void {
    const e = this.#entry(topic, partition);
    e.committed = offset !== null && offset >= 0 ? offset : null;
  }

  /** The next offset to consume of a partition, as processing resolved it (KafkaJS's resolveOffset(o) stores o + 1). */
  resolve(topic: string, partition: number, nextOffset: number): void {
    this.#resolve(this.#entry(topic, partition), nextOffset);
  }

  /**
   * `resolve` for one partition, without a map lookup per record (the runner takes
   * one per batch). Once the partition is forgotten (revoked), it resolves nothing.
   */
  resolver(topic: string, partition: number): (nextOffset: number) => void {
    const e = this.#entry(topic, partition);
    return (nextOffset) => this.#resolve(e, nextOffset);
  }

  #resolve(e: PartitionOffsets, nextOffset: number): void {
    const before = e.resolved ?? e.committed ?? nextOffset - 1;
    if (nextOffset > before) this.#resolvedSinceCommit += nextOffset - before;
    e.resolved = nextOffset;
  }

  /** A partition's resolved offset, null when nothing was resolved. */
  resolvedOffset(topic: string, partition: number): number | null {
    return this.#partitions.get(partitionKey(topic, partition))?.resolved ?? null;
  }

  /** Resolved offsets not committed yet, by topic (KafkaJS's `uncommittedOffsets()`). */
  uncommittedOffsets(partitions?: readonly TopicPartition[]): { topics: TopicOffsets[] } {
    const wanted = partitions ? new Set(partitions.map((p) => partitionKey(p.topic, p.partition))) : null;
    const byTopic = new Map<string, TopicOffsets>();
    for (const [key, e] of this.#partitions) {
      if (wanted && !wanted.has(key)) continue;
      if (e.resolved === null || e.resolved < 0 || e.resolved === e.committed) continue;
      let t = byTopic.get(e.topic);
      if (!t) byTopic.set(e.topic, (t = { topic: e.topic, partitions: [] }));
      t.partitions.push({ partition: e.partition, offset: String(e.resolved) });
    }
    return { topics: [...byTopic.values()] };
  }

  /** Commit resolved offsets when `autoCommitInterval` or `autoCommitThreshold` says so (KafkaJS's; autoCommit is the caller's to check). */
  async commitOffsetsIfNecessary(): Promise<void> {
    if (this.#due()) await this.commitOffsets();
  }

  #due(): boolean {
    const { autoCommitInterval, autoCommitThreshold } = this.#o;
    if (autoCommitInterval !== null && Date.now() >= this.#lastCommit + autoCommitInterval) return true;
    return autoCommitThreshold !== null && this.#resolvedSinceCommit >= autoCommitThreshold;
  }

  /**
   * Commit `offsets` (KafkaJS's `{ topics: [{ topic, partitions: [{ partition, offset }] }] }`,
   * committed as given), or every resolved offset not yet committed (of `only`, when given).
   * Waits for commits already running; resolves once this one is acknowledged.
   */
  commitOffsets(offsets?: { topics: TopicOffsets[] } | null, only?: readonly TopicPartition[]): Promise<void> {
    const run = this.#chain.then(() => this.#commit(offsets ?? null, only));
    // The next commit waits for this one, whatever its outcome.
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #commit(explicit: { topics: TopicOffsets[] } | null, only: readonly TopicPartition[] | undefined): Promise<void> {
    const topics = explicit?.topics ?? this.uncommittedOffsets(only).topics;
    const list: { topic: string; partition: number; offset: number; metadata?: string | null }[] = [];
    for (const t of topics) {
      for (const p of t.partitions) {
        const metadata = p.metadata;
        list.push({ topic: t.topic, partition: p.partition, offset: Number(p.offset), ...(metadata === undefined ? {} : { metadata }) });
      }
    }
    if (list.length === 0) {
      this.#lastCommit = Date.now();
      return;
    }
    const resolvedBefore = this.#resolvedSinceCommit;
    await this.#o.member.commitOffsets(list);
    for (const c of list) {
      this.#entry(c.topic, c.partition).committed = c.offset;
      this.#o.subscriptions.markCommitted(c.topic, c.partition, c.offset);
    }
    this.#lastCommit = Date.now();
    // Records resolved while the commit was in flight still count toward the next one.
    if (explicit === null && only === undefined) this.#resolvedSinceCommit = Math.max(0, this.#resolvedSinceCommit - resolvedBefore);
    this.#o.onCommit({
      groupId: this.#o.groupId,
      memberId: this.#o.member.memberId,
      groupGenerationId: this.#o.member.generationId,
      topics: topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, offset: String(p.offset) })) })),
    });
  }

  /** Wait for the commits sent so far. */
  async settled(): Promise<void> {
    await this.#chain;
  }

  /** Forget partitions given back or lost (their offsets are the next owner's now). */
  forget(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.#partitions.delete(partitionKey(p.topic, p.partition));
  }
}
