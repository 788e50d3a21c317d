/**
 * The tutorials' producer examples (examples/seed-*.ts) run as they are, each
 * in its own Node process against an embedded broker started here, with
 * KAFKA_BROKERS pointing at it. Each must exit with code 0, print no error,
 * and leave in the broker's logs exactly the records it says it sends. Most
 * examples catch and print their errors, so the exit code alone proves little:
 * the logs are the evidence.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { CompressionCodec } from '../../src/protocol/records/compression.js';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.js';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

/** One record as stored, with what its batch says about how it was produced. */
interface StoredRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  compression: number;
  producerId: number;
}

interface ExampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every topic's records, by topic name. */
  topics: Map<string, StoredRecord[]>;
}

async function readTopics(running: RunningBroker): Promise<Map<string, StoredRecord[]>> {
  const topics = new Map<string, StoredRecord[]>();
  for (const topic of running.broker.topics.list()) {
    if (topic.isInternal()) continue;
    const records: StoredRecord[] = [];
    for (const partition of topic.partitions) {
      const log = partition.log;
      let offset = log.logStartOffset;
      while (offset < log.logEndOffset) {
        const batches = await decodeRecordBatches(log.read(offset, 1024 * 1024, log.logEndOffset).records);
        assert.ok(batches.length > 0);
        for (const batch of batches) {
          for (const r of batch.records) {
            if (r.offset < offset) continue;
            records.push({
              partition: partition.index,
              offset: r.offset,
              key: r.key?.toString() ?? null,
              value: r.value?.toString() ?? null,
              headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value?.toString() ?? ''])),
              compression: batch.compression,
              producerId: batch.producerId,
            });
          }
          offset = batch.baseOffset + batch.lastOffsetDelta + 1;
        }
      }
    }
    topics.set(topic.name, records);
  }
  return topics;
}

/**
 * Start a broker, create `partitions` topics up front (others are created
 * automatically), run `examples/<file>` with KAFKA_BROKERS set, and read back
 * every topic. The broker runs in this process: the child is spawned
 * asynchronously, so the broker keeps serving while we wait.
 */
async function runExample(file: string, partitions: Record<string, number> = {}, timeoutMs = 120_000): Promise<ExampleRun> {
  const running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
  try {
    for (const [topic, count] of Object.entries(partitions)) await running.broker.topics.create(topic, count, new Map());
    const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_BROKERS: running.bootstrap };
    // The production template reads these; the examples must not pick up the caller's.
    for (const name of ['KAFKA_CLIENT_ID', 'KAFKA_LOG_LEVEL', 'KAFKA_SSL', 'KAFKA_USERNAME', 'KAFKA_PASSWORD', 'KAFKA_BATCH_SIZE', 'KAFKA_LINGER_MS', 'NODE_TEST_CONTEXT']) delete env[name];
    const child = spawn(process.execPath, ['--import', 'tsx', join('examples', file)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    });
    clearTimeout(timer);
    return { code, stdout, stderr, topics: await readTopics(running) };
  } finally {
    await running.close();
  }
}

/** Exit code 0 and no error printed (the examples print errors with ❌ and carry on). */
function assertClean(run: ExampleRun): void {
  const output = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.code, 0, `exit code 0\n${output}`);
  assert.ok(!output.includes('❌'), `no error printed:\n${output}`);
}

const values = (records: StoredRecord[] | undefined): (string | null)[] => (records ?? []).map((r) => r.value);
const range = (n: number, label: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => label(i));

describe('the tutorials’ producer examples, run against the embedded broker', { concurrency: 4 }, () => {
  it(
    'seed-000-acks-comparison: 100 messages each with acks 0, 1 and all',
    async () => {
      const run = await runExample('seed-000-acks-comparison.ts');
      assertClean(run);
      const messages = range(100, (i) => `Message ${i}`);
      assert.deepEqual(values(run.topics.get('test-acks')), [...messages, ...messages, ...messages]);
    },
  );

  it('seed-000-retry-config: one message with client and producer retry options', async () => {
    const run = await runExample('seed-000-retry-config.ts');
    assertClean(run);
    assert.match(run.stdout, /✅ 消息已發送/);
    assert.deepEqual(values(run.topics.get('test-retry')), ['Test message with retry']);
  });

  it('seed-000-idempotent-producer: one order, written by an idempotent producer', async () => {
    const run = await runExample('seed-000-idempotent-producer.ts');
    assertClean(run);
    const [order, ...more] = run.topics.get('orders') ?? [];
    assert.equal(more.length, 0);
    assert.equal(order?.key, 'order-123');
    assert.deepEqual(JSON.parse(order!.value!), { orderId: 'order-123', amount: 99.99, status: 'pending' });
    assert.ok(order!.producerId >= 0, 'the batch carries a producer id');
  });

  it('seed-000-compression: the same document once per codec, each batch compressed with it', async () => {
    const run = await runExample('seed-000-compression.ts');
    assertClean(run);
    const records = run.topics.get('test-compression') ?? [];
    assert.deepEqual(
      records.map((r) => r.compression),
      [CompressionCodec.None, CompressionCodec.GZIP, CompressionCodec.Snappy, CompressionCodec.LZ4, CompressionCodec.ZSTD],
    );
    for (const r of records) {
      const document = JSON.parse(r.value!) as { data: { id: number; email: string }[] };
      assert.equal(document.data.length, 1000);
      assert.equal(document.data[999]!.email, 'user999@example.com');
    }
  });

  it('seed-000-custom-partitioner: VIP keys and user-id ranges reach the partitions the partitioner picks', async () => {
    const run = await runExample('seed-000-custom-partitioner.ts', { users: 3 });
    assertClean(run);
    const placed = (run.topics.get('users') ?? []).map((r) => [r.key, r.partition]);
    assert.deepEqual(placed, [
      ['vip-user-1', 0],
      ['user-500', 0],
      ['user-5000', 1],
      ['user-50000', 2],
    ]);
  });

  it('seed-000-production-config: one order event with headers, idempotent and zstd', async () => {
    const run = await runExample('seed-000-production-config.ts');
    assertClean(run);
    const [order, ...more] = run.topics.get('orders') ?? [];
    assert.equal(more.length, 0);
    assert.equal(order?.key, 'user-12345');
    const value = JSON.parse(order!.value!) as { userId: string; amount: number };
    assert.equal(value.userId, 'user-12345');
    assert.equal(value.amount, 299.99);
    assert.equal(order!.headers['event-type'], 'order-created');
    assert.equal(order!.headers.version, '1.0');
    assert.equal(order!.headers.source, 'order-service');
    assert.match(order!.headers.timestamp ?? '', /^\d{13}$/);
    assert.equal(order!.compression, CompressionCodec.ZSTD);
    assert.ok(order!.producerId >= 0, 'idempotent');
  });

  it('seed-001-error-handling: the valid message is sent, the empty one refused before sending', async () => {
    const run = await runExample('seed-001-error-handling.ts');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /✅ 消息發送成功/);
    assert.match(run.stderr, /❌ 發送失敗: 消息 value 不能為空/);
    assert.match(run.stdout, /捕獲到錯誤，程序繼續運行/);
    assert.ok(!run.stderr.includes('致命錯誤'), run.stderr);
    const records = run.topics.get('test-topic') ?? [];
    assert.equal(records.length, 1);
    assert.equal(records[0]!.key, 'user-1');
    assert.equal((JSON.parse(records[0]!.value!) as { action: string }).action, 'login');
  });

  it('seed-001-batching: 50 messages one by one, then 50 in one send, in order', async () => {
    const run = await runExample('seed-001-batching.ts');
    assertClean(run);
    assert.deepEqual(values(run.topics.get('test-topic')), range(100, (i) => `Message ${i}`));
  });

  it('seed-001-async-sending: sequential, parallel and fire-and-forget sends all arrive; disconnect sends what is pending', async () => {
    const run = await runExample('seed-001-async-sending.ts');
    assertClean(run);
    const stored = values(run.topics.get('test')) as string[];
    assert.equal(stored.length, 300);
    assert.deepEqual(stored.slice(0, 100), range(100, (i) => `sequential ${i}`), 'awaited one by one: in order');
    assert.deepEqual(stored.slice(100).filter((v) => v.startsWith('parallel')).sort(), range(100, (i) => `parallel ${i}`).sort());
    // One send of 100 messages to a one-partition topic: one batch, in order.
    assert.deepEqual(stored.filter((v) => v.startsWith('fire-and-forget')), range(100, (i) => `fire-and-forget ${i}`));
  });

  it('seed-001-production-template: configuration from the environment, one order with headers', async () => {
    const run = await runExample('seed-001-production-template.ts');
    assertClean(run);
    assert.match(run.stdout, /✅ 優雅關閉完成/);
    const [order, ...more] = run.topics.get('orders') ?? [];
    assert.equal(more.length, 0);
    assert.equal(order?.key, 'order-123');
    assert.equal(order!.headers['event-type'], 'order-created');
    assert.equal(order!.headers['producer-id'], 'my-app');
    assert.match(order!.headers['produced-at'] ?? '', /^\d{13}$/);
    assert.equal(order!.compression, CompressionCodec.ZSTD);
  });
});
