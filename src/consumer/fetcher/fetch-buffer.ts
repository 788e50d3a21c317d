/**
 * Fetched data waiting for the application (Java's `FetchBuffer`): batches in
 * the order their responses completed, and errors to raise in their place, so
 * an error comes after the records that preceded it. The buffer counts the
 * bytes it holds; the fetcher starts no fetch that could take it past its
 * bound, which keeps memory bounded when the application is slower than the
 * broker. A partition with data here is not fetched again until the data is
 * taken.
 */
import { partitionKey } from '../subscription-state.js';
import { type ConsumerMessage } from '../consumer-message.js';

/** One partition's records from one Fetch response, as the runner processes them. */
export interface FetchedBatch {
  topic: string;
  partition: number;
  /** The cursor's version when fetched: the data is stale once the cursor's version differs. */
  version: number;
  /** The position this data starts at. */
  fetchOffset: number;
  /** In offset order, all at or after `fetchOffset`; control records and aborted records left out. May be empty when only those were read. */
  messages: ConsumerMessage[];
  /** How many `messages` there are, known without building them. */
  count: number;
  /** `messages`, built a record batch at a time as the iteration reaches it (see PartitionRecords.chunks). */
  chunks(): Iterable<ConsumerMessage[]>;
  /** Where the position goes once every message is processed (past skipped control batches too). */
  nextOffset: number;
  /** The partition leader epoch of the last batch read, -1 when unknown. */
  lastLeaderEpoch: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** Bytes of the partition's records in the response (compressed, as received). */
  bytes: number;
}

type Entry = { readonly batch: FetchedBatch; readonly key: string } | { readonly error: Error; readonly key: string | null };

/** Batches and errors waiting for `next()`. */
export class FetchBuffer {
  #entries: Entry[] = [];
  #bytes = 0;
  /** Buffered batches per partition key. */
  readonly #buffered = new Map<string, number>();
  #waiters: (() => void)[] = [];

  /**
   * @param isCurrent - whether a batch still matches its cursor (version and assignment); stale ones are dropped when taken
   * @param onTaken - called after data left the buffer: room for the next fetches
   */
  constructor(
    private readonly isCurrent: (batch: FetchedBatch) => boolean,
    private readonly onTaken: () => void,
  ) {}

  /** Bytes of the batches held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Whether a partition has data waiting here. */
  has(key: string): boolean {
    return this.#buffered.has(key);
  }

  /** Whether anything (batch or error) is waiting. */
  get isEmpty(): boolean {
    return this.#entries.length === 0;
  }

  /** Add a partition's batch. */
  add(batch: FetchedBatch): void {
    const key = partitionKey(batch.topic, batch.partition);
    this.#entries.push({ batch, key });
    this.#bytes += batch.bytes;
    this.#buffered.set(key, (this.#buffered.get(key) ?? 0) + 1);
    this.#wake();
  }

  /** Add an error, raised by `next()` after the data before it. */
  addError(error: Error, key: string | null = null): void {
    this.#entries.push({ error, key });
    this.#wake();
  }

  /** Drop a partition's batches and errors (revoked, paused). */
  discard(key: string): void {
    this.discardWhere((k) => k === key);
  }

  /** Drop the batches and errors of every partition `drop` names. */
  discardWhere(drop: (key: string) => boolean): void {
    const before = this.#entries.length;
    this.#entries = this.#entries.filter((e) => {
      if (e.key === null || !drop(e.key)) return true;
      if ('batch' in e) this.#release(e.key, e.batch.bytes);
      return false;
    });
    if (this.#entries.length !== before) this.onTaken();
  }

  /** Drop everything; pending `next()` calls resolve with []. */
  clear(): void {
    this.#entries = [];
    this.#bytes = 0;
    this.#buffered.clear();
    this.#wake();
  }

  /**
   * Every current batch waiting, oldest first, up to the first error; an error
   * at the head is thrown instead. Waits while there is nothing, until `signal`
   * aborts or `closed()` says the fetcher stopped: then [].
   */
  async next(signal: AbortSignal | undefined, closed: () => boolean): Promise<FetchedBatch[]> {
    for (;;) {
      if (signal?.aborted || closed()) return [];
      const taken = this.#take();
      if (taken.length > 0) return taken;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.#waiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** Wake every `next()` waiting (new data, an error, or the fetcher stopped). */
  wakeWaiters(): void {
    this.#wake();
  }

  #take(): FetchedBatch[] {
    const out: FetchedBatch[] = [];
    let i = 0;
    for (; i < this.#entries.length; i++) {
      const e = this.#entries[i]!;
      if ('error' in e) {
        if (out.length > 0) break;
        this.#entries.splice(0, i + 1);
        this.onTaken();
        throw e.error;
      }
      this.#release(e.key, e.batch.bytes);
      if (this.isCurrent(e.batch)) out.push(e.batch);
    }
    if (i > 0) {
      this.#entries.splice(0, i);
      this.onTaken();
    }
    return out;
  }

  #release(key: string, bytes: number): void {
    this.#bytes -= bytes;
    const n = (this.#buffered.get(key) ?? 1) - 1;
    if (n <= 0) this.#buffered.delete(key);
    else this.#buffered.set(key, n);
  }

  #wake(): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
