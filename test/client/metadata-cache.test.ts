/**
 * The metadata snapshot: built from a Metadata response, partitions in id
 * order, and a leader epoch never going backwards for the same topic id
 * (KIP-320) while a re-created topic (new id, KIP-516) starts over.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterMetadata } from '../../src/client/metadata-cache.js';
import { type MetadataResponse } from '../../src/protocol/generated/index.js';

const ID_A = 'AAAAAAAAAAAAAAAAAAAAAQ';
const ID_B = 'AAAAAAAAAAAAAAAAAAAAAg';

function response(topicId: string, leaders: readonly [leaderId: number, leaderEpoch: number][]): MetadataResponse {
  return {
    throttleTimeMs: 0,
    brokers: [
      { nodeId: 1, host: 'b1', port: 9092, rack: null },
      { nodeId: 2, host: 'b2', port: 9092, rack: 'r2' },
    ],
    clusterId: 'c',
    controllerId: 1,
    clusterAuthorizedOperations: -2147483648,
    topics: [
      {
        errorCode: 0,
        name: 't',
        topicId,
        isInternal: false,
        topicAuthorizedOperations: -2147483648,
        // Listed in reverse: the snapshot sorts by partition id.
        partitions: leaders
          .map(([leaderId, leaderEpoch], partitionIndex) => ({ errorCode: 0, partitionIndex, leaderId, leaderEpoch, replicaNodes: [1, 2], isrNodes: [leaderId], offlineReplicas: [] }))
          .reverse(),
      },
    ],
  };
}

describe('ClusterMetadata', () => {
  it('indexes brokers, topics and partitions', () => {
    const m = ClusterMetadata.fromResponse(response(ID_A, [[1, 3], [2, 5]]), undefined, 1000);
    assert.deepEqual(m.brokers.get(2), { nodeId: 2, host: 'b2', port: 9092, rack: 'r2' });
    assert.deepEqual(m.topic('t')!.partitions.map((p) => p.partitionId), [0, 1]);
    assert.equal(m.partition('t', 1)!.leaderId, 2);
    assert.equal(m.partition('t', 2), undefined);
    assert.equal(m.isUsable('t'), true);
    assert.equal(m.fetchedAt, 1000);
  });

  it('keeps a newer leader epoch than a stale broker reports, for the same topic id', () => {
    const first = ClusterMetadata.fromResponse(response(ID_A, [[1, 7], [2, 5]]), undefined, 1);
    const stale = ClusterMetadata.fromResponse(response(ID_A, [[2, 6], [1, 6]]), first, 2);
    assert.deepEqual([stale.partition('t', 0)!.leaderId, stale.partition('t', 0)!.leaderEpoch], [1, 7], 'epoch 6 < 7: kept the cached leader');
    assert.deepEqual([stale.partition('t', 1)!.leaderId, stale.partition('t', 1)!.leaderEpoch], [1, 6], 'epoch 6 > 5: took the new leader');
  });

  it('starts over for a topic deleted and created again (a new topic id)', () => {
    const first = ClusterMetadata.fromResponse(response(ID_A, [[1, 7]]), undefined, 1);
    const recreated = ClusterMetadata.fromResponse(response(ID_B, [[2, 0]]), first, 2);
    assert.deepEqual([recreated.partition('t', 0)!.leaderId, recreated.partition('t', 0)!.leaderEpoch], [2, 0]);
  });

  it('is not usable while a partition has no leader', () => {
    const m = ClusterMetadata.fromResponse(response(ID_A, [[1, 1], [-1, 1]]), undefined, 1);
    assert.equal(m.isUsable('t'), false);
    assert.equal(m.isUsable('missing'), false);
  });
});
