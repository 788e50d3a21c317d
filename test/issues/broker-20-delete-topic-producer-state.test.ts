/**
 * Regression (issue 11, item 3's follow-up): DeleteTopics dropped the topic's
 * producer state only after the registry change, in the handler, by topic name.
 * Between the two the deleted partitions' state lived on; a change that was
 * applied but reported failed (the registry file renamed, its directory fsync
 * failing: KAFKA_STORAGE_ERROR, the topic gone all the same) never dropped it at
 * all; and a cleanup by name could reach a topic re-created under that name. The
 * state of the topic's partitions is now dropped in the same synchronous step
 * that removes the topic from the registry (TopicRegistry.onDelete).
 *
 * The directory fsync after the registry rename fails once (io-faults.ts), so the
 * deletion is applied and answered KAFKA_STORAGE_ERROR: deterministically the
 * path on which the handler's later cleanup never ran.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { storageFaults } from '../../src/broker/log/io-faults.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../../src/protocol/generated/index.js';
import { RawClient } from '../broker/groups/raw-client.js';
import { DataDirBroker, captureLogger } from '../support/broker-faults.js';
import { idempotentBatch, produceBatch } from '../support/idempotent-produce.js';

describe('deleting a topic drops its producer state', () => {
  const brokers: DataDirBroker[] = [];
  const clients: RawClient[] = [];
  afterEach(async () => {
    storageFaults.clearAll();
    for (const c of clients.splice(0)) c.close();
    for (const b of brokers.splice(0)) await b.dispose();
  });

  const start = async (): Promise<{ b: DataDirBroker; client: RawClient }> => {
    const b = new DataDirBroker(captureLogger());
    brokers.push(b);
    await b.start();
    const client = await RawClient.connect(b.running.port);
    clients.push(client);
    return { b, client };
  };

  it('in the step that removes the topic, even when the deletion is answered KAFKA_STORAGE_ERROR', async () => {
    const { b, client } = await start();
    const { topics, producers } = b.running.broker;
    await topics.create('gone', 1, new Map());
    const partition = topics.get('gone')!.partitions[0]!;
    assert.equal((await produceBatch(client, 'gone', 0, idempotentBatch(7n, 0, 0))).errorCode, ErrorCode.NONE);
    assert.deepEqual(producers.producerIds(partition), [7n]);

    // The registry file is renamed into place, then its directory's fsync fails.
    storageFaults.inject({ path: (p) => p === b.logDir, operations: ['sync'], code: 'EIO', times: 1 });
    const answer = await client.send(DeleteTopicsRequest, DeleteTopicsResponse, 4, { topicNames: ['gone'], timeoutMs: 30_000 });
    assert.equal(answer.responses[0]?.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
    assert.equal(topics.get('gone'), undefined, 'the deletion was applied: the renamed file is what the disk shows');
    assert.deepEqual(producers.producerIds(partition), [], 'the deleted partition’s producer state was dropped with it');
  });

  it('when the registry deletes the topic, with no handler left to clean up after it', async () => {
    const { b, client } = await start();
    const { topics, producers } = b.running.broker;
    await topics.create('gone', 1, new Map());
    const partition = topics.get('gone')!.partitions[0]!;
    assert.equal((await produceBatch(client, 'gone', 0, idempotentBatch(7n, 0, 0))).errorCode, ErrorCode.NONE);
    // The registry's delete, without the DeleteTopics handler: nothing else is left to clean up.
    await topics.delete('gone');
    assert.deepEqual(producers.producerIds(partition), []);
  });
});
