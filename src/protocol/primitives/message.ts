import { Reader } from './reader.js';
import { Writer } from './writer.js';

/**
 * What an encoder accepts for a message of type `T`: every field optional
 * (absent means the field's default from the spec), int64 as bigint or a safe
 * integer number. Decoders always return the complete `T`.
 */
export type Input<T> = T extends bigint
  ? bigint | number
  : T extends Uint8Array | string | number | boolean | null | undefined
    ? T
    : T extends ReadonlyArray<infer E>
      ? ReadonlyArray<Input<E>>
      : { readonly [K in keyof T]?: Input<T[K]> };

/** An inclusive version range; `max` is Infinity for "N+". */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** A generated codec for one message spec (request, response, header or data). */
export interface MessageCodec<T> {
  readonly name: string;
  /** The API key for requests and responses; -1 for headers and data specs. */
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** Versions that use compact encodings and tagged fields; null if none. */
  readonly flexibleVersions: VersionRange | null;
  /** Encode `data` at `version` into a new Buffer. */
  encode(version: number, data: Input<T>): Buffer;
  /** Append `data` at `version` to `w` (no copy; for framing and batching). */
  write(w: Writer, version: number, data: Input<T>): void;
  /** Decode a whole body; trailing bytes are an error. */
  decode(version: number, bytes: Uint8Array): T;
  /** Read one message at the reader's cursor. */
  read(r: Reader, version: number): T;
}

/** A body or field that cannot be decoded: truncated, malformed, or with bytes left over. */
export class ProtocolDecodeError extends Error {
  override readonly name = 'ProtocolDecodeError';
  constructor(
    readonly messageName: string,
    readonly version: number,
    readonly offset: number,
    reason: string,
  ) {
    super(`cannot decode ${messageName} v${version} at byte ${offset}: ${reason}`);
  }
}

/** Data that cannot be written at the requested version (a null where none is allowed, a field the version lacks). */
export class ProtocolEncodeError extends Error {
  override readonly name = 'ProtocolEncodeError';
  constructor(
    readonly messageName: string,
    readonly version: number,
    reason: string,
  ) {
    super(`cannot encode ${messageName} v${version}: ${reason}`);
  }
}

/** Returns `version` if the codec has it, else throws naming the valid range. */
export function checkVersion(codec: { name: string; minVersion: number; maxVersion: number }, version: number): void {
  if (!Number.isInteger(version) || version < codec.minVersion || version > codec.maxVersion) {
    throw new RangeError(`${codec.name} has no version ${version} (valid ${codec.minVersion}-${codec.maxVersion})`);
  }
}

/** Thrown by generated writers: a null where this version allows none. */
export function nullError(messageName: string, version: number, field: string): ProtocolEncodeError {
  return new ProtocolEncodeError(messageName, version, `field ${field} is null, which version ${version} does not allow`);
}

/** Thrown by generated writers: a non-default value for a field this version lacks (and that is not ignorable). */
export function absentError(messageName: string, version: number, field: string): ProtocolEncodeError {
  return new ProtocolEncodeError(messageName, version, `field ${field} has a non-default value but version ${version} does not have it`);
}

let scratch: Writer | undefined;

/**
 * Builds a codec from a generated spec's metadata and its write/read functions:
 * version checks and error wrapping live here once, not in 186 generated files.
 */
export function defineMessage<T>(spec: {
  name: string;
  apiKey: number;
  minVersion: number;
  maxVersion: number;
  flexibleVersions: VersionRange | null;
  write: (w: Writer, version: number, data: Input<T>) => void;
  read: (r: Reader, version: number) => T;
}): MessageCodec<T> {
  const { write, read, ...meta } = spec;
  const codec: MessageCodec<T> = {
    ...meta,
    write(w, version, data) {
      checkVersion(meta, version);
      try {
        write(w, version, data);
      } catch (e) {
        if (e instanceof ProtocolEncodeError) throw e;
        throw new ProtocolEncodeError(meta.name, version, e instanceof Error ? e.message : String(e));
      }
    },
    encode(version, data) {
      // One scratch writer for every encode() call: steady state allocates only the result.
      const w = (scratch ??= new Writer(64 * 1024)).reset();
      codec.write(w, version, data);
      return w.toBuffer();
    },
    read(r, version) {
      checkVersion(meta, version);
      const start = r.pos;
      try {
        return read(r, version);
      } catch (e) {
        if (e instanceof RangeError || e instanceof TypeError) {
          throw new ProtocolDecodeError(meta.name, version, r.pos - start, e.message);
        }
        throw e;
      }
    },
    decode(version, bytes) {
      const r = new Reader(bytes);
      const value = codec.read(r, version);
      if (r.remaining !== 0) throw new ProtocolDecodeError(meta.name, version, r.pos, `${r.remaining} bytes left over`);
      return value;
    },
  };
  return Object.freeze(codec);
}

/** True when `version` is inside `range` (a null range holds no version). */
export function inVersionRange(range: VersionRange | null, version: number): boolean {
  return range !== null && version >= range.min && version <= range.max;
}
