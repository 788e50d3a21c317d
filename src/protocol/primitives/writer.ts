/**
 * A growable big-endian byte writer for the Kafka wire format.
 *
 * One Writer owns one Buffer that doubles when full; callers that encode many
 * messages `reset()` and reuse it, so steady-state encoding allocates nothing.
 * Every method appends at the cursor. `finish()` returns a view of the bytes
 * written (valid until the next write or reset); `toBuffer()` returns a copy.
 */
/** Strings up to this many UTF-16 units are measured and written in JavaScript (keys, header names). */
const SHORT_STRING = 64;

/**
 * Bytes of `s` in UTF-8. Short ASCII strings are measured in JavaScript: for record
 * keys and header names that is several times faster than `Buffer.byteLength`.
 */
export function utf8Length(s: string): number {
  const n = s.length;
  if (n > SHORT_STRING) return Buffer.byteLength(s, 'utf8');
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return n;
}

export class Writer {
  #buf: Buffer;
  #pos = 0;
  readonly #expectedMax: number;

  /**
   * @param initialSize - bytes allocated up front
   * @param expectedMax - the size the bytes are expected to reach (a record batch's
   *   `batch.size`): growth stops there once instead of doubling past it; beyond it,
   *   the buffer doubles again
   */
  constructor(initialSize = 4096, expectedMax = 0) {
    this.#buf = Buffer.allocUnsafe(Math.max(16, initialSize));
    this.#expectedMax = expectedMax;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos;
  }

  /** Forget what was written, keep the memory. */
  reset(): this {
    this.#pos = 0;
    return this;
  }

  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    if (need <= this.#expectedMax && size > this.#expectedMax) size = this.#expectedMax;
    const next = Buffer.allocUnsafe(size);
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  /** A view of the bytes written; overwritten by the next write after a reset. */
  finish(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }

  /** A copy of the bytes written, independent of this writer. */
  toBuffer(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#pos));
  }

  /** Reserve `n` bytes to patch later (size prefixes, CRCs); returns their offset. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.#pos;
    this.#pos += n;
    return at;
  }

  /** Patch an int32 written earlier with `reserve(4)`. */
  patchInt32(at: number, value: number): void {
    this.#buf.writeInt32BE(value, at);
  }

  /** Patch a uint32 written earlier with `reserve(4)`. */
  patchUInt32(at: number, value: number): void {
    this.#buf.writeUInt32BE(value >>> 0, at);
  }

  /** The underlying buffer; bytes in [0, length) are the written ones. */
  get buffer(): Buffer {
    return this.#buf;
  }

  int8(v: number): void {
    this.ensure(1);
    this.#buf.writeInt8(v, this.#pos);
    this.#pos += 1;
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.#buf[this.#pos++] = v ? 1 : 0;
  }

  int16(v: number): void {
    this.ensure(2);
    this.#buf.writeInt16BE(v, this.#pos);
    this.#pos += 2;
  }

  uint16(v: number): void {
    this.ensure(2);
    this.#buf.writeUInt16BE(v, this.#pos);
    this.#pos += 2;
  }

  int32(v: number): void {
    this.ensure(4);
    this.#buf.writeInt32BE(v, this.#pos);
    this.#pos += 4;
  }

  uint32(v: number): void {
    this.ensure(4);
    this.#buf.writeUInt32BE(v, this.#pos);
    this.#pos += 4;
  }

  /** int64 from a bigint, or from a number that must be a safe integer. */
  int64(v: bigint | number): void {
    this.ensure(8);
    if (typeof v === 'bigint') {
      this.#buf.writeBigInt64BE(v, this.#pos);
    } else {
      if (!Number.isSafeInteger(v)) throw new RangeError(`int64 value ${v} is not a safe integer; pass a bigint`);
      // Split into two 32-bit halves: avoids a BigInt allocation per value on hot paths.
      const hi = Math.floor(v / 0x1_0000_0000);
      this.#buf.writeInt32BE(hi, this.#pos);
      this.#buf.writeUInt32BE(v - hi * 0x1_0000_0000, this.#pos + 4);
    }
    this.#pos += 8;
  }

  float64(v: number): void {
    this.ensure(8);
    this.#buf.writeDoubleBE(v, this.#pos);
    this.#pos += 8;
  }

  /** Kafka Uuid: 16 bytes, given as 22 characters of unpadded base64url (Kafka's own text form). */
  uuid(v: string): void {
    this.ensure(16);
    const n = this.#buf.write(v, this.#pos, 16, 'base64url');
    if (n !== 16 || v.length !== 22) throw new RangeError(`uuid "${v}" is not 22 base64url characters (16 bytes)`);
    this.#pos += 16;
  }

  /** Unsigned varint (7 bits a byte, low group first), up to 32 bits. */
  uvarint(v: number): void {
    this.ensure(5);
    const b = this.#buf;
    let x = v >>> 0;
    while (x > 0x7f) {
      b[this.#pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    b[this.#pos++] = x;
  }

  /** Zigzag-signed 32-bit varint (record fields). */
  varint(v: number): void {
    this.uvarint((v << 1) ^ (v >> 31));
  }

  /**
   * Zigzag-signed 64-bit varint, from a safe-integer number (record timestamps and
   * deltas). Uses arithmetic, not bit operations, past 32 bits.
   */
  varlong(v: number): void {
    if (v >= -0x4000_0000 && v < 0x4000_0000) {
      this.varint(v);
      return;
    }
    let x = v >= 0 ? v * 2 : -v * 2 - 1;
    this.ensure(10);
    const b = this.#buf;
    while (x > 0x7f) {
      b[this.#pos++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    b[this.#pos++] = x;
  }

  /** Raw bytes, no length prefix. */
  raw(v: Uint8Array): void {
    this.ensure(v.length);
    this.#buf.set(v, this.#pos);
    this.#pos += v.length;
  }

  /** UTF-8 text with no length prefix; returns its byte length. */
  utf8(v: string, byteLength = utf8Length(v)): number {
    this.ensure(byteLength);
    if (byteLength === v.length && byteLength <= SHORT_STRING) {
      // ASCII (as many bytes as UTF-16 units) and short: a loop beats the native call.
      const b = this.#buf;
      let p = this.#pos;
      for (let i = 0; i < byteLength; i++) b[p++] = v.charCodeAt(i);
    } else {
      this.#buf.write(v, this.#pos, byteLength, 'utf8');
    }
    this.#pos += byteLength;
    return byteLength;
  }

  /** Classic string: int16 length + UTF-8; null as length -1. */
  string(v: string | null): void {
    if (v === null) {
      this.int16(-1);
      return;
    }
    const n = utf8Length(v);
    if (n > 0x7fff) throw new RangeError(`string of ${n} bytes is longer than the int16 limit 32767`);
    this.int16(n);
    this.utf8(v, n);
  }

  /** Compact string: unsigned varint (length + 1) + UTF-8; null as 0. */
  compactString(v: string | null): void {
    if (v === null) {
      this.uvarint(0);
      return;
    }
    const n = utf8Length(v);
    this.uvarint(n + 1);
    this.utf8(v, n);
  }

  /** Classic bytes: int32 length + data; null as -1. */
  bytes(v: Uint8Array | null): void {
    if (v === null) {
      this.int32(-1);
      return;
    }
    this.int32(v.length);
    this.raw(v);
  }

  /** Compact bytes: unsigned varint (length + 1) + data; null as 0. */
  compactBytes(v: Uint8Array | null): void {
    if (v === null) {
      this.uvarint(0);
      return;
    }
    this.uvarint(v.length + 1);
    this.raw(v);
  }
}
