/**
 * ACL enforcement with kcat (librdkafka 2.x) as the client, the issue's
 * scenario (acl-scenario.ts): bob has ALL on the topics and groups prefixed
 * `bob-`, alice on those prefixed `alice-`, carol on nothing. Each creates
 * their topic by producing to it (Metadata auto-creation needs CREATE); alice
 * then cannot list, read or append to bob's topic, nor consume in his group,
 * while bob does; librdkafka's idempotent producer needs IDEMPOTENT_WRITE on
 * the cluster or WRITE on some topic to get a producer id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AclOperation, AclResourceType } from '../../../src/broker/acl/acl-binding.js';
import { type RunningBroker } from '../../../src/broker/server.js';
import { type KcatRun, runKcat, skipWithoutKcat } from '../../support/kcat.js';
import { USERS, type User, allowLiteral, grant, startAclScenario } from './acl-scenario.js';

describe("ACL enforcement with kcat: alice cannot touch what is bob's", { skip: skipWithoutKcat }, () => {
  let running: RunningBroker;

  /** kcat logged in as `user` with SASL PLAIN, then `args`. */
  const kcatAs = (user: User, args: readonly string[], input?: string): Promise<KcatRun> =>
    runKcat(
      [
        '-b', running.bootstrap,
        '-X', 'security.protocol=SASL_PLAINTEXT',
        '-X', 'sasl.mechanisms=PLAIN',
        '-X', `sasl.username=${user}`,
        '-X', `sasl.password=${USERS[user]}`,
        ...args,
      ],
      input === undefined ? {} : { input },
    );

  /** Produce lines with acks=all; the topic is created on the way when the user may. */
  const produce = (user: User, topic: string, lines: string, ...extra: string[]) => kcatAs(user, ['-P', '-t', topic, '-X', 'topic.request.required.acks=-1', ...extra], lines);
  /** Read a topic from the beginning to its end. */
  const consume = (user: User, topic: string) => kcatAs(user, ['-C', '-t', topic, '-o', 'beginning', '-e']);

  before(async () => {
    running = await startAclScenario();
    const bob = await produce('bob', 'bob-orders', 'bob-1\nbob-2\n');
    assert.equal(bob.code, 0, bob.stderr);
    const alice = await produce('alice', 'alice-notes', 'alice-1\n');
    assert.equal(alice.code, 0, alice.stderr);
  });

  after(() => running.close());

  it('kcat -L as alice lists her topic and not bob\'s; as bob, his and not hers', async () => {
    const alice = await kcatAs('alice', ['-m', '20', '-L']);
    assert.equal(alice.code, 0, alice.stderr);
    assert.match(alice.stdout, /topic "alice-notes"/);
    assert.doesNotMatch(alice.stdout, /bob-orders/);
    const bob = await kcatAs('bob', ['-m', '20', '-L']);
    assert.equal(bob.code, 0, bob.stderr);
    assert.match(bob.stdout, /topic "bob-orders"/);
    assert.doesNotMatch(bob.stdout, /alice-notes/);
  });

  it("alice cannot read bob's topic (Topic authorization failed); bob reads his records", async () => {
    const alice = await consume('alice', 'bob-orders');
    assert.notEqual(alice.code, 0, alice.stdout);
    assert.match(alice.stderr, /Topic authorization failed/);
    assert.equal(alice.stdout, '');
    const bob = await consume('bob', 'bob-orders');
    assert.equal(bob.code, 0, bob.stderr);
    assert.equal(bob.stdout, 'bob-1\nbob-2\n');
  });

  it("alice cannot append to bob's topic nor create one under his prefix; his records stay his", async () => {
    const append = await produce('alice', 'bob-orders', 'alice-was-here\n');
    assert.notEqual(append.code, 0);
    assert.match(append.stderr, /Delivery failed for message: Broker: Topic authorization failed/);
    const create = await produce('alice', 'bob-new', 'alice-was-here\n');
    assert.notEqual(create.code, 0);
    assert.match(create.stderr, /Topic authorization failed/);
    assert.equal(running.broker.topics.get('bob-new'), undefined, 'no topic was created for alice');

    const bob = await consume('bob', 'bob-orders');
    assert.equal(bob.stdout, 'bob-1\nbob-2\n');
  });

  it("alice cannot consume in bob's group (Not authorized to access group); bob's group consumer reads", async () => {
    const alice = await kcatAs('alice', ['-G', 'bob-group', 'alice-notes', '-e']);
    assert.notEqual(alice.code, 0, alice.stdout);
    assert.match(alice.stderr, /Not authorized to access group: bob-group/);
    assert.equal(alice.stdout, '');
    const bob = await kcatAs('bob', ['-G', 'bob-group', 'bob-orders', '-e', '-X', 'auto.offset.reset=earliest']);
    assert.equal(bob.code, 0, bob.stderr);
    assert.equal(bob.stdout, 'bob-1\nbob-2\n');
  });

  it('an idempotent kcat producer gets no producer id without IDEMPOTENT_WRITE on the cluster or WRITE on some topic', async () => {
    // carol may read alice's notes (so Metadata describes the topic to her), and write nowhere.
    await grant(running, [allowLiteral(AclResourceType.TOPIC, 'alice-notes', 'carol', AclOperation.READ)]);
    const carol = await produce('carol', 'alice-notes', 'carol-1\n', '-X', 'enable.idempotence=true');
    assert.notEqual(carol.code, 0);
    assert.match(carol.stderr, /Cluster authorization failed: Failed to acquire idempotence PID/);
    // alice may WRITE on the topics prefixed alice-: enough for a producer id (KIP-679).
    const alice = await produce('alice', 'alice-notes', 'alice-2\n', '-X', 'enable.idempotence=true');
    assert.equal(alice.code, 0, alice.stderr);
    assert.equal((await consume('alice', 'alice-notes')).stdout, 'alice-1\nalice-2\n');
  });
});
