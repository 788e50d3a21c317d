/**
 * Write back-pressure: a client that pipelines Fetch requests and never reads
 * its answers made the broker answer every one into its socket's write buffer
 * (680 MB in 4 s). As Kafka, which unmutes a channel only once its response is
 * sent, the broker now reads a connection's next request only when the answers
 * written so far have drained: a client that does not read stops being read
 * from, and costs the broker one answer, not one per request. Nothing is lost:
 * once the client reads, every answer comes, in order.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { type Connection } from '../../../src/broker/connection.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { CreateTopicsRequest, CreateTopicsResponse, FetchRequest, FetchResponse, MetadataRequest, MetadataResponse, ProduceRequest, ProduceResponse } from '../../../src/protocol/generated/index.js';
import { encodeRecordBatch } from '../../../src/protocol/records/record-batch.js';
import { type BrokerChild, startBrokerChild } from '../../support/broker-child.js';
import { eventually } from '../../support/eventually.js';
import { encodeRequest } from '../../support/fuzz-frames.js';
import { canMeasurePeakRss, peakRssBytes, rssBytes } from '../../support/peak-rss.js';
import { WireClient } from '../../support/wire-client.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const TOPIC = 'fetched';
/** The aim for every attack with default limits: the broker's own ~100-150 MB, and room to spare. */
const PEAK_RSS_LIMIT = 512 * MiB;

/** `count` Fetch v12 requests for the whole partition (up to `bytes`), back to back in one buffer. */
function pipelinedFetches(count: number, bytes: number, topicId: string): { frames: Buffer; correlationIds: number[] } {
  const frames: Buffer[] = [];
  const correlationIds: number[] = [];
  for (let i = 0; i < count; i++) {
    const { frame, correlationId } = encodeRequest(FetchRequest, ApiKey.Fetch, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: bytes,
      topics: [{ topic: TOPIC, topicId, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: bytes, logStartOffset: -1n }] }],
    });
    frames.push(frame);
    correlationIds.push(correlationId);
  }
  return { frames: Buffer.concat(frames), correlationIds };
}

/** Append `bytes` of records in batches of 256 KiB (under message.max.bytes). */
async function fill(client: WireClient, bytes: number): Promise<void> {
  for (let done = 0; done < bytes; done += 256 * KiB) {
    const records = await encodeRecordBatch({ records: [{ key: `k${done}`, value: Buffer.alloc(256 * KiB - 100, 1) }] });
    const produced = await client.request(ProduceRequest, ProduceResponse, 9, { acks: -1, timeoutMs: 30_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] });
    assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  }
}

describe('write back-pressure', () => {
  let broker: RunningBroker | undefined;
  let child: BrokerChild | undefined;
  const clients: WireClient[] = [];
  after(async () => {
    for (const c of clients) c.destroy();
    await broker?.close();
    await child?.stop('SIGKILL');
  });

  it('a client that pipelines Fetches and never reads stops being read from: the broker holds one answer, and all of them come, in order, once it reads', async () => {
    broker = await startBroker({ inMemory: true, port: 0, logLevel: 'error' });
    await broker.broker.topics.create(TOPIC, 1, new Map());
    const producer = await WireClient.connect(broker.port);
    clients.push(producer);
    const answerBytes = 256 * KiB;
    await fill(producer, answerBytes);

    const FETCHES = 100;
    const { frames, correlationIds } = pipelinedFetches(FETCHES, answerBytes, broker.broker.topics.get(TOPIC)!.topicId);
    const attacker = await WireClient.connect(broker.port);
    clients.push(attacker);
    attacker.socket.pause();
    attacker.socket.write(frames);

    // The broker's side of the attacker's connection: what it has written and what it still holds.
    const port = attacker.socket.localPort;
    const connection = await eventually('the broker to see the connection', () => [...broker!.broker.connections].find((c: Connection) => c.socket.remotePort === port));
    const progress = (): number => connection.socket.bytesWritten;
    let last = -1;
    let unchanged = 0;
    await eventually('the broker to stop writing to the connection', () => {
      const now = progress();
      unchanged = now === last ? unchanged + 1 : 0;
      last = now;
      return unchanged >= 10 ? true : undefined;
    }, 60_000, 100);
    const held = connection.socket.writableLength;
    assert.ok(held <= 2 * answerBytes, `the broker holds ${(held / MiB).toFixed(1)} MiB of unread answers (${FETCHES} answers of ${answerBytes / KiB} KiB were asked for)`);

    attacker.socket.resume();
    for (const id of correlationIds) {
      const frame = await attacker.next(30_000);
      assert.ok(frame, `the connection closed before the answer to ${id}`);
      assert.equal(frame.readInt32BE(0), id, 'answers come in request order');
      assert.equal(FetchResponse.decode(12, frame.subarray(5)).responses[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
    }
  });

  it(`Fetches pipelined and never read, for 1 MiB each, until the broker stops reading: peak RSS stays under ${PEAK_RSS_LIMIT / MiB} MB`, { skip: !canMeasurePeakRss && 'needs /proc (Linux) to read the peak RSS' }, async (t) => {
    child = await startBrokerChild(['--in-memory', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--log-level', 'error'], 60_000);
    const pid = child.child.pid!;
    const admin = await WireClient.connect(child.port);
    clients.push(admin);
    const created = await admin.request(CreateTopicsRequest, CreateTopicsResponse, 7, { topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 10_000 });
    assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
    await fill(admin, MiB);
    const before = rssBytes(pid);

    const batch = pipelinedFetches(1_000, MiB, created.topics[0]!.topicId).frames;
    const attacker = await WireClient.connect(child.port);
    clients.push(attacker);
    attacker.socket.pause();
    // Write until the requests back up on our side: the broker has stopped reading them. The kernel
    // buffers between us hold several MB of requests first; each would cost the broker 1 MiB.
    let written = 0;
    let peak = 0;
    while (attacker.socket.writableLength < 8 * MiB) {
      attacker.socket.write(batch);
      written += 1_000;
      await sleep(20);
      peak = peakRssBytes(pid);
      if (peak > PEAK_RSS_LIMIT) break; // no need to take the machine down to prove it
    }
    // The broker still serves everyone else meanwhile.
    if (peak <= PEAK_RSS_LIMIT) assert.equal((await admin.request(MetadataRequest, MetadataResponse, 9, { topics: [{ name: TOPIC }] })).topics[0]!.errorCode, ErrorCode.NONE);
    peak = peakRssBytes(pid);
    t.diagnostic(`${written} Fetches written (${(written * MiB / 2 ** 30).toFixed(0)} GiB of answers asked for); broker RSS before ${(before / MiB).toFixed(0)} MB, peak ${(peak / MiB).toFixed(0)} MB`);
    attacker.destroy();
    await child.stop('SIGKILL');
    child = undefined;
    assert.ok(peak < PEAK_RSS_LIMIT, `the broker's RSS reached ${(peak / MiB).toFixed(0)} MB`);
  });
});
