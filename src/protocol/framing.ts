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
 */
export class FrameSplitter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.#pendingBytes;
  }

  /** Add a chunk; returns the frames it completes, in order. */
  push(chunk: Buffer): Buffer[] {
    let buf = chunk;
    if (this.#pendingBytes > 0) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      // Join the pieces only once the frame they start is complete: a large
      // frame arriving in many chunks is copied once, not once per chunk.
      if (this.#pendingBytes < 4) return [];
      const head = this.#pending[0]!.length >= 4 ? this.#pending[0]! : Buffer.concat(this.#pending, 4);
      const size = head.readInt32BE(0);
      if (size >= 0 && size <= this.maxFrameBytes && this.#pendingBytes < size + 4) return [];
      buf = Buffer.concat(this.#pending, this.#pendingBytes);
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    const frames: Buffer[] = [];
    let pos = 0;
    while (buf.length - pos >= 4) {
      const size = buf.readInt32BE(pos);
      if (size < 0 || size > this.maxFrameBytes) {
        throw new ProtocolDecodeError('frame', -1, pos, `frame size ${size} is outside 0..${this.maxFrameBytes}`);
      }
      if (buf.length - pos - 4 < size) break;
      frames.push(buf.subarray(pos + 4, pos + 4 + size));
      pos += 4 + size;
    }
    if (pos < buf.length) {
      this.#pending.push(buf.subarray(pos));
      this.#pendingBytes = buf.length - pos;
    }
    return frames;
  }
}
