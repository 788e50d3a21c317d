/**
 * Handing one fetched batch to the application's handler, as KafkaJS's runner
 * does: `eachMessage` one record at a time (advancing and resolving past each),
 * or `eachBatch` once (advancing to what the handler resolved). Which batch runs
 * when, retries and commits are the runner's (runner.ts); it passes them in as a
 * {@link DispatchContext}.
 */
import { type Batch } from './batch.js';
import { type ConsumerMessage, messageOffset } from './consumer-message.js';
import { type FetchedBatch } from './fetcher/index.js';
import { type EachBatchHandler, type EachMessageHandler } from './handlers.js';
import { type RunnerOptions } from './runner.js';
import { type PartitionCursor, partitionKey } from './subscription-state.js';

/** What dispatching needs from the runner. */
export interface DispatchContext {
  readonly options: RunnerOptions;
  /** Whether the runner is taking batches. */
  running(): boolean;
  /** Whether the runner is taking batches and the partition is not being revoked. */
  active(key: string): boolean;
  /** Whether processing of `b` must stop before the next record (stopped, seeked, paused, revoked). */
  interrupted(cursor: PartitionCursor, b: FetchedBatch, key: string): boolean;
  /** Move the fetcher back to the cursor's position. */
  rewind(cursor: PartitionCursor): void;
  /** The handler threw at `offset`: commit what was processed, rewind, back off or crash. */
  failed(cursor: PartitionCursor, b: FetchedBatch, error: unknown, offset: string | null): Promise<void>;
  /** Auto-commit if the options say so now. */
  autoCommit(batchEnd: boolean): Promise<void>;
}

/**
 * Hand the batch's messages at or after `position` to `eachMessage`, one at a time,
 * advancing and resolving past each; the last moves the position to the batch's
 * `nextOffset` (past trailing control records), also when none was left to hand out.
 * The messages are built a record batch at a time as the walk reaches them, unless
 * the runner built them whole already (`built`: for the batch events' payload).
 */
export async function dispatchEachMessage(ctx: DispatchContext, handler: EachMessageHandler, cursor: PartitionCursor, b: FetchedBatch, position: number, built: ConsumerMessage[] | null): Promise<boolean> {
  const { topic, partition } = b;
  const key = partitionKey(topic, partition);
  const pause = (): (() => void) => ctx.options.pausePartition(topic, partition);
  const heartbeat = ctx.options.heartbeat;
  const resolve = ctx.options.resolveOnReturn ? ctx.options.offsets.resolver(topic, partition) : null;
  const onCondition = ctx.options.autoCommit && ctx.options.offsets.commitsOnCondition;
  const subscriptions = ctx.options.subscriptions;
  const count = built ? built.length : b.count;
  let left = count;
  // Every message is at or after the fetch offset: only a position past it can have any behind it.
  const behind = position > b.fetchOffset;
  let done = 0;
  let lastTimestamp = '';
  // Metrics count once per batch, or where processing stops (the hot path builds no key per record).
  const settle = (): void => {
    if (done > 0) ctx.options.metrics.recordsProcessed(topic, partition, done, lastTimestamp);
  };
  for (const messages of count === 0 ? [] : built ? [built] : b.chunks()) {
    for (const message of messages) {
      const last = --left === 0;
      // Records before the position were processed already (a fetch may start mid-batch).
      const skip = behind && messageOffset(message) < position;
      if (skip && !last) continue;
      if (ctx.interrupted(cursor, b, key)) {
        settle();
        if (ctx.active(key) && cursor.version === b.version) ctx.rewind(cursor);
        return true;
      }
      if (!skip) {
        try {
          await handler({ topic, partition, message, heartbeat, pause });
        } catch (e) {
          settle();
          await ctx.failed(cursor, b, e, message.offset);
          return false;
        }
        done++;
        lastTimestamp = message.timestamp;
      }
      const next = last ? b.nextOffset : messageOffset(message) + 1;
      subscriptions.advanceCursor(cursor, b.version, next, last ? b.lastLeaderEpoch : -1);
      resolve?.(next);
      if (onCondition) await ctx.autoCommit(false);
    }
  }
  if (left > 0 || count === 0) {
    // Only control or aborted records (KafkaJS #1256), or fewer messages than counted: move past them so the consumer does not stall.
    subscriptions.advanceCursor(cursor, b.version, b.nextOffset, b.lastLeaderEpoch);
    resolve?.(b.nextOffset);
  }
  settle();
  return true;
}

/**
 * Hand the batch to `eachBatch` once, with KafkaJS's helpers; the position moves to
 * what the handler resolved (all of it with `eachBatchAutoResolve`), and records
 * not resolved are fetched again.
 */
export async function dispatchEachBatch(ctx: DispatchContext, handler: EachBatchHandler, cursor: PartitionCursor, b: FetchedBatch, batch: Batch): Promise<boolean> {
  const { topic, partition } = b;
  const key = partitionKey(topic, partition);
  const offsets = ctx.options.offsets;
  const lastMessage = batch.messages[batch.messages.length - 1]!;
  const lastMessageOffset = messageOffset(lastMessage);
  /** The next offset to consume by what the handler resolved in this batch; null when nothing yet. */
  let resolvedNext: number | null = null;
  const resolve = offsets.resolver(topic, partition);
  let counted = 0;
  const resolveOffset = (offset: string | number): void => {
    const o = Number(offset);
    // Resolving the last record also moves past trailing control records (see KafkaJS's runner).
    const next = o >= lastMessageOffset ? batch.nextOffset : o + 1;
    resolvedNext = next;
    resolve(next);
    const from = counted;
    while (counted < batch.messages.length && messageOffset(batch.messages[counted]!) < next) counted++;
    if (counted > from) ctx.options.metrics.recordsProcessed(topic, partition, counted - from, batch.messages[counted - 1]!.timestamp);
  };
  let failure: unknown = null;
  try {
    await handler({
      batch,
      resolveOffset,
      heartbeat: ctx.options.heartbeat,
      pause: () => ctx.options.pausePartition(topic, partition),
      commitOffsetsIfNecessary: async (explicit?: { topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }) =>
        explicit ? offsets.commitOffsets(explicit) : offsets.commitOffsetsIfNecessary(),
      uncommittedOffsets: () => offsets.uncommittedOffsets(),
      isRunning: () => ctx.active(key),
      isStale: () => cursor.version !== b.version || ctx.options.subscriptions.cursor(topic, partition) !== cursor,
    });
  } catch (e) {
    failure = e;
  }
  if (failure === null && ctx.options.eachBatchAutoResolve) resolveOffset(batch.lastOffset());
  const reached = resolvedNext as number | null;
  if (reached !== null) ctx.options.subscriptions.advance(topic, partition, b.version, reached, reached === batch.nextOffset ? b.lastLeaderEpoch : -1);
  if (failure !== null) {
    await ctx.failed(cursor, b, failure, reached === null ? batch.firstOffset() : String(reached));
    return false;
  }
  // Records not resolved are delivered again, as KafkaJS fetches from the last resolved offset.
  if (reached !== batch.nextOffset && cursor.version === b.version && ctx.running()) ctx.rewind(cursor);
  return true;
}
