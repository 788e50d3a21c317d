/**
 * What a partition log does after an I/O error (disk full, out of file
 * descriptors, a failed fsync): it goes offline, the failure is logged once when
 * it happens, and the log is reopened from its files, as a restart would reopen
 * it, after a backoff that doubles while attempts fail (200 ms up to 10 s by
 * default). Offline, every call answers KAFKA_STORAGE_ERROR (retriable), so
 * producers retry until the partition is back.
 *
 * Kafka takes a failed log directory offline until the broker restarts; with
 * one broker and one log directory that is the whole broker, and what Kafka's
 * restart does (recover the logs from disk) is what the reopen does. Nothing
 * acknowledged is lost by it: an append is acknowledged only after its bytes
 * were written (and synced, under `every-write`), and recovery keeps every
 * whole batch on disk, cutting only a torn tail no one was told was stored.
 */
import { type BrokerLogger } from '../logger.js';
import { KafkaStorageError } from './log-errors.js';

/** Backoff between reopen attempts. */
export interface ReopenBackoff {
  /** The first wait, ms. */
  readonly initialMs: number;
  /** The longest wait, ms. */
  readonly maxMs: number;
}

/** Kafka has no such setting (it waits for a restart); these keep a lasting failure to a few log lines a minute. */
export const DEFAULT_REOPEN_BACKOFF: ReopenBackoff = Object.freeze({ initialMs: 200, maxMs: 10_000 });

function describe(err: unknown): { message: string; code: string | undefined } {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return { message, code: typeof code === 'string' ? code : undefined };
}

/** The offline state of one log and the schedule of its reopen attempts. */
export class LogHealth {
  #failure: KafkaStorageError | null = null;
  #offlineSince = 0;
  /** Reopen attempts since a write last reached the disk: the backoff's exponent. */
  #attempts = 0;
  #lastAttemptCode: string | undefined;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  /**
   * @param where - the log, for messages (`orders-0 in /data/orders-0`)
   * @param logger - where failures and recoveries are reported; none: silent (tests of the log alone)
   * @param backoff - waits between reopen attempts
   * @param reopen - reopens the log from its files; rejects when it cannot (the cause is still there)
   */
  constructor(
    readonly where: string,
    readonly logger: BrokerLogger | undefined,
    readonly backoff: ReopenBackoff,
    readonly reopen: () => Promise<void>,
  ) {}

  /** The error offline calls throw, or null while the log works. */
  get failure(): KafkaStorageError | null {
    return this.#failure;
  }

  /** Whether reopen attempts happened since a write last reached the disk (cheap: the append path asks). */
  get recovering(): boolean {
    return this.#attempts !== 0;
  }

  /**
   * Takes the log offline after an I/O error: logged now, reopened later.
   *
   * @returns the error to throw (the first one while already offline)
   */
  fail(err: unknown): KafkaStorageError {
    if (this.#failure !== null) return this.#failure;
    const { message, code } = describe(err);
    this.#failure = new KafkaStorageError(`I/O error on the log of ${this.where}: ${message}; the partition is offline until the log can be reopened`, { cause: err });
    this.#offlineSince = Date.now();
    if (this.#stopped) return this.#failure;
    this.logger?.error(`partition log ${this.where} is offline after an I/O error; reopening it once the cause is gone`, { error: message, code });
    this.#schedule();
    return this.#failure;
  }

  /** A write reached the disk after a reopen: the next failure starts the backoff over. */
  writeSucceeded(): void {
    this.#attempts = 0;
  }

  /** The log is closing: no more attempts. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(this.#attempts, 30));
    this.#attempts++;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#attempt();
    }, delay);
    this.#timer.unref();
  }

  async #attempt(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.reopen();
    } catch (err) {
      if (this.#stopped) return;
      const { message, code } = describe(err);
      // A lasting failure is reported when its cause changes, not at every attempt.
      const log = code !== this.#lastAttemptCode ? this.logger?.warn : this.logger?.debug;
      log?.call(this.logger, `partition log ${this.where} is still offline: reopening failed; retrying`, { error: message, code, attempts: this.#attempts });
      this.#lastAttemptCode = code;
      this.#schedule();
      return;
    }
    if (this.#stopped) return;
    this.logger?.info(`partition log ${this.where} is back online`, { offlineMs: Date.now() - this.#offlineSince, attempts: this.#attempts });
    this.#failure = null;
    this.#lastAttemptCode = undefined;
  }
}
