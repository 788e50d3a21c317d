import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { gzipSync, deflateSync } from 'node:zlib';
import {
  CompressionCodec,
  CompressionError,
  compress,
  compressionCodecName,
  decompress,
  decompressedSizeBound,
  parseCompressionCodec,
} from '../../src/protocol/records/compression.js';
import { DecompressionLimitError } from '../../src/protocol/records/compression/compression-error.js';
import { xxhash32 } from '../../src/protocol/records/compression/xxhash32.js';
import { zstdDecompressedBound, zstdFrameSizes, zstdImplementation } from '../../src/protocol/records/compression/zstd.js';
import { type ZstdBackend, loadZstdBinding, nodeZlibZstd } from '../../src/protocol/records/compression/zstd-backends.js';

const CODECS = [CompressionCodec.None, CompressionCodec.GZIP, CompressionCodec.Snappy, CompressionCodec.LZ4, CompressionCodec.ZSTD];
const XERIAL_HEADER = Buffer.from('82534e41505059000000000100000001', 'hex');
const LZ4_JAVA_HEADER = Buffer.from('04224d18604082', 'hex');

/** A small deterministic PRNG, so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** JSON order events, one per line, cut to `size` bytes: compressible like real record values. */
function orderEvents(size: number): Buffer {
  const random = prng(7);
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line = JSON.stringify({
      orderId: `ord-${Math.floor(random() * 2 ** 32).toString(36)}-${i}`,
      userId: `user-${Math.floor(random() * 5000)}`,
      amount: Math.round(random() * 100_000) / 100,
      items: [{ sku: `SKU-${1000 + Math.floor(random() * 9)}`, qty: 1 + Math.floor(random() * 4) }],
      ts: 1_718_000_000_000 + i * 37,
    });
    lines.push(line);
    length += line.length + 1;
  }
  return Buffer.from(lines.join('\n')).subarray(0, size);
}

const MiB = 1024 * 1024;
const INPUTS: ReadonlyArray<readonly [string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from('k')],
  ['tiny', Buffer.from('hello kafka')],
  ['1 MiB of order events', orderEvents(MiB)],
  ['1 MiB of random bytes', randomBytes(MiB)],
  ['1 MiB of one repeated byte', Buffer.alloc(MiB, 0x61)],
];

function commandExists(name: string): boolean {
  try {
    execFileSync('which', [name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function rejectsWithCompressionError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof CompressionError, `expected a CompressionError, got ${String(err)}`);
    assert.equal(err.retriable, false);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('compression codecs', () => {
  for (const codec of CODECS) {
    describe(`${compressionCodecName(codec)} round trip`, () => {
      for (const [name, data] of INPUTS) {
        it(`restores ${name}`, async () => {
          const compressed = await compress(codec, data);
          const restored = await decompress(codec, compressed);
          assert.ok(restored.equals(data), `${compressionCodecName(codec)} changed ${name}`);
        });
      }
    });
  }

  it('snappy and lz4 restore inputs at every block boundary', async () => {
    const events = orderEvents(200_000);
    for (const size of [12, 13, 14, 15, 16, 32767, 32768, 32769, 65535, 65536, 65537, 131072, 200_000]) {
      for (const codec of [CompressionCodec.Snappy, CompressionCodec.LZ4]) {
        const data = events.subarray(0, size);
        const restored = await decompress(codec, await compress(codec, data));
        assert.ok(restored.equals(data), `${compressionCodecName(codec)} at ${size} bytes`);
      }
    }
  });

  it('None passes the buffer through untouched', async () => {
    const data = Buffer.from('as is');
    assert.equal(await compress(CompressionCodec.None, data), data);
    assert.equal(await decompress(CompressionCodec.None, data), data);
  });
});

describe('gzip', () => {
  it('writes a gzip stream any gzip reader accepts', async () => {
    const compressed = await compress(CompressionCodec.GZIP, Buffer.from('hello kafka'));
    assert.deepEqual([...compressed.subarray(0, 3)], [0x1f, 0x8b, 8]);
  });

  it('reads several concatenated gzip members, as Java GZIPInputStream does', async () => {
    const data = Buffer.concat([gzipSync('first member, '), gzipSync('second member')]);
    assert.equal((await decompress(CompressionCodec.GZIP, data)).toString(), 'first member, second member');
  });

  it('reads zlib-wrapped deflate data too', async () => {
    assert.equal((await decompress(CompressionCodec.GZIP, deflateSync('zlib wrapped'))).toString(), 'zlib wrapped');
  });
});

describe('snappy (xerial framing)', () => {
  it('writes the xerial header: magic, version 1, compatible version 1', async () => {
    const compressed = await compress(CompressionCodec.Snappy, Buffer.from('hello kafka'));
    assert.ok(compressed.subarray(0, 16).equals(XERIAL_HEADER));
  });

  it('writes only the header for an empty payload', async () => {
    assert.ok((await compress(CompressionCodec.Snappy, Buffer.alloc(0))).equals(XERIAL_HEADER));
    assert.equal((await decompress(CompressionCodec.Snappy, XERIAL_HEADER)).length, 0);
  });

  it('writes one length-prefixed block per 32 KiB of input, as snappy-java does', async () => {
    const compressed = await compress(CompressionCodec.Snappy, orderEvents(100_000));
    const uncompressedSizes: number[] = [];
    for (let pos = 16; pos < compressed.length; ) {
      const size = compressed.readInt32BE(pos);
      let length = 0;
      for (let i = pos + 4, shift = 0; ; i++, shift += 7) {
        length |= (compressed[i]! & 0x7f) << shift;
        if (compressed[i]! < 0x80) break;
      }
      uncompressedSizes.push(length);
      pos += 4 + size;
    }
    assert.deepEqual(uncompressedSizes, [32768, 32768, 32768, 100_000 - 3 * 32768]);
  });

  it('reads a bare raw snappy block written by the reference implementation', async () => {
    // Google snappy's output (via the `snappy` crate), as librdkafka may send it.
    const raw = Buffer.from(
      '4f784b61666b6120736e617070792072617720626c6f636b3a206f726465722d310d0800320d0800330d0800340d0800350d082036206f726465722d37',
      'hex',
    );
    const expected = 'Kafka snappy raw block: order-1 order-2 order-3 order-4 order-5 order-6 order-7';
    assert.equal((await decompress(CompressionCodec.Snappy, raw)).toString(), expected);
  });

  it('reads every element kind: literals with length bytes, 1-, 2- and 4-byte offset copies', async () => {
    const raw = Buffer.concat([
      Buffer.from([79]), // uncompressed length varint
      Buffer.from([0x0c]), Buffer.from('abcd'), // literal of 4
      Buffer.from([0x01, 0x04]), // copy, 1-byte offset 4, length 4
      Buffer.from([0x1e, 0x08, 0x00]), // copy, 2-byte offset 8, length 8
      Buffer.from([0x07, 0x01, 0x00, 0x00, 0x00]), // copy, 4-byte offset 1, length 2 (overlapping)
      Buffer.from([0xf0, 60]), Buffer.alloc(61, 'x'), // literal of 61, length in one extra byte
    ]);
    const expected = `abcdabcdabcdabcddd${'x'.repeat(61)}`;
    assert.equal((await decompress(CompressionCodec.Snappy, raw)).toString(), expected);
  });

  it('reads xerial streams of several blocks and concatenated streams', async () => {
    const first = await compress(CompressionCodec.Snappy, orderEvents(70_000));
    const second = await compress(CompressionCodec.Snappy, Buffer.from('tail'));
    const restored = await decompress(CompressionCodec.Snappy, Buffer.concat([first, second]));
    assert.ok(restored.equals(Buffer.concat([orderEvents(70_000), Buffer.from('tail')])));
  });
});

describe('lz4 (frame format)', () => {
  it('writes the frame header Java writes: magic, FLG 0x60, BD 0x40 (64 KiB), header checksum', async () => {
    const compressed = await compress(CompressionCodec.LZ4, Buffer.from('hello kafka'));
    assert.ok(compressed.subarray(0, 7).equals(LZ4_JAVA_HEADER));
    assert.equal(compressed.readUInt32LE(compressed.length - 4), 0, 'ends with the end mark, no content checksum');
  });

  it('writes header and end mark only for an empty payload', async () => {
    assert.equal((await compress(CompressionCodec.LZ4, Buffer.alloc(0))).toString('hex'), '04224d1860408200000000');
  });

  it('writes 64 KiB blocks and stores incompressible ones raw, as KafkaLZ4BlockOutputStream does', async () => {
    const compressed = await compress(CompressionCodec.LZ4, randomBytes(150_000));
    const blocks: Array<[number, boolean]> = [];
    for (let pos = 7; ; ) {
      const word = compressed.readUInt32LE(pos);
      if (word === 0) break;
      blocks.push([word & 0x7fffffff, word >>> 31 === 1]);
      pos += 4 + (word & 0x7fffffff);
    }
    assert.deepEqual(blocks, [[65536, true], [65536, true], [150_000 - 2 * 65536, true]]);
  });

  it('reads a frame with content checksum and an uncompressed block (lz4 CLI output)', async () => {
    const frame = Buffer.from('04224d186440a70600008068656c6c6f0a00000000f95b6b94', 'hex');
    assert.equal((await decompress(CompressionCodec.LZ4, frame)).toString(), 'hello\n');
  });

  it('reads a frame with content size, block checksums and content checksum (lz4 CLI output)', async () => {
    const frame = Buffer.from(
      '04224d187c40a500000000000000450e0000004f61626364040089507461696c0abe4257ad00000000f4e14120',
      'hex',
    );
    assert.equal((await decompress(CompressionCodec.LZ4, frame)).toString(), `${'abcd'.repeat(40)}tail\n`);
  });

  it('reads linked blocks, whose matches reach into the previous block', async () => {
    const descriptor = Buffer.from([0x40, 0x40]); // version 01, linked blocks; 64 KiB
    const frame = Buffer.concat([
      Buffer.from('04224d18', 'hex'),
      descriptor,
      Buffer.from([(xxhash32(descriptor) >>> 8) & 0xff]),
      Buffer.from([9, 0, 0, 0, 0x80]), Buffer.from('abcdefgh'), // block 1: 8 literals
      Buffer.from([5, 0, 0, 0, 0x04, 0x08, 0x00, 0x10]), Buffer.from('!'), // block 2: 8-byte match into block 1, then '!'
      Buffer.from([0, 0, 0, 0]),
    ]);
    assert.equal((await decompress(CompressionCodec.LZ4, frame)).toString(), 'abcdefghabcdefgh!');
  });

  it('rejects an empty payload, which holds no frame', async () => {
    await rejectsWithCompressionError(decompress(CompressionCodec.LZ4, Buffer.alloc(0)), /^lz4: .*no frame/);
  });

  it('rejects the pre-0.10 header checksum (KAFKA-3160) with an error that says so', async () => {
    const broken = Buffer.from('04224d186040', 'hex');
    const frame = Buffer.concat([broken, Buffer.from([(xxhash32(broken) >>> 8) & 0xff]), Buffer.alloc(4)]);
    await rejectsWithCompressionError(decompress(CompressionCodec.LZ4, frame), /KAFKA-3160/);
  });

  const lz4Cli = commandExists('lz4');
  it('is read by the reference lz4 implementation (lz4 CLI)', { skip: lz4Cli ? false : 'lz4 CLI not installed (apt-get install lz4)' }, async () => {
    const data = orderEvents(300_000);
    const compressed = await compress(CompressionCodec.LZ4, data);
    assert.ok(execFileSync('lz4', ['-d', '-c'], { input: compressed, maxBuffer: 64 * MiB }).equals(data));
  });

  it('reads what the reference lz4 implementation writes, in every frame option', { skip: lz4Cli ? false : 'lz4 CLI not installed (apt-get install lz4)' }, async () => {
    const data = orderEvents(300_000);
    for (const options of [[], ['-BD'], ['-BX'], ['--content-size'], ['-B7'], ['-B5', '-BD', '-BX'], ['-9'], ['--no-frame-crc']]) {
      const frame = execFileSync('lz4', ['-q', '-c', ...options], { input: data, maxBuffer: 64 * MiB });
      assert.ok((await decompress(CompressionCodec.LZ4, frame)).equals(data), `lz4 ${options.join(' ')}`);
    }
  });
});

/** Contents with the Frame_Content_Size field width (bytes) that declares them. */
const DECLARING_FRAMES: ReadonlyArray<readonly [Buffer, 0 | 1 | 2 | 4 | 8]> = [
  [Buffer.alloc(0), 1],
  [Buffer.from('declared in one byte'), 1],
  [orderEvents(256), 2],
  [orderEvents(65_791), 2],
  [orderEvents(200_000), 4],
  [orderEvents(1000), 8],
];

/**
 * A zstd frame of raw (stored) blocks, built by hand (RFC 8878), declaring its content
 * size in a field of `sizeBytes` bytes (0: none, with a 128 KiB window instead).
 */
function rawZstdFrame(content: Buffer, sizeBytes: 0 | 1 | 2 | 4 | 8): Buffer {
  const BLOCK = 128 * 1024;
  // Frame_Header_Descriptor: Frame_Content_Size_flag in bits 7-6, Single_Segment_flag in bit 5.
  const flag = { 0: 0, 1: 0, 2: 1, 4: 2, 8: 3 }[sizeBytes];
  const singleSegment = sizeBytes === 0 ? 0 : 1;
  const header = [0x28, 0xb5, 0x2f, 0xfd, (flag << 6) | (singleSegment << 5)];
  if (!singleSegment) header.push(0x38); // Window_Descriptor: 2^(10 + 7) = 128 KiB
  const size = Buffer.alloc(sizeBytes);
  if (sizeBytes === 1) size.writeUInt8(content.length);
  if (sizeBytes === 2) size.writeUInt16LE(content.length - 256);
  if (sizeBytes === 4) size.writeUInt32LE(content.length);
  if (sizeBytes === 8) size.writeBigUInt64LE(BigInt(content.length));
  const blocks: Buffer[] = [];
  for (let at = 0; at === 0 || at < content.length; at += BLOCK) {
    const piece = content.subarray(at, at + BLOCK);
    const last = at + BLOCK >= content.length ? 1 : 0;
    const blockHeader = Buffer.alloc(3);
    blockHeader.writeUIntLE(last | (0 << 1) | (piece.length << 3), 0, 3); // Block_Type 0: raw
    blocks.push(blockHeader, piece);
  }
  return Buffer.concat([Buffer.from(header), size, ...blocks]);
}

describe('zstd', () => {
  it('reads a frame without content size, as Java streaming ZstdOutputStream writes (zstd CLI output)', async () => {
    const frame = Buffer.from('28b52ffd0458fd0000b068656c6c6f206b61666b612c207a7374646b61666b6102002f8480617e0190630461', 'hex');
    assert.equal((await decompress(CompressionCodec.ZSTD, frame)).toString(), 'hello kafka, hello zstd, hello kafka');
  });

  const zstdCli = commandExists('zstd');
  it('reads streamed and concatenated frames of another implementation (zstd CLI)', { skip: zstdCli ? false : 'zstd CLI not installed (apt-get install zstd)' }, async () => {
    const data = orderEvents(MiB);
    // From stdin the CLI streams, so its frame header has no content size: Java's case.
    const streamed = execFileSync('zstd', ['-q', '-c'], { input: data, maxBuffer: 64 * MiB });
    assert.ok((await decompress(CompressionCodec.ZSTD, streamed)).equals(data));
    const twice = Buffer.concat([streamed, streamed]);
    assert.ok((await decompress(CompressionCodec.ZSTD, twice)).equals(Buffer.concat([data, data])));
  });

  it('is read by another implementation (zstd CLI)', { skip: zstdCli ? false : 'zstd CLI not installed (apt-get install zstd)' }, async () => {
    const data = orderEvents(MiB);
    const compressed = await compress(CompressionCodec.ZSTD, data);
    assert.ok(execFileSync('zstd', ['-q', '-d', '-c'], { input: compressed, maxBuffer: 64 * MiB }).equals(data));
  });

  // The codec picks an implementation by size (zstd.ts): each must read every frame shape.
  const zlibZstd = nodeZlibZstd();
  const implementations: [string, () => Promise<ZstdBackend>, string | false][] = [
    ['@mongodb-js/zstd', loadZstdBinding, false],
    ['node:zlib', async () => zlibZstd!, zlibZstd ? false : `node:zlib has no zstd on Node ${process.version}`],
  ];
  for (const [name, load, skip] of implementations) {
    it(`${name} reads streaming, concatenated and skippable frames, frames declaring their size, and what the other implementation writes`, { skip }, async () => {
      const backend = await load();
      const javaFrame = Buffer.from('28b52ffd0458fd0000b068656c6c6f206b61666b612c207a7374646b61666b6102002f8480617e0190630461', 'hex');
      assert.equal((await backend.decompress(javaFrame)).toString(), 'hello kafka, hello zstd, hello kafka');
      const data = orderEvents(100 * 1024);
      const own = await backend.compress(data);
      const others = [await (await loadZstdBinding()).compress(data), ...(zlibZstd ? [await zlibZstd.compress(data)] : [])];
      for (const frame of [own, ...others]) assert.ok((await backend.decompress(frame)).equals(data));
      const skippable = Buffer.from('502a4d1803000000abcdef', 'hex');
      assert.ok((await backend.decompress(Buffer.concat([own, skippable, own]))).equals(Buffer.concat([data, data])));
      for (const [content, sizeBytes] of DECLARING_FRAMES) {
        assert.ok((await backend.decompress(rawZstdFrame(content, sizeBytes))).equals(content), `a frame declaring ${content.length} bytes in ${sizeBytes}`);
      }
    });
  }

  it('the codec takes node:zlib from 256 KiB to compress and 32 KiB to decompress where Node has zstd in zlib, the binding below and everywhere else', async () => {
    const used = await zstdImplementation();
    assert.equal(used, zlibZstd ? '@mongodb-js/zstd; node:zlib from 256 KiB to compress, from 32 KiB to decompress' : '@mongodb-js/zstd');
    // Both sides of the threshold, through the codec, whichever implementation each takes.
    for (const size of [0, 1000, 32 * 1024 - 1, 32 * 1024, 100 * 1024, 256 * 1024 - 1, 256 * 1024, MiB]) {
      const data = orderEvents(size);
      assert.ok((await decompress(CompressionCodec.ZSTD, await compress(CompressionCodec.ZSTD, data), 2 * MiB)).equals(data), `${size} bytes`);
      assert.ok((await decompress(CompressionCodec.ZSTD, rawZstdFrame(data, 4), 2 * MiB)).equals(data), `${size} bytes, declared`);
    }
  });

  it('zstdFrameSizes reads the content size a frame declares, in every field width, and none from a streaming frame', async () => {
    for (const [content, sizeBytes] of DECLARING_FRAMES) {
      const sizes = zstdFrameSizes(rawZstdFrame(content, sizeBytes));
      assert.deepEqual(sizes, { bound: content.length, atLeast: content.length, declared: content.length }, `${content.length} bytes declared in ${sizeBytes}`);
    }
    const two = Buffer.concat([rawZstdFrame(Buffer.alloc(300, 1), 2), rawZstdFrame(Buffer.alloc(70_000, 2), 4)]);
    assert.equal(zstdFrameSizes(two)?.declared, 70_300);
    const streaming = await (await loadZstdBinding()).compress(orderEvents(20_000));
    const sizes = zstdFrameSizes(streaming)!;
    assert.equal(sizes.declared, null, "the binding's frames, as Java's, declare no content size");
    assert.ok(sizes.atLeast >= streaming.length - 20 && sizes.atLeast < 20_000 && sizes.bound >= 20_000, JSON.stringify(sizes));
  });
});

describe('invalid input', () => {
  const garbage = Buffer.from('this is not a compressed record batch, just text');
  for (const codec of [CompressionCodec.GZIP, CompressionCodec.Snappy, CompressionCodec.LZ4, CompressionCodec.ZSTD]) {
    const name = compressionCodecName(codec);
    it(`${name}: garbage bytes give a CompressionError naming the codec`, async () => {
      await rejectsWithCompressionError(decompress(codec, garbage), new RegExp(`^${name}: `));
    });

    it(`${name}: a truncated payload gives a CompressionError`, async () => {
      const compressed = await compress(codec, orderEvents(100_000));
      await rejectsWithCompressionError(decompress(codec, compressed.subarray(0, compressed.length >>> 1)), new RegExp(`^${name}: `));
    });
  }

  for (const codec of [CompressionCodec.Snappy, CompressionCodec.LZ4]) {
    it(`${compressionCodecName(codec)}: corrupted bytes never escape as anything but a CompressionError`, async () => {
      const random = prng(codec);
      const valid = await compress(codec, orderEvents(20_000));
      for (let round = 0; round < 300; round++) {
        const corrupted = Buffer.from(valid);
        for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
          corrupted[Math.floor(random() * corrupted.length)] = Math.floor(random() * 256);
        }
        try {
          await decompress(codec, corrupted);
        } catch (err) {
          assert.ok(err instanceof CompressionError, `round ${round}: ${String(err)}`);
        }
      }
    });
  }

  it('snappy: refuses a raw block whose declared length its bytes cannot produce, before allocating', async () => {
    const raw = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x61]); // declares 4 GiB - 1
    await rejectsWithCompressionError(decompress(CompressionCodec.Snappy, raw), /impossible/);
  });
});

describe('decompression limit (a small batch must not make the broker allocate gigabytes)', () => {
  const codecs = [CompressionCodec.GZIP, CompressionCodec.Snappy, CompressionCodec.LZ4, CompressionCodec.ZSTD] as const;
  for (const codec of codecs) {
    it(`${compressionCodecName(codec)}: 16 MiB of zeros expand within a 16 MiB limit and are refused, before expanding, under 1 MiB`, async () => {
      const zeros = Buffer.alloc(16 * MiB);
      const compressed = await compress(codec, zeros);
      assert.ok(compressed.length < MiB, `compressed to ${compressed.length} bytes`);
      assert.ok((await decompress(codec, compressed, 16 * MiB)).equals(zeros));
      const error = await decompress(codec, compressed, MiB).then(
        () => assert.fail('expanded past the limit'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof DecompressionLimitError, String(error));
      assert.ok(error instanceof CompressionError, 'still a CompressionError');
      assert.equal(error.maxOutput, MiB);
      assert.match(error.message, new RegExp(`${compressionCodecName(codec)}: .*over the limit of ${MiB}`));
    });
  }

  it('decompressedSizeBound reads a bound no smaller than the real size from the headers, and none for gzip', async () => {
    const data = orderEvents(MiB);
    for (const codec of [CompressionCodec.Snappy, CompressionCodec.LZ4, CompressionCodec.ZSTD]) {
      const bound = decompressedSizeBound(codec, await compress(codec, data));
      assert.ok(bound !== null && bound >= data.length && bound <= 2 * data.length, `${compressionCodecName(codec)}: bound ${bound} for ${data.length} bytes`);
    }
    assert.equal(decompressedSizeBound(CompressionCodec.GZIP, await compress(CompressionCodec.GZIP, data)), null);
    assert.equal(decompressedSizeBound(CompressionCodec.LZ4, Buffer.from('garbage')), null);
  });

  it('zstd: the bound read from frame and block headers is never below the real size, nor far above it', async () => {
    for (const data of [orderEvents(MiB), randomBytes(300 * 1024), Buffer.alloc(5 * MiB), Buffer.alloc(0)]) {
      const compressed = await compress(CompressionCodec.ZSTD, data);
      const bound = zstdDecompressedBound(compressed);
      assert.ok(bound !== null && bound >= data.length, `bound ${bound} for ${data.length} bytes`);
      assert.ok(bound <= data.length + 2 * 128 * 1024, `bound ${bound} for ${data.length} bytes`);
    }
    // Two frames, the second after a skippable frame.
    const one = await compress(CompressionCodec.ZSTD, orderEvents(100 * 1024));
    const skippable = Buffer.from('502a4d1803000000abcdef', 'hex');
    assert.equal(zstdDecompressedBound(Buffer.concat([one, skippable, one])), 2 * zstdDecompressedBound(one)!);
    assert.equal(zstdDecompressedBound(Buffer.from('not zstd at all')), null);
    assert.equal(zstdDecompressedBound(one.subarray(0, one.length - 3)), null, 'truncated');
    await assert.rejects(decompress(CompressionCodec.ZSTD, Buffer.from('not zstd at all'), MiB), CompressionError);
  });

  it('zstd: the limit holds on both sides of the size at which the codec changes implementation, and a frame declaring less than its blocks hold is bounded by its blocks', async () => {
    for (const size of [20 * 1024, 300 * 1024]) {
      const compressed = await compress(CompressionCodec.ZSTD, Buffer.alloc(size));
      await assert.rejects(decompress(CompressionCodec.ZSTD, compressed, 16 * 1024), DecompressionLimitError, `${size} bytes of zeros under a 16 KiB limit`);
      assert.equal((await decompress(CompressionCodec.ZSTD, compressed, zstdDecompressedBound(compressed)!)).length, size);
    }
    // Declares 100 bytes, holds 200 KiB in raw blocks: the declared size picks, never limits.
    const liar = rawZstdFrame(orderEvents(200 * 1024), 4);
    liar.writeUInt32LE(100, 5);
    await assert.rejects(decompress(CompressionCodec.ZSTD, liar, 64 * 1024), DecompressionLimitError);
  });
});

describe('codec ids and names', () => {
  for (const id of [5, 6, 7]) {
    it(`unknown codec id ${id} gives a clear error naming it`, async () => {
      const message = new RegExp(`unknown compression codec id ${id}\\b.*0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd`);
      await rejectsWithCompressionError(compress(id as CompressionCodec, Buffer.from('x')), message);
      await rejectsWithCompressionError(decompress(id as CompressionCodec, Buffer.from('x')), message);
    });
  }

  it('names codecs as Java compression.type does, and never throws for unknown ids', () => {
    assert.deepEqual(CODECS.map(compressionCodecName), ['none', 'gzip', 'snappy', 'lz4', 'zstd']);
    assert.equal(compressionCodecName(7), 'unknown(7)');
  });

  it('parses names in any case, ids and digit strings', () => {
    assert.equal(parseCompressionCodec('gzip'), CompressionCodec.GZIP);
    assert.equal(parseCompressionCodec('Snappy'), CompressionCodec.Snappy);
    assert.equal(parseCompressionCodec(' LZ4 '), CompressionCodec.LZ4);
    assert.equal(parseCompressionCodec('ZSTD'), CompressionCodec.ZSTD);
    assert.equal(parseCompressionCodec('none'), CompressionCodec.None);
    assert.equal(parseCompressionCodec(4), CompressionCodec.ZSTD);
    assert.equal(parseCompressionCodec('2'), CompressionCodec.Snappy);
  });

  for (const bad of ['brotli', '', 'gzip2', 5, -1, 1.5, '5']) {
    it(`rejects ${JSON.stringify(bad)}, naming it and the accepted values`, () => {
      assert.throws(
        () => parseCompressionCodec(bad),
        (err: unknown) =>
          err instanceof CompressionError &&
          err.message.includes(JSON.stringify(bad)) &&
          err.message.includes('none, gzip, snappy, lz4, zstd'),
      );
    });
  }
});
