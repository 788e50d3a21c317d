/**
 * What the fetcher does with each partition's answer to a Fetch or ListOffsets,
 * and the per-partition state those answers leave behind:
 * - records go to the buffer as a {@link FetchedBatch} (also when only control
 *   or aborted records were read, so the position moves past them);
 * - a response holding only part of a batch doubles that partition's limit
 *   for its next fetch (KafkaJS and Java before KIP-74);
 * - error codes are handled as partition-errors.ts sorts them; an error raised
 *   to the application blocks its partition until the cursor's version changes
 *   (a seek), so the same failure is not fetched again in a loop;
 * - a reset resolved by ListOffsets completes on the cursor, unless it moved;
 * - a leader naming a preferred read replica (KIP-392) sends the partition's
 *   fetches there until `metadataMaxAge` has passed, any error comes back for
 *   it, or a request to that replica fails (Java's `SubscriptionState`
 *   lease); an OFFSET_OUT_OF_RANGE from the replica (a follower behind the
 *   leader) sends the next fetch to the leader instead of resetting.
 */
import { type Cluster } from '../../client/cluster.js';
import { type Logger } from '../../client/logger.js';
import { KafkaJSOffsetOutOfRange, KafkaJSProtocolError, createErrorFromCode } from '../../errors/protocol-errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { type PartitionCursor, type SubscriptionState, partitionKey } from '../subscription-state.js';
import { type FetchAnswer, type FetchResult } from './broker-fetch.js';
import { type FetchBackoff } from './fetch-backoff.js';
import { type FetchBuffer } from './fetch-buffer.js';
import { type ResetAnswer } from './offset-reset.js';
import { partitionErrorAction } from './partition-errors.js';

/** What answers act on. */
export interface FetchAnswersDeps {
  readonly cluster: Cluster;
  readonly subscriptions: SubscriptionState;
  readonly buffer: FetchBuffer;
  readonly backoff: FetchBackoff;
  readonly logger: Logger;
  /** Start a metadata refresh (rate-limited by the caller). */
  readonly refreshMetadata: () => void;
}

/** Per-partition fetch state, and the handling of answers that change it. */
export class FetchAnswers {
  /** Per partition handed out: where its next fetch starts while the runner processes it (same version only). */
  readonly handedOut = new Map<string, { version: number; nextOffset: number }>();
  /** Partitions whose error was raised, with the cursor version then. */
  readonly blocked = new Map<string, number>();
  /** Partition limits raised after a response held only part of a batch. */
  readonly limits = new Map<string, number>();
  /** KIP-392: the replica a leader named for a partition's fetches, followed until `expiresAt`. */
  readonly readReplicas = new Map<string, { readonly nodeId: number; readonly expiresAt: number }>();

  constructor(private readonly deps: FetchAnswersDeps) {}

  /** Whether a partition's error was raised and it has not been seeked since. */
  isBlocked(key: string, version: number): boolean {
    const blocked = this.blocked.get(key);
    if (blocked === undefined) return false;
    if (blocked === version) return true;
    this.blocked.delete(key);
    return false;
  }

  /** Where a cursor's next fetch starts: past the data handed out for its current version, else its position. */
  fetchOffset(c: PartitionCursor, key: string): number {
    const handed = this.handedOut.get(key);
    return handed !== undefined && handed.version === c.version && handed.nextOffset > c.position! ? handed.nextOffset : c.position!;
  }

  /** The replica to fetch a partition from instead of its leader (KIP-392), while its lease lasts. */
  readReplica(key: string, now: number): number | undefined {
    const replica = this.readReplicas.get(key);
    if (replica === undefined) return undefined;
    if (now < replica.expiresAt) return replica.nodeId;
    this.readReplicas.delete(key);
    return undefined;
  }

  /** A request to `nodeId` failed: partitions it served as a read replica go back to their leaders (Java's handleFetchFailure). */
  forgetReadReplica(nodeId: number): void {
    for (const [key, replica] of this.readReplicas) if (replica.nodeId === nodeId) this.readReplicas.delete(key);
  }

  /** Forget the state of partitions no longer assigned. */
  forget(isAssigned: (key: string) => boolean): void {
    for (const map of [this.handedOut, this.blocked, this.limits, this.readReplicas]) {
      for (const key of map.keys()) if (!isAssigned(key)) map.delete(key);
    }
  }

  /** Apply one partition's Fetch answer; returns whether a batch was buffered. */
  fetched(answer: FetchAnswer, result: FetchResult): boolean {
    const { subscriptions, buffer, logger } = this.deps;
    const { topic, partition, version, fetchOffset } = answer.target;
    const cursor = subscriptions.cursor(topic, partition);
    if (!cursor || cursor.version !== version || cursor.paused) return false;
    const key = partitionKey(topic, partition);
    if (answer.errorCode !== ErrorCode.NONE) {
      this.#partitionError(cursor, key, answer, result);
      return false;
    }
    if (answer.preferredReadReplica >= 0 && answer.preferredReadReplica !== answer.target.readReplica) {
      // KIP-392: the leader sends us to a replica closer to our rack; this answer carries no records.
      const expiresAt = Date.now() + this.deps.cluster.metadataMaxAge;
      this.readReplicas.set(key, { nodeId: answer.preferredReadReplica, expiresAt });
      logger.debug('Fetching from the preferred read replica', { topic, partition, nodeId: answer.preferredReadReplica, offset: fetchOffset });
    }
    subscriptions.updateLogOffsets(topic, partition, answer.highWatermark, answer.lastStableOffset, answer.logStartOffset);
    const records = answer.records;
    if (records.partial) {
      const limit = Math.max(answer.target.partitionMaxBytes, answer.bytes) * 2;
      this.limits.set(key, limit);
      logger.debug('Only part of a record batch fit, raising the partition limit', { topic, partition, offset: fetchOffset, limit });
      return false;
    }
    this.limits.delete(key);
    let buffered = false;
    if (records.count > 0 || records.nextOffset > fetchOffset) {
      buffer.add({
        topic,
        partition,
        version,
        fetchOffset,
        // Read when the runner takes the batch: the messages are built then, not while the batch waits here.
        get messages() {
          return records.messages;
        },
        count: records.count,
        chunks: () => records.chunks(),
        nextOffset: records.nextOffset,
        lastLeaderEpoch: records.lastLeaderEpoch,
        highWatermark: answer.highWatermark,
        lastStableOffset: answer.lastStableOffset,
        logStartOffset: answer.logStartOffset,
        bytes: answer.bytes,
      });
      buffered = true;
    }
    if (records.corrupt) {
      const { offset, reason } = records.corrupt;
      const source = createErrorFromCode(ErrorCode.CORRUPT_MESSAGE, `record batch at offset ${offset} of topic "${topic}" partition ${partition}: ${reason}; seek past it to go on`);
      // Retriable for a producer that can resend; never for a reader of the same bytes (Java's CompletedFetch raises a KafkaException).
      this.#raise(cursor, key, new KafkaJSProtocolError(source, { retriable: false }));
    }
    return buffered;
  }

  /** Apply one partition's ListOffsets answer. */
  reset(answer: ResetAnswer): void {
    const { subscriptions, cluster, backoff, logger } = this.deps;
    const { topic, partition, version } = answer.target;
    const cursor = subscriptions.cursor(topic, partition);
    if (!cursor || cursor.version !== version) return;
    const key = partitionKey(topic, partition);
    if (answer.errorCode === ErrorCode.NONE) {
      this.handedOut.delete(key);
      subscriptions.completeReset(topic, partition, version, answer.offset);
      logger.debug('Offset reset', { topic, partition, reset: answer.target.reset.kind, offset: answer.offset });
      return;
    }
    const action = partitionErrorAction(answer.errorCode);
    if (action === 'raise') {
      this.#raise(cursor, key, createErrorFromCode(answer.errorCode, `ListOffsets for topic "${topic}" partition ${partition}`));
      return;
    }
    if (action === 'refresh-metadata') {
      cluster.markStale();
      this.deps.refreshMetadata();
    }
    backoff.partitionFailed(key, Date.now());
  }

  /** Raise an error that concerns no partition in particular (a request refused as a whole). */
  raiseGeneral(error: Error): void {
    this.deps.buffer.addError(error);
  }

  #partitionError(cursor: PartitionCursor, key: string, answer: FetchAnswer, result: FetchResult): void {
    const { subscriptions, cluster, backoff, logger } = this.deps;
    const { topic, partition } = cursor;
    const code = answer.errorCode;
    // Any error ends a read replica's lease: the next fetch asks the leader, which may name it again.
    const fromReplica = answer.target.readReplica >= 0;
    this.readReplicas.delete(key);
    if (fromReplica && code === ErrorCode.OFFSET_OUT_OF_RANGE) {
      // A follower behind the leader does not have the offset yet: the leader decides whether it is out of range.
      logger.debug('Offset out of range at the read replica, fetching from the leader', { topic, partition, nodeId: answer.target.readReplica, offset: answer.target.fetchOffset });
      // After a backoff: a leader that named the same replica again at once would otherwise make a busy loop.
      backoff.partitionFailed(key, Date.now());
      return;
    }
    switch (partitionErrorAction(code)) {
      case 'reset': {
        subscriptions.updateLogOffsets(topic, partition, answer.highWatermark, answer.lastStableOffset, answer.logStartOffset);
        const strategy = subscriptions.resetStrategyFor(topic);
        const offset = answer.target.fetchOffset;
        logger.info('Offset out of range', { topic, partition, offset, logStartOffset: answer.logStartOffset, highWatermark: answer.highWatermark, strategy });
        if (strategy === 'none') {
          // Java's OffsetOutOfRangeException: the application decides (seek), nothing is reset behind its back.
          const source = createErrorFromCode(code, `offset ${offset} of topic "${topic}" partition ${partition} is out of range and its offset reset strategy is none`);
          this.#raise(cursor, key, new KafkaJSOffsetOutOfRange(source, { topic, partition }));
        } else {
          this.handedOut.delete(key);
          subscriptions.requestReset(topic, partition, { kind: strategy });
        }
        return;
      }
      case 'refresh-metadata': {
        const hint = answer.currentLeader;
        const nodes = result.nodeEndpoints.map((n) => ({ nodeId: n.nodeId, host: n.host, port: n.port, rack: n.rack }));
        // KIP-951: the broker named the new leader; a hint applied saves a Metadata round trip.
        const moved = hint.leaderId >= 0 && cluster.applyLeaderHints([{ topic, partition, leaderId: hint.leaderId, leaderEpoch: hint.leaderEpoch }], nodes);
        logger.debug('Partition not fetchable from this broker', { topic, partition, error: createErrorFromCode(code).type, leaderHint: moved });
        if (moved) return;
        cluster.markStale();
        backoff.partitionFailed(key, Date.now());
        this.deps.refreshMetadata();
        return;
      }
      case 'retry':
        backoff.partitionFailed(key, Date.now());
        return;
      case 'raise':
        this.#raise(cursor, key, createErrorFromCode(code, `topic "${topic}" partition ${partition}`));
    }
  }

  /** Raise `error` through next() and leave the partition alone until it is seeked (its version changes). */
  raise(cursor: PartitionCursor, key: string, error: Error): void {
    this.#raise(cursor, key, error);
  }

  #raise(cursor: PartitionCursor, key: string, error: Error): void {
    this.blocked.set(key, cursor.version);
    this.deps.buffer.addError(error, key);
  }
}
