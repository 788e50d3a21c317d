/**
 * Regression ("the embedded broker holds under attack, faults and load", item 14):
 * Producer-state snapshots, as Kafka writes them: one per partition at each
 * segment roll and at a clean shutdown (`<offset>.snapshot`), loaded at
 * startup, after which only the log from the snapshot's offset is read. The
 * restarted broker still answers a retried batch with its original offset.
 * `loadStats.batchesRead` counts the batch headers the rebuild read.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Kafka as KafkaJS, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { type BrokerChild, startBrokerChild } from '../support/broker-child.js';
import { RawClient } from '../broker/groups/raw-client.js';
import { type PartitionAnswer, idempotentBatch, produceBatch } from '../support/idempotent-produce.js';

const TOPIC = 'snapshots';
const PRODUCER = 42n;

function snapshotOffsets(partitionDir: string): number[] {
  return readdirSync(partitionDir)
    .filter((n) => /^\d{20}\.snapshot$/.test(n))
    .map((n) => Number(n.slice(0, 20)))
    .sort((a, b) => a - b);
}

/** Retries of the producer's last 5 batches (one record each, offsets as stored) are answered with their offsets, and nothing is stored. */
async function assertRetriesAreDuplicates(client: RawClient, broker: RunningBroker, offsets: readonly bigint[]): Promise<void> {
  const log = broker.broker.topics.get(TOPIC)!.partitions[0]!.log;
  const end = log.logEndOffset;
  for (let seq = offsets.length - 5; seq < offsets.length; seq++) {
    const retry: PartitionAnswer = await produceBatch(client, TOPIC, 0, idempotentBatch(PRODUCER, 0, seq));
    assert.deepEqual([retry.errorCode, retry.baseOffset], [ErrorCode.NONE, offsets[seq]], `the retry of sequence ${seq} is a duplicate (${retry.errorMessage})`);
  }
  assert.equal(log.logEndOffset, end, 'no retry was stored again');
}

describe('producer-state snapshots', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tskafka-producer-snapshots-'));
  const partitionDir = join(logDir, `${TOPIC}-0`);
  const clients: RawClient[] = [];
  let running: RunningBroker | undefined;
  let child: BrokerChild | undefined;
  const start = async (): Promise<RunningBroker> => {
    running = await startBroker({ port: 0, logLevel: 'nothing', properties: { 'log.dirs': logDir } });
    return running;
  };
  const connect = async (port: number): Promise<RawClient> => {
    const client = await RawClient.connect(port);
    clients.push(client);
    return client;
  };
  after(async () => {
    for (const c of clients) c.close();
    await child?.stop('SIGKILL');
    await running?.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  /** Offsets of the producer's batches, by sequence. */
  const offsets: bigint[] = [];

  it('snapshots at each segment roll, so after kill -9 a restart reads only the batches after the last roll', async () => {
    child = await startBrokerChild(['--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${logDir}`, '--log-level', 'warn']);
    const admin = new KafkaJS({ clientId: 'snapshots-admin', brokers: [child.bootstrap], logLevel: kafkaJsLogLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '1024' }] }] });
    } finally {
      await admin.disconnect();
    }
    const client = await connect(child.port);
    for (let seq = 0; seq < 40; seq++) {
      // A batch of another producer between two of ours, and one without a producer id.
      if (seq === 10) assert.equal((await produceBatch(client, TOPIC, 0, idempotentBatch(7n, 0, 0))).errorCode, ErrorCode.NONE);
      if (seq === 20) assert.equal((await produceBatch(client, TOPIC, 0, idempotentBatch(-1n, -1, -1))).errorCode, ErrorCode.NONE);
      const answer = await produceBatch(client, TOPIC, 0, idempotentBatch(PRODUCER, 0, seq));
      assert.equal(answer.errorCode, ErrorCode.NONE, answer.errorMessage ?? '');
      offsets.push(answer.baseOffset);
    }
    assert.equal((await child.stop('SIGKILL')).signal, 'SIGKILL');
    child = undefined;

    const broker = await start();
    const log = broker.broker.topics.get(TOPIC)!.partitions[0]!.log;
    const bases = log.segmentBaseOffsets;
    assert.ok(bases.length >= 3, `the log rolled (segments at ${bases.join(', ')})`);
    assert.ok(snapshotOffsets(partitionDir).includes(bases[bases.length - 1]!), `a snapshot at the last roll (${snapshotOffsets(partitionDir).join(', ')})`);
    assert.deepEqual(broker.broker.producers.loadStats, { partitions: 1, fromSnapshot: 1, batchesRead: log.logEndOffset - bases[bases.length - 1]! }, 'only the active segment was read');
    await assertRetriesAreDuplicates(await connect(broker.port), broker, offsets);
    assert.equal((await produceBatch(clients[clients.length - 1]!, TOPIC, 0, idempotentBatch(7n, 0, 0))).baseOffset, offsets[9]! + 1n, "the other producer's state came from a snapshot too");
  });

  it('snapshots at a clean shutdown, so a restart reads no batch at all', async () => {
    const end = running!.broker.topics.get(TOPIC)!.partitions[0]!.log.logEndOffset;
    await running!.close();
    assert.equal(snapshotOffsets(partitionDir).pop(), end, 'a snapshot at the log end offset');
    const broker = await start();
    assert.deepEqual(broker.broker.producers.loadStats, { partitions: 1, fromSnapshot: 1, batchesRead: 0 });
    await assertRetriesAreDuplicates(await connect(broker.port), broker, offsets);
  });

  it('falls back to an older snapshot when the newest is damaged, and rebuilds the same state', async () => {
    await running!.close();
    const snapshots = snapshotOffsets(partitionDir);
    const newest = join(partitionDir, `${String(snapshots.pop()).padStart(20, '0')}.snapshot`);
    const bytes = readFileSync(newest);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(newest, bytes);
    const broker = await start();
    const log = broker.broker.topics.get(TOPIC)!.partitions[0]!.log;
    assert.deepEqual(broker.broker.producers.loadStats, { partitions: 1, fromSnapshot: 1, batchesRead: log.logEndOffset - snapshots.pop()! });
    await assertRetriesAreDuplicates(await connect(broker.port), broker, offsets);
  });
});
