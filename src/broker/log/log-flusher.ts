/**
 * Group commit for one partition log: appends mark the files they wrote
 * dirty, and `flush()` makes everything written before the call durable.
 * While one round of fdatasyncs runs, later callers share the next round, so
 * N concurrent `every-write` appends cost about two fdatasyncs, not N.
 */
import { type LogDirectory, type LogFile } from './storage.js';

/** Tracks unsynced files of one log and syncs them in shared rounds. */
export class LogFlusher {
  readonly #dirty = new Set<LogFile>();
  #directoryDirty = false;
  #running: Promise<void> | null = null;
  #next: Promise<void> | null = null;

  /** @param dir - the partition directory, synced when files were created or renamed */
  constructor(readonly dir: LogDirectory) {}

  /** Whether anything written is not yet durable. */
  get isDirty(): boolean {
    return this.#dirty.size > 0 || this.#directoryDirty;
  }

  /** Note a write to `file`. */
  markDirty(file: LogFile): void {
    this.#dirty.add(file);
  }

  /** Note a created or renamed file: its name becomes durable only with a directory fsync. */
  markDirectoryDirty(): void {
    this.#directoryDirty = true;
  }

  /** Forget a file that is being closed and deleted: its bytes no longer matter. */
  forget(file: LogFile): void {
    this.#dirty.delete(file);
  }

  /**
   * Makes every write marked before this call durable.
   *
   * @returns resolves after the round covering this call's writes; rejects with the fdatasync error
   */
  flush(): Promise<void> {
    if (this.#running === null) {
      if (!this.isDirty) return Promise.resolve();
      return this.#start();
    }
    // The running round may have started before our writes: wait for the next one, shared.
    this.#next ??= this.#running
      .catch(() => undefined)
      .then(() => {
        this.#next = null;
        return this.#running ?? (this.isDirty ? this.#start() : undefined);
      });
    return this.#next;
  }

  #start(): Promise<void> {
    const files = [...this.#dirty];
    const directory = this.#directoryDirty;
    this.#dirty.clear();
    this.#directoryDirty = false;
    const round = (async () => {
      try {
        await Promise.all(files.map((f) => f.sync()));
        if (directory) await this.dir.sync();
      } catch (err) {
        // Still dirty: a later round (or close) retries rather than report them durable.
        for (const f of files) this.#dirty.add(f);
        if (directory) this.#directoryDirty = true;
        throw err;
      } finally {
        this.#running = null;
      }
    })();
    this.#running = round;
    return round;
  }
}
