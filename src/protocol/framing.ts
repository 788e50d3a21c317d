/**
 * Kafka framing and headers, bytes only: an int32 size, then a request or
 * response header, then the body. Shared by the client and the embedded broker;
 * sockets live in the network layer, not here.
 */
import { ApiKey, apis } from './generated/api-keys.js';
import { RequestHeader } from './generated/request-header.js';
import { ResponseHeader } from './generated/response-header.js';
import { type Input, type MessageCodec, ProtocolDecodeError, inVersionRange } from './primitives/message.js';
import { Reader } from './primitives/reader.js';
import { Writer } from './primitives/writer.js';

/** Kafka's default `socket.request.max.bytes`: 100 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024;

/**
 * Request header version for an API version: v2 (with tagged fields) when the
 * API version is flexible, else v1; ControlledShutdown v0 alone uses v0.
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  const api = apis.get(apiKey);
  if (!api) throw new RangeError(`unknown API key ${apiKey}`);
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return 0;
  return inVersionRange(api.flexibleVersions, apiVersion) ? 2 : 1;
}

/**
 * Response header version: v1 (tagged fields) for flexible API versions, else
 * v0. ApiVersions always answers with v0 (KIP-511): a client reads it before it
 * knows what the broker speaks.
 */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  const api = apis.get(apiKey);
  if (!api) throw new RangeError(`unknown API key ${apiKey}`);
  if (apiKey === ApiKey.ApiVersions) return 0;
  return inVersionRange(api.flexibleVersions, apiVersion) ? 1 : 0;
}

/** The fields of a request header. */
export interface RequestHeaderFields {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/**
 * Append one size-prefixed request frame to `w`: the body is written in place
 * after the header and the size patched in afterwards, so nothing is copied.
 */
export function writeRequestFrame<T>(w: Writer, header: RequestHeaderFields, codec: MessageCodec<T>, body: Input<T>): void {
  const sizeAt = w.reserve(4);
  RequestHeader.write(w, requestHeaderVersion(header.apiKey, header.apiVersion), {
    requestApiKey: header.apiKey,
    requestApiVersion: header.apiVersion,
    correlationId: header.correlationId,
    clientId: header.clientId,
  });
  codec.write(w, header.apiVersion, body);
  w.patchInt32(sizeAt, w.length - sizeAt - 4);
}

/** Append one size-prefixed response frame to `w`. */
export function writeResponseFrame<T>(w: Writer, apiKey: number, apiVersion: number, correlationId: number, codec: MessageCodec<T>, body: Input<T>): void {
  const sizeAt = w.reserve(4);
  ResponseHeader.write(w, responseHeaderVersion(apiKey, apiVersion), { correlationId });
  codec.write(w, apiVersion, body);
  w.patchInt32(sizeAt, w.length - sizeAt - 4);
}

/** A request frame's header and a reader positioned at its body. */
export interface ParsedRequest {
  header: RequestHeaderFields;
  /** The request's size in bytes, header included, size prefix excluded. */
  size: number;
  body: Reader;
}

/**
 * Parse the header of one request frame (without its size prefix). The API key
 * and version are read first (they are at fixed offsets in every header
 * version) to pick the header version; the body is left to the caller, who may
 * not support that version.
 */
export function parseRequest(frame: Buffer): ParsedRequest {
  if (frame.length < 8) throw new ProtocolDecodeError('RequestHeader', -1, 0, `frame of ${frame.length} bytes is shorter than a header`);
  const apiKey = frame.readInt16BE(0);
  const apiVersion = frame.readInt16BE(2);
  if (!apis.has(apiKey)) throw new ProtocolDecodeError('RequestHeader', -1, 0, `unknown API key ${apiKey}`);
  const r = new Reader(frame);
  const h = RequestHeader.read(r, requestHeaderVersion(apiKey, apiVersion));
  return {
    header: { apiKey, apiVersion, correlationId: h.correlationId, clientId: h.clientId },
    size: frame.length,
    body: r,
  };
}

/** Parse one response frame (without its size prefix) for a request we sent. */
export function parseResponse<T>(frame: Buffer, apiKey: number, apiVersion: number, codec: MessageCodec<T>): { correlationId: number; body: T } {
  const r = new Reader(frame);
  const h = ResponseHeader.read(r, responseHeaderVersion(apiKey, apiVersion));
  const body = codec.read(r, apiVersion);
  if (r.remaining !== 0) throw new ProtocolDecodeError(codec.name, apiVersion, r.pos, `${r.remaining} bytes left over`);
  return { correlationId: h.correlationId, body };
}

/**
 * Splits a byte stream into frames. Feed it chunks as they arrive; it returns
 * each complete frame (size prefix removed) as a view, copying only when a
 * frame spans chunks. A size that is negative or above `maxFrameBytes` throws:
 * the connection is not Kafka, or is hostile, and must be closed.
 *
 * A frame that spans chunks is gathered in one buffer of its own, grown by
 * doubling up to the size it announced, never allocated at that size up front
 * (unless `preallocate`, for a client reading its broker):
 * what it holds stays within twice the bytes received, however small the
 * chunks (a peer sending one byte per TCP segment costs a byte per byte, not a
 * Buffer per byte), and a size announced but never sent costs nothing.
 */
export class FrameSplitter {
  /**
   * The largest frame accepted. A frame already started keeps the bound it was
   * checked against; the broker lowers it until SASL authentication completes.
   */
  maxFrameBytes: number;
  /** The size prefix, while fewer than its 4 bytes have arrived. */
  readonly #prefix = Buffer.alloc(4);
  #prefixBytes = 0;
  /** The size the frame being gathered announced, or -1 between frames. */
  #frameSize = -1;
  #frame: Buffer = EMPTY;
  #frameBytes = 0;

  /**
   * Allocate a frame spanning chunks at the size it announced, at once: one copy
   * of its bytes instead of up to two (the doubling). For a client reading its
   * broker's answers, whose sizes its own requests bound (Fetch maxBytes); a
   * broker reading peers it does not trust keeps the doubling.
   */
  readonly #preallocate: boolean;

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES, options: { readonly preallocate?: boolean } = {}) {
    this.maxFrameBytes = maxFrameBytes;
    this.#preallocate = options.preallocate ?? false;
  }

  /** Bytes held waiting for the rest of a frame (its size prefix included). */
  get buffered(): number {
    return this.#frameSize >= 0 ? 4 + this.#frameBytes : this.#prefixBytes;
  }

  /**
   * Add a chunk; returns the frames it completes, in order. A frame wholly inside
   * the chunk is returned as a view of it, or, with `transient` (the chunk's memory
   * is reused for the next read), as a copy.
   */
  push(chunk: Buffer, transient = false): Buffer[] {
    const frames: Buffer[] = [];
    let pos = this.#prefixBytes > 0 || this.#frameSize >= 0 ? this.#continue(chunk, frames, transient) : 0;
    while (chunk.length - pos >= 4) {
      const size = this.#checked(chunk.readInt32BE(pos), pos);
      if (chunk.length - pos - 4 < size) {
        this.#startFrame(size, chunk, pos + 4);
        return frames;
      }
      frames.push(slice(chunk, pos + 4, pos + 4 + size, transient));
      pos += 4 + size;
    }
    if (pos < chunk.length) {
      chunk.copy(this.#prefix, 0, pos);
      this.#prefixBytes = chunk.length - pos;
    }
    return frames;
  }

  /**
   * With `preallocate`: the rest of the frame being gathered, for the next socket
   * read to land in directly (the kernel writes a large response once, into its
   * own buffer, instead of into a read buffer copied from); null between frames.
   * Report what was read into it with {@link filled}.
   */
  frameRemainder(): Buffer | null {
    return this.#preallocate && this.#frameSize >= 0 ? this.#frame.subarray(this.#frameBytes, this.#frameSize) : null;
  }

  /** `n` bytes were read into {@link frameRemainder}; returns the frame once it is complete, else null. */
  filled(n: number): Buffer | null {
    this.#frameBytes += n;
    if (this.#frameBytes < this.#frameSize) return null;
    const frame = this.#frame;
    this.#frameSize = -1;
    this.#frame = EMPTY;
    this.#frameBytes = 0;
    return frame;
  }

  /** Feed the frame (or size prefix) in progress from the start of `chunk`; returns where the chunk's own frames begin. */
  #continue(chunk: Buffer, frames: Buffer[], transient: boolean): number {
    let pos = 0;
    if (this.#frameSize < 0) {
      pos = Math.min(4 - this.#prefixBytes, chunk.length);
      chunk.copy(this.#prefix, this.#prefixBytes, 0, pos);
      this.#prefixBytes += pos;
      if (this.#prefixBytes < 4) return chunk.length;
      this.#prefixBytes = 0;
      const size = this.#checked(this.#prefix.readInt32BE(0), 0);
      if (chunk.length - pos >= size) {
        frames.push(slice(chunk, pos, pos + size, transient));
        return pos + size;
      }
      this.#startFrame(size, chunk, pos);
      return chunk.length;
    }
    const n = Math.min(this.#frameSize - this.#frameBytes, chunk.length);
    this.#reserve(this.#frameBytes + n);
    chunk.copy(this.#frame, this.#frameBytes, 0, n);
    this.#frameBytes += n;
    if (this.#frameBytes < this.#frameSize) return chunk.length;
    frames.push(this.#frame);
    this.#frameSize = -1;
    this.#frame = EMPTY;
    this.#frameBytes = 0;
    return n;
  }

  /** Keep the start of a frame that the chunk does not complete: `chunk[from..]`. */
  #startFrame(size: number, chunk: Buffer, from: number): void {
    this.#frameSize = size;
    this.#frameBytes = chunk.length - from;
    this.#frame = Buffer.allocUnsafe(this.#preallocate ? size : Math.min(size, Math.max(this.#frameBytes, MIN_FRAME_BUFFER)));
    chunk.copy(this.#frame, 0, from);
  }

  /** Grow the frame buffer to hold `bytes`: at least double, at most the announced size (so a whole frame fills it exactly). */
  #reserve(bytes: number): void {
    if (bytes <= this.#frame.length) return;
    const grown = Buffer.allocUnsafe(Math.min(this.#frameSize, Math.max(bytes, this.#frame.length * 2)));
    this.#frame.copy(grown, 0, 0, this.#frameBytes);
    this.#frame = grown;
  }

  #checked(size: number, pos: number): number {
    if (size < 0 || size > this.maxFrameBytes) {
      throw new ProtocolDecodeError('frame', -1, pos, `frame size ${size} is outside 0..${this.maxFrameBytes}`);
    }
    return size;
  }
}

/** `chunk[from..to]`: a view, or a copy when the chunk's memory is about to be reused. */
function slice(chunk: Buffer, from: number, to: number, copy: boolean): Buffer {
  return copy ? Buffer.from(chunk.subarray(from, to)) : chunk.subarray(from, to);
}

const EMPTY = Buffer.alloc(0);
/** The smallest buffer a frame spanning chunks starts with: small frames dribbled in grow no more than once or twice. */
const MIN_FRAME_BUFFER = 4096;
