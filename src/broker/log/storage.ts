/**
 * Where a partition log keeps its files: a directory of named files, on disk
 * ({@link FileLogDirectory}) or in memory ({@link MemoryLogDirectory}). Segments,
 * indexes, recovery, retention and compaction are written once against these
 * interfaces, so `--in-memory` and the tests run the same log code as the disk.
 *
 * Reads, writes and truncation are synchronous; only durability (fdatasync,
 * directory fsync) and closing are asynchronous. Why: an append or a fetch then
 * runs to completion in one turn of the event loop, so offsets are assigned,
 * bytes written and indexes updated without a lock and without a thread-pool
 * round trip per call; writing to the page cache costs a memory copy, while an
 * fdatasync costs milliseconds and must not block the loop.
 *
 * [FileLogDirectory]: ./file-storage.ts  [MemoryLogDirectory]: ./memory-storage.ts
 */

/** One open file: an append-only segment log, or a small file written whole. */
export interface LogFile {
  /** Current size in bytes, including writes not yet synced. */
  readonly size: number;
  /** Last modification time, ms since the epoch (Kafka's fallback when a segment has no timestamps). */
  readonly lastModified: number;
  /**
   * Copies bytes starting at `position` into `target`.
   *
   * @returns the number of bytes copied: fewer than `length` only at the end of the file
   */
  readInto(target: Buffer, targetOffset: number, length: number, position: number): number;
  /** Reads `length` bytes at `position` into a new Buffer (shorter at the end of the file). */
  read(position: number, length: number): Buffer<ArrayBuffer>;
  /**
   * {@link read}, but the bytes may be a view of the file's own memory (an in-memory
   * file), valid until the file is truncated below `position + length`: for a reader
   * that uses them at once (Fetch copies them into its response). Optional.
   */
  readView?(position: number, length: number): Buffer<ArrayBuffer>;
  /** Appends `data` at the end of the file; the caller may reuse `data` afterwards. */
  append(data: Uint8Array): void;
  /** Cuts the file to `size` bytes (recovery drops a torn tail). */
  truncate(size: number): void;
  /** Makes every byte written so far durable (fdatasync). */
  sync(): Promise<void>;
  /** Closes the file after any sync in flight; further use throws. */
  close(): Promise<void>;
}

/** A partition directory. Renames are atomic, as POSIX rename is. */
export interface LogDirectory {
  /** The directory on disk, or null in memory: for messages. */
  readonly path: string | null;
  /** The names of the files in the directory, in no particular order. */
  list(): string[];
  /** Whether a file exists. */
  exists(name: string): boolean;
  /**
   * Opens a file for reading and writing.
   *
   * @param create - true: create it empty (replacing any file of that name); false: it must exist
   */
  open(name: string, create: boolean): LogFile;
  /** The whole content of a small file, or null when it does not exist. */
  readFile(name: string): Buffer | null;
  /** Creates or replaces a small file and makes its content durable (not its name: see {@link sync}). */
  writeFile(name: string, data: Uint8Array): Promise<void>;
  /** Renames a file atomically, replacing `to` if it exists. */
  rename(from: string, to: string): void;
  /** Deletes a file if it exists. */
  remove(name: string): void;
  /** Makes creations, renames and deletions so far durable (fsync of the directory). */
  sync(): Promise<void>;
  /**
   * Renames the directory itself, atomically (a partition being deleted gets Kafka's
   * `-delete` name this way). Open files stay open and follow it; the parent
   * directory's fsync is the caller's.
   */
  moveTo(path: string): void;
  /** Deletes the directory with everything in it; its files must be closed. */
  removeAll(): void;
}
