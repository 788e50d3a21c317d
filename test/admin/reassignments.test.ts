/**
 * Partition reassignments (KIP-455) through our admin and KafkaJS 2.2.4's on
 * one broker, where a move to the broker that already holds every replica
 * completes at once and any other cannot happen: both clients get the same
 * answers, and KafkaJS sees the replicas unchanged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KafkaJSAggregateError, KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { KafkaJSAlterPartitionReassignmentsError } from '../../src/errors/protocol-errors.js';
import { type AdminFixture, startAdminFixture } from './admin-fixture.js';

describe('admin: partition reassignments', () => {
  let f: AdminFixture;
  let nodeId: number;
  before(async () => {
    f = await startAdminFixture('admin-reassignments-test');
    nodeId = f.broker.config.nodeId;
    await f.peer.createTopics({ topics: [{ topic: 'moving', numPartitions: 2 }] });
  });
  after(async () => {
    await f.close();
  });

  it('accepts a move to the replicas the partition has, from us and from KafkaJS; nothing is left in progress', async () => {
    await f.admin.alterPartitionReassignments({ topics: [{ topic: 'moving', partitionAssignment: [{ partition: 0, replicas: [nodeId] }, { partition: 1, replicas: [nodeId] }] }] });
    await f.peer.alterPartitionReassignments({ topics: [{ topic: 'moving', partitionAssignment: [{ partition: 0, replicas: [nodeId] }] }] });
    assert.deepEqual(await f.admin.listPartitionReassignments(), { topics: [] });
    assert.deepEqual(await f.admin.listPartitionReassignments({ topics: [{ topic: 'moving', partitions: [0, 1] }] }), await f.peer.listPartitionReassignments({ topics: [{ topic: 'moving', partitions: [0, 1] }] }));
    const metadata = await f.peer.fetchTopicMetadata({ topics: ['moving'] });
    assert.deepEqual(metadata.topics[0]!.partitions.map((p) => p.replicas), [[nodeId], [nodeId]]);
  });

  it('rejects impossible moves per partition with KafkaJSAlterPartitionReassignmentsErrors, as KafkaJS does', async () => {
    const request = { topics: [{ topic: 'moving', partitionAssignment: [{ partition: 0, replicas: [nodeId + 6] }, { partition: 1, replicas: [nodeId] }, { partition: 9, replicas: [nodeId] }] }] };
    const check = (e: unknown): boolean => {
      assert.ok(e instanceof Error && e.name === 'KafkaJSAggregateError', String(e));
      const errors = (e as KafkaJSAggregateError).errors as KafkaJSAlterPartitionReassignmentsError[];
      assert.deepEqual(errors.map((x) => [x.name, x.topic, x.partition, x.type]), [
        ['KafkaJSAlterPartitionReassignmentsError', 'moving', 0, 'INVALID_REPLICA_ASSIGNMENT'],
        ['KafkaJSAlterPartitionReassignmentsError', 'moving', 9, 'UNKNOWN_TOPIC_OR_PARTITION'],
      ]);
      return true;
    };
    await assert.rejects(f.admin.alterPartitionReassignments(request), (e: unknown) => e instanceof KafkaJSAggregateError && check(e));
    await assert.rejects(f.peer.alterPartitionReassignments(request), check);
  });

  it('answers NO_REASSIGNMENT_IN_PROGRESS to a cancellation (replicas null, beyond KafkaJS)', async () => {
    await assert.rejects(
      f.admin.alterPartitionReassignments({ topics: [{ topic: 'moving', partitionAssignment: [{ partition: 0, replicas: null }] }] }),
      (e: unknown) => e instanceof KafkaJSAggregateError && (e.errors[0] as KafkaJSAlterPartitionReassignmentsError).type === 'NO_REASSIGNMENT_IN_PROGRESS',
    );
  });

  it("refuses bad arguments with KafkaJS's messages", async () => {
    await assert.rejects(
      f.admin.alterPartitionReassignments({ topics: [{ topic: 'moving', partitionAssignment: [{ partition: -1, replicas: [1] }] }] }),
      (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'Invalid partitions index: -1 for topic: moving',
    );
    await assert.rejects(f.admin.listPartitionReassignments({ topics: [{ topic: 'moving', partitions: 'all' as never }] }), KafkaJSNonRetriableError);
  });
});
