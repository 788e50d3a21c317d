/**
 * ACL enforcement in every API a client uses, the scenario
 * (acl-scenario.ts): bob has ALL on the topics and groups prefixed `bob-`,
 * alice on those prefixed `alice-`, carol on nothing, and no ACL means no.
 * Logged in as herself, alice cannot read bob's topic, append to it (whatever
 * producer id she claims), describe or alter its configs, delete it, see it in
 * an all-topics Metadata answer, or commit offsets for his group, while bob
 * does all of it on his; an idempotent producer starts only with
 * IDEMPOTENT_WRITE on the cluster or WRITE on some topic.
 *
 * KafkaJS 2.2.4 and tskafka's own producer are the clients; where a client
 * stops at an earlier refusal (Metadata, FindCoordinator), the refused API is
 * also asked on the wire, as alice, to check its own answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import kafkajs, { type Admin, type Consumer, type Producer as KafkaJSProducer, Kafka as KafkaJS, logLevel as kafkajsLogLevel } from 'kafkajs';
import { AclOperation, AclResourceType, CLUSTER_RESOURCE_NAME } from '../../../src/broker/acl/acl-binding.js';
import { type RunningBroker } from '../../../src/broker/server.js';
import { logLevel } from '../../../src/client/logger.js';
import { KafkaJSProtocolError } from '../../../src/errors/protocol-errors.js';
import { Kafka } from '../../../src/kafka.js';
import { type Producer } from '../../../src/producer/producer.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
  InitProducerIdRequest,
  InitProducerIdResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
} from '../../../src/protocol/generated/index.js';
import { idempotentBatch, produceBatch } from '../../support/idempotent-produce.js';
import { disconnectQuietly, within } from '../../support/within.js';
import { type RawClient } from '../groups/raw-client.js';
import { USERS, type User, allowLiteral, fetchPartition, grant, rawClientAs, startAclScenario, valuesOf } from './acl-scenario.js';

const { ConfigResourceTypes } = kafkajs;

interface KafkaJSErrorShape {
  type?: string;
  message?: string;
  cause?: KafkaJSErrorShape;
  errors?: KafkaJSErrorShape[];
}

/** Whether `e`, an error it wraps (`cause`) or aggregates (`errors`) is KafkaJS's protocol error `type`. */
const isOfType = (e: KafkaJSErrorShape | undefined, type: string): boolean => e !== undefined && (e.type === type || isOfType(e.cause, type) || (e.errors ?? []).some((inner) => isOfType(inner, type)));

/** A KafkaJS error for `type` (KafkaJS names protocol errors by Kafka's error names). */
function kafkajsError(type: string): (e: unknown) => boolean {
  return (e: unknown) => {
    const found = e as KafkaJSErrorShape;
    assert.ok(isOfType(found, type), `expected ${type}, got ${String(found.type)}: ${String(found.message)}`);
    return true;
  };
}

describe('ACL enforcement with KafkaJS and tskafka: alice cannot touch what is bob\'s', () => {
  let running: RunningBroker;
  const raws: RawClient[] = [];
  const admins = new Map<User, Admin>();
  const kafkajsClients: (KafkaJSProducer | Consumer)[] = [];
  const producers: Producer[] = [];

  const kafkajsAs = (user: User): KafkaJS =>
    new KafkaJS({
      clientId: `enforcement-${user}`,
      brokers: [running.bootstrap],
      sasl: { mechanism: 'plain', username: user, password: USERS[user] },
      logLevel: kafkajsLogLevel.NOTHING,
      retry: { retries: 0 },
    });

  const adminAs = async (user: User): Promise<Admin> => {
    let admin = admins.get(user);
    if (!admin) {
      admin = kafkajsAs(user).admin();
      await admin.connect();
      admins.set(user, admin);
    }
    return admin;
  };

  const rawAs = async (user: User): Promise<RawClient> => {
    const raw = await rawClientAs(running, user);
    raws.push(raw);
    return raw;
  };

  /** tskafka's own producer (idempotent by default), logged in as `user`. */
  const tskafkaProducerAs = (user: User): Producer => {
    const producer = new Kafka({
      clientId: `enforcement-tskafka-${user}`,
      brokers: [running.bootstrap],
      sasl: { mechanism: 'plain', username: user, password: USERS[user] },
      allowPlainTextSasl: true, // a loopback test broker without TLS
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).producer();
    producers.push(producer);
    return producer;
  };

  before(async () => {
    running = await startAclScenario();
    // Each creates their own topics: CREATE comes with ALL on the prefix.
    await (await adminAs('bob')).createTopics({ topics: [{ topic: 'bob-orders' }, { topic: 'bob-ledger' }, { topic: 'bob-scratch' }] });
    await (await adminAs('alice')).createTopics({ topics: [{ topic: 'alice-notes' }] });
    const bob = kafkajsAs('bob').producer();
    kafkajsClients.push(bob);
    await bob.connect();
    await bob.send({ topic: 'bob-orders', acks: -1, messages: [{ value: 'bob-1' }, { value: 'bob-2' }] });
  });

  after(async () => {
    for (const raw of raws) raw.close();
    await Promise.all(producers.map((p) => disconnectQuietly(p)));
    await Promise.all([...kafkajsClients, ...admins.values()].map((c) => c.disconnect().catch(() => undefined)));
    await running.close();
  });

  it('alice cannot read bob\'s topic (Fetch: TOPIC_AUTHORIZATION_FAILED; KafkaJS stops at Metadata), bob\'s consumer group reads it', { timeout: 120_000 }, async () => {
    assert.equal((await fetchPartition(await rawAs('alice'), 'bob-orders')).errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    // Not even whether a topic exists: a missing bob- topic is refused alike.
    assert.equal((await fetchPartition(await rawAs('alice'), 'bob-missing')).errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);

    const aliceConsumer = kafkajsAs('alice').consumer({ groupId: 'alice-readers' });
    kafkajsClients.push(aliceConsumer);
    await aliceConsumer.connect();
    await assert.rejects(aliceConsumer.subscribe({ topics: ['bob-orders'], fromBeginning: true }), kafkajsError('TOPIC_AUTHORIZATION_FAILED'));

    const bobConsumer = kafkajsAs('bob').consumer({ groupId: 'bob-readers' });
    kafkajsClients.push(bobConsumer);
    await bobConsumer.connect();
    await bobConsumer.subscribe({ topics: ['bob-orders'], fromBeginning: true });
    const seen: string[] = [];
    await within(
      "bob's consumer reads his records",
      new Promise<void>((resolve, reject) => {
        bobConsumer
          .run({
            eachMessage: async ({ message }) => {
              seen.push(message.value!.toString());
              if (seen.length === 2) resolve();
            },
          })
          .catch(reject);
      }),
      30_000,
    );
    assert.deepEqual(seen, ['bob-1', 'bob-2']);
    await bobConsumer.disconnect();
  });

  it('alice cannot append to bob\'s topic whatever producer id she claims, so she cannot replace his records', { timeout: 120_000 }, async () => {
    const aliceProducer = kafkajsAs('alice').producer();
    kafkajsClients.push(aliceProducer);
    await aliceProducer.connect();
    await assert.rejects(aliceProducer.send({ topic: 'bob-ledger', acks: -1, messages: [{ value: 'alice-was-here' }] }), kafkajsError('TOPIC_AUTHORIZATION_FAILED'));

    // Bob's idempotent batches under his producer id, sequence 0 then 1.
    const bob = await rawAs('bob');
    const init = await bob.send(InitProducerIdRequest, InitProducerIdResponse, 4, { transactionalId: null, transactionTimeoutMs: 60_000 });
    assert.equal(init.errorCode, ErrorCode.NONE);
    const pid = init.producerId;
    assert.equal((await produceBatch(bob, 'bob-ledger', 0, idempotentBatch(pid, 0, 0))).errorCode, ErrorCode.NONE);

    // Alice claims his id: his next sequence (a batch his own would then be a "duplicate" of),
    // a newer epoch (which would fence him), an id of her own, and none at all.
    const alice = await rawAs('alice');
    for (const forged of [idempotentBatch(pid, 0, 1), idempotentBatch(pid, 1, 0), idempotentBatch(pid + 1000n, 0, 0), idempotentBatch(-1n, -1, -1)]) {
      assert.equal((await produceBatch(alice, 'bob-ledger', 0, forged)).errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    }

    // Bob's next batch is stored as his, not taken for a duplicate nor fenced.
    const next = await produceBatch(bob, 'bob-ledger', 0, idempotentBatch(pid, 0, 1));
    assert.equal(next.errorCode, ErrorCode.NONE, next.errorMessage ?? '');
    assert.equal(next.baseOffset, 1n);
    const read = await fetchPartition(bob, 'bob-ledger');
    assert.equal(read.errorCode, ErrorCode.NONE);
    assert.deepEqual(valuesOf(read.batches), [`${pid}/0/0`, `${pid}/0/1`]);
  });

  it('alice can neither describe nor alter the configs of bob\'s topic; bob can', async () => {
    const alice = await adminAs('alice');
    const bob = await adminAs('bob');
    const resource = { type: ConfigResourceTypes.TOPIC, name: 'bob-orders' };
    await assert.rejects(alice.alterConfigs({ validateOnly: false, resources: [{ ...resource, configEntries: [{ name: 'retention.ms', value: '1000' }] }] }), kafkajsError('TOPIC_AUTHORIZATION_FAILED'));
    await assert.rejects(alice.describeConfigs({ resources: [{ ...resource, configNames: ['retention.ms'] }], includeSynonyms: false }), kafkajsError('TOPIC_AUTHORIZATION_FAILED'));
    const incremental = await (await rawAs('alice')).send(IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, 1, {
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'bob-orders', configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }] }],
      validateOnly: false,
    });
    assert.equal(incremental.responses[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);

    await bob.alterConfigs({ validateOnly: false, resources: [{ ...resource, configEntries: [{ name: 'retention.ms', value: '86400000' }] }] });
    const described = await bob.describeConfigs({ resources: [{ ...resource, configNames: ['retention.ms'] }], includeSynonyms: false });
    assert.deepEqual(
      described.resources[0]!.configEntries.map((c) => [c.configName, c.configValue]),
      [['retention.ms', '86400000']],
    );
  });

  it('alice cannot delete bob\'s topic; bob can delete his own', async () => {
    const alice = await adminAs('alice');
    const bob = await adminAs('bob');
    await assert.rejects(alice.deleteTopics({ topics: ['bob-scratch'], timeout: 5000 }), kafkajsError('TOPIC_AUTHORIZATION_FAILED'));
    assert.ok((await bob.listTopics()).includes('bob-scratch'), "bob's topic is still there");
    await bob.deleteTopics({ topics: ['bob-scratch'], timeout: 5000 });
    assert.ok(!(await bob.listTopics()).includes('bob-scratch'));
  });

  it('alice does not see bob\'s topic in an all-topics Metadata answer, nor he hers; named, it is TOPIC_AUTHORIZATION_FAILED', async () => {
    const alice = await adminAs('alice');
    const bob = await adminAs('bob');
    assert.deepEqual((await alice.listTopics()).sort(), ['alice-notes']);
    assert.deepEqual((await bob.listTopics()).sort(), ['bob-ledger', 'bob-orders']);
    await assert.rejects(alice.fetchTopicMetadata({ topics: ['bob-orders'] }), kafkajsError('TOPIC_AUTHORIZATION_FAILED'));
    const own = await alice.fetchTopicMetadata({ topics: ['alice-notes'] });
    assert.deepEqual(
      own.topics.map((t) => t.name),
      ['alice-notes'],
    );
  });

  it('alice cannot commit offsets for bob\'s group (GROUP_AUTHORIZATION_FAILED), nor for her group on his topic; bob can', async () => {
    const commit = (client: RawClient, groupId: string, topic: string, offset: bigint) =>
      client.send(OffsetCommitRequest, OffsetCommitResponse, 8, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
    const alice = await rawAs('alice');
    const bob = await rawAs('bob');
    assert.equal((await commit(alice, 'bob-group', 'alice-notes', 1n)).topics[0]!.partitions[0]!.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    assert.equal((await commit(alice, 'bob-group', 'bob-orders', 1n)).topics[0]!.partitions[0]!.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    assert.equal((await commit(alice, 'alice-group', 'bob-orders', 1n)).topics[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    // KafkaJS's admin stops at FindCoordinator, refused for the group alike: KafkaJS drops the
    // code (its broker pool reports "Failed to find group coordinator"), the wire shows it.
    const coordinator = await alice.send(FindCoordinatorRequest, FindCoordinatorResponse, 4, { keyType: 0, coordinatorKeys: ['bob-group'] });
    assert.equal(coordinator.coordinators[0]!.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    await assert.rejects((await adminAs('alice')).setOffsets({ groupId: 'bob-group', topic: 'alice-notes', partitions: [{ partition: 0, offset: '1' }] }), { name: 'KafkaJSGroupCoordinatorNotFound' });

    assert.equal((await commit(bob, 'bob-group', 'bob-orders', 2n)).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
    const fetched = await bob.send(OffsetFetchRequest, OffsetFetchResponse, 8, { groups: [{ groupId: 'bob-group', topics: null }], requireStable: false });
    assert.deepEqual(
      fetched.groups[0]!.topics.map((t) => [t.name, t.partitions.map((p) => p.committedOffset)]),
      [['bob-orders', [2n]]],
    );
    const peek = await alice.send(OffsetFetchRequest, OffsetFetchResponse, 8, { groups: [{ groupId: 'bob-group', topics: null }], requireStable: false });
    assert.equal(peek.groups[0]!.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    assert.deepEqual(peek.groups[0]!.topics, []);
  });

  it('an idempotent tskafka producer starts only with IDEMPOTENT_WRITE on the cluster or WRITE on some topic (KIP-679)', { timeout: 120_000 }, async () => {
    const carol = tskafkaProducerAs('carol');
    await assert.rejects(within('carol connects', carol.connect(), 20_000), (e: unknown) => {
      assert.ok(e instanceof KafkaJSProtocolError, `a KafkaJSProtocolError, got ${String(e)}`);
      assert.equal(e.type, 'CLUSTER_AUTHORIZATION_FAILED');
      return true;
    });

    // alice may WRITE on the topics prefixed alice-: enough for a producer id.
    const alice = tskafkaProducerAs('alice');
    await within('alice connects', alice.connect(), 20_000);
    const [sent] = await alice.send({ topic: 'alice-notes', messages: [{ value: 'note' }] });
    assert.equal(sent!.errorCode, ErrorCode.NONE);

    // Once carol is granted IDEMPOTENT_WRITE on the cluster, she gets one too.
    await grant(running, [allowLiteral(AclResourceType.CLUSTER, CLUSTER_RESOURCE_NAME, 'carol', AclOperation.IDEMPOTENT_WRITE)]);
    const carolAgain = tskafkaProducerAs('carol');
    await within('carol connects once granted', carolAgain.connect(), 20_000);
  });
});
