/**
 * The ACL store's durability: ACLs written to `tskafka-acls.json` in the log
 * directory (by Kafka's enum names) and loaded back in creation order; changes
 * made at once all land; a temporary file left by a crash is ignored; a file
 * that cannot be trusted stops the broker from starting; a broker in memory
 * writes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type AclBinding, AclOperation, AclPatternType, AclPermissionType, AclResourceType } from '../../../src/broker/acl/acl-binding.js';
import { ACL_FILE, AclFileError, AclStore } from '../../../src/broker/acl/acl-store.js';
import { startBroker } from '../../../src/broker/server.js';

function acl(resourceName: string, over: Partial<AclBinding> = {}): AclBinding {
  return { resourceType: AclResourceType.TOPIC, resourceName, patternType: AclPatternType.LITERAL, principal: 'User:alice', host: '*', operation: AclOperation.READ, permissionType: AclPermissionType.ALLOW, ...over };
}

describe('the ACL store', () => {
  let logDir: string;
  beforeEach(() => {
    logDir = mkdtempSync(join(tmpdir(), 'tskafka-acl-store-'));
  });
  afterEach(() => rmSync(logDir, { recursive: true, force: true }));

  it('starts empty without a file, and loads back what was written, in creation order', async () => {
    const store = await AclStore.open(logDir);
    assert.deepEqual(store.all(), []);
    const written = [acl('b'), acl('a', { patternType: AclPatternType.PREFIXED, operation: AclOperation.ALL, permissionType: AclPermissionType.DENY, host: '10.0.0.1' }), acl('kafka-cluster', { resourceType: AclResourceType.CLUSTER, operation: AclOperation.IDEMPOTENT_WRITE })];
    await store.create(written);
    await store.close();
    const text = readFileSync(join(logDir, ACL_FILE), 'utf8');
    assert.match(text, /"operation": "IDEMPOTENT_WRITE"/, 'the file names codes by Kafka enum names');
    assert.deepEqual((await AclStore.open(logDir)).all(), written);
  });

  it('keeps every change of several made at once (they are written one after the other)', async () => {
    const store = await AclStore.open(logDir);
    await Promise.all([store.create([acl('one')]), store.create([acl('two')]), store.delete([{ resourceType: AclResourceType.ANY, resourceName: 'none', patternType: AclPatternType.ANY, principal: null, host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY }]), store.create([acl('three')])]);
    assert.deepEqual(
      (await AclStore.open(logDir)).all().map((b) => b.resourceName),
      ['one', 'two', 'three'],
    );
  });

  it('ignores a temporary file left by a crash, and replaces it on the next change', async () => {
    const store = await AclStore.open(logDir);
    await store.create([acl('kept')]);
    writeFileSync(join(logDir, `${ACL_FILE}.tmp`), '{"version": 1, "acls": [');
    const reopened = await AclStore.open(logDir);
    assert.deepEqual(
      reopened.all().map((b) => b.resourceName),
      ['kept'],
    );
    await reopened.create([acl('next')]);
    assert.equal(existsSync(join(logDir, `${ACL_FILE}.tmp`)), false);
    assert.deepEqual(
      (await AclStore.open(logDir)).all().map((b) => b.resourceName),
      ['kept', 'next'],
    );
  });

  const broken: readonly [string, string, RegExp][] = [
    ['not JSON', '{"version": 1, "acls": [', /not JSON/],
    ['another layout', '[]', /expected \{"version": 1, "acls": \[\.\.\.\]\}/],
    ['an operation Kafka does not have', JSON.stringify({ version: 1, acls: [{ resourceType: 'TOPIC', resourceName: 't', patternType: 'LITERAL', principal: 'User:a', host: '*', operation: 'READ_WRITE', permissionType: 'ALLOW' }] }), /acls\[0\]\.operation is "READ_WRITE"/],
    ['a binding Kafka would refuse', JSON.stringify({ version: 1, acls: [{ resourceType: 'CLUSTER', resourceName: 'mine', patternType: 'LITERAL', principal: 'User:a', host: '*', operation: 'ALTER', permissionType: 'ALLOW' }] }), /acls\[0\]: The only valid name for the CLUSTER resource is kafka-cluster/],
    ['a missing field', JSON.stringify({ version: 1, acls: [{ resourceType: 'TOPIC', resourceName: 't', patternType: 'LITERAL', host: '*', operation: 'READ', permissionType: 'ALLOW' }] }), /acls\[0\]\.principal is not a string/],
  ];
  for (const [what, text, message] of broken) {
    it(`stops the broker from starting when the file holds ${what}`, async () => {
      writeFileSync(join(logDir, ACL_FILE), text);
      await assert.rejects(
        startBroker({ port: 0, logLevel: 'nothing', properties: { 'log.dirs': logDir, 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer' } }),
        (e: unknown) => e instanceof AclFileError && e.message.includes(join(logDir, ACL_FILE)) && message.test(e.message),
      );
    });
  }

  it('is not read without an authorizer, and a broker in memory writes none', async () => {
    writeFileSync(join(logDir, ACL_FILE), 'not read');
    const plain = await startBroker({ port: 0, logLevel: 'nothing', properties: { 'log.dirs': logDir } });
    await plain.close();
    rmSync(join(logDir, ACL_FILE));
    const inMemory = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'log.dirs': logDir, 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer' } });
    try {
      await inMemory.broker.authorizer!.acls.create([acl('t')]);
      assert.equal(inMemory.broker.authorizer!.acls.size, 1);
      assert.equal(existsSync(join(logDir, ACL_FILE)), false);
    } finally {
      await inMemory.close();
    }
  });
});
