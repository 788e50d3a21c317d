/**
 * CRC-32C (Castagnoli), the checksum of a magic-2 record batch: Kafka's
 * `DefaultRecordBatch` stores `Crc32C.compute(attributes..end)` in its `crc`
 * field (KIP-98 moved from CRC-32 to CRC-32C for its hardware support).
 *
 * Slicing-by-8: eight 256-entry tables let the loop fold 8 bytes per step, with
 * no carried dependency between the 8 table loads. Each slice is its own
 * Uint32Array rather than an offset into one array: V8 then sees constant
 * bases, which measured ~1.5x faster than the single-array form here.
 */

/** Reflected polynomial of CRC-32C (0x1EDC6F41 bit-reversed). */
const POLYNOMIAL = 0x82f63b78;

function buildTables(): Uint32Array[] {
  const slices: Uint32Array[] = [];
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    t0[n] = c;
  }
  slices.push(t0);
  // Table s maps a byte to its CRC after s further zero bytes: T[s][n] = T[0][T[s-1][n] & 0xff] ^ (T[s-1][n] >>> 8).
  for (let s = 1; s < 8; s++) {
    const prev = slices[s - 1]!;
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      const c = prev[n]!;
      t[n] = t0[c & 0xff]! ^ (c >>> 8);
    }
    slices.push(t);
  }
  return slices;
}

const [T0, T1, T2, T3, T4, T5, T6, T7] = buildTables() as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];

/**
 * CRC-32C of `buf[start, end)`.
 *
 * @param buf - the bytes (a Buffer or any Uint8Array)
 * @param start - first byte to include; default 0
 * @param end - one past the last byte to include; default `buf.length`
 * @returns the checksum as an unsigned 32-bit number (what Kafka writes with `putInt`, read back unsigned)
 */
export function crc32c(buf: Uint8Array, start = 0, end: number = buf.length): number {
  if (start < 0 || end > buf.length || start > end) {
    throw new RangeError(`crc32c range [${start}, ${end}) is outside a buffer of ${buf.length} bytes`);
  }
  let crc = -1;
  let i = start;
  for (const last = end - 8; i <= last; i += 8) {
    crc ^= buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    crc =
      T7[crc & 0xff]! ^
      T6[(crc >>> 8) & 0xff]! ^
      T5[(crc >>> 16) & 0xff]! ^
      T4[crc >>> 24]! ^
      T3[buf[i + 4]!]! ^
      T2[buf[i + 5]!]! ^
      T1[buf[i + 6]!]! ^
      T0[buf[i + 7]!]!;
  }
  for (; i < end; i++) crc = T0[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
