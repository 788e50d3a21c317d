/**
 * A segment's time index, in Kafka's `.timeindex` format: 12-byte entries of
 * int64 timestamp and int32 offset relative to the segment's base offset. As in
 * Java's `TimeIndex.maybeAppend`, an entry is added (at the offset index's
 * interval) only when the segment's largest timestamp so far has grown, so the
 * timestamps strictly increase; its offset is the last offset of the batch
 * holding that timestamp. A final entry is added when the segment stops being
 * active (or the log closes), so the last entry always holds the segment's
 * largest timestamp and recovery need not scan for it.
 */
import { readInt64, writeInt64 } from './int64.js';

/** Bytes per entry: int64 timestamp + int32 relative offset. */
export const TIME_INDEX_ENTRY_SIZE = 12;

/** A timestamp and the offset the index keys it to. */
export interface TimestampOffset {
  readonly timestamp: number;
  readonly offset: number;
}

/** The time index of one segment. */
export class TimeIndex {
  #buf: Buffer;
  #entries: number;

  /**
   * @param baseOffset - the segment's base offset
   * @param entries - the bytes of a `.timeindex` file, already checked by {@link TimeIndex.problem}
   */
  constructor(
    readonly baseOffset: number,
    entries?: Buffer,
  ) {
    this.#entries = entries ? entries.length / TIME_INDEX_ENTRY_SIZE : 0;
    this.#buf = Buffer.allocUnsafe(Math.max(64 * TIME_INDEX_ENTRY_SIZE, entries?.length ?? 0));
    entries?.copy(this.#buf);
  }

  /**
   * Checks the bytes of a `.timeindex` file: whole entries, timestamps strictly
   * increasing, offsets not decreasing.
   *
   * @returns what is wrong, or null when the index can be used
   */
  static problem(bytes: Buffer): string | null {
    if (bytes.length % TIME_INDEX_ENTRY_SIZE !== 0) return `size ${bytes.length} is not a multiple of ${TIME_INDEX_ENTRY_SIZE}`;
    let lastTimestamp = -Infinity;
    let lastOffset = -1;
    for (let at = 0; at < bytes.length; at += TIME_INDEX_ENTRY_SIZE) {
      const timestamp = readInt64(bytes, at);
      const offset = bytes.readInt32BE(at + 8);
      if (timestamp <= lastTimestamp || offset < lastOffset || offset < 0) {
        return `entry ${at / TIME_INDEX_ENTRY_SIZE} (${timestamp}, ${offset}) is out of order`;
      }
      lastTimestamp = timestamp;
      lastOffset = offset;
    }
    return null;
  }

  /** Number of entries. */
  get entries(): number {
    return this.#entries;
  }

  /** The last entry (the segment's largest timestamp once it is inactive), or null. */
  get lastEntry(): TimestampOffset | null {
    return this.#entries === 0 ? null : this.#entry(this.#entries - 1);
  }

  /**
   * Adds an entry when `timestamp` is larger than the last one's (Java's `maybeAppend`).
   *
   * @param timestamp - the largest timestamp in the segment so far
   * @param offset - absolute last offset of the batch holding it
   */
  maybeAppend(timestamp: number, offset: number): void {
    const last = this.lastEntry;
    if (timestamp < 0 || (last !== null && (timestamp <= last.timestamp || offset < last.offset))) return;
    const at = this.#entries * TIME_INDEX_ENTRY_SIZE;
    if (at + TIME_INDEX_ENTRY_SIZE > this.#buf.length) {
      const grown = Buffer.allocUnsafe(this.#buf.length * 2);
      this.#buf.copy(grown, 0, 0, at);
      this.#buf = grown;
    }
    writeInt64(this.#buf, at, timestamp);
    this.#buf.writeInt32BE(offset - this.baseOffset, at + 8);
    this.#entries++;
  }

  /**
   * The entry with the largest timestamp strictly below `timestamp`: every
   * record up to its offset is older than `timestamp`, so the first record at
   * or after `timestamp` lies past it. (Java's `lookup` takes the entry at or
   * below; strictly below also finds an equal timestamp earlier in the segment.)
   *
   * @returns that entry, or (-1, baseOffset) when there is none
   */
  lookupBefore(timestamp: number): TimestampOffset {
    let lo = 0;
    let hi = this.#entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (readInt64(this.#buf, mid * TIME_INDEX_ENTRY_SIZE) < timestamp) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? { timestamp: -1, offset: this.baseOffset } : this.#entry(found);
  }

  /** The bytes of the `.timeindex` file: a view, valid until the next append. */
  toBuffer(): Buffer {
    return this.#buf.subarray(0, this.#entries * TIME_INDEX_ENTRY_SIZE);
  }

  #entry(i: number): TimestampOffset {
    const at = i * TIME_INDEX_ENTRY_SIZE;
    return { timestamp: readInt64(this.#buf, at), offset: this.baseOffset + this.#buf.readInt32BE(at + 8) };
  }
}
