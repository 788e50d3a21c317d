/**
 * murmur2 as Kafka's Java client computes it (`org.apache.kafka.common.utils.Utils.murmur2`):
 * the hash behind keyed partitioning in Java's DefaultPartitioner / BuiltInPartitioner,
 * so a key lands on the same partition whichever client produced it.
 *
 * Java's version is MurmurHash2 with a fixed seed, reading 4-byte little-endian chunks
 * and returning a signed int. `Math.imul` is Java's wrapping `int * int`; `>>>` is
 * Java's `>>>` on int.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/**
 * Kafka's murmur2 of `data`.
 *
 * @param data - the key bytes; a string is hashed as its UTF-8 bytes, as Java's
 *   `StringSerializer` would serialize it
 * @returns the signed 32-bit hash Java's `Utils.murmur2(byte[])` returns
 */
export function murmur2(data: Uint8Array | string): number {
  if (typeof data !== 'string') return hash(data, data.length);
  // A short ASCII key's UTF-8 bytes are its char codes: copied into scratch space
  // rather than a Buffer allocated per key.
  const n = data.length;
  if (n <= ASCII_SCRATCH.length) {
    let i = 0;
    for (; i < n; i++) {
      const c = data.charCodeAt(i);
      if (c >= 0x80) break;
      ASCII_SCRATCH[i] = c;
    }
    if (i === n) return hash(ASCII_SCRATCH, n);
  }
  const bytes = Buffer.from(data, 'utf8');
  return hash(bytes, bytes.length);
}

const ASCII_SCRATCH = new Uint8Array(64);

/** murmur2 of the first `length` bytes of `bytes`. */
function hash(bytes: Uint8Array, length: number): number {
  let h = SEED ^ length;
  const length4 = length >>> 2;

  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = bytes[i4]! | (bytes[i4 + 1]! << 8) | (bytes[i4 + 2]! << 16) | (bytes[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }

  // Java's switch falls through on purpose: 3 trailing bytes mix in all three.
  const tail = length & ~3;
  switch (length % 4) {
    case 3:
      h ^= bytes[tail + 2]! << 16;
    // falls through
    case 2:
      h ^= bytes[tail + 1]! << 8;
    // falls through
    case 1:
      h ^= bytes[tail]!;
      h = Math.imul(h, M);
  }

  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * Kafka's `Utils.toPositive`: clears the sign bit. Not `Math.abs`, which would map
 * -2^31 to itself and differ from Java for every negative hash.
 *
 * @param n - a signed 32-bit integer
 * @returns `n & 0x7fffffff`
 */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/**
 * The partition Java's producer picks for a keyed record when none is given
 * (`BuiltInPartitioner.partitionForKey`, formerly `DefaultPartitioner`):
 * `toPositive(murmur2(key)) % numPartitions`, over all partitions of the topic,
 * available or not.
 *
 * @param key - the serialized key; a string is hashed as its UTF-8 bytes
 * @param numPartitions - the topic's partition count, at least 1
 * @returns a partition id in `[0, numPartitions)`
 */
export function murmur2Partition(key: Uint8Array | string, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`);
  }
  return toPositive(murmur2(key)) % numPartitions;
}
