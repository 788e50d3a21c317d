/**
 * Injected I/O faults for tests: a disk that is full (ENOSPC), a process out of
 * file descriptors (EMFILE), a failing fsync (EIO), or an operation held until
 * the test lets it go. The on-disk storage (file-storage.ts) asks here before
 * each operation; with no fault injected that is one size check. Nothing in the
 * broker injects faults: only tests do, so a real broker on a real socket meets
 * the failure exactly where the disk would fail it, with no mock of anything
 * above the storage.
 *
 * ```ts
 * const full = storageFaults.inject({ path: logDir, operations: ['write'], code: 'ENOSPC' });
 * // ... every write under logDir now fails as on a full disk
 * full.clear();
 * ```
 */
import { constants } from 'node:os';

/** The storage operations a fault can target. */
export type StorageOperation =
  /** Creating a directory. */
  | 'mkdir'
  /** Opening (or creating) a file. */
  | 'open'
  /** Writing bytes to a file. */
  | 'write'
  | 'truncate'
  /** fdatasync of a file, fsync of a directory. */
  | 'sync'
  /** Renaming a file or a directory. */
  | 'rename'
  /** Deleting a file or a directory. */
  | 'remove';

/** What to inject. */
export interface StorageFaultSpec {
  /** The files and directories affected: every path starting with this string, or those the function accepts. */
  readonly path: string | ((path: string) => boolean);
  readonly operations: readonly StorageOperation[];
  /** Fail with this errno code (`ENOSPC`, `EMFILE`, `EIO`, ...), as Node's fs would. Omitted: only {@link hold}. */
  readonly code?: string;
  /** A failing `write` first writes half its bytes, as a disk filling up mid-write does. */
  readonly tornWrite?: boolean;
  /** Asynchronous operations (`sync`) wait for this promise before they run (or fail). */
  readonly hold?: Promise<unknown>;
  /** Affect this many operations, then stop; default: until cleared. */
  readonly times?: number;
}

/** A fault in force. */
export interface InjectedFault {
  /** Operations affected so far. */
  readonly hits: number;
  /** Resolves at the first affected operation. */
  readonly hit: Promise<void>;
  /** Stops the fault; operations already held stay held until their promise settles. */
  clear(): void;
}

class ActiveFault implements InjectedFault {
  hits = 0;
  readonly hit: Promise<void>;
  #onHit!: () => void;

  constructor(
    readonly spec: StorageFaultSpec,
    readonly owner: StorageFaults,
  ) {
    this.hit = new Promise((resolve) => (this.#onHit = resolve));
  }

  matches(operation: StorageOperation, path: string): boolean {
    const { spec } = this;
    if (!spec.operations.includes(operation)) return false;
    return typeof spec.path === 'string' ? path.startsWith(spec.path) : spec.path(path);
  }

  take(): void {
    this.hits++;
    this.#onHit();
    if (this.spec.times !== undefined && this.hits >= this.spec.times) this.clear();
  }

  clear(): void {
    this.owner.remove(this);
  }
}

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EMFILE: 'too many open files',
  EIO: 'i/o error',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
};

/** An error shaped as Node's fs raises them: `code`, `errno`, `syscall`, `path`. */
export function ioError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${DESCRIPTIONS[code] ?? 'injected fault'}, ${syscall} '${path}'`);
  err.code = code;
  err.syscall = syscall;
  err.path = path;
  const errno = (constants.errno as Record<string, number | undefined>)[code];
  if (errno !== undefined) err.errno = -errno;
  return err;
}

/** The faults in force in this process. */
export class StorageFaults {
  readonly #active = new Set<ActiveFault>();

  /** Starts a fault; it lasts until cleared (or `times` operations). */
  inject(spec: StorageFaultSpec): InjectedFault {
    if (spec.code === undefined && spec.hold === undefined) throw new TypeError('a storage fault needs a code, a hold, or both');
    const fault = new ActiveFault(spec, this);
    this.#active.add(fault);
    return fault;
  }

  /** Stops every fault (a test's cleanup). */
  clearAll(): void {
    this.#active.clear();
  }

  /** @internal */
  remove(fault: ActiveFault): void {
    this.#active.delete(fault);
  }

  /**
   * For synchronous operations: throws the injected error, if any.
   *
   * @returns for a `write` with `tornWrite`, the error to throw after writing half the bytes; else null
   */
  check(operation: StorageOperation, syscall: string, path: string): NodeJS.ErrnoException | null {
    if (this.#active.size === 0) return null;
    for (const fault of this.#active) {
      if (fault.spec.code === undefined || !fault.matches(operation, path)) continue;
      fault.take();
      const err = ioError(fault.spec.code, syscall, path);
      if (operation === 'write' && fault.spec.tornWrite === true) return err;
      throw err;
    }
    return null;
  }

  /** For asynchronous operations: waits for any hold, then rejects with the injected error, if any. */
  async checkAsync(operation: StorageOperation, syscall: string, path: string): Promise<void> {
    if (this.#active.size === 0) return;
    for (const fault of [...this.#active]) {
      if (!fault.matches(operation, path)) continue;
      fault.take();
      if (fault.spec.hold !== undefined) await fault.spec.hold;
      if (fault.spec.code !== undefined) throw ioError(fault.spec.code, syscall, path);
    }
  }
}

/** The process's faults, consulted by the on-disk storage. Tests only. */
export const storageFaults = new StorageFaults();
