/**
 * Committed offsets in memory, by group, topic and partition: the cache Kafka's
 * GroupMetadataManager keeps in front of the __consumer_offsets topic. What is
 * here has already reached the durable log (consumer-offsets-log.ts); the
 * coordinator writes there first and applies here once the write is done.
 */

/** One committed offset, as OffsetCommit stores it and OffsetFetch returns it. */
export interface CommittedOffset {
  readonly offset: bigint;
  /** The leader epoch the consumer saw (OffsetCommit v6+, KIP-320); -1 if unknown. */
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestamp: number;
  /**
   * OffsetCommit v2-v4 let a client set a retention time per commit; the offset
   * then expires at this time whatever the group does. null: the group-based
   * rule of KIP-211 applies.
   */
  readonly expireTimestamp: number | null;
}

/** One committed offset with where it belongs. */
export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly committed: CommittedOffset;
}

export class OffsetStore {
  readonly #byGroup = new Map<string, Map<string, Map<number, CommittedOffset>>>();

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.#byGroup.get(groupId)?.get(topic)?.get(partition);
  }

  put(groupId: string, topic: string, partition: number, committed: CommittedOffset): void {
    let topics = this.#byGroup.get(groupId);
    if (!topics) this.#byGroup.set(groupId, (topics = new Map()));
    let partitions = topics.get(topic);
    if (!partitions) topics.set(topic, (partitions = new Map()));
    partitions.set(partition, committed);
  }

  delete(groupId: string, topic: string, partition: number): void {
    const topics = this.#byGroup.get(groupId);
    const partitions = topics?.get(topic);
    if (!topics || !partitions) return;
    partitions.delete(partition);
    if (partitions.size === 0) topics.delete(topic);
    if (topics.size === 0) this.#byGroup.delete(groupId);
  }

  hasOffsets(groupId: string): boolean {
    return this.#byGroup.has(groupId);
  }

  /** Every committed offset of a group, topics and partitions in commit order. */
  all(groupId: string): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const [topic, partitions] of this.#byGroup.get(groupId) ?? []) {
      for (const [partition, committed] of partitions) out.push({ topic, partition, committed });
    }
    return out;
  }

  /** The groups holding offsets for a topic, with those partitions (for topic deletion). */
  byTopic(topic: string): { groupId: string; partition: number }[] {
    const out: { groupId: string; partition: number }[] = [];
    for (const [groupId, topics] of this.#byGroup) {
      for (const partition of topics.get(topic)?.keys() ?? []) out.push({ groupId, partition });
    }
    return out;
  }

  /**
   * The offsets of a group that have outlived `retentionMs` (KIP-211): an
   * explicit expire timestamp (OffsetCommit v2-v4) wins; otherwise the clock
   * starts at `since(offset)`, which the coordinator picks by group kind.
   */
  expired(groupId: string, now: number, retentionMs: number, since: (c: CommittedOffset) => number): TopicPartitionOffset[] {
    return this.all(groupId).filter(({ committed: c }) => (c.expireTimestamp !== null ? now >= c.expireTimestamp : now - since(c) >= retentionMs));
  }
}
