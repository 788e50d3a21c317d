/**
 * The in-memory {@link LogDirectory} behind `--in-memory` and the tests. It
 * keeps files as growable Buffers and remembers how much of each was synced,
 * so a test can {@link MemoryLogDirectory.crash} it: unsynced bytes vanish, as
 * after a power loss, the old log instance can no longer touch anything, and
 * opening a log on the returned directory runs recovery.
 */
import { type LogDirectory, type LogFile } from './storage.js';

/** A file's content, shared by every handle to it (an inode). */
class MemoryInode {
  data: Buffer = Buffer.alloc(0);
  size = 0;
  /** Bytes that survive {@link MemoryLogDirectory.crash}. */
  syncedSize = 0;
  lastModified = Date.now();

  write(bytes: Uint8Array, at: number): void {
    const end = at + bytes.length;
    if (end > this.data.length) {
      const grown = Buffer.alloc(Math.max(end, this.data.length * 2, 4096));
      this.data.copy(grown, 0, 0, this.size);
      this.data = grown;
    }
    this.data.set(bytes, at);
    this.size = Math.max(this.size, end);
    this.lastModified = Date.now();
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
    return inode.data.copy(target, targetOffset, position, end);
  }

  read(position: number, length: number): Buffer<ArrayBuffer> {
    const inode = this.#open();
    // A copy, never a view: the bytes past a truncation point get overwritten.
    return Buffer.from(inode.data.subarray(position, Math.min(inode.size, position + length)));
  }

  append(data: Uint8Array): void {
    const inode = this.#open();
    inode.write(data, inode.size);
  }

  truncate(size: number): void {
    const inode = this.#open();
    if (size < inode.size) inode.data.fill(0, size, inode.size);
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
    return inode ? Buffer.from(inode.data.subarray(0, inode.size)) : null;
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
      inode.data.fill(0, inode.syncedSize, inode.size);
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
