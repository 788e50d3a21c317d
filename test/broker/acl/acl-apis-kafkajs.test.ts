/**
 * CreateAcls, DescribeAcls and DeleteAcls through KafkaJS 2.2.4's admin, on a
 * SASL_PLAINTEXT listener with users alice, bob and the super user admin, ACLs
 * kept in a log directory: a super user manages ACLs; alice, without ALTER on
 * the cluster, is refused with CLUSTER_AUTHORIZATION_FAILED until she is
 * granted it; ACLs survive a restart of the broker, and so do deletions.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import kafkajs, { type Admin, Kafka, logLevel } from 'kafkajs';
import { AclOperation, AclResourceType } from '../../../src/broker/acl/acl-binding.js';
import { ACL_FILE } from '../../../src/broker/acl/acl-store.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

const USERS = { admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret' } as const;

/** A filter for every ACL (KafkaJS wants each field). */
const EVERY_ACL = {
  resourceType: AclResourceTypes.ANY,
  resourcePatternType: ResourcePatternTypes.ANY,
  operation: AclOperationTypes.ANY,
  permissionType: AclPermissionTypes.ANY,
} as const;

describe('the ACL APIs through the KafkaJS admin', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tskafka-acl-'));
  let running: RunningBroker;
  const admins: Admin[] = [];

  const start = async (): Promise<RunningBroker> =>
    startBroker({
      logLevel: 'nothing',
      properties: {
        listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
        'log.dirs': logDir,
        'sasl.enabled.mechanisms': 'PLAIN',
        'sasl.users': Object.entries(USERS)
          .map(([user, password]) => `${user}:${password}`)
          .join(','),
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users': 'User:admin',
      },
    });

  const adminAs = async (username: keyof typeof USERS): Promise<Admin> => {
    const admin = new Kafka({
      clientId: `acl-${username}`,
      brokers: [running.bootstrap],
      sasl: { mechanism: 'plain', username, password: USERS[username] },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin();
    admins.push(admin);
    await admin.connect();
    return admin;
  };

  const everyAcl = async (admin: Admin) => (await admin.describeAcls(EVERY_ACL)).resources;

  before(async () => {
    running = await start();
  });

  after(async () => {
    await Promise.all(admins.map((a) => a.disconnect()));
    await running.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('lets a super user create, describe (by ANY, LITERAL and MATCH filters) and delete ACLs', async () => {
    const admin = await adminAs('admin');
    await admin.createAcls({
      acl: [
        { resourceType: AclResourceTypes.TOPIC, resourceName: 'orders', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW },
        { resourceType: AclResourceTypes.TOPIC, resourceName: 'orders', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:bob', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY },
        { resourceType: AclResourceTypes.TOPIC, resourceName: 'ord', resourcePatternType: ResourcePatternTypes.PREFIXED, principal: 'User:bob', host: '10.0.0.1', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.ALLOW },
        { resourceType: AclResourceTypes.GROUP, resourceName: 'billing', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW },
      ],
    });
    // Creating an ACL again is a success that stores nothing new.
    await admin.createAcls({
      acl: [{ resourceType: AclResourceTypes.GROUP, resourceName: 'billing', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW }],
    });

    assert.deepEqual(await everyAcl(admin), [
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'orders',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        acls: [
          { principal: 'User:alice', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW },
          { principal: 'User:bob', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY },
        ],
      },
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'ord',
        resourcePatternType: ResourcePatternTypes.PREFIXED,
        acls: [{ principal: 'User:bob', host: '10.0.0.1', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.ALLOW }],
      },
      {
        resourceType: AclResourceTypes.GROUP,
        resourceName: 'billing',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        acls: [{ principal: 'User:alice', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW }],
      },
    ]);

    const literalOrders = await admin.describeAcls({ ...EVERY_ACL, resourceType: AclResourceTypes.TOPIC, resourceName: 'orders', resourcePatternType: ResourcePatternTypes.LITERAL });
    assert.deepEqual(
      literalOrders.resources.map((r) => [r.resourceName, r.acls.length]),
      [['orders', 2]],
    );
    const matchingOrders = await admin.describeAcls({ ...EVERY_ACL, resourceType: AclResourceTypes.TOPIC, resourceName: 'orders', resourcePatternType: ResourcePatternTypes.MATCH });
    assert.deepEqual(
      matchingOrders.resources.map((r) => [r.resourceName, r.resourcePatternType]),
      [
        ['orders', ResourcePatternTypes.LITERAL],
        ['ord', ResourcePatternTypes.PREFIXED],
      ],
    );
    const bobs = await admin.describeAcls({ ...EVERY_ACL, principal: 'User:bob' });
    assert.deepEqual(
      bobs.resources.flatMap((r) => r.acls.map((a) => `${r.resourceName} ${a.principal}`)),
      ['orders User:bob', 'ord User:bob'],
    );

    const { filterResponses } = await admin.deleteAcls({ filters: [{ ...EVERY_ACL, principal: 'User:bob' }, { ...EVERY_ACL, resourceType: AclResourceTypes.GROUP }, { ...EVERY_ACL, principal: 'User:nobody' }] });
    assert.deepEqual(
      filterResponses.map((f) => [f.errorCode, f.matchingAcls.map((a) => `${a.resourceName} ${a.principal} ${a.operation}`)]),
      [
        [0, [`orders User:bob ${AclOperationTypes.WRITE}`, `ord User:bob ${AclOperationTypes.ALL}`]],
        [0, [`billing User:alice ${AclOperationTypes.READ}`]],
        [0, []],
      ],
    );
    assert.deepEqual(
      (await everyAcl(admin)).flatMap((r) => r.acls.map((a) => `${r.resourceName} ${a.principal}`)),
      ['orders User:alice'],
    );
    await admin.deleteAcls({ filters: [EVERY_ACL] });
    assert.deepEqual(await everyAcl(admin), []);
  });

  it('refuses alice, without ALTER on the cluster, CreateAcls and DeleteAcls (and DescribeAcls without DESCRIBE) with CLUSTER_AUTHORIZATION_FAILED', async () => {
    const alice = await adminAs('alice');
    const aliceReadsOrders = { resourceType: AclResourceTypes.TOPIC, resourceName: 'orders', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.ALLOW };
    const refused = (e: unknown): boolean => {
      assert.equal((e as { type?: unknown }).type, 'CLUSTER_AUTHORIZATION_FAILED', String(e));
      return true;
    };
    await assert.rejects(alice.createAcls({ acl: [aliceReadsOrders] }), refused);
    await assert.rejects(alice.describeAcls(EVERY_ACL), refused);
    await assert.rejects(alice.deleteAcls({ filters: [EVERY_ACL] }), refused);

    const admin = await adminAs('admin');
    assert.deepEqual(await everyAcl(admin), [], 'nothing was created by the refused request');

    // DESCRIBE on the cluster lets alice see the ACLs, and nothing more.
    const clusterAcl = (operation: number) => ({ resourceType: AclResourceTypes.CLUSTER, resourceName: 'kafka-cluster', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation, permissionType: AclPermissionTypes.ALLOW });
    await admin.createAcls({ acl: [clusterAcl(AclOperationTypes.DESCRIBE)] });
    assert.equal((await everyAcl(alice)).length, 1);
    await assert.rejects(alice.createAcls({ acl: [aliceReadsOrders] }), refused);

    // ALTER on the cluster lets her manage them (and implies DESCRIBE).
    await admin.deleteAcls({ filters: [EVERY_ACL] });
    await admin.createAcls({ acl: [clusterAcl(AclOperationTypes.ALTER)] });
    await alice.createAcls({ acl: [aliceReadsOrders] });
    assert.equal((await everyAcl(alice)).length, 2);
    // bob still has nothing.
    await assert.rejects((await adminAs('bob')).describeAcls(EVERY_ACL), refused);
    await admin.deleteAcls({ filters: [EVERY_ACL] });
  });

  it('answers INVALID_REQUEST for a binding Kafka refuses (a CLUSTER resource with another name)', async () => {
    const admin = await adminAs('admin');
    await assert.rejects(
      admin.createAcls({
        acl: [{ resourceType: AclResourceTypes.CLUSTER, resourceName: 'my-cluster', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.ALTER, permissionType: AclPermissionTypes.ALLOW }],
      }),
      (e: unknown) => (e as { type?: unknown }).type === 'INVALID_REQUEST',
    );
    assert.deepEqual(await everyAcl(admin), []);
  });

  it('keeps ACLs, and deletions, across a restart of the broker (a JSON file in the log directory)', async () => {
    let admin = await adminAs('admin');
    await admin.createAcls({
      acl: [
        { resourceType: AclResourceTypes.TOPIC, resourceName: 'kept', resourcePatternType: ResourcePatternTypes.PREFIXED, principal: 'User:alice', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW },
        { resourceType: AclResourceTypes.TOPIC, resourceName: 'gone', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:bob', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.DENY },
      ],
    });
    const stored = JSON.parse(readFileSync(join(logDir, ACL_FILE), 'utf8')) as { version: number; acls: { resourceName: string; patternType: string; operation: string }[] };
    assert.equal(stored.version, 1);
    assert.deepEqual(
      stored.acls.map((a) => `${a.resourceName} ${a.patternType} ${a.operation}`),
      ['kept PREFIXED WRITE', 'gone LITERAL READ'],
    );

    const restart = async (): Promise<Admin> => {
      await Promise.all(admins.splice(0).map((a) => a.disconnect()));
      await running.close();
      running = await start();
      return adminAs('admin');
    };

    admin = await restart();
    assert.deepEqual(
      (await everyAcl(admin)).map((r) => [r.resourceName, r.resourcePatternType, r.acls]),
      [
        ['kept', ResourcePatternTypes.PREFIXED, [{ principal: 'User:alice', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW }]],
        ['gone', ResourcePatternTypes.LITERAL, [{ principal: 'User:bob', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.DENY }]],
      ],
    );
    assert.equal(running.broker.authorizer!.authorize('User:alice', '127.0.0.1', AclOperation.WRITE, AclResourceType.TOPIC, 'kept-1'), true, 'the reloaded ACLs are enforced');

    await admin.deleteAcls({ filters: [{ ...EVERY_ACL, resourceName: 'gone' }] });
    admin = await restart();
    assert.deepEqual(
      (await everyAcl(admin)).map((r) => r.resourceName),
      ['kept'],
    );
  });
});
