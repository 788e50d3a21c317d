/**
 * Regression ("the embedded broker holds under attack, faults and load", item 5, first
 * half): a Fetch that included one failed partition closed the connection, so a consumer
 * of the topic could not read its healthy partitions either.
 *
 * Now the failed partition alone is answered KAFKA_STORAGE_ERROR, as Kafka's
 * ReplicaManager.readFromLocalLog does, and the others with their records. The partition
 * fails for real: writes to its directory fail with EIO (io-faults.ts, in the on-disk
 * storage), so a Produce takes its log offline, and it stays offline while the fault lasts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { storageFaults } from '../../src/broker/log/io-faults.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { CreateTopicsRequest, CreateTopicsResponse, FetchRequest, FetchResponse, ProduceRequest, ProduceResponse } from '../../src/protocol/generated/index.js';
import { decodeRecordBatches, encodeRecordBatch } from '../../src/protocol/records/record-batch.js';
import { RawClient } from '../broker/groups/raw-client.js';
import { DataDirBroker, captureLogger } from '../support/broker-faults.js';
import { runKcat, skipWithoutKcat } from '../support/kcat.js';

const TOPIC = 'mixed';
const FAILED = 1;

describe('a Fetch of a topic with one failed partition', () => {
  const broker = new DataDirBroker(captureLogger());
  let client: RawClient;

  const produce = async (partition: number, value: string): Promise<number> => {
    const answer = await client.send(ProduceRequest, ProduceResponse, 9, {
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: TOPIC, partitionData: [{ index: partition, records: await encodeRecordBatch({ records: [{ key: `k${partition}`, value }] }) }] }],
    });
    return answer.responses[0]!.partitionResponses[0]!.errorCode;
  };

  const fetchAll = (minBytes: number, maxWaitMs: number) =>
    client.send(FetchRequest, FetchResponse, 12, {
      replicaId: -1,
      maxWaitMs,
      minBytes,
      maxBytes: 1 << 20,
      topics: [{ topic: TOPIC, partitions: [0, 1, 2].map((partition) => ({ partition, fetchOffset: 0n, partitionMaxBytes: 1 << 16, logStartOffset: -1n })) }],
    });

  before(async () => {
    await broker.start();
    client = await RawClient.connect(broker.running.port, 'mixed-reader');
    const created = await client.send(CreateTopicsRequest, CreateTopicsResponse, 5, { topics: [{ name: TOPIC, numPartitions: 3, replicationFactor: 1 }], timeoutMs: 10_000 });
    assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
    for (const p of [0, 1, 2]) assert.equal(await produce(p, `stored in ${p}`), ErrorCode.NONE);
    // From now on the failed partition's directory refuses every write: its log goes offline at the next append and stays so.
    storageFaults.inject({ path: join(broker.logDir, `${TOPIC}-${FAILED}`), operations: ['write'], code: 'EIO' });
    assert.equal(await produce(FAILED, 'refused'), ErrorCode.KAFKA_STORAGE_ERROR);
  });

  after(async () => {
    storageFaults.clearAll();
    client?.close();
    await broker.dispose();
  });

  it('answers KAFKA_STORAGE_ERROR for that partition only, the healthy partitions with their records, at once, on an open connection', async () => {
    // A long poll that nothing will satisfy: the error answers it at once, as in Kafka.
    for (let round = 0; round < 2; round++) {
      const answer = await fetchAll(1 << 20, 60_000);
      assert.equal(answer.errorCode, ErrorCode.NONE);
      const partitions = answer.responses[0]!.partitions;
      assert.deepEqual(
        partitions.map((p) => [p.partitionIndex, p.errorCode]),
        [
          [0, ErrorCode.NONE],
          [1, ErrorCode.KAFKA_STORAGE_ERROR],
          [2, ErrorCode.NONE],
        ],
      );
      const failed = partitions[FAILED]!;
      assert.equal(failed.highWatermark, -1n);
      assert.equal(failed.records?.length ?? 0, 0);
      for (const p of [partitions[0]!, partitions[2]!]) {
        assert.equal(p.highWatermark, 1n);
        const [batch] = await decodeRecordBatches(p.records!);
        assert.equal(batch!.records[0]!.value!.toString(), `stored in ${p.partitionIndex}`);
      }
    }
  });

  it("lets a consumer of the whole topic (kcat, librdkafka) read the healthy partitions' records", { skip: skipWithoutKcat }, async () => {
    const run = await runKcat(['-C', '-b', broker.running.bootstrap, '-t', TOPIC, '-o', 'beginning', '-c', '2', '-f', '%p %s\\n', '-q'], { timeoutMs: 30_000 });
    assert.deepEqual(run.stdout.trim().split('\n').sort(), ['0 stored in 0', '2 stored in 2'], `kcat exited with ${run.code ?? run.signal}:\n${run.stderr}`);
  });
});
