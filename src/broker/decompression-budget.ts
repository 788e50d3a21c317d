/**
 * One budget of decompressed bytes for the whole broker: `socket.request.max.bytes`, the
 * most one batch may expand to. Every compressed batch a Produce brings is expanded (to
 * check its records, as Kafka's LogValidator does) only while it holds its share of the
 * budget, so concurrent Produce requests, on any number of connections, cannot together
 * expand past it: 16 clients sending a decompression bomb each expand one after another,
 * not side by side.
 *
 * Kafka has no such budget: it streams through compressed records, while this broker holds
 * them whole. Past the budget a batch waits its turn (first come, first served) rather than
 * being refused with a retriable error: a refusal would send well-behaved producers into
 * retry loops that use up their retries while an attacker keeps the budget busy, and would
 * reorder nothing that waiting does not keep in order. The wait is bounded by the request's
 * own `timeoutMs`, as Kafka bounds a Produce it cannot complete: past it the batch is
 * answered REQUEST_TIMED_OUT (retriable). A batch whose client hangs up stops waiting at once.
 *
 * What a batch holds: the size its codec's headers declare (snappy, lz4, zstd), or for gzip
 * the size its trailer declares (ISIZE, RFC 1952), enforced as the limit of the expansion;
 * should the output be larger (several gzip members, or a trailer that lies), the batch
 * expands again holding the whole budget, as does a batch that declares nothing usable. The
 * budget counts decompressed bytes; gzip's output is briefly held twice while its chunks are
 * joined.
 */
import { CompressionCodec, decompress, decompressedSizeBound } from '../protocol/records/compression.js';
import { DecompressionLimitError } from '../protocol/records/compression/compression-error.js';
import { type Broker } from './broker.js';

/** Kafka's REQUEST_TIMED_OUT. */
const REQUEST_TIMED_OUT = 7;

/**
 * A batch that did not get its share of the decompression budget: within the request's
 * `timeoutMs` (`reason` 'timeout'), or before its client closed the connection ('closed').
 * Kafka's REQUEST_TIMED_OUT, retriable.
 */
export class DecompressionBudgetWaitError extends Error {
  override readonly name = 'DecompressionBudgetWaitError';
  readonly retriable = true;
  readonly code = REQUEST_TIMED_OUT;
  readonly type = 'REQUEST_TIMED_OUT';

  constructor(readonly reason: 'timeout' | 'closed', message: string) {
    super(message);
  }
}

/** How long a batch may wait for the budget, and what ends the wait early. */
export interface BudgetWait {
  /** The Produce request's `timeoutMs`; 0 or less: no waiting at all. */
  readonly timeoutMs: number;
  /** Aborted when the client's connection closes. */
  readonly closed: AbortSignal;
}

interface Waiter {
  readonly bytes: number;
  readonly grant: () => void;
}

/** A gzip stream's ISIZE trailer: its (last member's) uncompressed size mod 2^32; null when `data` is not gzip. */
function gzipDeclaredSize(data: Buffer): number | null {
  // The smallest member: a 10-byte header, an empty deflate block, an 8-byte trailer.
  if (data.length < 20 || data[0] !== 0x1f || data[1] !== 0x8b) return null;
  return data.readUInt32LE(data.length - 4);
}

/** The broker-wide budget of decompressed bytes. Get the broker's with {@link decompressionBudgetOf}. */
export class DecompressionBudget {
  #free: number;
  readonly #queue: Waiter[] = [];

  /** @param limit - bytes that may be decompressed at once, broker-wide; also the most one batch may expand to */
  constructor(readonly limit: number) {
    this.#free = limit;
  }

  /** Bytes held now (tests, metrics). */
  get inUse(): number {
    return this.limit - this.#free;
  }

  /** Batches waiting for their share now (tests, metrics). */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Decompress `data` holding a share of the budget, and hand the records to `use` while it
   * is still held (they are checked there); the share is released when `use` returns.
   *
   * @param codec - the batch's codec; `None` uses the bytes as they are, holding nothing
   * @param data - the batch's records section
   * @throws {@link DecompressionBudgetWaitError} when the share did not come in time;
   *   DecompressionLimitError when the records would expand past {@link limit}; CompressionError when they do not decompress
   */
  async expand<T>(codec: CompressionCodec, data: Buffer, wait: BudgetWait, use: (records: Buffer) => T): Promise<T> {
    if (codec === CompressionCodec.None) return use(data);
    const declared = codec === CompressionCodec.GZIP ? gzipDeclaredSize(data) : decompressedSizeBound(codec, data);
    // Declared past the limit by a codec that checks its headers first: refused before anything is allocated.
    if (declared !== null && declared > this.limit && codec !== CompressionCodec.GZIP) return use(await decompress(codec, data, this.limit));
    if (declared !== null && declared <= this.limit) {
      // Gzip's declared size is a hint: enforced as the limit, and expanded again whole when exceeded.
      const maxOutput = codec === CompressionCodec.GZIP ? declared : this.limit;
      try {
        return await this.#holding(declared, wait, async () => use(await decompress(codec, data, maxOutput)));
      } catch (e) {
        if (!(e instanceof DecompressionLimitError) || codec !== CompressionCodec.GZIP) throw e;
      }
    }
    return this.#holding(this.limit, wait, async () => use(await decompress(codec, data, this.limit)));
  }

  /**
   * Hold `bytes` of the budget (at most {@link limit}) until the returned function releases
   * them; waits in arrival order while they do not fit.
   *
   * @throws {@link DecompressionBudgetWaitError} when they did not fit within `wait.timeoutMs`, or the client hung up
   */
  async reserve(bytes: number, wait: BudgetWait): Promise<() => void> {
    const held = Math.min(bytes, this.limit);
    await this.#acquire(held, wait);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#free += held;
      this.#grant();
    };
  }

  async #holding<T>(bytes: number, wait: BudgetWait, work: () => Promise<T>): Promise<T> {
    const release = await this.reserve(bytes, wait);
    try {
      return await work();
    } finally {
      release();
    }
  }

  async #acquire(bytes: number, wait: BudgetWait): Promise<void> {
    if (this.#queue.length === 0 && bytes <= this.#free) {
      this.#free -= bytes;
      return;
    }
    if (wait.closed.aborted) throw new DecompressionBudgetWaitError('closed', 'the client closed its connection while the batch waited to be decompressed');
    if (wait.timeoutMs <= 0) throw this.#timedOut(wait.timeoutMs);
    await new Promise<void>((resolve, reject) => {
      const stop = (): void => {
        clearTimeout(timer);
        wait.closed.removeEventListener('abort', onClose);
      };
      const waiter: Waiter = {
        bytes,
        grant: () => {
          stop();
          resolve();
        },
      };
      const leave = (error: DecompressionBudgetWaitError): void => {
        stop();
        this.#queue.splice(this.#queue.indexOf(waiter), 1);
        // The batch that left may have been the one holding the others back.
        this.#grant();
        reject(error);
      };
      const onClose = (): void => leave(new DecompressionBudgetWaitError('closed', 'the client closed its connection while the batch waited to be decompressed'));
      const timer = setTimeout(() => leave(this.#timedOut(wait.timeoutMs)), wait.timeoutMs);
      wait.closed.addEventListener('abort', onClose);
      this.#queue.push(waiter);
    });
  }

  /** Grant shares in arrival order while they fit: a large share is never passed by smaller ones behind it. */
  #grant(): void {
    while (this.#queue.length > 0 && this.#queue[0]!.bytes <= this.#free) {
      const next = this.#queue.shift()!;
      this.#free -= next.bytes;
      next.grant();
    }
  }

  #timedOut(timeoutMs: number): DecompressionBudgetWaitError {
    return new DecompressionBudgetWaitError('timeout', `the broker's decompression budget (socket.request.max.bytes, ${this.limit} bytes) stayed in use by other batches for the request's timeoutMs (${timeoutMs} ms)`);
  }
}

const budgets = new WeakMap<Broker, DecompressionBudget>();

/** The broker's one decompression budget, of `socket.request.max.bytes`. */
export function decompressionBudgetOf(broker: Broker): DecompressionBudget {
  let budget = budgets.get(broker);
  if (budget === undefined) {
    budget = new DecompressionBudget(broker.config.socketRequestMaxBytes);
    budgets.set(broker, budget);
  }
  return budget;
}
