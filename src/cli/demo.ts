/**
 * `tskafka demo [--brokers host:port] [--count N] [--topic T]`: the main job.
 *
 * Produces N order events (seed 000's production example: keyed by user id,
 * with headers) with the reliable profile (idempotent, acks all, zstd,
 * lingerMs 10), showing progress, then reads every partition back and prints
 * throughput, send latency, batching, compression, and "lost L, duplicated D"
 * computed from what was read. Without --brokers it starts the embedded broker
 * in this process; with it, it runs against any Kafka.
 */
import { Cluster } from '../client/cluster.js';
import { type KafkaConfig } from '../client/client-options.js';
import { logLevel } from '../client/logger.js';
import { startBroker } from '../broker/server.js';
import { Kafka } from '../kafka.js';
import { type RequestVersions } from '../network/api-versions.js';
import { FetchRequest } from '../protocol/generated/fetch-request.js';
import { FetchResponse } from '../protocol/generated/fetch-response.js';
import { ListOffsetsRequest } from '../protocol/generated/list-offsets-request.js';
import { ListOffsetsResponse } from '../protocol/generated/list-offsets-response.js';
import { decodeRecordBatches } from '../protocol/records/record-batch.js';

/** ListOffsets as readBack speaks it. Min 1: v0 answers a list of old-style offsets, not `offset`; v7-v9 add only timestamps never sent. */
const LIST_OFFSETS_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 9 });

/** Fetch as readBack speaks it. Min 4: record batches (magic 2), the only format decoded; topicId from v13, and v15-v17 change only follower fields. */
const FETCH_VERSIONS: RequestVersions = Object.freeze({ min: 4, max: 17 });

interface DemoOptions {
  brokers: string[] | null;
  count: number;
  topic: string;
  partitions: number;
}

function parseArgs(argv: readonly string[]): DemoOptions {
  const o: DemoOptions = { brokers: null, count: 1_000_000, topic: 'orders', partitions: 6 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--brokers') o.brokers = next().split(',');
    else if (arg === '--count') o.count = Number(next());
    else if (arg === '--topic') o.topic = next();
    else throw new Error(`unknown argument ${JSON.stringify(arg)}; usage: tskafka demo [--brokers host:port[,...]] [--count N] [--topic T]`);
  }
  if (!Number.isSafeInteger(o.count) || o.count < 1) throw new Error(`--count must be a positive integer, got ${o.count}`);
  return o;
}

/** Run the demo; resolves to an exit code (1 if anything was lost or duplicated). */
export async function demoCommand(argv: readonly string[], print: (line: string) => void): Promise<number> {
  const options = parseArgs(argv);
  const embedded = options.brokers ? null : await startBroker({ inMemory: true, port: 0, properties: { 'num.partitions': options.partitions } });
  const brokers = options.brokers ?? [embedded!.bootstrap];
  print(embedded ? `embedded broker (in memory) on ${embedded.bootstrap}` : `brokers: ${brokers.join(', ')}`);
  const config: KafkaConfig = { clientId: 'tskafka-demo', brokers, logLevel: logLevel.WARN };
  try {
    const kafka = new Kafka(config);
    // The reliable profile of seeds 000 and 004.
    const producer = kafka.producer({ idempotent: true, acks: -1, compression: 'zstd', lingerMs: 10, retry: { retries: Number.MAX_SAFE_INTEGER } });
    await producer.connect();
    const start = Date.now();
    let bytes = 0;
    // Waves of concurrent sends, each awaited: the producer batches a wave's records.
    const chunk = 10_000;
    let nextReport = 100_000;
    for (let sent = 0; sent < options.count; ) {
      const n = Math.min(chunk, options.count - sent);
      const sends = new Array<Promise<unknown>>(n);
      for (let i = 0; i < n; i++) {
        const seq = sent + i;
        const userId = `user-${seq % 10_000}`;
        const value = JSON.stringify({
          orderId: `order-${seq}`,
          userId,
          amount: Math.round(((seq * 7919) % 100_000) / 100 + 1),
          items: [{ productId: `prod-${String.fromCharCode(65 + (seq % 26))}`, quantity: 1 + (seq % 3), price: 149.99 }],
          timestamp: start + seq,
        });
        bytes += value.length;
        sends[i] = producer.send({
          topic: options.topic,
          messages: [{ key: userId, value, headers: { 'event-type': 'order-created', version: '1.0', source: 'order-service' } }],
        });
      }
      await Promise.all(sends);
      sent += n;
      if (sent >= nextReport || sent === options.count) {
        const s = (Date.now() - start) / 1000;
        print(`  produced ${sent.toLocaleString('en-US')} / ${options.count.toLocaleString('en-US')} (${Math.round(sent / s).toLocaleString('en-US')} records/s)`);
        nextReport += 100_000;
      }
    }
    const seconds = (Date.now() - start) / 1000;
    const m = producer.metrics();
    await producer.disconnect();
    print(
      `produced ${options.count.toLocaleString('en-US')} records in ${seconds.toFixed(2)} s: ${Math.round(options.count / seconds).toLocaleString('en-US')} records/s, ${(bytes / 1024 / 1024 / seconds).toFixed(1)} MB/s of values`,
    );
    print(
      `send latency p50 ${m.sendLatencyP50.toFixed(1)} ms, p99 ${m.sendLatencyP99.toFixed(1)} ms; ${m.recordsPerBatch.toFixed(1)} records per batch (${m.batchesSent.toLocaleString('en-US')} batches); zstd compression ratio ${m.compressionRatio.toFixed(2)}; ${m.retries} retries`,
    );

    const readStart = Date.now();
    const { records, lost, duplicated } = await readBack(config, options.topic, options.count);
    print(`read back ${records.toLocaleString('en-US')} records from every partition in ${((Date.now() - readStart) / 1000).toFixed(2)} s`);
    print(`lost ${lost}, duplicated ${duplicated}`);
    return lost === 0 && duplicated === 0 ? 0 : 1;
  } finally {
    await embedded?.close();
  }
}

/** Read every partition from its start and count each order: lost = never seen, duplicated = seen twice. */
async function readBack(config: KafkaConfig, topic: string, count: number): Promise<{ records: number; lost: number; duplicated: number }> {
  const cluster = new Cluster(config, { allowAutoTopicCreation: false });
  try {
    const metadata = await cluster.refreshMetadata([topic]);
    const seen = new Uint8Array(count);
    let records = 0;
    let duplicated = 0;
    for (const p of metadata.topic(topic)?.partitions ?? []) {
      const connection = await cluster.connectionFor(p.leaderId);
      const offsets = await connection.send(
        ListOffsetsRequest,
        ListOffsetsResponse,
        {
          replicaId: -1,
          topics: [{ name: topic, partitions: [{ partitionIndex: p.partitionId, timestamp: -1n, currentLeaderEpoch: -1 }] }],
        },
        { versions: LIST_OFFSETS_VERSIONS },
      );
      const end = Number(offsets.topics[0]!.partitions[0]!.offset);
      let offset = 0;
      while (offset < end) {
        const res = await connection.send(
          FetchRequest,
          FetchResponse,
          {
            replicaId: -1,
            maxWaitMs: 500,
            minBytes: 1,
            maxBytes: 32 * 1024 * 1024,
            isolationLevel: 0,
            topics: [{ topic, topicId: metadata.topic(topic)!.topicId, partitions: [{ partition: p.partitionId, fetchOffset: offset, partitionMaxBytes: 16 * 1024 * 1024, currentLeaderEpoch: -1, logStartOffset: -1 }] }],
          },
          { versions: FETCH_VERSIONS },
        );
        const part = res.responses[0]!.partitions[0]!;
        if (part.errorCode !== 0) throw new Error(`fetch ${topic}-${p.partitionId} at ${offset}: error ${part.errorCode}`);
        const batches = await decodeRecordBatches(part.records ?? Buffer.alloc(0));
        if (batches.length === 0) throw new Error(`fetch ${topic}-${p.partitionId} at ${offset} returned nothing before the end offset ${end}`);
        for (const b of batches) {
          for (const r of b.records) {
            if (r.offset < offset) continue;
            records++;
            const { orderId } = JSON.parse(r.value!.toString()) as { orderId: string };
            const seq = Number(orderId.slice('order-'.length));
            if (seen[seq]) duplicated++;
            else seen[seq] = 1;
          }
          offset = Math.max(offset, b.baseOffset + b.lastOffsetDelta + 1);
        }
      }
    }
    let lost = 0;
    for (let i = 0; i < count; i++) if (!seen[i]) lost++;
    return { records, lost, duplicated };
  } finally {
    await cluster.disconnect();
  }
}
