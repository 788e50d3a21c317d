/**
 * The in-memory {@link LogDirectory} behind `--in-memory` and the tests. It
 * keeps files as growable Buffers and remembers how much of each was synced,
 * so a test can {@link MemoryLogDirectory.crash} it: unsynced bytes vanish, as
 * after a power loss, the old log instance can no longer touch anything, and
 * opening a log on the returned directory runs recovery.
 */
import { type LogDirectory, type LogFile } from './storage.js';

/** Bytes per chunk of a file past its first chunk. */
const CHUNK = 8 << 20;

/**
 * A file's content, shared by every handle to it (an inode). Held in chunks of
 * 8 MiB (a small file in one smaller chunk that doubles up to that), so appending
 * to a big segment never copies what it already holds: a single buffer doubling
 * would copy, say, 256 MiB at once and stall every request behind it. Chunks
 * several times a Fetch's usual 1 MiB partition read let most reads be a view of
 * one chunk rather than a copy ({@link MemoryInode.view}).
 */
class MemoryInode {
  readonly #chunks: Buffer<ArrayBuffer>[] = [];
  size = 0;
  /** Bytes that survive {@link MemoryLogDirectory.crash}. */
  syncedSize = 0;
  lastModified = Date.now();

  write(bytes: Uint8Array, at: number): void {
    const end = at + bytes.length;
    this.#reserve(end);
    for (let done = 0; done < bytes.length; ) {
      const pos = at + done;
      const chunk = this.#chunks[Math.floor(pos / CHUNK)]!;
      const offset = pos % CHUNK;
      const n = Math.min(bytes.length - done, chunk.length - offset);
      chunk.set(bytes.subarray(done, done + n), offset);
      done += n;
    }
    this.size = Math.max(this.size, end);
    this.lastModified = Date.now();
  }

  /** Copy bytes [start, end) into `target` at `targetOffset`; returns the bytes copied. */
  copyOut(target: Uint8Array, targetOffset: number, start: number, end: number): number {
    for (let pos = start; pos < end; ) {
      const chunk = this.#chunks[Math.floor(pos / CHUNK)]!;
      const offset = pos % CHUNK;
      const n = Math.min(end - pos, chunk.length - offset);
      target.set(chunk.subarray(offset, offset + n), targetOffset + pos - start);
      pos += n;
    }
    return Math.max(0, end - start);
  }

  /** A copy of bytes [start, end). */
  slice(start: number, end: number): Buffer<ArrayBuffer> {
    const out = Buffer.allocUnsafe(Math.max(0, end - start));
    this.copyOut(out, 0, start, end);
    return out;
  }

  /** Bytes [start, end): a view when one chunk holds them all, else a copy. */
  view(start: number, end: number): Buffer<ArrayBuffer> {
    const index = Math.floor(start / CHUNK);
    const chunk = this.#chunks[index];
    if (chunk === undefined || end <= start || Math.floor((end - 1) / CHUNK) !== index) return this.slice(start, end);
    return chunk.subarray(start - index * CHUNK, end - index * CHUNK);
  }

  /** Zero bytes [start, end) (what truncation and a crash leave behind). */
  zero(start: number, end: number): void {
    for (let pos = start; pos < end; ) {
      const chunk = this.#chunks[Math.floor(pos / CHUNK)]!;
      const offset = pos % CHUNK;
      const n = Math.min(end - pos, chunk.length - offset);
      chunk.fill(0, offset, offset + n);
      pos += n;
    }
  }

  /** Room for `end` bytes: the first chunk doubles up to CHUNK, then whole chunks are added. */
  #reserve(end: number): void {
    const chunks = this.#chunks;
    const first = chunks[0];
    if (first === undefined || (chunks.length === 1 && first.length < CHUNK && end > first.length)) {
      const grown = Buffer.alloc(Math.min(CHUNK, Math.max(end, (first?.length ?? 0) * 2, 4096)));
      if (first) first.copy(grown, 0, 0, this.size);
      chunks[0] = grown;
    }
    while (chunks.length * CHUNK < end) chunks.push(Buffer.alloc(CHUNK));
  }
}

/** Whether the process that opened a handle is still alive (see {@link MemoryLogDirectory.crash}). */
interface Liveness {
  dead: boolean;
}

/** An open handle to a {@link MemoryInode}; renaming or removing the name does not affect it, as with POSIX descriptors. */
class MemoryFile implements LogFile {
  #inode: MemoryInode | null;

  constructor(
    readonly name: string,
    inode: MemoryInode,
    readonly liveness: Liveness,
  ) {
    this.#inode = inode;
  }

  get size(): number {
    return this.#open().size;
  }

  get lastModified(): number {
    return this.#open().lastModified;
  }

  readInto(target: Buffer, targetOffset: number, length: number, position: number): number {
    const inode = this.#open();
    const end = Math.min(inode.size, position + length);
    if (end <= position) return 0;
    return inode.copyOut(target, targetOffset, position, end);
  }

  read(position: number, length: number): Buffer<ArrayBuffer> {
    const inode = this.#open();
    // A copy, never a view: the bytes past a truncation point get overwritten.
    return inode.slice(position, Math.min(inode.size, position + length));
  }

  readView(position: number, length: number): Buffer<ArrayBuffer> {
    const inode = this.#open();
    // Fetch's read: copied into the response before anything can truncate the file.
    return inode.view(position, Math.min(inode.size, position + length));
  }

  append(data: Uint8Array): void {
    const inode = this.#open();
    inode.write(data, inode.size);
  }

  truncate(size: number): void {
    const inode = this.#open();
    if (size < inode.size) inode.zero(size, inode.size);
    inode.size = size;
    inode.syncedSize = Math.min(inode.syncedSize, size);
  }

  async sync(): Promise<void> {
    const inode = this.#open();
    inode.syncedSize = inode.size;
  }

  async close(): Promise<void> {
    this.#inode = null;
  }

  #open(): MemoryInode {
    if (this.liveness.dead) throw new Error(`in-memory file ${this.name}: the directory crashed`);
    if (this.#inode === null) throw new Error(`in-memory file ${this.name} is closed`);
    return this.#inode;
  }
}

/**
 * A partition directory in memory. Keep the instance and pass it to
 * `PartitionLog.open` again to reopen the same log (after a simulated crash).
 */
export class MemoryLogDirectory implements LogDirectory {
  readonly path = null;
  readonly #files: Map<string, MemoryInode>;
  readonly #liveness: Liveness = { dead: false };

  /** @param files - internal: the surviving files after a {@link crash} */
  constructor(files?: Map<string, MemoryInode>) {
    this.#files = files ?? new Map();
  }

  get #live(): Map<string, MemoryInode> {
    if (this.#liveness.dead) throw new Error('in-memory directory crashed: open the directory crash() returned');
    return this.#files;
  }

  list(): string[] {
    return [...this.#live.keys()];
  }

  exists(name: string): boolean {
    return this.#live.has(name);
  }

  open(name: string, create: boolean): LogFile {
    let inode = this.#live.get(name);
    if (create || !inode) {
      if (!create) throw new Error(`ENOENT: in-memory file ${name} does not exist`);
      inode = new MemoryInode();
      this.#files.set(name, inode);
    }
    return new MemoryFile(name, inode, this.#liveness);
  }

  readFile(name: string): Buffer | null {
    const inode = this.#live.get(name);
    return inode ? inode.slice(0, inode.size) : null;
  }

  async writeFile(name: string, data: Uint8Array): Promise<void> {
    const inode = new MemoryInode();
    inode.write(data, 0);
    inode.syncedSize = inode.size;
    this.#live.set(name, inode);
  }

  rename(from: string, to: string): void {
    const inode = this.#live.get(from);
    if (!inode) throw new Error(`ENOENT: in-memory file ${from} does not exist`);
    this.#files.delete(from);
    this.#files.set(to, inode);
  }

  remove(name: string): void {
    this.#live.delete(name);
  }

  async sync(): Promise<void> {
    void this.#live;
  }

  /** A directory in memory has no name: nothing to rename. */
  moveTo(): void {
    void this.#live;
  }

  removeAll(): void {
    this.#live.clear();
  }

  /**
   * Simulates a power loss (or kill -9 of a process whose page cache is lost):
   * every file loses the bytes written since its last sync (names are treated
   * as durable at once), and this directory and every handle opened from it
   * stop working, as the dead process would. Open the log again on the
   * returned directory, which holds what survived.
   */
  crash(): MemoryLogDirectory {
    const files = this.#live;
    this.#liveness.dead = true;
    for (const inode of files.values()) {
      inode.zero(inode.syncedSize, inode.size);
      inode.size = inode.syncedSize;
    }
    return new MemoryLogDirectory(files);
  }

  /**
   * Direct access for tests: appends raw bytes to a file, as a torn write or
   * garbage would leave them.
   */
  appendRaw(name: string, bytes: Uint8Array): void {
    const inode = this.#live.get(name);
    if (!inode) throw new Error(`ENOENT: in-memory file ${name} does not exist`);
    inode.write(bytes, inode.size);
  }
}
