/**
 * The cleaner's offset map (Java's `SkimpyOffsetMap`): key hash -> newest
 * offset, in one buffer of fixed 24-byte slots with linear probing. Its memory
 * is allocated once, sized by the dirty records it may take and capped by
 * `log.cleaner.dedupe.buffer.size`, and never grows whatever the keys' sizes.
 * Keys are MD5 hashes, as in Kafka: two keys with the same hash would count as one.
 */
import { createHash } from 'node:crypto';

/** A slot: the key's MD5 (16 bytes), then its newest offset + 1 as a float64 (0: empty). */
const SLOT_BYTES = 24;
const HASH_BYTES = 16;
/** Kafka's `log.cleaner.io.buffer.load.factor` default: the map counts as full at 90% of its slots. */
const LOAD_FACTOR = 0.9;

/** Key hash -> newest offset for one cleaning pass; see the file comment. */
export class OffsetMap {
  readonly #slots: Buffer;
  #keys = 0;
  /** Keys it takes before {@link put} refuses new ones. */
  readonly capacity: number;
  /** The last offset mapped: records after it are not covered by the map. */
  latestOffset: number;

  /**
   * @param slots - how many (>= 2)
   * @param latestOffset - the offset before the first one to map
   */
  constructor(slots: number, latestOffset: number) {
    this.#slots = Buffer.alloc(slots * SLOT_BYTES);
    this.capacity = Math.floor(slots * LOAD_FACTOR);
    this.latestOffset = latestOffset;
  }

  /**
   * A map for up to `keys` keys within `maxBytes`: allocated for what the pass
   * can use, so cleaning a small log costs little whatever the dedupe buffer.
   */
  static sized(keys: number, maxBytes: number, latestOffset: number): OffsetMap {
    const slots = Math.max(2, Math.min(Math.floor(maxBytes / SLOT_BYTES), Math.ceil(keys / LOAD_FACTOR) + 1));
    return new OffsetMap(slots, latestOffset);
  }

  /** Keys held. */
  get size(): number {
    return this.#keys;
  }

  /** Bytes allocated. */
  get bytes(): number {
    return this.#slots.length;
  }

  /** The key's MD5, as the map takes it. */
  static hash(key: Buffer): Buffer {
    return createHash('md5').update(key).digest();
  }

  /** Records `offset` as the newest of the key; false (nothing changed) when the key is new and the map is full. */
  put(hash: Buffer, offset: number): boolean {
    const at = this.#find(hash);
    if (this.#slots.readDoubleLE(at + HASH_BYTES) === 0) {
      if (this.#keys >= this.capacity) return false;
      hash.copy(this.#slots, at, 0, HASH_BYTES);
      this.#keys++;
    }
    this.#slots.writeDoubleLE(offset + 1, at + HASH_BYTES);
    return true;
  }

  /** The newest offset mapped for the key, or -1. */
  get(hash: Buffer): number {
    return this.#slots.readDoubleLE(this.#find(hash) + HASH_BYTES) - 1;
  }

  /** The position of the key's slot, or of the empty slot where it would go (there always is one: capacity < slots). */
  #find(hash: Buffer): number {
    const slots = this.#slots.length / SLOT_BYTES;
    for (let i = hash.readUInt32BE(0) % slots; ; i = (i + 1) % slots) {
      const at = i * SLOT_BYTES;
      if (this.#slots.readDoubleLE(at + HASH_BYTES) === 0 || this.#slots.compare(hash, 0, HASH_BYTES, at, at + HASH_BYTES) === 0) return at;
    }
  }
}
