/**
 * A segment's sparse offset index, in Kafka's `.index` format: 8-byte entries
 * of int32 offset relative to the segment's base offset and int32 position of
 * a batch in the `.log` file. As in Java's `LogSegment.append` (3.x), an entry
 * is added every `index.interval.bytes` of batches and keys the batch's *last*
 * offset to the batch's start position.
 *
 * Kafka memory-maps a preallocated file; here the entries live in a growable
 * Buffer holding exactly the file's bytes, written out when the segment rolls
 * and on a clean close, and rebuilt from the `.log` by recovery otherwise.
 */

/** Bytes per entry: int32 relative offset + int32 position. */
export const OFFSET_INDEX_ENTRY_SIZE = 8;

/** A position in a segment's `.log` and the offset the index keys it by. */
export interface OffsetPosition {
  readonly offset: number;
  readonly position: number;
}

/** The offset index of one segment. */
export class OffsetIndex {
  #buf: Buffer;
  #entries: number;

  /**
   * @param baseOffset - the segment's base offset
   * @param entries - the bytes of a `.index` file, already checked by {@link OffsetIndex.problem}
   */
  constructor(
    readonly baseOffset: number,
    entries?: Buffer,
  ) {
    this.#entries = entries ? entries.length / OFFSET_INDEX_ENTRY_SIZE : 0;
    this.#buf = Buffer.allocUnsafe(Math.max(64 * OFFSET_INDEX_ENTRY_SIZE, entries?.length ?? 0));
    entries?.copy(this.#buf);
  }

  /**
   * Checks the bytes of a `.index` file the way Java's `OffsetIndex.sanityCheck`
   * does, plus ordering: an index that fails is rebuilt from the log.
   *
   * @param bytes - the file content
   * @param logSize - the segment's `.log` size: every position must lie inside it
   * @returns what is wrong, or null when the index can be used
   */
  static problem(bytes: Buffer, logSize: number): string | null {
    if (bytes.length % OFFSET_INDEX_ENTRY_SIZE !== 0) return `size ${bytes.length} is not a multiple of ${OFFSET_INDEX_ENTRY_SIZE}`;
    let lastOffset = -1;
    let lastPosition = -1;
    for (let at = 0; at < bytes.length; at += OFFSET_INDEX_ENTRY_SIZE) {
      const offset = bytes.readInt32BE(at);
      const position = bytes.readInt32BE(at + 4);
      if (offset <= lastOffset || position <= lastPosition || position >= logSize) {
        return `entry ${at / OFFSET_INDEX_ENTRY_SIZE} (${offset}, ${position}) is out of order or past the log's ${logSize} bytes`;
      }
      lastOffset = offset;
      lastPosition = position;
    }
    return null;
  }

  /** Number of entries. */
  get entries(): number {
    return this.#entries;
  }

  /** The last entry, or null when the index is empty. */
  get lastEntry(): OffsetPosition | null {
    return this.#entries === 0 ? null : this.#entry(this.#entries - 1);
  }

  /**
   * Adds an entry.
   *
   * @param offset - absolute offset, greater than the last entry's
   * @param position - file position of the batch
   */
  append(offset: number, position: number): void {
    const last = this.lastEntry;
    if (last !== null && offset <= last.offset) {
      throw new RangeError(`offset index entry ${offset} is not greater than the last entry ${last.offset}`);
    }
    const at = this.#entries * OFFSET_INDEX_ENTRY_SIZE;
    if (at + OFFSET_INDEX_ENTRY_SIZE > this.#buf.length) {
      const grown = Buffer.allocUnsafe(this.#buf.length * 2);
      this.#buf.copy(grown, 0, 0, at);
      this.#buf = grown;
    }
    this.#buf.writeInt32BE(offset - this.baseOffset, at);
    this.#buf.writeInt32BE(position, at + 4);
    this.#entries++;
  }

  /**
   * Where to start scanning for `offset`: the entry with the largest offset
   * at or below it (Java's `OffsetIndex.lookup`). The batch holding `offset`
   * starts at or after the returned position.
   *
   * @returns that entry, or (baseOffset, 0) when every entry is above `offset`
   */
  lookup(offset: number): OffsetPosition {
    const target = offset - this.baseOffset;
    let lo = 0;
    let hi = this.#entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#buf.readInt32BE(mid * OFFSET_INDEX_ENTRY_SIZE) <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? { offset: this.baseOffset, position: 0 } : this.#entry(found);
  }

  /** The bytes of the `.index` file: a view, valid until the next append. */
  toBuffer(): Buffer {
    return this.#buf.subarray(0, this.#entries * OFFSET_INDEX_ENTRY_SIZE);
  }

  #entry(i: number): OffsetPosition {
    const at = i * OFFSET_INDEX_ENTRY_SIZE;
    return { offset: this.baseOffset + this.#buf.readInt32BE(at), position: this.#buf.readInt32BE(at + 4) };
  }
}
