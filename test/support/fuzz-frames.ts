/**
 * Request frames for fuzzing a broker: valid frames built with our own codecs
 * (every served API at its lowest and highest version with default bodies, plus
 * filled-in requests that reach deep into the handlers: a Produce with a real
 * record batch, a Fetch of a real topic, group joins and commits...), frames
 * captured from real third-party clients (KafkaJS, kcat: see captured-frames.ts;
 * our encoders and our broker could agree and both be wrong), and seeded
 * mutations of them all. Each case says what a correct broker must do with
 * it, when that is knowable: answer it, close the connection, or anything as
 * long as it survives.
 */
import { writeRequestFrame } from '../../src/protocol/framing.js';
import { ApiKey, apis } from '../../src/protocol/generated/api-keys.js';
import { type Input, type MessageCodec } from '../../src/protocol/primitives/message.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { CompressionCodec } from '../../src/protocol/records/compression.js';
import { RecordBatchField, computeRecordBatchCrc } from '../../src/protocol/records/record-batch-header.js';
import { encodeRecordBatch } from '../../src/protocol/records/record-batch.js';
import { ProduceRequest } from '../../src/protocol/generated/produce-request.js';
import { parseRequest } from '../../src/protocol/framing.js';
import { type CapturedFrame, loadCapturedFrames } from './captured-frames.js';

/** A small seeded PRNG (xorshift32 with a splitmix-style seed scramble): the same seed, the same cases. */
export class Random {
  #state: number;

  constructor(seed: number) {
    let s = (seed ^ 0x9e3779b9) >>> 0;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
    this.#state = (s ^ (s >>> 16)) >>> 0 || 1;
  }

  /** A uint32. */
  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + (this.next() % (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}

/** A valid request frame (size prefix included) and where its record batch sits, if it has one. */
export interface Template {
  /** What it is, e.g. `Fetch v11`; a captured frame's says its client: `kafkajs:Fetch v11`. */
  readonly name: string;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly frame: Buffer;
  /**
   * Whether the unchanged frame must be answered promptly: not a Produce with acks=0 (never
   * answered), nor a JoinGroup before v4, which waits for the group's rebalance, and fuzzed
   * joins may have set any rebalance timeout on that group.
   */
  readonly answeredPromptly: boolean;
  /** Byte range of the record batch inside `frame` (Produce). */
  readonly batch?: { readonly start: number; readonly end: number };
}

/** What a correct broker does with a case. */
export type Expectation =
  /** Answers with a response frame carrying this correlation id (and, for ApiVersions, this error code). */
  | { readonly kind: 'answer'; readonly correlationId: number; readonly errorCode?: number }
  /** Closes the connection without answering. */
  | { readonly kind: 'close' }
  /** Anything, as long as the broker survives and serves everyone else. */
  | { readonly kind: 'any' };

export interface FuzzCase {
  readonly kind: string;
  /** The template it was made from (its name), to tell captured frames' cases from our own. */
  readonly source: string;
  /** Written in this many chunks, so frames also arrive split across socket reads. */
  readonly chunks: readonly Buffer[];
  readonly expect: Expectation;
}

let nextCorrelationId = 1;

/** A size-prefixed request frame with a fresh correlation id. */
export function encodeRequest<T>(codec: MessageCodec<T>, apiKey: number, apiVersion: number, body: Input<T>): { frame: Buffer; correlationId: number } {
  const correlationId = nextCorrelationId++;
  const w = new Writer(256);
  writeRequestFrame(w, { apiKey, apiVersion, correlationId, clientId: 'fuzz' }, codec, body);
  return { frame: w.toBuffer(), correlationId };
}

/** The versions a broker serves, by API key: from its ApiVersions handler registry. */
export interface ServedApi {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** The frames fuzz cases are made from. */
export interface Templates {
  /** Valid requests of every served API. */
  readonly requests: readonly Template[];
  /** Produce requests to the sink topic, with their record batch located, to damage behind a valid CRC. */
  readonly batchSinks: readonly Template[];
}

/**
 * A record batch whose records do not decode, behind a CRC that holds: what only a broker that
 * reads the records (as Kafka's LogValidator does) can refuse.
 *
 * @param compression - None: the records section is overwritten with 0xff (varints that never end);
 *   GZIP: the compressed bytes are damaged
 */
export async function undecodableBatch(compression: CompressionCodec): Promise<Buffer> {
  const batch = Buffer.from(await encodeRecordBatch({ compression, records: [{ key: 'a', value: 'b'.repeat(100) }, { key: 'c', value: 'd'.repeat(100) }] }));
  const records = batch.subarray(RecordBatchField.records);
  if (compression === CompressionCodec.None) records.fill(0xff);
  else records.fill(0x55, Math.floor(records.length / 3), Math.floor((2 * records.length) / 3));
  batch.writeUInt32BE(computeRecordBatchCrc(batch), RecordBatchField.crc);
  return batch;
}

/**
 * Build the templates.
 *
 * @param served - what the broker serves (key and version range)
 * @param topic - an existing topic to aim Produce, Fetch and the rest at; never anything precious
 * @param topicId - its topic id (Fetch v13+)
 * @param sinkTopic - where batches damaged behind a valid CRC go: a topic nothing decodes records of (no
 *   compaction, no ListOffsets by timestamp), so that a batch the broker's record check lets through
 *   cannot make the precious topic unreadable
 */
export async function buildTemplates(served: readonly ServedApi[], topic: string, topicId: string, sinkTopic: string): Promise<Templates> {
  const templates: Template[] = [];
  const batchSinks: Template[] = [];
  const add = <T>(name: string, apiKey: number, apiVersion: number, body: Input<T>, codec?: MessageCodec<T>, batch?: Buffer): void => {
    const api = apis.get(apiKey)!;
    const { frame, correlationId } = encodeRequest((codec ?? api.request) as MessageCodec<T>, apiKey, apiVersion, body);
    const at = batch ? frame.indexOf(batch) : -1;
    const acks = (body as { acks?: number }).acks ?? 0;
    const answeredPromptly = !(apiKey === ApiKey.Produce && acks === 0) && !(apiKey === ApiKey.JoinGroup && apiVersion < 4);
    templates.push({ name: `${name} v${apiVersion}`, apiKey, apiVersion, correlationId, frame, answeredPromptly, ...(at >= 0 ? { batch: { start: at, end: at + batch!.length } } : {}) });
  };
  // Every served API at both ends of its range, with default bodies.
  for (const s of served) {
    const name = apis.get(s.apiKey)!.name;
    for (const v of new Set([s.minVersion, s.maxVersion])) {
      if (s.apiKey === ApiKey.SaslHandshake && v === 0) continue; // switches the connection to bare SASL tokens
      add(`${name}(defaults)`, s.apiKey, v, {});
    }
  }

  const records = Array.from({ length: 5 }, (_, i) => ({ key: `key-${i}`, value: `value ${i} ${'z'.repeat(i * 7)}`, headers: [{ key: 'h', value: `${i}` }], timestamp: Date.now() }));
  const plain = await encodeRecordBatch({ records });
  const gzip = await encodeRecordBatch({ records, compression: CompressionCodec.GZIP });
  const idempotent = await encodeRecordBatch({ records, producerId: 4242, producerEpoch: 0, baseSequence: 0 });
  for (const [label, batch] of [['Produce', plain], ['Produce(gzip)', gzip], ['Produce(idempotent)', idempotent]] as const) {
    for (const v of [3, 7, 9, 11]) {
      add(label, ApiKey.Produce, v, { acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] });
      add(`${label} to the sink`, ApiKey.Produce, v, { acks: -1, timeoutMs: 1000, topicData: [{ name: sinkTopic, partitionData: [{ index: 0, records: batch }] }] }, undefined, batch);
      batchSinks.push(templates.pop()!);
    }
  }
  for (const v of [4, 11, 12, 13, 17]) {
    add('Fetch', ApiKey.Fetch, v, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic, topicId, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 16, logStartOffset: -1n }] }],
    });
  }
  for (const v of [1, 4, 9, 12]) add('Metadata', ApiKey.Metadata, v, { topics: [{ name: topic }, { name: 'fuzz-auto' }], allowAutoTopicCreation: v < 12 });
  for (const v of [1, 7]) add('ListOffsets', ApiKey.ListOffsets, v, { replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1n }, { partitionIndex: 0, timestamp: -2n }, { partitionIndex: 0, timestamp: 0n }] }] });
  add('FindCoordinator', ApiKey.FindCoordinator, 1, { key: 'fuzz-group', keyType: 0 });
  add('FindCoordinator', ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['fuzz-group', 'other'] });
  for (const v of [0, 5, 9]) {
    add('JoinGroup', ApiKey.JoinGroup, v, { groupId: `fuzz-group-${v}`, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 100, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from([0, 1, 0, 0, 0, 1, 0, 4, 0x66, 0x75, 0x7a, 0x7a, 0, 0, 0, 0]) }] });
  }
  add('SyncGroup', ApiKey.SyncGroup, 3, { groupId: 'fuzz-group-5', generationId: 1, memberId: 'nobody', assignments: [{ memberId: 'nobody', assignment: Buffer.from('x') }] });
  add('Heartbeat', ApiKey.Heartbeat, 3, { groupId: 'fuzz-group-5', generationId: 1, memberId: 'nobody' });
  add('LeaveGroup', ApiKey.LeaveGroup, 3, { groupId: 'fuzz-group-5', members: [{ memberId: 'nobody' }] });
  for (const v of [2, 8]) {
    add('OffsetCommit', ApiKey.OffsetCommit, v, { groupId: 'fuzz-commits', generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: -1n, topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 3n, committedMetadata: 'm' }] }] });
  }
  add('OffsetFetch', ApiKey.OffsetFetch, 1, { groupId: 'fuzz-commits', topics: [{ name: topic, partitionIndexes: [0, 1] }] });
  add('OffsetFetch', ApiKey.OffsetFetch, 8, { groups: [{ groupId: 'fuzz-commits', topics: null }, { groupId: 'fuzz-group-5', topics: [{ name: topic, partitionIndexes: [0] }] }] });
  for (const v of [0, 5]) add('CreateTopics', ApiKey.CreateTopics, v, { topics: [{ name: `fuzz-created-${v}`, numPartitions: 2, replicationFactor: 1, configs: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'segment.bytes', value: '2048' }] }], timeoutMs: 1000 });
  add('DescribeConfigs', ApiKey.DescribeConfigs, 4, { resources: [{ resourceType: 2, resourceName: topic, configurationKeys: null }] });
  add('DeleteRecords', ApiKey.DeleteRecords, 1, { topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset: 1n }] }], timeoutMs: 1000 });
  add('CreatePartitions', ApiKey.CreatePartitions, 1, { topics: [{ name: topic, count: 2, assignments: null }], timeoutMs: 1000 });
  for (const v of [0, 4]) add('InitProducerId', ApiKey.InitProducerId, v, { transactionalId: null, transactionTimeoutMs: 1000, producerId: -1n, producerEpoch: -1 });
  add('SaslHandshake', ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
  templates.push(...capturedTemplates());
  return { requests: templates, batchSinks };
}

/**
 * Whether a broker owes a prompt answer to a request: not to a Produce with acks=0, nor to a
 * JoinGroup before v4 (it waits for the group's rebalance).
 */
function answeredPromptly(frame: CapturedFrame): boolean {
  if (frame.apiKey === ApiKey.JoinGroup) return frame.apiVersion >= 4;
  if (frame.apiKey !== ApiKey.Produce) return true;
  try {
    return ProduceRequest.read(parseRequest(frame.frame.subarray(4)).body, frame.apiVersion).acks !== 0;
  } catch {
    // A captured Produce our decoder cannot read: the broker owes it an answer all the same.
    return true;
  }
}

/** Templates from frames captured from real clients (test/fixtures/captured-frames.json), named `client:Api vN`. */
export function capturedTemplates(): Template[] {
  return loadCapturedFrames().decoded.map((f) => ({
    name: `${f.client}:${f.api} v${f.apiVersion}`,
    apiKey: f.apiKey,
    apiVersion: f.apiVersion,
    correlationId: f.correlationId,
    frame: f.frame,
    answeredPromptly: answeredPromptly(f),
  }));
}

const MAX_API_KEY = Math.max(...apis.keys());

function withInt16(frame: Buffer, at: number, value: number): Buffer {
  const copy = Buffer.from(frame);
  copy.writeInt16BE(value, at);
  return copy;
}

function withSize(body: Buffer, size: number): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeInt32BE(size | 0, 0);
  body.copy(out, 4);
  return out;
}

/** Cut `bytes` into 1-3 chunks at random points. */
function split(random: Random, bytes: Buffer): Buffer[] {
  if (bytes.length < 2 || random.int(0, 2) === 0) return [bytes];
  const cuts = [...new Set(Array.from({ length: random.int(1, 2) }, () => random.int(1, bytes.length - 1)))].sort((a, b) => a - b);
  return [0, ...cuts].map((from, i) => bytes.subarray(from, cuts[i] ?? bytes.length));
}

/**
 * One fuzz case from `templates`, chosen and mutated with `random`.
 *
 * @param served - the broker's API keys and version ranges
 * @param maxFrameBytes - the broker's socket.request.max.bytes
 */
export function fuzzCase(random: Random, { requests: templates, batchSinks }: Templates, served: readonly ServedApi[], maxFrameBytes: number): FuzzCase {
  const t = random.pick(templates);
  const body = t.frame.subarray(4);
  const source = t.name;
  const any = (kind: string, bytes: Buffer): FuzzCase => ({ kind, source, chunks: split(random, bytes), expect: { kind: 'any' } });
  const closes = (kind: string, bytes: Buffer): FuzzCase => ({ kind, source, chunks: split(random, bytes), expect: { kind: 'close' } });
  switch (random.int(0, 11)) {
    case 0:
      return { kind: 'valid', source, chunks: split(random, t.frame), expect: t.answeredPromptly ? { kind: 'answer', correlationId: t.correlationId } : { kind: 'any' } };
    case 1: {
      // Random bytes flipped anywhere after the size prefix.
      const copy = Buffer.from(t.frame);
      for (let n = random.int(1, 8); n > 0; n--) copy[random.int(4, copy.length - 1)] = random.next() & 0xff;
      return any('flipped', copy);
    }
    case 2: {
      // Truncated: either the size still claims the whole frame (the broker waits) or it is made to match (the body ends early).
      const cut = random.int(0, body.length - 1);
      return random.int(0, 1) === 0 ? any('truncated', t.frame.subarray(0, 4 + cut)) : any('truncated-resized', withSize(body.subarray(0, cut), cut));
    }
    case 3:
      // The size prefix lies, by a little or a lot, in either direction.
      return any('size-lie', withSize(body, body.length + random.pick([-body.length, -1, -random.int(1, body.length), 1, random.int(2, 1000)])));
    case 4:
      return closes('huge-size', withSize(body, random.pick([maxFrameBytes + 1, 0x7fffffff, -1, -0x80000000, random.int(maxFrameBytes + 1, 0x7fffffff)])));
    case 5: {
      const servedKeys = new Set(served.map((s) => s.apiKey));
      let key: number;
      do key = random.pick([-1, -32768, 32767, MAX_API_KEY + 1, random.int(0, MAX_API_KEY + 10), random.int(0, 0x7fff)]);
      while (servedKeys.has(key));
      return closes('unknown-api-key', withInt16(t.frame, 4, key));
    }
    case 6: {
      const s = served.find((x) => x.apiKey === t.apiKey)!;
      const version = random.int(0, 1) === 0 && s.minVersion > 0 ? random.int(Math.max(-5, s.minVersion - 10), s.minVersion - 1) : random.int(s.maxVersion + 1, s.maxVersion + 300);
      if (t.apiKey === ApiKey.ApiVersions) {
        // KIP-511: answered, in v0, with UNSUPPORTED_VERSION (35); only from a flexible (v3+)
        // template, whose header has the tagged fields a newer version's header must have.
        return version > s.maxVersion && t.apiVersion >= 3 ? { kind: 'apiversions-too-new', source, chunks: split(random, withInt16(t.frame, 6, version)), expect: { kind: 'answer', correlationId: t.correlationId, errorCode: 35 } } : any('apiversions-too-old', withInt16(t.frame, 6, version));
      }
      return closes('unsupported-version', withInt16(t.frame, 6, version));
    }
    case 7: {
      // Garbage after a whole, valid body: Kafka refuses bytes left over.
      const garbage = random.bytes(random.int(1, 64));
      return closes('trailing-garbage', withSize(Buffer.concat([body, garbage]), body.length + garbage.length));
    }
    case 8: {
      const n = random.int(0, 300);
      return random.int(0, 1) === 0 ? any('random-frame', withSize(random.bytes(n), n)) : any('random-bytes', random.bytes(n));
    }
    case 9: {
      // Several frames back to back, one of them damaged.
      const frames = Array.from({ length: random.int(2, 4) }, () => random.pick(templates).frame);
      const victim = random.int(0, frames.length - 1);
      const damaged = Buffer.from(frames[victim]!);
      for (let n = random.int(1, 4); n > 0; n--) damaged[random.int(4, damaged.length - 1)] = random.next() & 0xff;
      frames[victim] = damaged;
      return any('pipelined', Buffer.concat(frames));
    }
    case 10: {
      // A record batch damaged behind a recomputed CRC: it passes the broker's checks on the header only.
      const p = random.pick(batchSinks);
      const copy = Buffer.from(p.frame);
      const { start, end } = p.batch!;
      for (let n = random.int(1, 4); n > 0; n--) copy[random.int(start + RecordBatchField.attributes, end - 1)] = random.next() & 0xff;
      copy.writeUInt32BE(computeRecordBatchCrc(copy, start), start + RecordBatchField.crc);
      return any('batch-behind-valid-crc', copy);
    }
    default: {
      // A header that is all right, followed by a body of noise.
      const headerEnd = 4 + 8 + Math.max(0, t.frame.readInt16BE(12));
      const noise = random.bytes(random.int(0, 200));
      const head = t.frame.subarray(4, Math.min(headerEnd + 2, t.frame.length));
      return any('noise-body', withSize(Buffer.concat([head, noise]), head.length + noise.length));
    }
  }
}
