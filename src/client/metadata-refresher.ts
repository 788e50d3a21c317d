/**
 * Metadata kept fresh for a client that uses it continuously (the producer's
 * sender, later the consumer's fetcher), instead of fetched by whoever needs it
 * at the moment:
 * - on request, when a leader is missing or has moved (`request()`), rate-limited:
 *   a refresh starts no sooner than the backoff after the previous one ended, and
 *   the backoff doubles with each refresh that did not end the need (KIP-580:
 *   Java's retry.backoff.ms 100 up to retry.backoff.max.ms 1000, with jitter), so
 *   an outage costs a few Metadata requests a second, not one per send or drain;
 * - when older than `metadataMaxAge` (`maybeExpired()`), so new partitions and
 *   moved leaders are seen even when nothing fails.
 * One refresh at a time; `onRefreshed` is called after each (done or failed).
 */
import { type Cluster } from './cluster.js';
import { type Logger } from './logger.js';

/** Options of {@link MetadataRefresher}. */
export interface MetadataRefresherOptions {
  /** Refresh metadata older than this, ms. */
  readonly metadataMaxAge: number;
  /** The backoff after a refresh, ms; doubles while the need stays. Default 100 (Java's retry.backoff.ms). */
  readonly backoffMs?: number;
  /** The backoff's cap, ms. Default 1000 (Java's retry.backoff.max.ms). */
  readonly backoffMaxMs?: number;
}

export class MetadataRefresher {
  readonly #backoffMs: number;
  readonly #backoffMaxMs: number;
  readonly #maxAge: number;
  #running = false;
  /** Refreshes in a row that were asked for while the need had not gone away. */
  #unsatisfied = 0;
  #nextAllowedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    readonly cluster: Cluster,
    options: MetadataRefresherOptions,
    readonly logger: Logger,
    /** The topics to refresh: those in use. */
    readonly topics: () => string[],
    readonly onRefreshed: () => void,
  ) {
    this.#backoffMs = options.backoffMs ?? 100;
    this.#backoffMaxMs = options.backoffMaxMs ?? 1000;
    this.#maxAge = options.metadataMaxAge;
  }

  /** A leader is missing or moved: refresh as soon as the backoff allows. */
  request(): void {
    if (this.#running || this.#timer !== undefined || this.#stopped) return;
    const wait = this.#nextAllowedAt - Date.now();
    if (wait > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#start();
      }, wait);
      return;
    }
    this.#start();
  }

  /** The need that asked for refreshes is gone (every leader known): the backoff starts low again. */
  satisfied(): void {
    this.#unsatisfied = 0;
  }

  /** Refresh when the metadata is older than metadataMaxAge. */
  maybeExpired(now: number): void {
    const metadata = this.cluster.metadata;
    if (metadata !== undefined && now - metadata.fetchedAt >= this.#maxAge) this.request();
  }

  /** Stop (the client closes): no refresh starts after this until `resume()`. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  resume(): void {
    this.#stopped = false;
    this.#unsatisfied = 0;
    this.#nextAllowedAt = 0;
  }

  #start(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    const backoff = Math.min(this.#backoffMaxMs, this.#backoffMs * 2 ** Math.min(this.#unsatisfied, 20));
    this.#unsatisfied++;
    this.cluster.markStale();
    this.cluster
      .refreshMetadata(this.topics())
      .catch((e: unknown) => this.logger.warn('metadata refresh failed', { error: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        this.#running = false;
        // ±20% jitter, as Java's ExponentialBackoff, so many clients do not refresh in step.
        this.#nextAllowedAt = Date.now() + backoff * (0.8 + 0.4 * Math.random());
        if (!this.#stopped) this.onRefreshed();
      });
  }
}
