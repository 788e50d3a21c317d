/**
 * DescribeProducers v0 (KIP-664) on the wire, decoded with the generated
 * codecs: the producer id and epoch a KafkaJS 2.2.4 idempotent producer (and
 * librdkafka's, through kcat) wrote into its record batches come back with
 * the last sequence it sent; partition errors as Kafka answers them; producers
 * whose writes were deleted are gone; READ on the TOPIC.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { DescribeProducersRequest } from '../../../src/protocol/generated/describe-producers-request.js';
import { type DescribeProducersResponse, DescribeProducersResponse as DescribeProducersResponseCodec } from '../../../src/protocol/generated/describe-producers-response.js';
import { runKcat, skipWithoutKcat } from '../../support/kcat.js';
import { batchesOf } from '../../support/partition-log.js';
import { type WireClient } from '../../support/wire-client.js';
import { WireBrokers } from './wire-fixture.js';

const describeProducers = (c: WireClient, topics: Record<string, number[]>) =>
  c.request(DescribeProducersRequest, DescribeProducersResponseCodec, 0, { topics: Object.entries(topics).map(([name, partitionIndexes]) => ({ name, partitionIndexes })) });

/** `topic/partition: code` for each partition answered. */
const codes = (r: DescribeProducersResponse): string[] => r.topics.flatMap((t) => t.partitions.map((p) => `${t.name}/${p.partitionIndex}: ${p.errorCode}`));

describe('DescribeProducers', () => {
  const brokers = new WireBrokers('describe-producers-test');
  after(() => brokers.close());

  it("reports a KafkaJS idempotent producer's id and epoch, with the last sequence of the records it sent", async () => {
    const { broker, wire, kafka, admin } = await brokers.start();
    await admin.createTopics({ topics: [{ topic: 'idem', numPartitions: 2 }] });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    brokers.defer(() => producer.disconnect());
    const before = Date.now();
    // 3 sends of 4, 5 and 3 records: sequences 0-11 on partition 0.
    for (const n of [4, 5, 3]) await producer.send({ topic: 'idem', messages: Array.from({ length: n }, (_, i) => ({ partition: 0, value: `v${i}` })) });
    const afterSends = Date.now();

    const written = await batchesOf(broker, 'idem', 0);
    assert.equal(written.length, 3);
    const { producerIdExact, producerEpoch } = written[0]!;
    assert.ok(producerIdExact >= 0n, 'KafkaJS wrote idempotent batches');

    const r = await describeProducers(wire, { idem: [0, 1] });
    assert.deepEqual(codes(r), [`idem/0: ${ErrorCode.NONE}`, `idem/1: ${ErrorCode.NONE}`]);
    const [p0, p1] = r.topics[0]!.partitions;
    assert.equal(p0!.activeProducers.length, 1);
    const state = p0!.activeProducers[0]!;
    assert.deepEqual(
      [state.producerId, state.producerEpoch, state.lastSequence, state.coordinatorEpoch, state.currentTxnStartOffset],
      [producerIdExact, producerEpoch, 11, -1, -1n],
    );
    assert.ok(state.lastTimestamp >= BigInt(before) && state.lastTimestamp <= BigInt(afterSends), `lastTimestamp ${state.lastTimestamp}`);
    assert.deepEqual(p1!.activeProducers, [], 'nothing written to partition 1');
  });

  it('reports a librdkafka idempotent producer (kcat), and no producer for plain writes', { skip: skipWithoutKcat }, async () => {
    const { broker, wire } = await brokers.start();
    const lines = Array.from({ length: 7 }, (_, i) => `line-${i}`).join('\n') + '\n';
    const idempotent = await runKcat(['-b', broker.bootstrap, '-P', '-t', 'rd', '-p', '0', '-X', 'enable.idempotence=true', '-X', 'linger.ms=0'], { input: lines });
    assert.equal(idempotent.code, 0, idempotent.stderr);
    const plain = await runKcat(['-b', broker.bootstrap, '-P', '-t', 'plain', '-p', '0'], { input: lines });
    assert.equal(plain.code, 0, plain.stderr);

    const written = await batchesOf(broker, 'rd', 0);
    const r = await describeProducers(wire, { rd: [0], plain: [0] });
    assert.deepEqual(codes(r), [`rd/0: ${ErrorCode.NONE}`, `plain/0: ${ErrorCode.NONE}`]);
    const [state] = r.topics[0]!.partitions[0]!.activeProducers;
    assert.deepEqual([state?.producerId, state?.producerEpoch, state?.lastSequence], [written[0]!.producerIdExact, written[0]!.producerEpoch, 6]);
    assert.deepEqual(r.topics[1]!.partitions[0]!.activeProducers, []);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a partition or topic that does not exist', async () => {
    const { wire, admin } = await brokers.start();
    await admin.createTopics({ topics: [{ topic: 'one' }] });
    const r = await describeProducers(wire, { one: [0, 3, -1], missing: [0] });
    assert.deepEqual(codes(r), [
      `one/0: ${ErrorCode.NONE}`,
      `one/3: ${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`,
      `one/-1: ${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`,
      `missing/0: ${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`,
    ]);
  });

  it('leaves out a producer once its writes are deleted (DeleteRecords), as Kafka drops it', async () => {
    const { wire, kafka, admin } = await brokers.start();
    await admin.createTopics({ topics: [{ topic: 'trimmed' }] });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    brokers.defer(() => producer.disconnect());
    await producer.send({ topic: 'trimmed', messages: [{ value: 'a' }, { value: 'b' }] });
    assert.equal((await describeProducers(wire, { trimmed: [0] })).topics[0]!.partitions[0]!.activeProducers.length, 1);
    await admin.fetchTopicMetadata({ topics: ['trimmed'] }); // KafkaJS finds leaders in its metadata cache only
    await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '2' }] });
    assert.deepEqual((await describeProducers(wire, { trimmed: [0] })).topics[0]!.partitions[0]!.activeProducers, []);
  });

  it('answers TOPIC_AUTHORIZATION_FAILED to a principal without READ on the topic, before looking the partition up', async () => {
    const { wire } = await brokers.start({ 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' });
    const r = await describeProducers(wire, { anything: [0, 5] });
    assert.deepEqual(codes(r), [`anything/0: ${ErrorCode.TOPIC_AUTHORIZATION_FAILED}`, `anything/5: ${ErrorCode.TOPIC_AUTHORIZATION_FAILED}`]);
  });
});
