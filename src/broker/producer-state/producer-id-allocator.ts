/**
 * Producer ids, handed out as Kafka's controller does (KIP-730,
 * AllocateProducerIds): from a persisted counter advanced a block of ids at a
 * time, durably, before any id of the block is used, so an id is never handed
 * out twice, even after kill -9.
 *
 * The counter depends on nothing clients write (but for a data directory
 * without it: LEGACY_ID_LIMIT). A Produce may claim any
 * producer id, up to 2^63-1, and Kafka stores it (as an unknown producer at any
 * sequence); were the next id derived from the ids found in the logs, one such
 * batch would push it past what InitProducerId can answer, and no idempotent
 * producer could start for as long as the batch is retained.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Ids reserved per durable write of the counter. */
const ID_BLOCK = 1000n;
const ID_FILE = 'tskafka-producer-ids';
/**
 * Without a counter file (a data directory older than the counter), ids below
 * this found in the producer state are skipped, so a producer of that older
 * broker is not mistaken for a new one. Ids at or above it were never handed
 * out by a broker, only invented by clients, and are ignored.
 */
const LEGACY_ID_LIMIT = BigInt(Number.MAX_SAFE_INTEGER);

/** The broker's producer id counter; open with {@link ProducerIdAllocator.open}. */
export class ProducerIdAllocator {
  #nextId: bigint;
  #blockEnd: bigint;

  private constructor(
    readonly logDir: string | null,
    start: bigint,
  ) {
    this.#nextId = this.#blockEnd = start;
  }

  /**
   * Open the counter in `logDir` (null: in memory, from 0).
   *
   * @param legacyIds - the producer ids in the producer state, consulted only when the directory has no
   *   (readable) counter file
   */
  static open(logDir: string | null, legacyIds: () => Iterable<bigint>): ProducerIdAllocator {
    if (logDir === null) return new ProducerIdAllocator(null, 0n);
    const file = join(logDir, ID_FILE);
    const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    // Written whole (write, fsync, rename): anything else was put there by hand, and is taken as missing.
    if (/^\d{1,18}$/.test(text)) return new ProducerIdAllocator(logDir, BigInt(text));
    let start = 0n;
    for (const id of legacyIds()) if (id >= start && id < LEGACY_ID_LIMIT) start = id + 1n;
    return new ProducerIdAllocator(logDir, start);
  }

  /** A new producer id, never handed out before. */
  allocate(): bigint {
    if (this.#nextId >= this.#blockEnd) {
      this.#blockEnd = this.#nextId + ID_BLOCK;
      this.#persistBlockEnd();
    }
    return this.#nextId++;
  }

  #persistBlockEnd(): void {
    if (this.logDir === null) return;
    const file = join(this.logDir, ID_FILE);
    writeFileSync(`${file}.tmp`, `${this.#blockEnd}\n`);
    const fd = openSync(`${file}.tmp`, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(`${file}.tmp`, file);
  }
}
