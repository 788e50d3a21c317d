/**
 * The partition's checkpoint file: the recovery point (every segment wholly
 * below it has its data and indexes on disk, so recovery after a crash starts
 * there) and the log start offset (moved by DeleteRecords, which must survive
 * a restart even when no segment was deleted). Kafka keeps the same two
 * numbers in `recovery-point-offset-checkpoint` and `log-start-offset-checkpoint`
 * per log directory; a partition log here owns only its own directory, so it
 * keeps both in one file there, in Kafka's checkpoint text layout:
 *
 * ```
 * 0                       version
 * 2                       entries
 * recovery-point 1234
 * log-start-offset 1000
 * ```
 */
import { CHECKPOINT_FILE, TEMP_SUFFIX } from './log-file-names.js';
import { type LogDirectory } from './storage.js';

/** The two offsets the checkpoint holds. */
export interface LogCheckpoint {
  readonly recoveryPoint: number;
  readonly logStartOffset: number;
}

const VERSION = 0;

/**
 * Reads the checkpoint.
 *
 * @returns the offsets, or null when the file is missing or unreadable (recover everything, start at the first segment)
 */
export function readLogCheckpoint(dir: LogDirectory): LogCheckpoint | null {
  const bytes = dir.readFile(CHECKPOINT_FILE);
  if (bytes === null) return null;
  const lines = bytes.toString('utf8').split('\n');
  if (lines[0] !== String(VERSION)) return null;
  const values = new Map<string, number>();
  for (const line of lines.slice(2)) {
    const [key, value] = line.split(' ');
    if (key !== undefined && value !== undefined && /^\d+$/.test(value)) values.set(key, Number(value));
  }
  const recoveryPoint = values.get('recovery-point');
  const logStartOffset = values.get('log-start-offset');
  return recoveryPoint === undefined || logStartOffset === undefined ? null : { recoveryPoint, logStartOffset };
}

/**
 * Writes the checkpoint atomically and durably, in Kafka's way: a temporary
 * file, fsync, rename over the old one, fsync of the directory. Writes are
 * serialized, each writing the newest values.
 */
export class LogCheckpointWriter {
  #chain: Promise<void> = Promise.resolve();

  /**
   * @param dir - the partition directory
   * @param current - reads the values to write when the write starts
   */
  constructor(
    readonly dir: LogDirectory,
    readonly current: () => LogCheckpoint,
  ) {}

  /** Writes the current values; resolves once they are durable. */
  write(): Promise<void> {
    const next = this.#chain.catch(() => undefined).then(() => this.#write());
    this.#chain = next;
    return next;
  }

  async #write(): Promise<void> {
    const { recoveryPoint, logStartOffset } = this.current();
    const text = `${VERSION}\n2\nrecovery-point ${recoveryPoint}\nlog-start-offset ${logStartOffset}\n`;
    const tmp = CHECKPOINT_FILE + TEMP_SUFFIX;
    await this.dir.writeFile(tmp, Buffer.from(text, 'utf8'));
    this.dir.rename(tmp, CHECKPOINT_FILE);
    await this.dir.sync();
  }
}
