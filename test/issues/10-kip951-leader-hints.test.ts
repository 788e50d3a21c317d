/**
 * KIP-951: a Produce answer (v10+) that says NOT_LEADER_OR_FOLLOWER names the new
 * leader: `currentLeader` (leader id and epoch) per partition, and `nodeEndpoints`
 * (node id, host, port, rack) for the nodes it names. A producer that uses them
 * retries at the new leader without a Metadata round trip, as Java's producer does
 * since 3.7. Today's producer ignores them and refreshes metadata first.
 *
 * Against the cluster proxy (three or four nodes in front of the embedded broker,
 * which serves Produce up to v11, so the producer speaks v11) with leader hints on:
 * a node that no longer leads a partition answers with where it moved.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { type Producer } from '../../src/producer/producer.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.js';
import { type ClusterProxy, type ClusterProxyOptions, startClusterProxy } from '../support/cluster-proxy.js';
import { within, disconnectQuietly as disconnect } from '../support/within.js';

describe('KIP-951: leader hints in NOT_LEADER_OR_FOLLOWER answers', () => {
  let running: RunningBroker | undefined;
  const proxies: ClusterProxy[] = [];
  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
  });
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await running?.close();
  });

  const storedValues = async (topic: string, partition: number): Promise<string[]> => {
    const log = running!.broker.topics.get(topic)!.partitions[partition]!.log;
    const batches = await decodeRecordBatches(log.read(0, 64 * 1024 * 1024, log.logEndOffset).records);
    return batches.flatMap((b) => b.records.map((r) => r.value!.toString()));
  };

  /**
   * Send one record to partition 0 of a fresh 3-partition topic (led by node 1), call
   * `move`, send another, and report what the move cost: Metadata requests after it,
   * Produce requests each node received after it, refusals that carried a leader hint.
   */
  const sendAcrossMove = async (topic: string, nodeCount: number, options: ClusterProxyOptions, move: (cluster: ClusterProxy) => void) => {
    await running!.broker.topics.create(topic, 3, new Map());
    const cluster = await startClusterProxy(() => `127.0.0.1:${running!.port}`, nodeCount, { leaderHints: true, ...options });
    proxies.push(cluster);
    const kafka = new Kafka({ clientId: 'kip-951-test', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, lingerMs: 0, deliveryTimeoutMs: 20_000, retry: { initialRetryTime: 50, maxRetryTime: 500 } });
    try {
      await within('connect', producer.connect(), 30_000);
      await within('the send before the move', producer.send({ topic, messages: [{ partition: 0, value: 'before' }] }), 20_000);
      assert.equal(cluster.leaderOf(topic, 0), 1);
      const metadataBefore = cluster.requests.get(ApiKey.Metadata) ?? 0;
      const produceBefore = new Map(cluster.produceRequests);
      const hintsBefore = cluster.leaderHintsGiven;
      move(cluster);
      await within('the send after the move', producer.send({ topic, messages: [{ partition: 0, value: 'after' }] }), 25_000);
      const produceAfter = (nodeId: number) => (cluster.produceRequests.get(nodeId) ?? 0) - (produceBefore.get(nodeId) ?? 0);
      return {
        metadataRequests: (cluster.requests.get(ApiKey.Metadata) ?? 0) - metadataBefore,
        produceAfter,
        hints: cluster.leaderHintsGiven - hintsBefore,
        stored: await storedValues(topic, 0),
      };
    } finally {
      await disconnect(producer);
    }
  };

  it('a leader moves to a known node: the retry goes to the new leader the hint names, with no Metadata request', { timeout: 60_000 }, async () => {
    const result = await sendAcrossMove('hinted-known', 3, {}, (cluster) => cluster.setLeader('hinted-known', 0, 2));
    assert.ok(result.hints >= 1, 'the old leader refused the record with NOT_LEADER_OR_FOLLOWER and a leader hint');
    assert.ok(result.produceAfter(2) >= 1, 'the retry went to node 2, the new leader');
    assert.deepEqual(result.stored, ['before', 'after']);
    assert.equal(result.metadataRequests, 0, `${result.metadataRequests} Metadata request(s) after the move: the leader hint (KIP-951) names the new leader, no round trip is needed`);
  });

  it('a leader moves to a node the producer has never seen (only in the hint\'s nodeEndpoints): the retry goes there, with no Metadata request', { timeout: 60_000 }, async () => {
    // Node 4 is not in any Metadata answer the producer got before the move: it joins the
    // cluster and takes over partition 0 at once.
    const result = await sendAcrossMove('hinted-new-node', 4, { unlisted: [4] }, (cluster) => {
      cluster.setListed(4, true);
      cluster.setLeader('hinted-new-node', 0, 4);
    });
    assert.ok(result.hints >= 1, 'the old leader refused the record with NOT_LEADER_OR_FOLLOWER and a leader hint');
    assert.ok(result.produceAfter(4) >= 1, 'the retry went to node 4, found through the hint\'s nodeEndpoints');
    assert.deepEqual(result.stored, ['before', 'after']);
    assert.equal(result.metadataRequests, 0, `${result.metadataRequests} Metadata request(s) after the move: the hint's nodeEndpoints say where node 4 is, no round trip is needed`);
  });
});
