/**
 * The on-disk {@link LogDirectory}: one directory per partition, files kept
 * open by descriptor, positional synchronous reads and writes (see storage.ts
 * for why), fdatasync and directory fsync on the libuv thread pool.
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
import { type LogDirectory, type LogFile } from './storage.js';

const fdatasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);

/** A file of a {@link FileLogDirectory}. */
class DiskFile implements LogFile {
  #fd: number;
  #size: number;
  readonly #syncing = new Set<Promise<void>>();

  constructor(
    readonly path: string,
    fd: number,
  ) {
    this.#fd = fd;
    this.#size = fstatSync(fd).size;
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
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done, this.#size + done);
    this.#size += data.length;
  }

  truncate(size: number): void {
    ftruncateSync(this.#open(), size);
    this.#size = size;
  }

  sync(): Promise<void> {
    const fd = this.#open();
    const p = fdatasyncAsync(fd).finally(() => this.#syncing.delete(p));
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
  private constructor(readonly path: string) {}

  /**
   * Opens (creating if needed) a partition directory.
   *
   * @param path - e.g. `<log.dirs>/<topic>-<partition>`
   */
  static open(path: string): FileLogDirectory {
    mkdirSync(path, { recursive: true });
    return new FileLogDirectory(path);
  }

  list(): string[] {
    return readdirSync(this.path);
  }

  exists(name: string): boolean {
    return existsSync(join(this.path, name));
  }

  open(name: string, create: boolean): LogFile {
    const path = join(this.path, name);
    return new DiskFile(path, openSync(path, create ? 'w+' : 'r+'));
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
    renameSync(join(this.path, from), join(this.path, to));
  }

  remove(name: string): void {
    rmSync(join(this.path, name), { force: true });
  }

  async sync(): Promise<void> {
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
