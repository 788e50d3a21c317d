/**
 * Producer metrics (SCOPE: success rate, send latency, batch sizes, request
 * latency, retries, compression ratio, buffer use), kept as plain counters and
 * two small latency windows, read with `producer.metrics()`.
 */
import { LatencyWindow } from '../client/latency-window.js';
import { type ProducerBatch } from './accumulator/producer-batch.js';

/** A snapshot, as `producer.metrics()` returns it. */
export interface ProducerMetricsSnapshot {
  recordsSent: number;
  recordsFailed: number;
  batchesSent: number;
  bytesSent: number;
  /** Average records per sent batch. */
  recordsPerBatch: number;
  /** Average bytes per sent batch, as sent (compressed). */
  batchBytes: number;
  /** Uncompressed bytes / sent bytes over every sent batch (1 without compression). */
  compressionRatio: number;
  retries: number;
  /** Batches the broker refused as too large (MESSAGE_TOO_LARGE) and the producer split in two and resent. */
  batchesSplit: number;
  /** Produce request round trips, ms, over the last 4096 requests. */
  requestLatencyP50: number;
  requestLatencyP99: number;
  /** `send` call to settlement, ms, over the last 4096 calls. */
  sendLatencyP50: number;
  sendLatencyP99: number;
  /** Bytes of records held, and the bufferMemory limit. */
  bufferUsedBytes: number;
  bufferMemory: number;
  /** Produce requests sent (or being encoded to be sent) and not yet answered, over every broker. */
  requestsInFlight: number;
}

export class ProducerMetrics {
  recordsSent = 0;
  recordsFailed = 0;
  batchesSent = 0;
  bytesSent = 0;
  uncompressedBytes = 0;
  retries = 0;
  batchesSplit = 0;
  readonly #request = new LatencyWindow(4096);
  readonly #send = new LatencyWindow(4096);

  batchSent(b: ProducerBatch): void {
    this.batchesSent++;
    this.recordsSent += b.recordCount;
    this.bytesSent += b.bytes?.length ?? b.sizeInBytes;
    this.uncompressedBytes += b.uncompressedSize || b.sizeInBytes;
  }

  batchFailed(b: ProducerBatch): void {
    this.recordsFailed += b.recordCount;
  }

  retried(): void {
    this.retries++;
  }

  split(): void {
    this.batchesSplit++;
  }

  requestLatency(ms: number): void {
    this.#request.add(ms);
  }

  sendLatency(ms: number): void {
    this.#send.add(ms);
  }

  snapshot(bufferUsedBytes: number, bufferMemory: number, requestsInFlight: number): ProducerMetricsSnapshot {
    return {
      recordsSent: this.recordsSent,
      recordsFailed: this.recordsFailed,
      batchesSent: this.batchesSent,
      bytesSent: this.bytesSent,
      recordsPerBatch: this.batchesSent === 0 ? 0 : this.recordsSent / this.batchesSent,
      batchBytes: this.batchesSent === 0 ? 0 : this.bytesSent / this.batchesSent,
      compressionRatio: this.bytesSent === 0 ? 1 : this.uncompressedBytes / this.bytesSent,
      retries: this.retries,
      batchesSplit: this.batchesSplit,
      requestLatencyP50: this.#request.percentile(50),
      requestLatencyP99: this.#request.percentile(99),
      sendLatencyP50: this.#send.percentile(50),
      sendLatencyP99: this.#send.percentile(99),
      bufferUsedBytes,
      bufferMemory,
      requestsInFlight,
    };
  }
}
