/**
 * Consumer metrics, read with `consumer.metrics()`: per assigned partition its
 * position, committed offset, high watermark, log start offset and lag (in
 * records, and in time since the last processed record was written), plus
 * fetch and processing timings. Plain counters and small sample windows; the
 * per-partition figures are read from the subscription state when asked for.
 */
import { LatencyWindow } from '../client/latency-window.js';
import { type SubscriptionState, partitionKey } from './subscription-state.js';

/** One assigned partition. */
export interface PartitionMetrics {
  topic: string;
  partition: number;
  /** Next offset to hand to the application; null until known. */
  position: number | null;
  /** Last committed offset this consumer knows of; null when none. */
  committed: number | null;
  /** From the last fetch; -1 until one arrived. */
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** Records not processed yet: highWatermark − position (null while either is unknown). */
  lag: number | null;
  /** Ms between now and the timestamp of the last processed record; null before the first. */
  timeLagMs: number | null;
  paused: boolean;
}

/** A snapshot, as `consumer.metrics()` returns it. */
export interface ConsumerMetricsSnapshot {
  partitions: PartitionMetrics[];
  /** Sum of the known per-partition lags. */
  totalLag: number;
  recordsProcessed: number;
  batchesProcessed: number;
  /** Fetch responses the consumer waited for (`consumer.fetch` events). */
  fetches: number;
  /** Fetch round trips, ms, over the last 1024. */
  fetchLatencyP50: number;
  fetchLatencyP99: number;
  /** Handler time per batch (eachBatch, or every eachMessage of the batch), ms, over the last 1024. */
  processLatencyP50: number;
  processLatencyP99: number;
  /** Handler time per record, ms, averaged over every record processed. */
  processLatencyPerRecordAvg: number;
}

/** The consumer's counters; one per consumer, kept across restarts. */
export class ConsumerMetrics {
  #records = 0;
  #batches = 0;
  #fetches = 0;
  #processMs = 0;
  readonly #fetch = new LatencyWindow(1024);
  readonly #process = new LatencyWindow(1024);
  /** Timestamp of the last processed record, per partition. */
  readonly #lastTimestamp = new Map<string, number>();

  /** A fetch round trip ended. */
  fetched(durationMs: number): void {
    this.#fetches++;
    this.#fetch.add(durationMs);
  }

  /** `count` records of a partition were processed; `timestamp` is the last one's (ms since the epoch, as a string or number). */
  recordsProcessed(topic: string, partition: number, count: number, timestamp: string | number): void {
    this.#records += count;
    const ts = Number(timestamp);
    if (Number.isFinite(ts) && ts >= 0) this.#lastTimestamp.set(partitionKey(topic, partition), ts);
  }

  /** A batch was processed in `durationMs`, `records` of its records handed to the application. */
  batchProcessed(durationMs: number): void {
    this.#batches++;
    this.#processMs += durationMs;
    this.#process.add(durationMs);
  }

  /** The snapshot, with per-partition figures of `subscriptions` (null when the consumer is not running). */
  snapshot(subscriptions: SubscriptionState | null, now = Date.now()): ConsumerMetricsSnapshot {
    const partitions: PartitionMetrics[] = [];
    let totalLag = 0;
    if (subscriptions) {
      for (const c of subscriptions.cursors()) {
        const lag = c.position !== null && c.highWatermark >= 0 ? Math.max(0, c.highWatermark - c.position) : null;
        if (lag !== null) totalLag += lag;
        const ts = this.#lastTimestamp.get(partitionKey(c.topic, c.partition));
        partitions.push({
          topic: c.topic,
          partition: c.partition,
          position: c.position,
          committed: c.committed,
          highWatermark: c.highWatermark,
          lastStableOffset: c.lastStableOffset,
          logStartOffset: c.logStartOffset,
          lag,
          // Caught up means no time lag, whatever the age of the last record.
          timeLagMs: ts === undefined ? null : lag === 0 ? 0 : Math.max(0, now - ts),
          paused: c.paused,
        });
      }
      partitions.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    }
    return {
      partitions,
      totalLag,
      recordsProcessed: this.#records,
      batchesProcessed: this.#batches,
      fetches: this.#fetches,
      fetchLatencyP50: this.#fetch.percentile(50),
      fetchLatencyP99: this.#fetch.percentile(99),
      processLatencyP50: this.#process.percentile(50),
      processLatencyP99: this.#process.percentile(99),
      processLatencyPerRecordAvg: this.#records === 0 ? 0 : this.#processMs / this.#records,
    };
  }
}
