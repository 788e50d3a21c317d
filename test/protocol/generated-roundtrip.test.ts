/**
 * Every message, every version: random data built from the JSON spec itself
 * (independently of the generator's code) survives encode -> decode, and the
 * decoded value re-encodes to the same bytes.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type FieldSpec, type FieldType, type MessageSpec, type StructSpec, camel, inRange, loadMessages } from '../../scripts/protocol-schema.js';
import { defaultSpecsDir } from '../../scripts/generate-protocol.js';
import * as generated from '../../src/protocol/generated/index.js';
import { type MessageCodec } from '../../src/protocol/primitives/message.js';
import { seededRandom as prng } from '../support/seeded-random.js';

const specsPresent = existsSync(defaultSpecsDir);

class RandomData {
  constructor(
    readonly rnd: () => number,
    readonly version: number,
    readonly flexible: boolean,
  ) {}

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }

  bytes(max: number): Buffer {
    const b = Buffer.alloc(this.int(0, max));
    for (let i = 0; i < b.length; i++) b[i] = this.int(0, 255);
    return b;
  }

  string(): string {
    const alphabet = ['a', 'Z', '9', '-', '_', '.', 'é', '中', '🙂', ' '];
    let s = '';
    for (let n = this.int(0, 12); n > 0; n--) s += alphabet[this.int(0, alphabet.length - 1)];
    return s;
  }

  primitive(name: string): unknown {
    switch (name) {
      case 'bool':
        return this.rnd() < 0.5;
      case 'int8':
        return this.int(-128, 127);
      case 'int16':
        return this.int(-32768, 32767);
      case 'uint16':
        return this.int(0, 65535);
      case 'int32':
        return this.int(-2147483648, 2147483647);
      case 'uint32':
        return this.int(0, 4294967295);
      case 'int64':
        return BigInt.asIntN(64, (BigInt(this.int(0, 0xffffffff)) << 32n) | BigInt(this.int(0, 0xffffffff)));
      case 'float64':
        return (this.rnd() - 0.5) * 1e6;
      case 'string':
        return this.string();
      case 'uuid': {
        const b = Buffer.alloc(16);
        for (let i = 0; i < 16; i++) b[i] = this.int(0, 255);
        return b.toString('base64url');
      }
      case 'bytes':
      case 'records':
        return this.bytes(40);
      default:
        throw new Error(`unknown primitive ${name}`);
    }
  }

  value(f: FieldSpec, t: FieldType, depth: number): unknown {
    if (t.kind === 'primitive') return this.primitive(t.name);
    if (t.kind === 'struct') return this.struct(t.struct, depth + 1);
    const n = depth > 3 ? 0 : this.int(0, 3);
    return Array.from({ length: n }, () => this.value(f, t.element, depth));
  }

  /** A random struct for this version, and the value decoding must return. */
  struct(s: StructSpec, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of s.fields) {
      const key = camel(f.name);
      const present = f.taggedVersions ? this.flexible && inRange(f.taggedVersions, this.version) : inRange(f.versions, this.version);
      if (!present) {
        out[key] = defaultValue(f);
        continue;
      }
      const nullable = inRange(f.nullableVersions, this.version);
      out[key] = nullable && this.rnd() < 0.2 ? null : this.value(f, f.type, depth);
    }
    return out;
  }
}

/** The spec's default for a field, as a decoder must return it. */
function defaultValue(f: FieldSpec): unknown {
  const d = f.default;
  const t = f.type;
  if (t.kind === 'array') return d === 'null' ? null : [];
  if (t.kind === 'struct') {
    if (d === 'null') return null;
    return Object.fromEntries(t.struct.fields.map((g) => [camel(g.name), defaultValue(g)]));
  }
  switch (t.name) {
    case 'bool':
      return d === 'true';
    case 'int64':
      return BigInt(d ?? 0);
    case 'string':
      return d === 'null' ? null : (d ?? '');
    case 'uuid':
      return 'AAAAAAAAAAAAAAAAAAAAAA';
    case 'bytes':
      return d === 'null' ? null : Buffer.alloc(0);
    case 'records':
      return null;
    default:
      return Number(d ?? 0);
  }
}

function codecFor(m: MessageSpec): MessageCodec<unknown> {
  const codec = (generated as unknown as Record<string, MessageCodec<unknown>>)[m.name];
  assert.ok(codec, `no generated codec exported for ${m.name}`);
  return codec;
}

describe('generated codecs round-trip random data built from the specs', { skip: !specsPresent && `specs not found at ${defaultSpecsDir}` }, () => {
  const messages = specsPresent ? loadMessages(defaultSpecsDir) : [];
  for (const m of messages) {
    it(`${m.name}: every version ${m.validVersions.min}-${m.validVersions.max}`, () => {
      const codec = codecFor(m);
      assert.equal(codec.minVersion, m.validVersions.min);
      assert.equal(codec.maxVersion, m.validVersions.max);
      for (let version = m.validVersions.min; version <= m.validVersions.max; version++) {
        const flexible = inRange(m.flexibleVersions, version);
        for (let seed = 1; seed <= 12; seed++) {
          const data = new RandomData(prng(seed * 1000 + version), version, flexible).struct(m.root, 0);
          const where = `${m.name} v${version} seed ${seed}`;
          const bytes = codec.encode(version, data);
          const decoded = codec.decode(version, bytes);
          assert.deepStrictEqual(decoded, data, where);
          assert.deepStrictEqual(codec.encode(version, decoded), bytes, `${where}: re-encode`);
        }
      }
    });
  }

  it('exports an API table entry, request and response, for every request spec', () => {
    const requests = messages.filter((m) => m.type === 'request');
    assert.equal(generated.apis.size, requests.length);
    for (const m of requests) {
      const api = generated.apis.get(m.apiKey!);
      assert.ok(api, `API key ${m.apiKey}`);
      assert.equal(api.request.name, m.name);
      assert.equal(api.response.name, m.name.replace(/Request$/, 'Response'));
      assert.equal(api.maxVersion, m.validVersions.max);
    }
  });
});

describe('generated codecs reject bad input with errors that name the problem', () => {
  it('names the message and version when a body is truncated', () => {
    const bytes = generated.MetadataResponse.encode(12, { brokers: [{ nodeId: 1, host: 'h', port: 9092 }] });
    assert.throws(() => generated.MetadataResponse.decode(12, bytes.subarray(0, bytes.length - 3)), /MetadataResponse v12/);
  });

  it('rejects bytes left over after the body', () => {
    const bytes = generated.ApiVersionsRequest.encode(3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    assert.throws(() => generated.ApiVersionsRequest.decode(3, Buffer.concat([bytes, Buffer.from([0])])), /1 bytes left over/);
  });

  it('rejects a version the spec does not have', () => {
    assert.throws(() => generated.ProduceRequest.encode(12, {}), /ProduceRequest has no version 12 \(valid 0-11\)/);
  });

  it('refuses a non-default value for a field the version lacks, unless ignorable', () => {
    // TransactionalId arrived in Produce v3 and is not ignorable.
    assert.throws(() => generated.ProduceRequest.encode(2, { transactionalId: 'tx' }), /TransactionalId.*version 2/);
    // ThrottleTimeMs is ignorable: silently dropped at v0.
    assert.ok(generated.ApiVersionsResponse.encode(0, { throttleTimeMs: 5 }));
  });

  it('refuses null where the version does not allow it', () => {
    assert.throws(() => generated.ProduceRequest.encode(9, { topicData: [{ name: null as unknown as string }] }), /Name is null/);
  });

  it('skips unknown tagged fields when decoding (forward compatibility)', () => {
    const bytes = generated.ApiVersionsRequest.encode(3, { clientSoftwareName: 'a', clientSoftwareVersion: 'b' });
    // Replace the empty tagged section (last byte 0) with one unknown tag 99 of 2 bytes.
    const withTag = Buffer.concat([bytes.subarray(0, bytes.length - 1), Buffer.from([1, 99, 2, 0xab, 0xcd])]);
    assert.deepStrictEqual(generated.ApiVersionsRequest.decode(3, withTag), { clientSoftwareName: 'a', clientSoftwareVersion: 'b' });
  });
});
