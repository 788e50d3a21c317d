/**
 * Admin calls whose effect no peer can ask about with the same API (KafkaJS,
 * kcat and confluent-kafka 1.7 have no SCRAM credential, quota, producer-state,
 * isolation-level or election calls), or whose effect is more than what is
 * described, checked by what a peer then meets:
 * - SCRAM credentials: the mechanisms described are exactly those kcat can log in with;
 * - ACLs: kcat, logged in as the user, sees and reads a topic only while the ACL exists;
 * - client quotas: a KafkaJS producer of the user the quota described names is
 *   throttled (KafkaJS logs it), another user's is not, and after removal neither;
 * - describeProducers: each kcat (librdkafka) idempotent producer, with the last
 *   sequence of the records it wrote;
 * - listOffsets by isolation level and timestamp: what librdkafka's consumer
 *   reads (confluent-kafka-python) of the records KafkaJS wrote;
 * - topic configs: what a kcat producer may then write (max.message.bytes);
 * - electLeaders and reassignments on this one-broker cluster: kcat still sees
 *   every partition led by its one replica.
 * The other admin calls are checked against KafkaJS's admin in their own files.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Admin } from '../../src/admin/admin.js';
import { type AclEntry, AclOperationTypes, AclPermissionTypes, AclResourceTypes, ConfigResourceTypes, IsolationLevel, ResourcePatternTypes } from '../../src/admin/admin-types.js';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { runKcat, skipWithoutKcat } from '../support/kcat.js';
import { type AdminFixture, startAdminFixture } from './admin-fixture.js';
import { type ScramLogin, kafkajsAs, kcatConsume, kcatLogsIn, kcatMetadata, librdkafkaOffsets } from './peer-effects-fixture.js';

const ADMIN: ScramLogin = { user: 'admin', password: 'admin-secret', mechanism: 'SCRAM-SHA-256' };
const HANA: ScramLogin = { user: 'hana', password: 'hana-secret', mechanism: 'SCRAM-SHA-512' };
const BASE_TIMESTAMP = 1_700_000_000_000;
const IVO: ScramLogin = { user: 'ivo', password: 'ivo-secret', mechanism: 'SCRAM-SHA-256' };

const acl = (principal: string, topic: string, operation: AclOperationTypes): AclEntry => ({
  resourceType: AclResourceTypes.TOPIC,
  resourceName: topic,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal,
  host: '*',
  operation,
  permissionType: AclPermissionTypes.ALLOW,
});

describe('admin effects a peer meets on a SASL broker with ACLs', { skip: skipWithoutKcat }, () => {
  let broker: RunningBroker;
  let admin: Admin;

  before(async () => {
    broker = await startBroker({
      inMemory: true,
      logLevel: 'nothing',
      properties: {
        listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.users': `${ADMIN.user}:${ADMIN.password}`,
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users': 'User:admin',
        'num.partitions': 1,
        'group.initial.rebalance.delay.ms': 0,
        // Two 1 s samples: a small burst goes over a quota at once.
        'quota.window.num': 2,
      },
    });
    admin = new Kafka({
      clientId: 'peer-effects-admin',
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
      sasl: { mechanism: 'scram-sha-256', username: ADMIN.user, password: ADMIN.password },
    }).admin({ retry: { retries: 2 } });
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'guarded' }, { topic: 'metered' }] });
  });

  after(async () => {
    await admin.disconnect();
    await broker.close();
  });

  it('describeUserScramCredentials lists exactly the mechanisms kcat can log in with, after alterUserScramCredentials', async () => {
    await admin.alterUserScramCredentials({
      upsertions: [
        { user: HANA.user, mechanism: 'SCRAM-SHA-512', iterations: 8192, password: HANA.password },
        { user: IVO.user, mechanism: 'SCRAM-SHA-256', password: IVO.password },
        { user: IVO.user, mechanism: 'SCRAM-SHA-512', password: IVO.password },
      ],
    });
    await admin.alterUserScramCredentials({ deletions: [{ user: IVO.user, mechanism: 'SCRAM-SHA-512' }] });
    const described = await admin.describeUserScramCredentials({ users: [ADMIN.user, HANA.user, IVO.user] });
    assert.deepEqual(
      described.map((u) => [u.user, u.credentials.map((c) => c.mechanism).sort()]),
      [
        ['admin', ['SCRAM-SHA-256', 'SCRAM-SHA-512']],
        ['hana', ['SCRAM-SHA-512']],
        ['ivo', ['SCRAM-SHA-256']],
      ],
    );
    assert.equal(described[1]!.credentials[0]!.iterations, 8192);
    assert.deepEqual((await admin.describeUserScramCredentials()).map((u) => u.user).sort(), ['admin', 'hana', 'ivo'], 'no users named: every user');
    // Each (user, mechanism): kcat logs in exactly when a credential is described.
    const passwords = new Map([ADMIN, HANA, IVO].map((l) => [l.user, l.password]));
    const attempts = described.flatMap((u) =>
      (['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const).map(async (mechanism) => {
        const loggedIn = await kcatLogsIn(broker, { user: u.user, password: passwords.get(u.user)!, mechanism });
        return [u.user, mechanism, loggedIn] as const;
      }),
    );
    const expected = described.flatMap((u) => (['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const).map((m) => [u.user, m, u.credentials.some((c) => c.mechanism === m)] as const));
    assert.deepEqual(await Promise.all(attempts), expected);
  });

  it('createAcls lets kcat, logged in as the user, see and read a topic; deleteAcls takes it away; describeAcls lists what kcat met', async () => {
    const producer = kafkajsAs(broker, ADMIN, 'peer-effects-writer').kafkajs.producer();
    await producer.connect();
    await producer.send({ topic: 'guarded', messages: ['one', 'two', 'three'].map((value) => ({ value })) });
    await producer.disconnect();

    const topicError = async (): Promise<string | undefined> => {
      const listed = await kcatMetadata(broker, HANA, 'guarded');
      assert.equal(listed.code, 0, listed.stderr);
      const metadata = JSON.parse(listed.stdout) as { topics: { topic: string; error?: string; partitions: unknown[] }[] };
      return metadata.topics.find((t) => t.topic === 'guarded')?.error;
    };
    assert.match((await topicError()) ?? 'no error', /authoriz/i, 'no ACL yet: the topic is hidden from hana');

    await admin.createAcls({ acl: [acl('User:hana', 'guarded', AclOperationTypes.READ)] });
    const described = await admin.describeAcls({
      resourceType: AclResourceTypes.TOPIC,
      resourceName: 'guarded',
      resourcePatternType: ResourcePatternTypes.LITERAL,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    assert.deepEqual(described.resources.map((r) => [r.resourceName, r.acls.map((a) => [a.principal, a.operation, a.permissionType])]), [['guarded', [['User:hana', AclOperationTypes.READ, AclPermissionTypes.ALLOW]]]]);
    assert.equal(await topicError(), undefined, 'READ implies DESCRIBE');
    // kcat -C -e without a group: Fetch only, which READ on the topic allows.
    const consumed = await kcatConsume(broker, HANA, 'guarded');
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.deepEqual(consumed.stdout.trim().split('\n'), ['one', 'two', 'three']);

    const deleted = await admin.deleteAcls({ filters: [{ ...acl('User:hana', 'guarded', AclOperationTypes.ANY), permissionType: AclPermissionTypes.ANY }] });
    assert.equal(deleted.filterResponses[0]!.matchingAcls.length, 1);
    assert.match((await topicError()) ?? 'no error', /authoriz/i, 'the ACL is gone: hidden again');
  });

  it('alterClientQuotas throttles a KafkaJS producer of the user describeClientQuotas names, not another user; removing it stops that', async () => {
    await admin.createAcls({ acl: [acl('User:hana', 'metered', AclOperationTypes.WRITE), acl('User:ivo', 'metered', AclOperationTypes.WRITE)] });
    await admin.alterClientQuotas({ entries: [{ entity: [{ entityType: 'user', entityName: 'hana' }], ops: [{ key: 'producer_byte_rate', value: 50_000 }] }] });
    assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: 'user' }] }), [{ entity: [{ entityType: 'user', entityName: 'hana' }], values: { producer_byte_rate: 50_000 } }]);

    /** Produce 50 KB records as `login` until KafkaJS reports a throttle or `limit` records went; the throttles KafkaJS logged. */
    const produceAs = async (login: ScramLogin, limit: number): Promise<number[]> => {
      const { kafkajs, throttles } = kafkajsAs(broker, login, `peer-effects-${login.user}`);
      const producer = kafkajs.producer();
      await producer.connect();
      try {
        for (let i = 0; i < limit && throttles.length === 0; i++) await producer.send({ topic: 'metered', acks: -1, messages: [{ value: randomBytes(50_000) }] });
        return throttles;
      } finally {
        await producer.disconnect();
      }
    };
    // Even a loaded machine sends 400 KB well inside 2 s windows faster than 50 KB/s.
    const hanaThrottles = await produceAs(HANA, 8);
    assert.ok(hanaThrottles.length > 0 && hanaThrottles[0]! > 0, 'KafkaJS reported no throttle for hana over her quota');
    assert.deepEqual(await produceAs(IVO, 8), [], 'ivo has no quota');

    await admin.alterClientQuotas({ entries: [{ entity: [{ entityType: 'user', entityName: 'hana' }], ops: [{ key: 'producer_byte_rate', remove: true }] }] });
    assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: 'user' }] }), []);
    assert.deepEqual(await produceAs(HANA, 8), [], 'the quota is gone');

    // The default user quota (name null) holds every user without a quota of their own: ivo too.
    const defaultUser = [{ entityType: 'user', entityName: null }];
    await admin.alterClientQuotas({ entries: [{ entity: defaultUser, ops: [{ key: 'producer_byte_rate', value: 50_000 }] }] });
    assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: 'user', match: null }], strict: true }), [{ entity: defaultUser, values: { producer_byte_rate: 50_000 } }]);
    assert.ok((await produceAs(IVO, 8)).length > 0, 'KafkaJS reported no throttle for ivo under the default user quota');
    await admin.alterClientQuotas({ entries: [{ entity: defaultUser, ops: [{ key: 'producer_byte_rate', remove: true }] }] });
  });
});

describe('admin effects a peer causes on a plaintext broker', () => {
  let f: AdminFixture;
  before(async () => {
    f = await startAdminFixture('admin-peer-effects-test');
    await f.admin.createTopics({ topics: [{ topic: 'idem', numPartitions: 2 }, { topic: 'listed' }, { topic: 'capped' }, { topic: 'sized' }] });
  });
  after(async () => {
    await f.close();
  });

  it('incrementalAlterConfigs and alterConfigs change what a kcat producer may write (max.message.bytes), not only what is described', { skip: skipWithoutKcat }, async () => {
    const produce = (bytes: number) => runKcat(['-b', f.broker.bootstrap, '-P', '-t', 'capped', '-p', '0', '-X', 'message.max.bytes=1000000'], { input: `${'x'.repeat(bytes)}\n` });
    const capped = { type: ConfigResourceTypes.TOPIC, name: 'capped' };
    await f.admin.incrementalAlterConfigs({ resources: [{ ...capped, configEntries: [{ name: 'max.message.bytes', value: '1024' }] }] });
    const refused = await produce(4000);
    assert.notEqual(refused.code, 0, 'a 4 KB record over max.message.bytes 1024 was accepted');
    assert.match(refused.stderr, /too large/i);
    assert.equal((await produce(100)).code, 0, 'a small record still goes');
    // alterConfigs replaces every override: max.message.bytes goes back to its default.
    await f.admin.alterConfigs({ resources: [{ ...capped, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
    const accepted = await produce(4000);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.equal((await f.peer.fetchTopicOffsets('capped'))[0]!.high, '2');
  });

  it('electLeaders and alterPartitionReassignments leave every partition led and replicated as kcat (librdkafka) then sees it', { skip: skipWithoutKcat }, async () => {
    // One broker holds every partition's one replica: no election or move can change anything, and must not break anything.
    const node = f.broker.config.nodeId;
    assert.deepEqual(await f.admin.electLeaders({ electionType: 'UNCLEAN', topicPartitions: [{ topic: 'idem', partitions: [0, 1] }] }), [
      { topic: 'idem', partitions: [0, 1].map((partition) => ({ partition, electionNotNeeded: true })) },
    ]);
    await f.admin.alterPartitionReassignments({ topics: [{ topic: 'idem', partitionAssignment: [0, 1].map((partition) => ({ partition, replicas: [node] })) }] });
    assert.deepEqual(await f.admin.listPartitionReassignments(), { topics: [] });
    const listed = await runKcat(['-b', f.broker.bootstrap, '-L', '-J', '-t', 'idem']);
    assert.equal(listed.code, 0, listed.stderr);
    const topic = (JSON.parse(listed.stdout) as { topics: { partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[] }[] }).topics[0]!;
    assert.deepEqual(
      topic.partitions.map((p) => [p.partition, p.leader, p.replicas.map((r) => r.id), p.isrs.map((r) => r.id)]).sort(),
      [0, 1].map((partition) => [partition, node, [node], [node]]),
    );
  });

  it('describeLogDirs reports the bytes of the record batches kcat (librdkafka) wrote, by the record batch format', { skip: skipWithoutKcat }, async () => {
    /** A zigzag varint's length in bytes. */
    const varintBytes = (n: number): number => Math.max(1, Math.ceil(Math.log2((n << 1) + 1) / 7));
    /** One record batch of one uncompressed record: the 61-byte batch header, then the record (attributes, timestamp and offset deltas 0, key, value, no headers) after its length. */
    const batchBytes = (key: string, value: string): number => {
      const body = 1 + 1 + 1 + varintBytes(key.length) + key.length + varintBytes(value.length) + value.length + 1;
      return 61 + varintBytes(body) + body;
    };
    const records: [string, string][] = [['k', 'v'], ['key-2', 'w'.repeat(100)], ['key-three', 'x'.repeat(3000)]];
    for (const [key, value] of records) {
      // One kcat run per record: one record batch each, its timestamp delta 0.
      const produced = await runKcat(['-b', f.broker.bootstrap, '-P', '-t', 'sized', '-p', '0', '-K', ':', '-z', 'none'], { input: `${key}:${value}\n` });
      assert.equal(produced.code, 0, produced.stderr);
    }
    const expected = records.reduce((sum, [key, value]) => sum + batchBytes(key, value), 0);
    const answer = await f.admin.describeLogDirs({ topics: [{ topic: 'sized', partitions: [0] }] });
    assert.deepEqual(answer[0]!.logDirs[0]!.topics, [{ topic: 'sized', partitions: [{ partition: 0, size: expected, offsetLag: 0, isFuture: false }] }]);
  });

  it('describeProducers lists each kcat (librdkafka) idempotent producer with the last sequence it wrote', { skip: skipWithoutKcat }, async () => {
    const kcatProduce = async (lines: number): Promise<void> => {
      const input = Array.from({ length: lines }, (_, i) => `r${i}`).join('\n') + '\n';
      const produced = await runKcat(['-b', f.broker.bootstrap, '-P', '-t', 'idem', '-p', '0', '-X', 'enable.idempotence=true'], { input });
      assert.equal(produced.code, 0, produced.stderr);
    };
    await kcatProduce(5);
    const first = await f.admin.describeProducers({ topics: [{ topic: 'idem', partitions: [0, 1] }] });
    const [p0, p1] = first[0]!.partitions;
    assert.deepEqual(p0!.activeProducers.map((p) => [p.producerEpoch, p.lastSequence, p.currentTransactionStartOffset]), [[0, 4, null]]);
    assert.deepEqual(p1, { partition: 1, activeProducers: [] }, 'kcat wrote nothing there');

    await kcatProduce(3);
    const second = (await f.admin.describeProducers({ topics: [{ topic: 'idem', partitions: [0] }] }))[0]!.partitions[0]!.activeProducers;
    const byId = new Map(second.map((p) => [p.producerId, p.lastSequence]));
    assert.equal(byId.size, 2, 'two kcat runs, two producer ids');
    assert.equal(byId.get(p0!.activeProducers[0]!.producerId), 4, 'the first run is remembered');
    assert.deepEqual([...byId.values()].sort((a, b) => a - b), [2, 4]);
    // What the records say: 8 of them, as kcat wrote.
    assert.equal((await f.peer.fetchTopicOffsets('idem')).find((p) => p.partition === 0)!.high, '8');
  });

  it("listOffsets answers, at both isolation levels and by timestamp, what librdkafka's consumer reads of what KafkaJS wrote", async (t) => {
    const producer = await f.producer();
    await producer.send({ topic: 'listed', messages: Array.from({ length: 6 }, (_, i) => ({ value: `v${i}`, timestamp: String(BASE_TIMESTAMP + i * 1000) })) });
    const ours = async (spec: 'earliest' | 'latest' | number, isolationLevel: IsolationLevel = IsolationLevel.READ_COMMITTED) =>
      Number((await f.admin.listOffsets({ topics: [{ topic: 'listed' }], spec, isolationLevel }))[0]!.partitions[0]!.offset);
    const answered = {
      readCommitted: [await ours('earliest'), await ours('latest')],
      readUncommitted: [await ours('earliest', IsolationLevel.READ_UNCOMMITTED), await ours('latest', IsolationLevel.READ_UNCOMMITTED)],
      forTimestamp: await ours(BASE_TIMESTAMP + 2500),
    };
    // The broker serves no transactions, so the last stable offset is the high watermark.
    assert.deepEqual(answered, { readCommitted: [0, 6], readUncommitted: [0, 6], forTimestamp: 3 });
    const theirs = await librdkafkaOffsets(f.broker.bootstrap, 'listed', BASE_TIMESTAMP + 2500);
    if (theirs === undefined) return t.skip('needs /usr/bin/python3 with confluent-kafka');
    assert.deepEqual(answered, theirs);
  });
});
