/**
 * When the fetcher may try again after a failure, with the client's `retry`
 * options (KafkaJS's formula: exponential from `initialRetryTime`, times
 * `multiplier` per consecutive failure, randomized by `factor`, capped at
 * `maxRetryTime`):
 * - per broker, after its request failed as a whole (connection lost,
 *   timeout): consecutive failures grow the wait, a success resets it;
 * - per partition, after a retriable error code (a leader moving): one
 *   `initialRetryTime`, as Java's `retry.backoff.ms` between fetches of a
 *   partition in error;
 * - metadata refreshes at most once per `initialRetryTime`.
 * A consumer never gives up on a broker: it fetches again after the wait, as
 * Java's does (KafkaJS restarts the consumer after `retries`).
 * One timer wakes the fetcher when the earliest wait ends.
 */
import { type ResolvedRetryOptions } from '../../retry/retrier.js';

/** Backoff state of the fetcher. */
export class FetchBackoff {
  readonly #brokers = new Map<number, { failures: number; until: number }>();
  readonly #partitions = new Map<string, number>();
  #metadataAfter = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;

  /**
   * @param retry - the client's retry options
   * @param wake - called when a wait ends
   */
  constructor(
    private readonly retry: ResolvedRetryOptions,
    private readonly wake: () => void,
  ) {}

  /** Whether a broker may be sent to now; schedules a wake-up when not. */
  brokerReady(nodeId: number, now: number): boolean {
    const b = this.#brokers.get(nodeId);
    if (!b || b.until <= now) return true;
    this.#wakeAt(b.until);
    return false;
  }

  /** A request to a broker failed: wait longer each consecutive time. */
  brokerFailed(nodeId: number, now: number): void {
    const b = this.#brokers.get(nodeId) ?? { failures: 0, until: 0 };
    b.failures++;
    b.until = now + this.#delay(b.failures);
    this.#brokers.set(nodeId, b);
    this.#wakeAt(b.until);
  }

  /** A broker answered: its next failure starts from the first wait again. */
  brokerSucceeded(nodeId: number): void {
    this.#brokers.delete(nodeId);
  }

  /** Whether a partition may be fetched (or reset) now; schedules a wake-up when not. */
  partitionReady(key: string, now: number): boolean {
    const until = this.#partitions.get(key);
    if (until === undefined) return true;
    if (until <= now) {
      this.#partitions.delete(key);
      return true;
    }
    this.#wakeAt(until);
    return false;
  }

  /** A partition had a retriable error. */
  partitionFailed(key: string, now: number): void {
    const until = now + this.#delay(1);
    this.#partitions.set(key, until);
    this.#wakeAt(until);
  }

  /** Whether a metadata refresh may start now; schedules a wake-up when not. */
  metadataReady(now: number): boolean {
    if (this.#metadataAfter <= now) return true;
    this.#wakeAt(this.#metadataAfter);
    return false;
  }

  /** A refresh ended: the next one waits a little. */
  metadataRefreshed(now: number): void {
    this.#metadataAfter = now + this.retry.initialRetryTime;
  }

  /** Forget every wait and stop the timer. */
  clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#brokers.clear();
    this.#partitions.clear();
    this.#metadataAfter = 0;
  }

  /** KafkaJS's exponential retry time for the n-th consecutive failure, with jitter. */
  #delay(failures: number): number {
    const { initialRetryTime, multiplier, maxRetryTime, factor } = this.retry;
    const base = Math.min(initialRetryTime * multiplier ** (failures - 1), maxRetryTime);
    return Math.max(0, Math.round(base * (1 - factor + Math.random() * 2 * factor)));
  }

  #wakeAt(at: number): void {
    if (at >= this.#timerAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.wake();
    }, Math.max(0, at - Date.now()));
  }
}
