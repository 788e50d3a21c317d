/**
 * Regression ("the embedded broker holds under attack, faults and load", item 8), the
 * memory: an attacker (or a crowd of consumers that went away) sends 2,000 Fetches that can
 * never be satisfied (minBytes and maxWaitMs 2^31-1, 1 MiB per partition over 1 MiB of
 * records), then the partition takes three appends. The broker's peak RSS was 2.1 GB, 4.2 GB
 * after the appends: each waiting fetch held a copy of what it had read, and read again at
 * every append. Now a waiting fetch holds no records (it reads only to answer) and one whose
 * client hung up is dropped at once, so the peak stays far below 2,000 copies of 1 MiB,
 * whether the clients hang up or keep their connections open without reading. The broker
 * runs in a child process, so its RSS is its own.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type Socket, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { CreateTopicsRequest, CreateTopicsResponse, FetchRequest, MetadataRequest, MetadataResponse, ProduceRequest, ProduceResponse } from '../../src/protocol/generated/index.js';
import { encodeRecordBatch } from '../../src/protocol/records/record-batch.js';
import { type BrokerChild, startBrokerChild } from '../support/broker-child.js';
import { encodeRequest } from '../support/fuzz-frames.js';
import { canMeasurePeakRss, peakRssBytes } from '../support/peak-rss.js';
import { RawClient } from '../broker/groups/raw-client.js';

const MiB = 1024 * 1024;
const FETCHES = 2_000;
/** Connections opened at once, so the listen backlog never overflows. */
const CONNECTING_AT_ONCE = 100;
const TOPIC = 'polled';
const INT32_MAX = 0x7fffffff;
/** What the broker may reach: its own baseline (~100 MB) plus a little, never 2,000 copies of 1 MiB. */
const PEAK_RSS_LIMIT = 512 * MiB;

/** A Fetch v12 that waits as long as it is allowed to, for more than will ever come. */
function unsatisfiableFetch(): Buffer {
  return encodeRequest(FetchRequest, ApiKey.Fetch, 12, {
    replicaId: -1,
    maxWaitMs: INT32_MAX,
    minBytes: INT32_MAX,
    maxBytes: INT32_MAX,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: MiB, logStartOffset: -1n }] }],
  }).frame;
}

/** Open `count` connections, each sending one unsatisfiable Fetch; `hangUp`: then close it. */
async function longPolls(port: number, count: number, hangUp: boolean): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let started = 0; started < count; started += CONNECTING_AT_ONCE) {
    const wave = Array.from({ length: Math.min(CONNECTING_AT_ONCE, count - started) }, async () => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      // Never read: an abandoned client does not drain its socket.
      socket.pause();
      await new Promise<void>((resolve, reject) => socket.write(unsatisfiableFetch(), (e) => (e ? reject(e) : resolve())));
      if (hangUp) socket.end();
      sockets.push(socket);
    });
    await Promise.all(wave);
  }
  return sockets;
}

/** Append `bytes` of records, in batches of 512 KiB (under max.message.bytes). */
async function append(client: RawClient, bytes: number): Promise<void> {
  for (let batch = 0; batch < bytes / (512 * 1024); batch++) {
    const records = Array.from({ length: 4 }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(128 * 1024, i + 1) }));
    const produced = await client.send(ProduceRequest, ProduceResponse, 9, { acks: -1, timeoutMs: 30_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: await encodeRecordBatch({ records }) }] }] });
    assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  }
}

describe('abandoned long-poll fetches', { skip: !canMeasurePeakRss && 'needs /proc (Linux) to read the peak RSS' }, () => {
  const brokers: BrokerChild[] = [];
  const clients: RawClient[] = [];
  const attackers: Socket[] = [];

  /** A fresh broker (its peak RSS is its own) with 1 MiB of records in the polled partition, so each fetch would read 1 MiB. */
  const start = async (): Promise<{ broker: BrokerChild; admin: RawClient }> => {
    const broker = await startBrokerChild(['--in-memory', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--log-level', 'error'], 60_000);
    brokers.push(broker);
    const admin = await RawClient.connect(broker.port, 'admin');
    clients.push(admin);
    const created = await admin.send(CreateTopicsRequest, CreateTopicsResponse, 5, { topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 10_000 });
    assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
    await append(admin, MiB);
    return { broker, admin };
  };

  const stop = async (): Promise<void> => {
    for (const s of attackers.splice(0)) s.destroy();
    for (const c of clients.splice(0)) c.close();
    for (const b of brokers.splice(0)) await b.stop('SIGKILL');
  };
  after(stop);

  for (const hangUp of [true, false]) {
    it(`${FETCHES} fetches ${hangUp ? 'whose clients hang up at once' : 'on connections left open and never read'}, then three 1 MiB appends: peak RSS stays under ${PEAK_RSS_LIMIT / MiB} MB`, async (t) => {
      const { broker, admin } = await start();
      // Every frame written before it has been handled: a round trip on another connection.
      const settle = () => admin.send(MetadataRequest, MetadataResponse, 9, { topics: [{ name: TOPIC }] });
      attackers.push(...(await longPolls(broker.port, FETCHES, hangUp)));
      await settle();
      const appendMs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        await append(admin, MiB);
        appendMs.push(performance.now() - started);
      }
      await settle();
      const peak = peakRssBytes(broker.child.pid!);
      // Reported, not asserted: the machine's load decides the times.
      t.diagnostic(`broker peak RSS ${(peak / MiB).toFixed(0)} MB; the three 1 MiB appends took ${appendMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
      await stop();
      assert.ok(peak < PEAK_RSS_LIMIT, `the broker's RSS reached ${(peak / MiB).toFixed(0)} MB`);
    });
  }
});
