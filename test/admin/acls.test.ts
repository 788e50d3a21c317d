/**
 * ACLs through our admin on a broker with an authorizer (the anonymous
 * principal a super user), checked with KafkaJS 2.2.4's admin: what createAcls
 * stores KafkaJS's describeAcls finds, our describeAcls answers what KafkaJS's
 * does, and what deleteAcls removes KafkaJS no longer finds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AclEntry, type AclFilter, AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from '../../src/admin/admin-types.js';
import { KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { KafkaJSProtocolError } from '../../src/errors/protocol-errors.js';
import { type AdminFixture, startAdminFixture } from './admin-fixture.js';

const EVERY_ACL: AclFilter = {
  resourceType: AclResourceTypes.ANY,
  resourcePatternType: ResourcePatternTypes.ANY,
  operation: AclOperationTypes.ANY,
  permissionType: AclPermissionTypes.ANY,
};

const READ_ORDERS: AclEntry = {
  resourceType: AclResourceTypes.TOPIC,
  resourceName: 'orders',
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: 'User:alice',
  host: '*',
  operation: AclOperationTypes.READ,
  permissionType: AclPermissionTypes.ALLOW,
};
const WRITE_PREFIXED: AclEntry = { ...READ_ORDERS, resourceName: 'audit-', resourcePatternType: ResourcePatternTypes.PREFIXED, principal: 'User:bob', operation: AclOperationTypes.WRITE };
const DENY_GROUP: AclEntry = { ...READ_ORDERS, resourceType: AclResourceTypes.GROUP, resourceName: 'billing', permissionType: AclPermissionTypes.DENY };

describe('admin: ACLs', () => {
  let f: AdminFixture;
  before(async () => {
    f = await startAdminFixture('admin-acls-test', {
      properties: { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:ANONYMOUS' },
    });
  });
  after(async () => {
    await f.close();
  });

  /** JSON with keys in order and arrays sorted, so answers compare whatever order their parts come in. */
  const canonical = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(canonical).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
      : typeof x === 'object' && x !== null
        ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]))
        : x;
  const sorted = <T>(xs: readonly T[]): unknown => canonical(xs);

  it('createAcls stores bindings (literal and prefixed) that KafkaJS describeAcls finds', async () => {
    assert.equal(await f.admin.createAcls({ acl: [READ_ORDERS, WRITE_PREFIXED, DENY_GROUP] }), true);
    const theirs = await f.peer.describeAcls(EVERY_ACL);
    assert.deepEqual(
      sorted(theirs.resources.flatMap((r) => r.acls.map((a) => ({ ...a, resourceType: r.resourceType, resourceName: r.resourceName, resourcePatternType: r.resourcePatternType })))),
      sorted([READ_ORDERS, WRITE_PREFIXED, DENY_GROUP]),
    );
  });

  it("describeAcls answers what KafkaJS's answers, for every filter kind", async () => {
    const filters: AclFilter[] = [
      EVERY_ACL,
      { ...EVERY_ACL, resourceType: AclResourceTypes.TOPIC },
      { ...EVERY_ACL, resourceType: AclResourceTypes.TOPIC, resourceName: 'audit-log', resourcePatternType: ResourcePatternTypes.MATCH },
      { ...EVERY_ACL, principal: 'User:alice', permissionType: AclPermissionTypes.DENY },
    ];
    for (const filter of filters) {
      const ours = await f.admin.describeAcls(filter);
      const theirs = await f.peer.describeAcls(filter);
      // KafkaJS's admin returns only the resources, though its types declare the response's other fields, which ours has.
      assert.deepEqual(sorted(ours.resources), sorted(theirs.resources), JSON.stringify(filter));
      assert.deepEqual([ours.errorCode, ours.throttleTime], [0, 0]);
    }
    const match = await f.admin.describeAcls({ ...EVERY_ACL, resourceType: AclResourceTypes.TOPIC, resourceName: 'audit-log', resourcePatternType: ResourcePatternTypes.MATCH });
    assert.deepEqual(match.resources.map((r) => [r.resourceName, r.resourcePatternType]), [['audit-', ResourcePatternTypes.PREFIXED]]);
  });

  it('deleteAcls removes the bindings a filter selects and answers them; KafkaJS then finds only the rest', async () => {
    const deleted = await f.admin.deleteAcls({ filters: [{ ...EVERY_ACL, principal: 'User:alice' }] });
    assert.equal(deleted.filterResponses.length, 1);
    assert.deepEqual(
      sorted(deleted.filterResponses[0]!.matchingAcls.map(({ errorCode: _c, errorMessage: _m, ...acl }) => acl)),
      sorted([READ_ORDERS, DENY_GROUP]),
    );
    const left = await f.peer.describeAcls(EVERY_ACL);
    assert.deepEqual(left.resources.map((r) => [r.resourceName, r.acls.map((a) => a.principal)]), [['audit-', ['User:bob']]]);
  });

  it('a binding the broker refuses rejects with its protocol error', async () => {
    await assert.rejects(
      f.admin.createAcls({ acl: [{ ...READ_ORDERS, principal: 'alice' }] }),
      (e: unknown) => e instanceof KafkaJSProtocolError && e.type === 'INVALID_REQUEST' && !e.retriable,
    );
  });

  it("refuses bad ACLs and filters with KafkaJS's messages, before sending", async () => {
    await assert.rejects(f.admin.createAcls({ acl: [] }), (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'Empty ACL array');
    await assert.rejects(
      f.admin.createAcls({ acl: [{ ...READ_ORDERS, host: undefined as never }] }),
      (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'Invalid ACL array, the hosts have to be a valid string',
    );
    await assert.rejects(f.admin.describeAcls({ ...EVERY_ACL, operation: 99 as never }), (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'Invalid operation type 99');
    await assert.rejects(f.admin.deleteAcls({ filters: [] }), (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'Empty ACL Filter array');
  });
});

describe('admin: ACLs without an authorizer', () => {
  it('rejects with SECURITY_DISABLED, as the broker answers', async () => {
    const f = await startAdminFixture('admin-acls-disabled-test');
    try {
      await assert.rejects(f.admin.describeAcls(EVERY_ACL), (e: unknown) => e instanceof KafkaJSProtocolError && e.type === 'SECURITY_DISABLED');
      await assert.rejects(f.admin.createAcls({ acl: [READ_ORDERS] }), (e: unknown) => e instanceof KafkaJSProtocolError && e.type === 'SECURITY_DISABLED');
    } finally {
      await f.close();
    }
  });
});
