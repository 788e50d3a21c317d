/**
 * Framing: splitting a byte stream into size-prefixed frames, parsing request
 * headers, and which header version each API version uses.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameSplitter, parseRequest, requestHeaderVersion, responseHeaderVersion, writeRequestFrame, writeResponseFrame } from '../../src/protocol/framing.js';
import { ApiKey, ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, ProduceRequest } from '../../src/protocol/generated/index.js';
import { ProtocolDecodeError } from '../../src/protocol/primitives/message.js';
import { Writer } from '../../src/protocol/primitives/writer.js';

/** Three request frames of different sizes and header versions, back to back. */
function sampleStream(): { stream: Buffer; frames: Buffer[] } {
  const w = new Writer(64);
  const bounds: number[] = [];
  writeRequestFrame(w, { apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId: 1, clientId: 'a' }, ApiVersionsRequest, {
    clientSoftwareName: 'tskafka',
    clientSoftwareVersion: '0.1.0',
  });
  bounds.push(w.length);
  writeRequestFrame(w, { apiKey: ApiKey.Metadata, apiVersion: 4, correlationId: 2, clientId: null }, MetadataRequest, { topics: null });
  bounds.push(w.length);
  writeRequestFrame(w, { apiKey: ApiKey.Produce, apiVersion: 7, correlationId: 3, clientId: 'producer' }, ProduceRequest, {
    acks: -1,
    timeoutMs: 30_000,
    topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.alloc(300, 7) }] }],
  });
  bounds.push(w.length);
  const stream = w.toBuffer();
  const frames: Buffer[] = [];
  let start = 0;
  for (const end of bounds) {
    frames.push(stream.subarray(start + 4, end));
    start = end;
  }
  return { stream, frames };
}

function sizePrefix(size: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(size);
  return b;
}

describe('FrameSplitter', () => {
  it('returns the same frames wherever the stream is cut in two', () => {
    const { stream, frames } = sampleStream();
    for (let cut = 0; cut <= stream.length; cut++) {
      const s = new FrameSplitter();
      const got = [...s.push(stream.subarray(0, cut)), ...s.push(stream.subarray(cut))];
      assert.deepEqual(got, frames, `cut at byte ${cut}`);
      assert.equal(s.buffered, 0, `nothing left over after a cut at byte ${cut}`);
    }
  });

  it('returns the same frames when the stream arrives one byte at a time', () => {
    const { stream, frames } = sampleStream();
    const s = new FrameSplitter();
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...s.push(stream.subarray(i, i + 1)));
    assert.deepEqual(got, frames);
    assert.equal(s.buffered, 0);
  });

  it('preallocate (a client reading its broker) returns the same frames, cut anywhere or a byte at a time, and gathers a frame spanning chunks whole', () => {
    const { stream, frames } = sampleStream();
    for (let cut = 0; cut <= stream.length; cut++) {
      const s = new FrameSplitter(undefined, { preallocate: true });
      assert.deepEqual([...s.push(stream.subarray(0, cut)), ...s.push(stream.subarray(cut))], frames, `cut at byte ${cut}`);
      assert.equal(s.buffered, 0);
    }
    const s = new FrameSplitter(undefined, { preallocate: true });
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...s.push(stream.subarray(i, i + 1)));
    assert.deepEqual(got, frames);
    // A 1 MiB frame arriving in 64 KiB chunks.
    const big = Buffer.alloc(1 << 20, 7);
    const whole = Buffer.concat([sizePrefix(big.length), big]);
    const gathering = new FrameSplitter(undefined, { preallocate: true });
    const out: Buffer[] = [];
    for (let at = 0; at < whole.length; at += 65536) out.push(...gathering.push(whole.subarray(at, at + 65536)));
    assert.equal(out.length, 1);
    assert.ok(out[0]!.equals(big));
    assert.equal(out[0]!.length, big.length);
  });

  it('reading as a TCP connection does (onread): one reused buffer between frames, straight into the frame being gathered, and the frames survive the reuse', () => {
    const { stream, frames } = sampleStream();
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const wire = Buffer.concat([stream, sizePrefix(big.length), big, stream]);
    const expected = [...frames, big, ...frames];
    for (const readSize of [1, 3, 7, 64, 1000, 65536]) {
      const s = new FrameSplitter(undefined, { preallocate: true });
      const scratch = Buffer.alloc(Math.min(readSize, 4096));
      const got: Buffer[] = [];
      let directBytes = 0;
      for (let at = 0; at < wire.length; ) {
        // What the kernel does with the buffer Node's onread asks for: fill at most its length.
        const target = s.frameRemainder() ?? scratch;
        const n = Math.min(target.length, readSize, wire.length - at);
        wire.copy(target, 0, at, at + n);
        at += n;
        if (target === scratch) got.push(...s.push(scratch.subarray(0, n), true));
        else {
          directBytes += n;
          const frame = s.filled(n);
          if (frame) got.push(frame);
        }
        // The next read reuses the buffer: nothing returned may still point into it.
        scratch.fill(0xee);
      }
      assert.deepEqual(got, expected, `reads of ${readSize} bytes`);
      assert.equal(s.buffered, 0);
      assert.ok(directBytes > big.length - Math.max(scratch.length, 4), `reads of ${readSize}: the large frame went straight into its own buffer (${directBytes} bytes)`);
    }
    assert.equal(new FrameSplitter().frameRemainder(), null, 'only a preallocating splitter reads in place');
  });

  it('returns every frame of a chunk holding many, in order, and keeps a trailing partial frame', () => {
    const { stream, frames } = sampleStream();
    const many = Buffer.concat(Array.from({ length: 50 }, () => stream));
    const s = new FrameSplitter();
    const partial = 7;
    const got = s.push(many.subarray(0, many.length - partial));
    assert.equal(got.length, 149);
    for (let i = 0; i < got.length; i++) assert.deepEqual(got[i], frames[i % 3], `frame ${i}`);
    assert.equal(s.buffered, frames[2]!.length + 4 - partial);
    assert.deepEqual(s.push(many.subarray(many.length - partial)), [frames[2]]);
  });

  it('returns an empty frame for size 0', () => {
    assert.deepEqual(new FrameSplitter().push(sizePrefix(0)), [Buffer.alloc(0)]);
  });

  it('accepts a frame of exactly maxFrameBytes', () => {
    const s = new FrameSplitter(10);
    assert.deepEqual(s.push(Buffer.concat([sizePrefix(10), Buffer.alloc(10, 1)])), [Buffer.alloc(10, 1)]);
  });

  it('throws a clear error for a size above maxFrameBytes, before the frame arrives', () => {
    const s = new FrameSplitter(1024);
    assert.throws(
      () => s.push(sizePrefix(1025)),
      (e: unknown) => e instanceof ProtocolDecodeError && /frame size 1025 is outside 0\.\.1024/.test(e.message),
    );
  });

  it('throws for an oversized size whose four bytes arrive in separate chunks', () => {
    const s = new FrameSplitter(1024);
    const prefix = sizePrefix(0x7fff_ffff);
    assert.deepEqual(s.push(prefix.subarray(0, 2)), []);
    assert.throws(() => s.push(prefix.subarray(2)), /frame size 2147483647 is outside 0\.\.1024/);
  });

  it('throws a clear error for a negative size', () => {
    assert.throws(
      () => new FrameSplitter().push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0])),
      (e: unknown) => e instanceof ProtocolDecodeError && /frame size -1 is outside/.test(e.message),
    );
  });

  it('throws for a bad size that follows a good frame in the same chunk', () => {
    const good = Buffer.concat([sizePrefix(2), Buffer.from([1, 2])]);
    assert.throws(() => new FrameSplitter(100).push(Buffer.concat([good, sizePrefix(-5)])), /frame size -5/);
  });
});

describe('parseRequest', () => {
  it('reads a header whose clientId is null (int16 length -1) and leaves the reader at the body', () => {
    const w = new Writer();
    writeRequestFrame(w, { apiKey: ApiKey.Metadata, apiVersion: 4, correlationId: 0x01020304, clientId: null }, MetadataRequest, {
      topics: null,
      allowAutoTopicCreation: true,
    });
    const frame = w.toBuffer().subarray(4);
    // api key 3, version 4, correlation id, clientId length -1; then the body.
    assert.deepEqual(frame.subarray(0, 10), Buffer.from([0, 3, 0, 4, 1, 2, 3, 4, 0xff, 0xff]));
    const { header, body, size } = parseRequest(frame);
    assert.deepEqual(header, { apiKey: ApiKey.Metadata, apiVersion: 4, correlationId: 0x01020304, clientId: null });
    assert.equal(size, frame.length);
    assert.equal(body.pos, 10);
    assert.deepEqual(MetadataRequest.read(body, 4), {
      topics: null,
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    assert.equal(body.remaining, 0);
  });

  it('reads a flexible (v2) header: clientId keeps its int16 length, then an empty tag section', () => {
    const w = new Writer();
    writeRequestFrame(w, { apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId: 9, clientId: 'abc' }, ApiVersionsRequest, {
      clientSoftwareName: 'x',
      clientSoftwareVersion: '1',
    });
    const frame = w.toBuffer().subarray(4);
    assert.deepEqual(frame.subarray(0, 14), Buffer.from([0, 18, 0, 3, 0, 0, 0, 9, 0, 3, 0x61, 0x62, 0x63, 0]));
    const { header, body } = parseRequest(frame);
    assert.equal(header.clientId, 'abc');
    assert.equal(body.pos, 14);
  });

  it('reads a ControlledShutdown v0 header (v0: no clientId field at all)', () => {
    const frame = Buffer.from([0, 7, 0, 0, 0, 0, 0, 42, 0, 0, 0, 1]);
    const { header, body } = parseRequest(frame);
    // The field is absent in v0, so it takes the spec's default: "" (as Java's RequestHeaderData), not null.
    assert.deepEqual(header, { apiKey: ApiKey.ControlledShutdown, apiVersion: 0, correlationId: 42, clientId: '' });
    assert.equal(body.pos, 8);
  });

  it('rejects a frame shorter than a header and an unknown API key', () => {
    assert.throws(() => parseRequest(Buffer.from([0, 3, 0, 4])), ProtocolDecodeError);
    assert.throws(() => parseRequest(Buffer.from([0x7f, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff])), /unknown API key 32512/);
  });
});

describe('header versions', () => {
  it('ApiVersions v3 requests use header v2, but every ApiVersions response uses header v0 (KIP-511)', () => {
    assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 3), 2);
    assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 2), 1);
    for (let v = 0; v <= 4; v++) assert.equal(responseHeaderVersion(ApiKey.ApiVersions, v), 0, `ApiVersions v${v}`);
  });

  it('Produce v9 (first flexible version) uses request header v2 and response header v1', () => {
    assert.equal(requestHeaderVersion(ApiKey.Produce, 9), 2);
    assert.equal(responseHeaderVersion(ApiKey.Produce, 9), 1);
  });

  it('Produce v8 uses request header v1 and response header v0', () => {
    assert.equal(requestHeaderVersion(ApiKey.Produce, 8), 1);
    assert.equal(responseHeaderVersion(ApiKey.Produce, 8), 0);
  });

  it('ControlledShutdown v0 alone uses request header v0 (no clientId)', () => {
    assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 0), 0);
    assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 1), 1);
    assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 3), 2);
  });

  it('an unknown API key is a RangeError', () => {
    assert.throws(() => requestHeaderVersion(999, 0), RangeError);
    assert.throws(() => responseHeaderVersion(999, 0), RangeError);
  });

  it('writeResponseFrame writes the header version responseHeaderVersion names', () => {
    // ApiVersions v3: header v0 (correlation id only) even though the body is flexible.
    const w = new Writer();
    writeResponseFrame(w, ApiKey.ApiVersions, 3, 5, ApiVersionsResponse, { apiKeys: [] });
    const bytes = w.toBuffer();
    assert.equal(bytes.readInt32BE(0), bytes.length - 4);
    assert.equal(bytes.readInt32BE(4), 5);
    assert.deepEqual(ApiVersionsResponse.decode(3, bytes.subarray(8)).apiKeys, []);
  });
});
