/**
 * Frames captured from real third-party clients (KafkaJS, kcat/librdkafka) talking
 * to our broker, the fixture test/fixtures/captured-frames.json that seeds the
 * fuzz corpus next to our own encoders' frames: it covers the APIs a producer, a
 * consumer group and an admin use, from both clients; and each frame, replayed
 * unchanged on a raw socket to a broker with the capture's topics and groups, is
 * answered, with none of the errors that mean "I could not read that". A frame
 * the broker cannot parse is found here, by name, before the fuzzer mutates it.
 *
 * Regenerate the fixture with `npx tsx scripts/capture-fuzz-seeds.ts`.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { parseRequest, parseResponse } from '../../../src/protocol/framing.js';
import { ApiKey, apis } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ProduceRequest } from '../../../src/protocol/generated/produce-request.js';
import { CompressionCodec } from '../../../src/protocol/records/compression.js';
import { RecordBatchField } from '../../../src/protocol/records/record-batch-header.js';
import { OffsetCommitRequest } from '../../../src/protocol/generated/offset-commit-request.js';
import { OffsetCommitResponse } from '../../../src/protocol/generated/offset-commit-response.js';
import { CAPTURED_FRAMES_PATH, CAPTURE_CLIENTS, type CapturedFrame, loadCapturedFrames } from '../../support/captured-frames.js';
import { startTrafficRecorder } from '../../support/traffic-recorder.js';
import { WireClient, recordingLogger } from '../../support/wire-client.js';

const { Kafka, logLevel } = kafkajs;

/** What the fixture must hold: what a producer, a consumer group and an admin send. */
const REQUIRED = [
  ApiKey.Produce,
  ApiKey.Fetch,
  ApiKey.Metadata,
  ApiKey.ApiVersions,
  ApiKey.FindCoordinator,
  ApiKey.JoinGroup,
  ApiKey.SyncGroup,
  ApiKey.Heartbeat,
  ApiKey.LeaveGroup,
  ApiKey.OffsetCommit,
  ApiKey.OffsetFetch,
  ApiKey.ListOffsets,
  ApiKey.CreateTopics,
] as const;
/** kcat has no admin mode: librdkafka creates topics only through Metadata's auto-creation. */
const ADMIN_ONLY = new Set<number>([ApiKey.CreateTopics]);

/** Error codes that mean the broker did not understand a request a real client sent. */
const NOT_UNDERSTOOD = new Map<number, string>([
  [ErrorCode.UNKNOWN_SERVER_ERROR, 'UNKNOWN_SERVER_ERROR'],
  [ErrorCode.CORRUPT_MESSAGE, 'CORRUPT_MESSAGE'],
  [ErrorCode.UNSUPPORTED_VERSION, 'UNSUPPORTED_VERSION'],
  [ErrorCode.INVALID_REQUEST, 'INVALID_REQUEST'],
  [ErrorCode.INVALID_RECORD, 'INVALID_RECORD'],
  [ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'UNSUPPORTED_COMPRESSION_TYPE'],
]);

/** Every `errorCode` in a decoded response, with where it sits. */
function errorCodes(value: unknown, path = 'response'): { path: string; code: number }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => errorCodes(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => (k === 'errorCode' && typeof v === 'number' ? [{ path: `${path}.${k}`, code: v }] : errorCodes(v, `${path}.${k}`)));
}

const label = (f: CapturedFrame): string => `${f.client}:${f.api} v${f.apiVersion} (${f.session})`;

describe('frames captured from real clients', () => {
  it('the fixture is there, and covers a producer, a consumer group and an admin from KafkaJS and kcat', () => {
    assert.ok(existsSync(CAPTURED_FRAMES_PATH), `${CAPTURED_FRAMES_PATH} is missing: run npx tsx scripts/capture-fuzz-seeds.ts`);
    const { decoded } = loadCapturedFrames();
    const byClient = new Map(CAPTURE_CLIENTS.map((c) => [c, new Set(decoded.filter((f) => f.client === c).map((f) => f.apiKey))]));
    const missing: string[] = [];
    for (const apiKey of REQUIRED) {
      const name = apis.get(apiKey)!.name;
      const clients = CAPTURE_CLIENTS.filter((c) => byClient.get(c)!.has(apiKey));
      if (clients.length === 0) missing.push(`${name} from any client`);
      else if (!ADMIN_ONLY.has(apiKey)) for (const c of CAPTURE_CLIENTS) if (!clients.includes(c)) missing.push(`${name} from ${c}`);
    }
    assert.deepEqual(missing, []);
  });

  it('the fixture’s Produce requests carry record batches of every codec: none and gzip from KafkaJS, snappy, lz4 and zstd from kcat', () => {
    const codecs = new Set<string>();
    for (const f of loadCapturedFrames().decoded.filter((x) => x.apiKey === ApiKey.Produce)) {
      const request = ProduceRequest.read(parseRequest(f.frame.subarray(4)).body, f.apiVersion);
      for (const t of request.topicData) {
        for (const p of t.partitionData) {
          if (p.records !== null && p.records.length > RecordBatchField.attributes + 2) codecs.add(`${f.client}:${p.records.readInt16BE(RecordBatchField.attributes) & 0x7}`);
        }
      }
    }
    const { None, GZIP, Snappy, LZ4, ZSTD } = CompressionCodec;
    assert.deepEqual([...codecs].sort(), [`kafkajs:${None}`, `kafkajs:${GZIP}`, `kcat:${None}`, `kcat:${Snappy}`, `kcat:${LZ4}`, `kcat:${ZSTD}`].sort());
  });

  it('every captured frame is whole: its size prefix matches, its header names its API and version, and our codecs read its body to the last byte', () => {
    const problems: string[] = [];
    for (const f of loadCapturedFrames().decoded) {
      if (f.frame.readInt32BE(0) !== f.frame.length - 4) problems.push(`${label(f)}: size prefix ${f.frame.readInt32BE(0)}, ${f.frame.length - 4} bytes`);
      try {
        const { header, body } = parseRequest(f.frame.subarray(4));
        if (header.apiKey !== f.apiKey || header.apiVersion !== f.apiVersion) problems.push(`${label(f)}: header says ${header.apiKey} v${header.apiVersion}`);
        apis.get(f.apiKey)!.request.read(body, f.apiVersion);
        if (body.remaining !== 0) problems.push(`${label(f)}: ${body.remaining} bytes left over`);
      } catch (e) {
        problems.push(`${label(f)}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('the traffic recorder keeps every request verbatim, those a client sends after following Metadata to the leader included', async () => {
    const recorder = await startTrafficRecorder({ logLevel: 'error' });
    try {
      const kafka = new Kafka({ clientId: 'recorded', brokers: [recorder.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'recorded', acks: -1, messages: [{ key: 'k', value: 'through the relay' }] });
      await producer.disconnect();
      const produce = recorder.requests.filter((r) => r.apiKey === ApiKey.Produce && r.clientId === 'recorded');
      assert.equal(produce.length, 1, 'the Produce, sent to the leader Metadata named, went through the relay');
      const { header, body } = parseRequest(produce[0]!.frame.subarray(4));
      assert.equal(header.correlationId, produce[0]!.correlationId);
      assert.equal(produce[0]!.frame.readInt32BE(0), produce[0]!.frame.length - 4);
      const request = ProduceRequest.read(body, header.apiVersion);
      assert.equal(request.topicData[0]!.name, 'recorded');
      assert.deepEqual(recorder.unparsed, []);
    } finally {
      await recorder.close();
    }
  });

  describe('each one, replayed unchanged to a broker with the capture’s topics and groups, is answered', () => {
    let broker: RunningBroker;
    const { lines, logger } = recordingLogger();
    const fixture = existsSync(CAPTURED_FRAMES_PATH) ? loadCapturedFrames() : undefined;
    // Deletions last, so that the other frames meet the topics they name.
    const last = new Set<number>([ApiKey.DeleteTopics, ApiKey.DeleteRecords]);
    const frames = [...(fixture?.decoded ?? [])].sort((a, b) => Number(last.has(a.apiKey)) - Number(last.has(b.apiKey)));

    before(async () => {
      broker = await startBroker({ inMemory: true, port: 0, logger, properties: { 'group.initial.rebalance.delay.ms': 0 } });
      const kafka = new Kafka({ clientId: 'captured-frames-setup', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
      const admin = kafka.admin();
      await admin.connect();
      try {
        const topics = fixture?.topics ?? [];
        await admin.createTopics({ waitForLeaders: true, topics: topics.map((t) => ({ topic: t.name, numPartitions: t.partitions })) });
        const producer = kafka.producer();
        await producer.connect();
        for (const t of topics) {
          await producer.send({ topic: t.name, acks: -1, messages: Array.from({ length: 3 * t.partitions }, (_, i) => ({ partition: i % t.partitions, key: `k${i}`, value: `setup ${i}` })) });
        }
        await producer.disconnect();
        // The groups, empty, with offsets committed, as the capture left them (a simple commit:
        // generation -1, no member, as Kafka's admin tools do).
        const wire = await WireClient.connect(broker.port, 'captured-frames-setup');
        try {
          for (const groupId of fixture?.groups ?? []) {
            const topicsToCommit = topics.map((t) => ({ name: t.name, partitions: Array.from({ length: t.partitions }, (_, p) => ({ partitionIndex: p, committedOffset: 1n, committedMetadata: null })) }));
            const answer = await wire.request(OffsetCommitRequest, OffsetCommitResponse, 2, { groupId, generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: -1n, topics: topicsToCommit });
            assert.deepEqual(errorCodes(answer).filter((e) => e.code !== 0), [], `offsets committed for ${groupId}`);
          }
        } finally {
          wire.destroy();
        }
      } finally {
        await admin.disconnect();
      }
    });
    after(async () => {
      await broker.close();
    });

    for (const f of frames) {
      it(`${label(f)} is answered, with no error that means it was not understood`, async () => {
        const client = await WireClient.connect(broker.port);
        try {
          client.socket.write(f.frame);
          const response = await client.next();
          assert.ok(response, `the broker closed the connection instead of answering ${label(f)}`);
          const { correlationId, body } = parseResponse(response, f.apiKey, f.apiVersion, apis.get(f.apiKey)!.response);
          assert.equal(correlationId, f.correlationId);
          const refused = errorCodes(body).filter((e) => NOT_UNDERSTOOD.has(e.code));
          assert.deepEqual(
            refused.map((e) => `${e.path} = ${NOT_UNDERSTOOD.get(e.code)}`),
            [],
          );
        } finally {
          client.destroy();
        }
        assert.deepEqual(
          lines.filter((l) => l.startsWith('ERROR')),
          [],
          'no handler threw',
        );
      });
    }
  });
});
