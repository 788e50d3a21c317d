/**
 * int64 fields of a record batch header (baseOffset, timestamps) read and written
 * in place as numbers, as two 32-bit halves: no BigInt allocation on the append
 * and fetch paths. Offsets and millisecond timestamps stay far below 2^53.
 */

const TWO_32 = 0x1_0000_0000;

/**
 * Reads the big-endian int64 at `at` as a number.
 *
 * @param buf - the bytes
 * @param at - where the int64 starts
 * @returns the value; exact for |value| < 2^53
 */
export function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
}

/**
 * Writes `value` as a big-endian int64 at `at`.
 *
 * @param buf - the bytes
 * @param at - where the int64 starts
 * @param value - a safe integer, negative allowed (-1 is Kafka's "none")
 */
export function writeInt64(buf: Buffer, at: number, value: number): void {
  const hi = Math.floor(value / TWO_32);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(value - hi * TWO_32, at + 4);
}
