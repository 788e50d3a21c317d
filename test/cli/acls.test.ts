/**
 * `tskafka acls create|list|delete` against our broker with an authorizer, checked
 * with KafkaJS 2.2.4's describeAcls and createAcls.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { CliBroker, runCli } from './cli-process.js';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

const EVERY_ACL = { resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY };

describe('tskafka acls', () => {
  const cli = new CliBroker('cli-acls-test', {
      properties: { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:ANONYMOUS' },
    });

  /** KafkaJS's view: one `principal host operation permission type name pattern` string per binding. */
  const peerBindings = async (): Promise<string[]> => {
    const { resources } = await cli.f.peer.describeAcls(EVERY_ACL);
    return resources.flatMap((r) => r.acls.map((a) => [a.principal, a.host, a.operation, a.permissionType, r.resourceType, r.resourceName, r.resourcePatternType].join(' '))).sort();
  };

  it('creates bindings KafkaJS finds, lists bindings KafkaJS created, and deletes what a filter matches', async () => {
    const created = await runCli(['acls', 'create', '--principal', 'User:alice', '--operation', 'read', '--operation', 'describe', '--resource-type', 'topic', '--resource-name', 'orders-', '--pattern-type', 'prefixed', ...cli.brokers]);
    assert.equal(created.code, 0, created.stderr);
    const denied = await runCli(['acls', 'create', '--principal', 'User:mallory', '--host', '10.0.0.9', '--permission', 'deny', '--operation', 'all', '--resource-type', 'group', '--resource-name', 'billing', ...cli.brokers]);
    assert.equal(denied.code, 0, denied.stderr);
    const { TOPIC, GROUP } = AclResourceTypes;
    const { READ, DESCRIBE, ALL, WRITE } = AclOperationTypes;
    const { ALLOW, DENY } = AclPermissionTypes;
    const { LITERAL, PREFIXED } = ResourcePatternTypes;
    assert.deepEqual(await peerBindings(), [`User:alice * ${DESCRIBE} ${ALLOW} ${TOPIC} orders- ${PREFIXED}`, `User:alice * ${READ} ${ALLOW} ${TOPIC} orders- ${PREFIXED}`, `User:mallory 10.0.0.9 ${ALL} ${DENY} ${GROUP} billing ${LITERAL}`].sort());

    await cli.f.peer.createAcls({ acl: [{ principal: 'User:bob', host: '*', operation: WRITE, permissionType: ALLOW, resourceType: TOPIC, resourceName: 'audit', resourcePatternType: LITERAL }] });
    const listed = await runCli(['acls', 'list', '--resource-type', 'topic', ...cli.brokers]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^User:bob\s+\*\s+write\s+allow\s+topic\s+audit\s+literal$/m);
    assert.match(listed.stdout, /^User:alice\s+\*\s+read\s+allow\s+topic\s+orders-\s+prefixed$/m);
    assert.doesNotMatch(listed.stdout, /mallory/, 'the filter keeps topics only');

    const deleted = await runCli(['acls', 'delete', '--principal', 'User:alice', ...cli.brokers]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout.split('\n').filter((l) => l.startsWith('User:alice')).length, 2);
    assert.deepEqual(await peerBindings(), [`User:bob * ${WRITE} ${ALLOW} ${TOPIC} audit ${LITERAL}`, `User:mallory 10.0.0.9 ${ALL} ${DENY} ${GROUP} billing ${LITERAL}`].sort());
  });
});
