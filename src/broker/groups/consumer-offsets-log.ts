/**
 * The coordinator's durable state: committed offsets and group metadata, in
 * `<logDir>/__consumer_offsets/consumer-offsets.log`. Kafka keeps the same two
 * kinds of records, keyed the same way, in its compacted __consumer_offsets
 * topic; one append-only file is enough for one broker.
 *
 * Format: one record per line, `<crc32c as 8 hex digits> <json>\n`, where json
 * is `{"type":"offset","groupId","topic","partition","value"}` or
 * `{"type":"group","groupId","value"}`; a null value is a tombstone (as in a
 * compacted topic). Offsets are decimal strings (int64), buffers base64.
 *
 * Durability: appends are batched (every record waiting when a write starts
 * rides along), written, then fdatasync'ed, and only then do callers hear
 * back, so an acknowledged OffsetCommit survives kill -9 and power loss. A
 * crash mid-append leaves a torn last line; on open every line whose checksum
 * or JSON does not hold is skipped (and logged), then the file is compacted:
 * the latest record per key is rewritten to a temporary file, fsynced and
 * renamed over the log, so tombstones, superseded records and torn tails go.
 * The file is compacted the same way while running once it holds many more
 * lines than live keys.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { type FileHandle, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c } from '../../protocol/records/crc32c.js';
import { type BrokerLogger } from '../logger.js';
import { type CommittedOffset } from './offset-store.js';

/** A member as a group record stores it: its subscription for the chosen protocol and its assignment. */
export interface StoredMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly metadata: Buffer;
  readonly assignment: Buffer;
}

/** A group as Kafka's GroupMetadataValue stores it, written when a generation is settled. */
export interface GroupSnapshot {
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly generationId: number;
  readonly leaderId: string | null;
  readonly stateTimestamp: number;
  readonly members: readonly StoredMember[];
}

/** One record of the log; a null value deletes the key. */
export type CoordinatorRecord =
  | { readonly type: 'offset'; readonly groupId: string; readonly topic: string; readonly partition: number; readonly value: CommittedOffset | null }
  | { readonly type: 'group'; readonly groupId: string; readonly value: GroupSnapshot | null };

const FILE_NAME = 'consumer-offsets.log';
/** Compact while running once the file holds this many lines and four times the live keys. */
const COMPACT_MIN_LINES = 10_000;

interface PendingAppend {
  readonly lines: readonly { key: string; line: string; live: boolean }[];
  resolve(): void;
  reject(e: unknown): void;
}

export class ConsumerOffsetsLog {
  /** Latest line per key, tombstones excluded: exactly what compaction writes. */
  readonly #live = new Map<string, string>();
  #handle: FileHandle | null = null;
  #fileLines = 0;
  #pending: PendingAppend[] = [];
  #flushing: Promise<void> | null = null;
  /** After a failed write the file may end in a torn line; the next write starts a fresh one. */
  #needsNewline = false;
  #closed = false;

  private constructor(
    readonly dir: string | null,
    readonly logger: BrokerLogger,
  ) {}

  /**
   * Open (or create) the log in `dir`, recover and compact it; returns the live
   * records, latest per key, for the coordinator to replay. `dir` null keeps
   * nothing on disk.
   */
  static async open(dir: string | null, logger: BrokerLogger): Promise<{ log: ConsumerOffsetsLog; records: CoordinatorRecord[] }> {
    const log = new ConsumerOffsetsLog(dir, logger);
    if (dir === null) return { log, records: [] };
    mkdirSync(dir, { recursive: true });
    const file = join(dir, FILE_NAME);
    const records = new Map<string, CoordinatorRecord>();
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      const lines = text.split('\n');
      // The part after the last newline is an append that never completed.
      const torn = lines.pop()!;
      if (torn !== '') logger.warn(`${file}: dropping a torn last record (${torn.length} bytes), left by a crash mid-append`);
      let bad = 0;
      for (const line of lines) {
        if (line === '') continue;
        const record = parseLine(line);
        if (record === null) {
          bad++;
          continue;
        }
        const key = keyOf(record);
        if (record.value === null) {
          records.delete(key);
          log.#live.delete(key);
        } else {
          records.delete(key); // keep replay order = order of last write
          records.set(key, record);
          log.#live.set(key, line);
        }
      }
      if (bad > 0) logger.warn(`${file}: skipped ${bad} corrupt record(s)`);
    }
    await log.#rewrite();
    return { log, records: [...records.values()] };
  }

  /** Append records; resolves once they are on disk (at once when in memory). */
  append(records: readonly CoordinatorRecord[]): Promise<void> {
    if (this.dir === null || records.length === 0) return Promise.resolve();
    if (this.#closed) return Promise.reject(new Error('the consumer offsets log is closed'));
    const lines = records.map((r) => ({ key: keyOf(r), line: formatLine(r), live: r.value !== null }));
    const done = new Promise<void>((resolve, reject) => this.#pending.push({ lines, resolve, reject }));
    this.#startFlushing();
    return done;
  }

  /** Finish pending appends and close the file. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#flushing) await this.#flushing;
    await this.#handle?.close();
    this.#handle = null;
  }

  /** One flush loop at a time; records queued after it drained but before it ended start the next. */
  #startFlushing(): void {
    if (this.#flushing) return;
    this.#flushing = this.#flush().finally(() => {
      this.#flushing = null;
      if (this.#pending.length > 0) this.#startFlushing();
    });
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        const handle = this.#handle!;
        let text = this.#needsNewline ? '\n' : '';
        for (const a of batch) for (const l of a.lines) text += l.line + '\n';
        await handle.appendFile(text);
        await handle.datasync();
        this.#needsNewline = false;
      } catch (e) {
        this.#needsNewline = true;
        this.logger.error('cannot append to the consumer offsets log', { dir: this.dir, error: e instanceof Error ? e.message : String(e) });
        for (const a of batch) a.reject(e);
        continue;
      }
      for (const a of batch) {
        for (const l of a.lines) {
          if (l.live) this.#live.set(l.key, l.line);
          else this.#live.delete(l.key);
          this.#fileLines++;
        }
        a.resolve();
      }
      if (this.#fileLines >= COMPACT_MIN_LINES && this.#fileLines >= 4 * this.#live.size) {
        try {
          await this.#rewrite();
        } catch (e) {
          this.logger.error('cannot compact the consumer offsets log', { dir: this.dir, error: e instanceof Error ? e.message : String(e) });
        }
      }
    }
  }

  /**
   * Replace the file with its live lines: write a temporary file, fsync it,
   * rename it over the log and fsync the directory, so a crash at any point
   * leaves either the old log or the new one. Then reopen for appends.
   */
  async #rewrite(): Promise<void> {
    const dir = this.dir!;
    const file = join(dir, FILE_NAME);
    const tmp = join(dir, `${FILE_NAME}.${randomUUID()}.compacting`);
    try {
      const out = await open(tmp, 'w');
      try {
        let text = '';
        for (const line of this.#live.values()) text += line + '\n';
        await out.writeFile(text);
        await out.sync();
      } finally {
        await out.close();
      }
      await this.#handle?.close();
      this.#handle = null;
      await rename(tmp, file);
    } finally {
      if (existsSync(tmp)) rmSync(tmp, { force: true });
    }
    await syncDirectory(dir);
    this.#fileLines = this.#live.size;
    this.#needsNewline = false;
    this.#handle = await open(file, 'a');
  }
}

/** The compaction key: Kafka's OffsetCommitKey (group, topic, partition) or GroupMetadataKey (group). */
function keyOf(r: CoordinatorRecord): string {
  return r.type === 'offset' ? `o\u0000${r.groupId}\u0000${r.topic}\u0000${r.partition}` : `g\u0000${r.groupId}`;
}

function formatLine(r: CoordinatorRecord): string {
  const json = JSON.stringify(toJson(r));
  return `${crc32c(Buffer.from(json, 'utf8')).toString(16).padStart(8, '0')} ${json}`;
}

/** int64 offsets as decimal strings, buffers as base64: JSON has neither. */
function toJson(r: CoordinatorRecord): unknown {
  if (r.value === null) return r;
  if (r.type === 'offset') return { ...r, value: { ...r.value, offset: r.value.offset.toString() } };
  const members = r.value.members.map((m) => ({ ...m, metadata: m.metadata.toString('base64'), assignment: m.assignment.toString('base64') }));
  return { ...r, value: { ...r.value, members } };
}

/** One line back into a record; null if its checksum or shape does not hold. */
function parseLine(line: string): CoordinatorRecord | null {
  const space = line.indexOf(' ');
  if (space !== 8) return null;
  const json = line.slice(9);
  if (Number.parseInt(line.slice(0, 8), 16) !== crc32c(Buffer.from(json, 'utf8'))) return null;
  try {
    const raw = JSON.parse(json) as Record<string, unknown>;
    if (typeof raw.groupId !== 'string') return null;
    if (raw.type === 'offset' && typeof raw.topic === 'string' && typeof raw.partition === 'number') {
      const v = raw.value as Record<string, unknown> | null;
      const value: CommittedOffset | null =
        v === null
          ? null
          : {
              offset: BigInt(v.offset as string),
              leaderEpoch: v.leaderEpoch as number,
              metadata: v.metadata as string,
              commitTimestamp: v.commitTimestamp as number,
              expireTimestamp: (v.expireTimestamp as number | null) ?? null,
            };
      return { type: 'offset', groupId: raw.groupId, topic: raw.topic, partition: raw.partition, value };
    }
    if (raw.type === 'group') {
      const v = raw.value as (Omit<GroupSnapshot, 'members'> & { members: Record<string, unknown>[] }) | null;
      if (v === null) return { type: 'group', groupId: raw.groupId, value: null };
      const members = v.members.map(
        (m): StoredMember => ({
          ...(m as unknown as StoredMember),
          metadata: Buffer.from(m.metadata as string, 'base64'),
          assignment: Buffer.from(m.assignment as string, 'base64'),
        }),
      );
      return { type: 'group', groupId: raw.groupId, value: { ...v, members } };
    }
    return null;
  } catch {
    return null;
  }
}

/** fsync a directory so a rename in it is durable (not possible on every platform; best effort there). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open a directory for fsync; NTFS journals the rename itself.
  } finally {
    await handle?.close();
  }
}
