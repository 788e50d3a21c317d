/**
 * Capture request frames from real third-party clients for the broker's fuzz corpus.
 *
 *     npx tsx scripts/capture-fuzz-seeds.ts          # needs kcat on the PATH (apt-get install kcat)
 *
 * Starts an in-memory broker behind a recording relay (test/support/traffic-recorder.ts),
 * drives real sessions through it (KafkaJS producers, plain, gzip and idempotent; a KafkaJS
 * consumer group that joins, syncs, heartbeats, fetches, commits and leaves; a KafkaJS admin
 * that creates, describes, grows, trims and deletes topics and lists groups; kcat producers
 * with snappy, lz4 and zstd and an idempotent one; kcat -L, -Q, -C and a kcat -G balanced
 * consumer), and writes test/fixtures/captured-frames.json: each request verbatim (base64,
 * size prefix included) with its client, session (client id), API key and version, kept to
 * at most MAX_PER_VERSION frames per client, API key and version (see `dedupe`).
 *
 * Rerun it after upgrading KafkaJS or kcat, or when the broker serves a new API version a
 * client then picks; test/broker/e2e/captured-frames.test.ts says what the fixture must cover.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import { ApiKey, apis } from '../src/protocol/generated/api-keys.js';
import { CAPTURED_FRAMES_PATH, type CaptureClient, type CapturedFramesFile, type StoredFrame } from '../test/support/captured-frames.js';
import { eventually } from '../test/support/eventually.js';
import { KCAT, runKcat } from '../test/support/kcat.js';
import { type RecordedRequest, type TrafficRecorder, startTrafficRecorder } from '../test/support/traffic-recorder.js';

// KafkaJS is CommonJS: some of its exports are invisible to ESM's named imports.
const { CompressionTypes, ConfigResourceTypes, Kafka, logLevel } = kafkajs;

/** Frames kept per client, API key and version: enough variety (one per session), a small file. */
const MAX_PER_VERSION = 4;
const KAFKAJS_TOPIC = 'captured-kafkajs';
const KCAT_TOPIC = 'captured-kcat';
const ADMIN_TOPIC = 'captured-admin';
const KAFKAJS_GROUP = 'captured-kafkajs-group';
const KCAT_GROUP = 'captured-kcat-group';
const TOPICS = [
  { name: KAFKAJS_TOPIC, partitions: 3 },
  { name: KCAT_TOPIC, partitions: 3 },
  { name: ADMIN_TOPIC, partitions: 2 },
] as const;

const messages = (label: string) => Array.from({ length: 6 }, (_, i) => ({ key: `${label}-${i}`, value: `${label} value ${i} ${'abc'.repeat(i * 4)}`, headers: { origin: label } }));
const lines = (label: string) => Array.from({ length: 8 }, (_, i) => `${label}-${i}:${label} line ${i} ${'xyz'.repeat(i * 4)}`).join('\n') + '\n';

function sent(recorder: TrafficRecorder, clientId: string, apiKey: number): boolean {
  return recorder.requests.some((r) => r.clientId === clientId && r.apiKey === apiKey);
}

async function kafkajsSessions(recorder: TrafficRecorder): Promise<void> {
  const kafka = (clientId: string) => new Kafka({ clientId, brokers: [recorder.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });

  const admin = kafka('kafkajs-admin').admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: KAFKAJS_TOPIC, numPartitions: 3 },
      { topic: KCAT_TOPIC, numPartitions: 3 },
      { topic: ADMIN_TOPIC, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.ms', value: '86400000' }] },
    ],
  });
  await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: ADMIN_TOPIC }] });
  await admin.fetchTopicMetadata({ topics: [KAFKAJS_TOPIC, ADMIN_TOPIC] });
  await admin.createPartitions({ topicPartitions: [{ topic: ADMIN_TOPIC, count: 4 }] });

  for (const [session, options] of [
    ['kafkajs-producer', {}],
    ['kafkajs-producer-gzip', { compression: CompressionTypes.GZIP }],
    ['kafkajs-producer-idempotent', {}],
  ] as const) {
    const producer = kafka(session).producer(session.endsWith('idempotent') ? { idempotent: true, maxInFlightRequests: 1 } : {});
    await producer.connect();
    await producer.send({ topic: KAFKAJS_TOPIC, acks: -1, messages: messages(session), ...options });
    await producer.send({ topic: KAFKAJS_TOPIC, acks: -1, messages: messages(`${session}-again`), ...options });
    await producer.disconnect();
  }

  // Short waits and heartbeats so that one short session sends every group request.
  const consumer = kafka('kafkajs-consumer').consumer({ groupId: KAFKAJS_GROUP, maxWaitTimeInMs: 100, heartbeatInterval: 100, sessionTimeout: 6000 });
  let consumed = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [KAFKAJS_TOPIC], fromBeginning: true });
  await consumer.run({ autoCommitInterval: 100, eachMessage: async () => void consumed++ });
  await eventually('the KafkaJS consumer to read, heartbeat and commit', () =>
    consumed >= 36 && sent(recorder, 'kafkajs-consumer', ApiKey.Heartbeat) && sent(recorder, 'kafkajs-consumer', ApiKey.OffsetCommit) ? true : undefined, 30_000);
  await consumer.disconnect();

  await admin.listGroups();
  await admin.describeGroups([KAFKAJS_GROUP]);
  await admin.fetchOffsets({ groupId: KAFKAJS_GROUP, topics: [KAFKAJS_TOPIC] });
  await admin.fetchTopicOffsets(KAFKAJS_TOPIC);
  await admin.fetchTopicOffsetsByTimestamp(KAFKAJS_TOPIC, Date.now() - 60_000);
  await admin.deleteTopicRecords({ topic: KAFKAJS_TOPIC, partitions: [{ partition: 0, offset: '1' }] });
  await admin.deleteTopics({ topics: [ADMIN_TOPIC] });
  await admin.disconnect();
}

async function kcatSessions(recorder: TrafficRecorder): Promise<void> {
  const kcat = async (clientId: string, args: readonly string[], input?: string): Promise<void> => {
    const r = await runKcat(['-b', recorder.bootstrap, '-X', `client.id=${clientId}`, ...args], input === undefined ? {} : { input });
    if (r.code !== 0) throw new Error(`kcat ${clientId} exited ${r.code ?? r.signal}: ${r.stderr}`);
  };
  await kcat('kcat-metadata', ['-L']);
  for (const codec of ['snappy', 'lz4', 'zstd'] as const) {
    await kcat(`kcat-producer-${codec}`, ['-P', '-t', KCAT_TOPIC, '-z', codec, '-K:', '-X', 'acks=all', '-X', 'linger.ms=20'], lines(codec));
  }
  await kcat('kcat-producer-idempotent', ['-P', '-t', KCAT_TOPIC, '-K:', '-X', 'enable.idempotence=true', '-X', 'linger.ms=20'], lines('idempotent'));
  await kcat('kcat-consumer', ['-C', '-t', KCAT_TOPIC, '-o', 'beginning', '-e', '-X', 'fetch.wait.max.ms=100']);
  await kcat('kcat-query', ['-Q', '-t', `${KCAT_TOPIC}:0:${Date.now() - 60_000}`]);

  // A balanced consumer runs until told to stop: stopped with SIGINT once it has heartbeated
  // and committed, it leaves the group as librdkafka closes.
  const clientId = 'kcat-balanced-consumer';
  const child = spawn(
    KCAT,
    ['-b', recorder.bootstrap, '-X', `client.id=${clientId}`, '-G', KCAT_GROUP, '-X', 'auto.offset.reset=earliest', '-X', 'heartbeat.interval.ms=100', '-X', 'auto.commit.interval.ms=100', '-X', 'fetch.wait.max.ms=100', KCAT_TOPIC],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    await eventually(`kcat -G to heartbeat and commit (${stderr})`, () => (sent(recorder, clientId, ApiKey.Heartbeat) && sent(recorder, clientId, ApiKey.OffsetCommit) ? true : undefined), 30_000);
  } finally {
    child.kill('SIGINT');
  }
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(killer);
  if (!sent(recorder, clientId, ApiKey.LeaveGroup)) console.warn('kcat -G left without a LeaveGroup');
}

function clientOf(clientId: string | null): CaptureClient | undefined {
  if (clientId?.startsWith('kafkajs-')) return 'kafkajs';
  if (clientId?.startsWith('kcat-')) return 'kcat';
  return undefined;
}

/**
 * Per client, API key and version, up to MAX_PER_VERSION frames: first the first frame of each
 * session, then, while there is room, frames of a length not kept yet (a JoinGroup with its
 * member id after the one without, a Fetch from a later offset).
 */
function dedupe(requests: readonly RecordedRequest[]): StoredFrame[] {
  const kept = new Map<string, { stored: StoredFrame; length: number }[]>();
  const candidates = requests.flatMap((r) => {
    const client = clientOf(r.clientId);
    return client ? [{ r, client, key: `${client}/${r.apiKey}/${r.apiVersion}` }] : [];
  });
  const keep = (c: (typeof candidates)[number]): void => {
    const list = kept.get(c.key) ?? [];
    const { r, client } = c;
    list.push({ stored: { client, session: r.clientId!, api: apis.get(r.apiKey)?.name ?? `api-${r.apiKey}`, apiKey: r.apiKey, apiVersion: r.apiVersion, frame: r.frame.toString('base64') }, length: r.frame.length });
    kept.set(c.key, list);
  };
  for (const c of candidates) {
    const list = kept.get(c.key) ?? [];
    if (list.length < MAX_PER_VERSION && !list.some((k) => k.stored.session === c.r.clientId)) keep(c);
  }
  for (const c of candidates) {
    const list = kept.get(c.key) ?? [];
    if (list.length < MAX_PER_VERSION && !list.some((k) => k.length === c.r.frame.length)) keep(c);
  }
  return [...kept.values()]
    .flat()
    .map((k) => k.stored)
    .sort((a, b) => a.client.localeCompare(b.client) || a.apiKey - b.apiKey || a.apiVersion - b.apiVersion);
}

async function main(): Promise<void> {
  if (KCAT === '') throw new Error('kcat is not installed (apt-get install kcat)');
  const recorder = await startTrafficRecorder({ logLevel: 'error', properties: { 'group.initial.rebalance.delay.ms': 0, 'num.partitions': 3 } });
  try {
    await kafkajsSessions(recorder);
    await kcatSessions(recorder);
    await sleep(200);
  } finally {
    await recorder.close();
  }
  if (recorder.unparsed.length > 0) console.warn(`${recorder.unparsed.length} frames with an unparsable header (not stored)`);

  const require = createRequire(import.meta.url);
  const kafkajsVersion = (JSON.parse(readFileSync(require.resolve('kafkajs/package.json'), 'utf8')) as { version: string }).version;
  const kcatVersion = await new Promise<string>((resolve) => {
    const child = spawn(KCAT, ['-V'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('close', () => resolve(/Version ([^\s]+).*librdkafka ([^\s]+)/.exec(out)?.slice(1).join(', librdkafka ') ?? 'unknown'));
  });
  const file: CapturedFramesFile = {
    comment: 'Request frames from real clients talking to our broker, for the fuzz corpus. Generated by scripts/capture-fuzz-seeds.ts: do not edit by hand.',
    clients: { kafkajs: kafkajsVersion, kcat: kcatVersion },
    topics: TOPICS,
    groups: [KAFKAJS_GROUP, KCAT_GROUP],
    frames: dedupe(recorder.requests),
  };
  mkdirSync(dirname(CAPTURED_FRAMES_PATH), { recursive: true });
  writeFileSync(CAPTURED_FRAMES_PATH, JSON.stringify(file, null, 1) + '\n');
  const bytes = file.frames.reduce((n, f) => n + Buffer.from(f.frame, 'base64').length, 0);
  console.log(`${recorder.requests.length} requests recorded; ${file.frames.length} frames (${bytes} bytes) kept in ${CAPTURED_FRAMES_PATH}`);
  for (const f of file.frames) console.log(`  ${f.client.padEnd(8)} ${`${f.api} v${f.apiVersion}`.padEnd(24)} ${f.session}`);
}

await main();
