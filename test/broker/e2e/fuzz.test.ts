/**
 * Fuzzing the broker over raw sockets: a few thousand seeded cases of random
 * and mutated request frames (flipped bytes, truncations, lying and huge size
 * prefixes, unknown API keys, unsupported versions, garbage after the body,
 * pipelined frames, record batches damaged behind a valid CRC), made from our
 * own encoders' frames and from frames captured from KafkaJS and kcat
 * (test/fixtures/captured-frames.json). Afterwards the
 * broker must still be up, serve a normal client, and have lost nothing it had
 * acknowledged; nothing may have escaped as an uncaught exception or an
 * unhandled rejection, and no handler may have thrown.
 *
 * The seed is printed; rerun one with FUZZ_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import { type Socket, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { murmur2Partition } from '../../../src/protocol/murmur2.js';
import { type BrokerLogger } from '../../../src/broker/logger.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { allHandlers } from '../../../src/broker/handlers/index.js';
import { eventually } from '../../support/eventually.js';
import { parseResponse } from '../../../src/protocol/framing.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ProduceRequest } from '../../../src/protocol/generated/produce-request.js';
import { ProduceResponse } from '../../../src/protocol/generated/produce-response.js';
import { CompressionCodec } from '../../../src/protocol/records/compression.js';
import { CAPTURE_CLIENTS, loadCapturedFrames } from '../../support/captured-frames.js';
import { type FuzzCase, Random, type ServedApi, buildTemplates, encodeRequest, fuzzCase, undecodableBatch } from '../../support/fuzz-frames.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20240611);
const CASES = Number(process.env['FUZZ_CASES'] ?? 5_000);
/** The fuzzing stops after this long even if cases remain (FUZZ_BUDGET_MS; `npm run reliability` runs all 100,000). */
const BUDGET_MS = Number(process.env['FUZZ_BUDGET_MS'] ?? 15_000);
const PARALLEL = 16;
/** How long a case waits for the broker when nothing in particular is expected. */
const IDLE_MS = 30;
/** How long a case waits for an answer or a close the broker owes (long: 16 cases at once on a loaded machine). */
const OWED_MS = 15_000;
/** However slow the machine, at least this many cases run (past BUDGET_MS if need be, up to MAX_MS). */
const MIN_CASES = Math.min(CASES, 1_000);
const MAX_MS = 180_000;
const MAX_FRAME_BYTES = 1024 * 1024;

interface Outcome {
  readonly closedByBroker: boolean;
  /** The first response frame (without its size prefix), if one arrived. */
  readonly response: Buffer | null;
}

/** Write a case's chunks on a fresh connection and watch what the broker does. */
function runCase(port: number, c: FuzzCase): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let response: Buffer | null = null;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedByBroker: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ closedByBroker, response });
    };
    const wait = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), ms);
    };
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      if (response === null && received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        response = received.subarray(4, 4 + received.readInt32BE(0));
        // What was owed has arrived; stay a moment to see whether the broker closes after it.
        if (c.expect.kind === 'answer') wait(IDLE_MS);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
    socket.on('connect', async () => {
      for (const [i, chunk] of c.chunks.entries()) {
        if (i > 0) await new Promise((r) => setImmediate(r));
        if (socket.destroyed) return;
        socket.write(chunk);
      }
      wait(c.expect.kind === 'any' ? IDLE_MS : OWED_MS);
    });
  });
}

describe('the broker under fuzzed frames', () => {
  let broker: RunningBroker;
  const escaped: string[] = [];
  const handlerErrors: string[] = [];
  let closedConnections = 0;
  const onUncaught = (e: unknown): void => void escaped.push(`uncaughtException: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  const onRejection = (e: unknown): void => void escaped.push(`unhandledRejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  const logger: BrokerLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m) => {
      if (m.startsWith('closing connection')) closedConnections++;
    },
    error: (m, f) => void handlerErrors.push(`${m} ${JSON.stringify(f ?? {})}`),
  };
  let kafka: Kafka;
  const acknowledged: { partition: number; offset: number; value: string }[] = [];

  before(async () => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onRejection);
    broker = await startBroker({ inMemory: true, port: 0, logger, properties: { 'socket.request.max.bytes': MAX_FRAME_BYTES, 'num.partitions': 2, 'log.cleaner.backoff.ms': 200, 'log.retention.check.interval.ms': 200 } });
    kafka = new Kafka({ clientId: 'e2e-fuzz', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
  });
  after(async () => {
    await broker.close();
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onRejection);
  });

  it('acknowledges records before the fuzzing', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: 'precious', numPartitions: 3 },
        { topic: 'fuzz', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact,delete' }, { name: 'segment.bytes', value: '4096' }] },
        { topic: 'fuzz-sink', numPartitions: 1 },
        { topic: 'validated', numPartitions: 1 },
        // The topics frames captured from real clients name, so that those reach the handlers' depths.
        ...loadCapturedFrames().topics.map((t) => ({ topic: t.name, numPartitions: t.partitions })),
      ],
    });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    for (let i = 0; i < 20; i++) {
      const messages = Array.from({ length: 50 }, (_, j) => ({ key: `k${i * 50 + j}`, value: `precious ${i * 50 + j}` }));
      for (const m of await producer.send({ topic: 'precious', acks: -1, messages })) {
        // One batch per partition: its records follow the base offset in send order.
        const sent = messages.filter((msg) => murmur2Partition(msg.key, 3) === m.partition);
        sent.forEach((msg, j) => acknowledged.push({ partition: m.partition, offset: Number(m.baseOffset) + j, value: msg.value }));
      }
    }
    await producer.disconnect();
    assert.equal(acknowledged.length, 1_000);
  });

  it(`survives ${CASES} random and mutated frames (seed ${SEED})`, async () => {
    console.log(`fuzz seed ${SEED} (rerun with FUZZ_SEED=${SEED})`);
    const served: ServedApi[] = allHandlers.map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }));
    const templates = await buildTemplates(served, 'fuzz', broker.broker.topics.get('fuzz')!.topicId, 'fuzz-sink');
    assert.ok(templates.requests.length > 80, `${templates.requests.length} templates`);
    const random = new Random(SEED);
    const cases = Array.from({ length: CASES }, () => fuzzCase(random, templates, served, MAX_FRAME_BYTES));

    const kinds = new Map<string, { n: number; closed: number; answered: number }>();
    const broken: string[] = [];
    const started = Date.now();
    let next = 0;
    let ran = 0;
    let captured = 0;
    const worker = async (): Promise<void> => {
      const more = (): boolean => Date.now() - started < BUDGET_MS || (next < MIN_CASES && Date.now() - started < MAX_MS);
      while (next < cases.length && more()) {
        const index = next++;
        const c = cases[index]!;
        const outcome = await runCase(broker.port, c);
        ran++;
        if (CAPTURE_CLIENTS.some((client) => c.source.startsWith(`${client}:`))) captured++;
        const k = kinds.get(c.kind) ?? { n: 0, closed: 0, answered: 0 };
        k.n++;
        if (outcome.closedByBroker) k.closed++;
        if (outcome.response) k.answered++;
        kinds.set(c.kind, k);
        const where = `case ${index} (${c.kind} of ${c.source})`;
        if (c.expect.kind === 'close' && !(outcome.closedByBroker && outcome.response === null)) {
          broken.push(`${where}: expected the connection closed without an answer; closed=${outcome.closedByBroker} answered=${outcome.response !== null}`);
        }
        if (c.expect.kind === 'answer') {
          const r = outcome.response;
          if (r === null || r.readInt32BE(0) !== c.expect.correlationId) {
            broken.push(`${where}: expected an answer to correlation id ${c.expect.correlationId}, got ${r === null ? 'none' : r.readInt32BE(0)} (closed=${outcome.closedByBroker})`);
          } else if (c.expect.errorCode !== undefined && r.readInt16BE(4) !== c.expect.errorCode) {
            broken.push(`${where}: expected error code ${c.expect.errorCode}, got ${r.readInt16BE(4)}`);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    const seconds = (Date.now() - started) / 1000;
    console.log(`${ran} cases in ${seconds.toFixed(1)} s; broker closed ${closedConnections} connections`);
    console.log(`  ${captured} cases made from frames captured from real clients`);
    for (const [kind, k] of [...kinds].sort()) console.log(`  ${kind.padEnd(24)} ${String(k.n).padStart(5)} cases, ${String(k.closed).padStart(5)} closed by the broker, ${String(k.answered).padStart(5)} answered`);

    assert.ok(ran >= MIN_CASES, `at least ${MIN_CASES} cases ran (${ran})`);
    assert.deepEqual(broken, []);
    assert.deepEqual(escaped, [], 'nothing escaped as an uncaught exception or unhandled rejection');
    assert.deepEqual(handlerErrors, [], 'no handler threw');
    // Every fuzz connection is gone from the broker's books, within the broker's own bounds (a
    // connection busy with a long-poll Fetch, capped at 30 s, or a started frame,
    // socket.request.read.timeout.ms, sees its client's close only after that), but those still
    // inside a JoinGroup: it waits for the group's known members up to its rebalance timeout, as in
    // Kafka (fuzzed ones reach minutes), and its connection goes when it ends.
    const lingering = (): string[] => [...broker.broker.connections].filter((c) => c.handling !== ApiKey.JoinGroup).map((c) => (c.handling === null ? 'idle' : `handling API ${c.handling}`));
    await eventually('the broker to drop every fuzz connection', () => (lingering().length === 0 ? true : undefined), 90_000).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}; still open: ${lingering().join(', ')}`);
    });
  });

  it('still serves a normal client, with every record acknowledged before the fuzzing intact', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets('precious');
      assert.equal(
        offsets.reduce((sum, p) => sum + Number(p.high), 0),
        1_000,
      );
      const stored = new Map<string, string>();
      const consumer = kafka.consumer({ groupId: 'after-fuzz', maxWaitTimeInMs: 100 });
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: ['precious'], fromBeginning: true });
        await consumer.run({ eachMessage: async ({ partition, message }) => void stored.set(`${partition}@${message.offset}`, message.value!.toString()) });
        await eventually('all 1,000 precious records', () => (stored.size >= 1_000 ? true : undefined), 30_000);
      } finally {
        await consumer.disconnect();
      }
      assert.equal(stored.size, 1_000);
      for (const a of acknowledged) assert.equal(stored.get(`${a.partition}@${a.offset}`), a.value, `${a.partition}@${a.offset}`);

      const producer = kafka.producer();
      await producer.connect();
      const [meta] = await producer.send({ topic: 'after-fuzz', acks: -1, messages: [{ partition: 0, value: 'still here' }] });
      await producer.disconnect();
      assert.equal(meta!.baseOffset, '0');
    } finally {
      await admin.disconnect();
    }
    assert.deepEqual(escaped, []);
    assert.deepEqual(handlerErrors, []);
  });

  it(
    'refuses a record batch whose records do not decode behind a valid CRC, as Kafka’s LogValidator does',
    async () => {
      for (const compression of [CompressionCodec.None, CompressionCodec.GZIP]) {
        const records = await undecodableBatch(compression);
        const { frame, correlationId } = encodeRequest(ProduceRequest, ApiKey.Produce, 9, { acks: -1, timeoutMs: 1000, topicData: [{ name: 'validated', partitionData: [{ index: 0, records }] }] });
        const outcome = await runCase(broker.port, { kind: 'undecodable', source: 'Produce v9', chunks: [frame], expect: { kind: 'answer', correlationId } });
        assert.ok(outcome.response, 'answered');
        const { body } = parseResponse(outcome.response, ApiKey.Produce, 9, ProduceResponse);
        const errorCode = body.responses[0]!.partitionResponses[0]!.errorCode;
        // CORRUPT_MESSAGE (2) or INVALID_RECORD (87), as Kafka answers.
        assert.ok(errorCode === 2 || errorCode === 87, `codec ${compression}: expected CORRUPT_MESSAGE or INVALID_RECORD, got error code ${errorCode}`);
      }
    },
  );
});
