/**
 * The on-disk {@link LogDirectory}: one directory per partition, files kept
 * open by descriptor, positional synchronous reads and writes (see storage.ts
 * for why), fdatasync and directory fsync on the libuv thread pool. Every
 * operation that changes the disk first asks {@link storageFaults}, so tests can
 * make it fail as a full disk would (io-faults.ts).
 */
import {
  closeSync,
  existsSync,
  fdatasync,
  fstatSync,
  fsync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { storageFaults } from './io-faults.js';
import { type LogDirectory, type LogFile } from './storage.js';

const fdatasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);

/** A file of a {@link FileLogDirectory}. */
class DiskFile implements LogFile {
  #fd: number;
  #size: number;
  readonly #syncing = new Set<Promise<void>>();

  constructor(
    readonly dir: FileLogDirectory,
    readonly name: string,
    fd: number,
  ) {
    this.#fd = fd;
    this.#size = fstatSync(fd).size;
  }

  /** Where the file is (it follows its directory when that is moved). */
  get path(): string {
    return join(this.dir.path, this.name);
  }

  get size(): number {
    return this.#size;
  }

  get lastModified(): number {
    return fstatSync(this.#open()).mtimeMs;
  }

  readInto(target: Buffer, targetOffset: number, length: number, position: number): number {
    const fd = this.#open();
    const want = Math.max(0, Math.min(length, this.#size - position));
    let done = 0;
    while (done < want) {
      const n = readSync(fd, target, targetOffset + done, want - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  read(position: number, length: number): Buffer<ArrayBuffer> {
    const out = Buffer.allocUnsafe(Math.max(0, Math.min(length, this.#size - position)));
    const n = this.readInto(out, 0, out.length, position);
    return n === out.length ? out : out.subarray(0, n);
  }

  append(data: Uint8Array): void {
    const fd = this.#open();
    const torn = storageFaults.check('write', 'write', this.path);
    const length = torn === null ? data.length : data.length >> 1;
    let done = 0;
    while (done < length) done += writeSync(fd, data, done, length - done, this.#size + done);
    if (torn !== null) throw torn;
    this.#size += data.length;
  }

  truncate(size: number): void {
    const fd = this.#open();
    storageFaults.check('truncate', 'ftruncate', this.path);
    ftruncateSync(fd, size);
    this.#size = size;
  }

  sync(): Promise<void> {
    const fd = this.#open();
    const p = storageFaults
      .checkAsync('sync', 'fdatasync', this.path)
      .then(() => fdatasyncAsync(fd))
      .finally(() => this.#syncing.delete(p));
    this.#syncing.add(p);
    return p;
  }

  async close(): Promise<void> {
    if (this.#fd < 0) return;
    // An fdatasync still running on the thread pool would otherwise hit a closed (or reused) descriptor.
    // Their failures reach whoever awaits sync(); here only their completion matters.
    await Promise.allSettled([...this.#syncing]);
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    closeSync(fd);
  }

  #open(): number {
    if (this.#fd < 0) throw new Error(`${this.path} is closed`);
    return this.#fd;
  }
}

/** A partition directory on disk. */
export class FileLogDirectory implements LogDirectory {
  #path: string;

  private constructor(path: string) {
    this.#path = path;
  }

  /**
   * Opens (creating if needed) a partition directory.
   *
   * @param path - e.g. `<log.dirs>/<topic>-<partition>`
   */
  static open(path: string): FileLogDirectory {
    if (!existsSync(path)) {
      storageFaults.check('mkdir', 'mkdir', path);
      mkdirSync(path, { recursive: true });
    }
    return new FileLogDirectory(path);
  }

  get path(): string {
    return this.#path;
  }

  list(): string[] {
    return readdirSync(this.path);
  }

  exists(name: string): boolean {
    return existsSync(join(this.path, name));
  }

  open(name: string, create: boolean): LogFile {
    const path = join(this.path, name);
    storageFaults.check('open', 'open', path);
    return new DiskFile(this, name, openSync(path, create ? 'w+' : 'r+'));
  }

  readFile(name: string): Buffer | null {
    try {
      return readFileSync(join(this.path, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async writeFile(name: string, data: Uint8Array): Promise<void> {
    const file = this.open(name, true);
    try {
      file.append(data);
      await file.sync();
    } finally {
      await file.close();
    }
  }

  rename(from: string, to: string): void {
    const path = join(this.path, from);
    storageFaults.check('rename', 'rename', path);
    renameSync(path, join(this.path, to));
  }

  remove(name: string): void {
    const path = join(this.path, name);
    storageFaults.check('remove', 'unlink', path);
    rmSync(path, { force: true });
  }

  moveTo(path: string): void {
    storageFaults.check('rename', 'rename', this.#path);
    renameSync(this.#path, path);
    this.#path = path;
  }

  removeAll(): void {
    storageFaults.check('remove', 'rmdir', this.#path);
    rmSync(this.#path, { recursive: true, force: true });
  }

  async sync(): Promise<void> {
    await storageFaults.checkAsync('sync', 'fsync', this.path);
    // Windows cannot open a directory for fsync; NTFS journals metadata itself.
    if (process.platform === 'win32') return;
    const fd = openSync(this.path, 'r');
    try {
      await fsyncAsync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
