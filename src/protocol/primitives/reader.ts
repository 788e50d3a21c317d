/**
 * A big-endian byte reader over one Buffer for the Kafka wire format.
 *
 * Reads past the end throw `RangeError` (Node's own checks for fixed-width
 * values, explicit ones for lengths and varints); message decoders turn that
 * into a {@link ProtocolDecodeError} naming the message. Byte fields come back
 * as views into the source buffer, never copies: record payloads stay where the
 * socket put them.
 */
export class Reader {
  readonly buf: Buffer;
  pos: number;

  constructor(buf: Uint8Array, offset = 0) {
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = offset;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Advance past `n` bytes. */
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new RangeError(`need ${n} bytes at offset ${this.pos}, only ${this.buf.length - this.pos} left`);
    }
  }

  int8(): number {
    const v = this.buf.readInt8(this.pos);
    this.pos += 1;
    return v;
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): bigint {
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * int64 as a number; throws if it is outside the safe-integer range. Record
   * batches use this: offsets and millisecond timestamps stay far below 2^53.
   */
  int64Number(): number {
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    const v = hi * 0x1_0000_0000 + lo;
    if (hi > 0x1fffff || hi < -0x200000) throw new RangeError(`int64 at offset ${this.pos - 8} exceeds 2^53`);
    return v;
  }

  float64(): number {
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Kafka Uuid as 22 characters of unpadded base64url. */
  uuid(): string {
    this.need(16);
    const v = this.buf.toString('base64url', this.pos, this.pos + 16);
    this.pos += 16;
    return v;
  }

  /** Unsigned varint of at most 5 bytes (32 bits), as Kafka's readUnsignedVarint. */
  uvarint(): number {
    const b = this.buf;
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= b.length) throw new RangeError(`varint runs past the end at offset ${this.pos}`);
      const byte = b[this.pos++]!;
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
    throw new RangeError(`varint longer than 5 bytes at offset ${this.pos - 5}`);
  }

  /** Zigzag-signed 32-bit varint. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zigzag-signed varlong (at most 10 bytes) as a number; values beyond 2^53 throw. */
  varlong(): number {
    const b = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= b.length) throw new RangeError(`varlong runs past the end at offset ${this.pos}`);
      const byte = b[this.pos++]!;
      result += (byte & 0x7f) * mul;
      if ((byte & 0x80) === 0) {
        if (result > Number.MAX_SAFE_INTEGER) throw new RangeError(`varlong exceeds 2^53 at offset ${this.pos}`);
        // zigzag: even -> n/2, odd -> -(n+1)/2
        return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      }
      mul *= 128;
    }
    throw new RangeError(`varlong longer than 10 bytes at offset ${this.pos - 10}`);
  }

  /** `n` bytes as a view into the source buffer (no copy). */
  view(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** `n` bytes decoded as UTF-8. */
  utf8(n: number): string {
    this.need(n);
    const v = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Classic string (int16 length); -1 is null. */
  nullableString(): string | null {
    const n = this.int16();
    if (n === -1) return null;
    if (n < -1) throw new RangeError(`string length ${n} at offset ${this.pos - 2}`);
    return this.utf8(n);
  }

  /** Classic string that may not be null. */
  string(): string {
    const v = this.nullableString();
    if (v === null) throw new RangeError(`non-nullable string is null at offset ${this.pos - 2}`);
    return v;
  }

  /** Compact string (unsigned varint length + 1); 0 is null. */
  compactNullableString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.utf8(n - 1);
  }

  compactString(): string {
    const v = this.compactNullableString();
    if (v === null) throw new RangeError(`non-nullable compact string is null at offset ${this.pos - 1}`);
    return v;
  }

  /** Classic bytes (int32 length), as a view; -1 is null. */
  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n === -1) return null;
    if (n < -1) throw new RangeError(`bytes length ${n} at offset ${this.pos - 4}`);
    return this.view(n);
  }

  bytes(): Buffer {
    const v = this.nullableBytes();
    if (v === null) throw new RangeError(`non-nullable bytes are null at offset ${this.pos - 4}`);
    return v;
  }

  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    return n === 0 ? null : this.view(n - 1);
  }

  compactBytes(): Buffer {
    const v = this.compactNullableBytes();
    if (v === null) throw new RangeError(`non-nullable compact bytes are null at offset ${this.pos - 1}`);
    return v;
  }

  /** Classic array length (int32); -1 (null) is returned as -1. Guards against absurd counts. */
  arrayLength(): number {
    const n = this.int32();
    if (n < -1 || n > this.remaining) throw new RangeError(`array length ${n} at offset ${this.pos - 4} exceeds the ${this.remaining} bytes left`);
    return n;
  }

  /** Compact array length (unsigned varint N + 1); null is returned as -1. */
  compactArrayLength(): number {
    const n = this.uvarint() - 1;
    if (n > this.remaining) throw new RangeError(`array length ${n} at offset ${this.pos} exceeds the ${this.remaining} bytes left`);
    return n;
  }
}
