/**
 * Idempotent producer state for the whole broker, as Kafka's
 * ProducerStateManager keeps it per partition (partition-producer-state.ts),
 * plus the producer id allocator (producer-id-allocator.ts).
 *
 * Lifecycle, as in Kafka:
 * - startup: per partition, the newest snapshot at or below the log end offset
 *   is loaded, then only the batches from its offset on are read (all of them
 *   when there is no snapshot); producers expired or wholly below the log start
 *   offset are dropped.
 * - segment roll: the state of every batch below the new segment is written as
 *   a snapshot at its base offset (the append that rolled is recorded after).
 * - clean shutdown: a snapshot at the log end offset, synced, so the next start
 *   reads no batch at all.
 * - every `producer.id.expiration.check.interval.ms`: producers idle for
 *   `producer.id.expiration.ms`, or whose writes were all deleted, are dropped.
 */
import { type RecordBatchHeader } from '../../protocol/records/record-batch.js';
import { type BrokerConfig } from '../config.js';
import { type BrokerLogger } from '../logger.js';
import { type Partition, type TopicRegistry } from '../topics.js';
import { PartitionProducerState, type ProducerEntry, type SequenceCheck, lastSequence } from './partition-producer-state.js';
import { ProducerIdAllocator } from './producer-id-allocator.js';
import { deleteSnapshot, listSnapshots, readSnapshot, syncSnapshot, writeSnapshot } from './producer-state-snapshot.js';

/** Snapshots kept per partition: the newest, and two older ones should a crash cut the log below it. */
const SNAPSHOTS_KEPT = 3;

/** What rebuilding the state at startup read. */
export interface ProducerStateLoadStats {
  readonly partitions: number;
  /** Partitions whose state came from a snapshot file. */
  readonly fromSnapshot: number;
  /** Batch headers read from the logs (those after the snapshots, or all of them without). */
  readonly batchesRead: number;
}

/** Every partition's producer state and the id counter; open with {@link ProducerStateManager.open}. */
export class ProducerStateManager {
  readonly #partitions = new Map<Partition, PartitionProducerState>();
  #allocator: ProducerIdAllocator | null = null;
  #loadStats: ProducerStateLoadStats = { partitions: 0, fromSnapshot: 0, batchesRead: 0 };

  private constructor(
    readonly config: BrokerConfig,
    readonly logger: BrokerLogger | null,
  ) {}

  /** Rebuild every partition's state (from its snapshot and the log after it) and open the id counter. */
  static async open(config: BrokerConfig, topics: TopicRegistry, logger: BrokerLogger | null = null): Promise<ProducerStateManager> {
    const m = new ProducerStateManager(config, logger);
    const now = Date.now();
    let partitions = 0;
    let fromSnapshot = 0;
    let batchesRead = 0;
    for (const topic of topics.list()) {
      for (const p of topic.partitions) {
        const loaded = await m.#load(p, now);
        partitions++;
        if (loaded.fromSnapshot) fromSnapshot++;
        batchesRead += loaded.batchesRead;
      }
    }
    m.#loadStats = { partitions, fromSnapshot, batchesRead };
    // Dropped with the registry change itself: by partition, so a topic re-created under the
    // same name (new partitions) never meets the old state, nor loses its own to a late cleanup.
    topics.onDelete((topic) => {
      for (const p of topic.partitions) m.#partitions.delete(p);
    });
    m.#allocator = ProducerIdAllocator.open(config.logDir, () => m.#producerIds());
    if (partitions > 0) logger?.info('producer state loaded', { ...m.#loadStats });
    return m;
  }

  /** What the rebuild at startup read (tests, operators). */
  get loadStats(): ProducerStateLoadStats {
    return this.#loadStats;
  }

  /** A new producer id (epoch 0), never handed out before. */
  allocateProducerId(): bigint {
    return this.#allocator!.allocate();
  }

  /**
   * Decide what to do with an idempotent batch (producerId >= 0) before it is
   * appended. The caller holds the partition's append lock from this check to
   * {@link recordAppend}.
   */
  check(partition: Partition, header: RecordBatchHeader): SequenceCheck {
    const state = this.#stateOf(partition);
    const log = partition.log;
    if (log.logEndOffset < state.mapEndOffset) this.#truncate(partition, state, log.logEndOffset);
    const lastSeq = lastSequence(header.baseSequence, header.lastOffsetDelta);
    return state.check(header.producerIdExact, header.producerEpoch, header.baseSequence, lastSeq, log.logStartOffset);
  }

  /**
   * After any batch is written: a snapshot when it opened a new segment, then
   * the batch itself when it is idempotent.
   *
   * @param now - the append time: when the producer last wrote, for `producer.id.expiration.ms`
   */
  recordAppend(partition: Partition, header: RecordBatchHeader, firstOffset: number, lastOffset: number, now: number): void {
    const state = this.#stateOf(partition);
    if (firstOffset < state.mapEndOffset) this.#truncate(partition, state, firstOffset);
    const dir = partition.log.path;
    if (dir !== null && firstOffset > state.lastSnapshotOffset) {
      // A batch that starts a new last segment rolled the log (the log has no roll hook; its segments are few).
      const bases = partition.log.segmentBaseOffsets;
      if (bases.length > 1 && bases[bases.length - 1] === firstOffset) this.#snapshot(partition, state, dir, firstOffset);
    }
    state.mapEndOffset = lastOffset + 1;
    if (header.producerIdExact < 0n) return;
    state.record(header.producerIdExact, header.producerEpoch, header.baseSequence, lastSequence(header.baseSequence, header.lastOffsetDelta), firstOffset, lastOffset, now);
  }

  /** Drop expired producers (`producer.id.expiration.ms`) and those whose writes were all deleted. */
  removeExpiredProducers(now: number): void {
    let removed = 0;
    for (const [partition, state] of this.#partitions) removed += state.removeExpired(now, this.config.producerIdExpirationMs, partition.log.logStartOffset);
    if (removed > 0) this.logger?.debug('expired producer ids removed', { removed });
  }

  /** The producer ids a partition remembers (tests, operators). */
  producerIds(partition: Partition): bigint[] {
    return [...(this.#partitions.get(partition)?.producers.keys() ?? [])];
  }

  /**
   * The producers a partition remembers with writes still in its log
   * (DescribeProducers, KIP-664): those whose writes were all deleted are
   * gone in Kafka's state, though ours forgets them lazily.
   */
  activeProducers(partition: Partition): ProducerEntry[] {
    const state = this.#partitions.get(partition);
    return state === undefined ? [] : [...retained(state, partition.log.logStartOffset)];
  }

  /** Clean shutdown: a synced snapshot at each log end offset, so the next start reads no batch. Call before the logs close. */
  async close(): Promise<void> {
    for (const [partition, state] of this.#partitions) {
      const dir = partition.log.path;
      const offset = partition.log.logEndOffset;
      if (dir === null || offset === state.lastSnapshotOffset) continue;
      if (this.#snapshot(partition, state, dir, offset)) {
        try {
          syncSnapshot(dir, offset);
        } catch (e) {
          this.#warn(partition, 'cannot sync the producer-state snapshot', e);
        }
      }
    }
  }

  #stateOf(partition: Partition): PartitionProducerState {
    let state = this.#partitions.get(partition);
    if (state === undefined) this.#partitions.set(partition, (state = new PartitionProducerState()));
    return state;
  }

  async #load(partition: Partition, now: number): Promise<{ fromSnapshot: boolean; batchesRead: number }> {
    const log = partition.log;
    const state = this.#stateOf(partition);
    const dir = log.path;
    let from: number | undefined;
    if (dir !== null) {
      // Newest first; one past the log end (the log lost a tail it had when the snapshot was taken) or damaged is deleted.
      for (const offset of listSnapshots(dir).reverse()) {
        if (offset > log.logEndOffset) {
          deleteSnapshot(dir, offset);
          continue;
        }
        try {
          for (const entry of readSnapshot(dir, offset)) state.producers.set(entry.producerId, entry);
          from = state.lastSnapshotOffset = offset;
          break;
        } catch (e) {
          this.#warn(partition, `deleting the damaged producer-state snapshot at offset ${offset}`, e);
          deleteSnapshot(dir, offset);
        }
      }
    }
    let batchesRead = 0;
    for await (const b of log.batches(from)) {
      batchesRead++;
      if (b.producerIdExact < 0n) continue;
      state.record(b.producerIdExact, b.producerEpoch, b.baseSequence, lastSequence(b.baseSequence, b.lastOffsetDelta), b.baseOffset, b.baseOffset + b.lastOffsetDelta, b.maxTimestamp);
    }
    state.mapEndOffset = log.logEndOffset;
    state.removeExpired(now, this.config.producerIdExpirationMs, log.logStartOffset);
    return { fromSnapshot: from !== undefined, batchesRead };
  }

  /** The log end offset went back (see {@link PartitionProducerState.truncateTo}); snapshots past it describe a log that is gone. */
  #truncate(partition: Partition, state: PartitionProducerState, logEndOffset: number): void {
    this.#warn(partition, `the log end offset went back from ${state.mapEndOffset} to ${logEndOffset}: forgetting the producer state past it`, null);
    state.truncateTo(logEndOffset);
    const dir = partition.log.path;
    if (dir === null || state.lastSnapshotOffset <= logEndOffset) return;
    try {
      for (const offset of listSnapshots(dir)) if (offset > logEndOffset) deleteSnapshot(dir, offset);
      state.lastSnapshotOffset = listSnapshots(dir).pop() ?? -1;
    } catch (e) {
      this.#warn(partition, 'cannot delete the producer-state snapshots past the log end', e);
    }
  }

  /** Write the state as the snapshot at `offset` and prune older ones; false (logged) when it cannot be written. */
  #snapshot(partition: Partition, state: PartitionProducerState, dir: string, offset: number): boolean {
    const logStartOffset = partition.log.logStartOffset;
    try {
      // Producers whose writes were all deleted are left out, as a restart would drop them.
      writeSnapshot(dir, offset, retained(state, logStartOffset));
      state.lastSnapshotOffset = offset;
      const older = listSnapshots(dir).filter((o) => o < offset);
      older.forEach((o, i) => {
        if (i < older.length - (SNAPSHOTS_KEPT - 1) || o < logStartOffset) deleteSnapshot(dir, o);
      });
      return true;
    } catch (e) {
      // A snapshot only saves work at startup: the append that asked for it goes on.
      this.#warn(partition, `cannot write the producer-state snapshot at offset ${offset}`, e);
      return false;
    }
  }

  *#producerIds(): Iterable<bigint> {
    for (const state of this.#partitions.values()) yield* state.producers.keys();
  }

  #warn(partition: Partition, message: string, e: unknown): void {
    const fields: Record<string, unknown> = { partition: `${partition.topic.name}-${partition.index}` };
    if (e !== null) fields.error = e instanceof Error ? e.message : String(e);
    this.logger?.warn(message, fields);
  }
}

function* retained(state: PartitionProducerState, logStartOffset: number): Iterable<ProducerEntry> {
  for (const entry of state.producers.values()) {
    const last = entry.batches[entry.batches.length - 1];
    if (last !== undefined && last.lastOffset >= logStartOffset) yield entry;
  }
}
