/**
 * ElectLeaders v0-v2 (KIP-183, KIP-460) on the wire, decoded with the
 * generated codecs at each version: one broker leads the one replica of every
 * partition, so each existing partition needs no election (ELECTION_NOT_NEEDED,
 * as Kafka's controller answers when the preferred replica leads), and KafkaJS
 * sees the same leader after; the all-partitions form, unknown partitions, a
 * bad election type, and ALTER on the CLUSTER.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ElectLeadersRequest } from '../../../src/protocol/generated/elect-leaders-request.js';
import { type ElectLeadersResponse, ElectLeadersResponse as ElectLeadersResponseCodec } from '../../../src/protocol/generated/elect-leaders-response.js';
import { type WireClient } from '../../support/wire-client.js';
import { WireBrokers } from './wire-fixture.js';

const PREFERRED = 0;
const UNCLEAN = 1;

const electLeaders = (c: WireClient, version: number, topicPartitions: Record<string, number[]> | null, electionType?: number) =>
  c.request(ElectLeadersRequest, ElectLeadersResponseCodec, version, {
    electionType,
    timeoutMs: 5000,
    topicPartitions: topicPartitions === null ? null : Object.entries(topicPartitions).map(([topic, partitions]) => ({ topic, partitions })),
  });

/** `topic/partition: code` for each partition answered. */
const codes = (r: ElectLeadersResponse): string[] => r.replicaElectionResults.flatMap((t) => t.partitionResult.map((p) => `${t.topic}/${p.partitionId}: ${p.errorCode}`));

describe('ElectLeaders', () => {
  const brokers = new WireBrokers('elect-leaders-test');
  after(() => brokers.close());

  it('answers ELECTION_NOT_NEEDED for each existing partition at every version and type, and the leader stays', async () => {
    const { broker, wire, admin } = await brokers.start();
    await admin.createTopics({ topics: [{ topic: 'a', numPartitions: 2 }, { topic: 'b' }] });
    const asked = { a: [0, 1, 4], b: [0], missing: [0] };
    const expected = [
      `a/0: ${ErrorCode.ELECTION_NOT_NEEDED}`,
      `a/1: ${ErrorCode.ELECTION_NOT_NEEDED}`,
      `a/4: ${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`,
      `b/0: ${ErrorCode.ELECTION_NOT_NEEDED}`,
      `missing/0: ${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`,
    ];
    const v0 = await electLeaders(wire, 0, asked);
    assert.deepEqual(codes(v0), expected, 'v0: preferred elections');
    for (const version of [1, 2]) {
      for (const type of [PREFERRED, UNCLEAN]) {
        const r = await electLeaders(wire, version, asked, type);
        assert.equal(r.errorCode, ErrorCode.NONE);
        assert.deepEqual(codes(r), expected, `v${version} type ${type}`);
        assert.ok(r.replicaElectionResults[0]!.partitionResult[0]!.errorMessage?.includes('a-0'));
      }
    }
    const metadata = await admin.fetchTopicMetadata({ topics: ['a', 'b'] });
    assert.deepEqual(
      metadata.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionId, p.leader])).sort(),
      [['a', 0, broker.config.nodeId], ['a', 1, broker.config.nodeId], ['b', 0, broker.config.nodeId]],
    );
  });

  it('with topicPartitions null names every topic and leaves out the partitions that needed no election', async () => {
    const { wire, admin } = await brokers.start();
    await admin.createTopics({ topics: [{ topic: 'x', numPartitions: 3 }, { topic: 'y' }] });
    for (const version of [0, 1, 2]) {
      const r = await electLeaders(wire, version, null, version === 0 ? undefined : PREFERRED);
      assert.deepEqual(r.replicaElectionResults.map((t) => [t.topic, t.partitionResult.length]).sort(), [['x', 0], ['y', 0]], `v${version}`);
    }
  });

  it('answers INVALID_REQUEST, at the top and on every partition, to an unknown election type', async () => {
    const { wire } = await brokers.start();
    const r = await electLeaders(wire, 2, { t: [0, 1] }, 2);
    assert.equal(r.errorCode, ErrorCode.INVALID_REQUEST);
    assert.deepEqual(codes(r), [`t/0: ${ErrorCode.INVALID_REQUEST}`, `t/1: ${ErrorCode.INVALID_REQUEST}`]);
  });

  it('answers CLUSTER_AUTHORIZATION_FAILED to a principal without ALTER on the CLUSTER (v0: on the partitions alone)', async () => {
    const { wire } = await brokers.start({ 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' });
    const r = await electLeaders(wire, 1, { t: [0] }, PREFERRED);
    assert.equal(r.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    assert.deepEqual(codes(r), [`t/0: ${ErrorCode.CLUSTER_AUTHORIZATION_FAILED}`]);
    const all = await electLeaders(wire, 2, null, PREFERRED);
    assert.deepEqual([all.errorCode, all.replicaElectionResults], [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, []]);
    const v0 = await electLeaders(wire, 0, { t: [0] });
    assert.deepEqual([v0.errorCode, codes(v0)], [ErrorCode.NONE, [`t/0: ${ErrorCode.CLUSTER_AUTHORIZATION_FAILED}`]]);
  });
});
