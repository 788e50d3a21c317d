/**
 * Regression ("the embedded broker holds under attack, faults and load", item 9), the
 * memory: the decompression budget was per request, so 16 clients each sending a gzip bomb
 * at once (a ~100 KB batch whose records expand past 100 MiB) expanded side by side and took
 * the broker to 1.6 GB RSS. Now one budget of decompressed bytes (socket.request.max.bytes)
 * serves the whole broker: the bombs expand one after another, each is refused with
 * INVALID_RECORD, and the peak stays far below 16 expansions. The broker runs in a child
 * process, so its RSS is its own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { CreateTopicsRequest, CreateTopicsResponse, ProduceRequest, ProduceResponse } from '../../src/protocol/generated/index.js';
import { CompressionCodec } from '../../src/protocol/records/compression.js';
import { encodeRecordBatch } from '../../src/protocol/records/record-batch.js';
import { type BrokerChild, startBrokerChild } from '../support/broker-child.js';
import { canMeasurePeakRss, peakRssBytes } from '../support/peak-rss.js';
import { RawClient } from '../broker/groups/raw-client.js';

const MiB = 1024 * 1024;
const BOMBS = 16;
const TOPIC = 'bombed';
/** The broker's baseline (~100 MB), one expansion of at most socket.request.max.bytes (100 MiB), and slack; never 16 expansions. */
const PEAK_RSS_LIMIT = 512 * MiB;

describe('concurrent decompression bombs', { skip: !canMeasurePeakRss && 'needs /proc (Linux) to read the peak RSS' }, () => {
  let broker: BrokerChild;
  const clients: RawClient[] = [];

  before(async () => {
    broker = await startBrokerChild(['--in-memory', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--log-level', 'error'], 60_000);
    const admin = await RawClient.connect(broker.port, 'admin');
    clients.push(admin);
    const created = await admin.send(CreateTopicsRequest, CreateTopicsResponse, 5, { topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 10_000 });
    assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
  });

  after(async () => {
    for (const c of clients) c.close();
    await broker?.stop('SIGKILL');
  });

  it(`${BOMBS} gzip bombs sent at once are each refused with INVALID_RECORD, and the broker's peak RSS stays under ${PEAK_RSS_LIMIT / MiB} MB`, async (t) => {
    // 101 records of 1 MiB of zeros: past the default socket.request.max.bytes (100 MiB) once expanded.
    const bomb = await encodeRecordBatch({ compression: CompressionCodec.GZIP, records: Array.from({ length: 101 }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(MiB) })) });
    t.diagnostic(`each bomb is a ${(bomb.length / 1024).toFixed(0)} KB batch`);
    const bombers = await Promise.all(Array.from({ length: BOMBS }, (_, i) => RawClient.connect(broker.port, `bomber-${i}`)));
    clients.push(...bombers);
    const answers = await Promise.all(
      bombers.map((c) => c.send(ProduceRequest, ProduceResponse, 9, { acks: -1, timeoutMs: 120_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: bomb }] }] })),
    );
    const peak = peakRssBytes(broker.child.pid!);
    t.diagnostic(`broker peak RSS ${(peak / MiB).toFixed(0)} MB`);
    for (const a of answers) assert.equal(a.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.INVALID_RECORD);
    assert.ok(peak < PEAK_RSS_LIMIT, `the broker's RSS reached ${(peak / MiB).toFixed(0)} MB`);
  });
});
