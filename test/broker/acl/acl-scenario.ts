/**
 * The ACL enforcement scenario the enforcement tests share: a broker on a
 * SASL_PLAINTEXT listener (PLAIN) with the authorizer on and
 * `allow.everyone.if.no.acl.found` false; users admin (the super user), alice,
 * bob and carol; ACLs, created by admin through CreateAcls, giving bob ALL on
 * the topics and groups prefixed `bob-`, alice ALL on those prefixed `alice-`,
 * and carol nothing.
 *
 * Also a raw client logged in as one of them (our codecs over one socket,
 * SaslHandshake v1 + SaslAuthenticate v2), for the answers of APIs that real
 * clients never reach when an earlier request (Metadata, FindCoordinator) is
 * already refused.
 */
import assert from 'node:assert/strict';
import { AclOperation, AclPatternType, AclPermissionType, AclResourceType } from '../../../src/broker/acl/acl-binding.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  CreateAclsRequest,
  type CreateAclsRequestAclCreation,
  CreateAclsResponse,
  FetchRequest,
  FetchResponse,
  SaslAuthenticateRequest,
  SaslAuthenticateResponse,
  SaslHandshakeRequest,
  SaslHandshakeResponse,
} from '../../../src/protocol/generated/index.js';
import { type Input } from '../../../src/protocol/primitives/message.js';
import { type RecordBatch, decodeRecordBatches } from '../../../src/protocol/records/record-batch.js';
import { RawClient } from '../groups/raw-client.js';

export const USERS = { admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret', carol: 'carol-secret' } as const;
export type User = keyof typeof USERS;

/** A PREFIXED ALLOW ALL ACL for `user` on `type` resources starting with `prefix`. */
const allowAllPrefixed = (type: AclResourceType, prefix: string, user: User): Input<CreateAclsRequestAclCreation> => ({
  resourceType: type,
  resourceName: prefix,
  resourcePatternType: AclPatternType.PREFIXED,
  principal: `User:${user}`,
  host: '*',
  operation: AclOperation.ALL,
  permissionType: AclPermissionType.ALLOW,
});

/** Start the scenario's broker, its ACLs in place. */
export async function startAclScenario(): Promise<RunningBroker> {
  const running = await startBroker({
    inMemory: true,
    logLevel: 'nothing',
    properties: {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN',
      'sasl.users': Object.entries(USERS)
        .map(([user, password]) => `${user}:${password}`)
        .join(','),
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin',
      'allow.everyone.if.no.acl.found': false,
      'num.partitions': 1,
    },
  });
  await grant(running, [
    allowAllPrefixed(AclResourceType.TOPIC, 'bob-', 'bob'),
    allowAllPrefixed(AclResourceType.GROUP, 'bob-', 'bob'),
    allowAllPrefixed(AclResourceType.TOPIC, 'alice-', 'alice'),
    allowAllPrefixed(AclResourceType.GROUP, 'alice-', 'alice'),
  ]);
  return running;
}

/** Create ACLs as the super user admin, through CreateAcls v1. */
export async function grant(running: RunningBroker, creations: Input<CreateAclsRequestAclCreation>[]): Promise<void> {
  const admin = await rawClientAs(running, 'admin');
  try {
    const created = await admin.send(CreateAclsRequest, CreateAclsResponse, 1, { creations });
    assert.deepEqual(
      created.results.map((r) => r.errorCode),
      creations.map(() => ErrorCode.NONE),
    );
  } finally {
    admin.close();
  }
}

/** An ALLOW ACL for `user` to do `operation` on one resource (LITERAL). */
export const allowLiteral = (type: AclResourceType, name: string, user: User, operation: AclOperation): Input<CreateAclsRequestAclCreation> => ({
  resourceType: type,
  resourceName: name,
  resourcePatternType: AclPatternType.LITERAL,
  principal: `User:${user}`,
  host: '*',
  operation,
  permissionType: AclPermissionType.ALLOW,
});

/** A raw client logged in as `user` with SASL PLAIN. */
export async function rawClientAs(running: RunningBroker, user: User): Promise<RawClient> {
  const client = await RawClient.connect(running.port, `acl-${user}`);
  const handshake = await client.send(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' });
  assert.equal(handshake.errorCode, ErrorCode.NONE);
  const auth = await client.send(SaslAuthenticateRequest, SaslAuthenticateResponse, 2, { authBytes: Buffer.from(`\0${user}\0${USERS[user]}`) });
  assert.equal(auth.errorCode, ErrorCode.NONE, auth.errorMessage ?? '');
  return client;
}

/** Fetch v12 (by name) of one partition from offset 0: its error code and record batches. */
export async function fetchPartition(client: RawClient, topic: string, partition = 0): Promise<{ errorCode: number; batches: RecordBatch[] }> {
  const response = await client.send(FetchRequest, FetchResponse, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [{ topic, partitions: [{ partition, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
  });
  assert.equal(response.errorCode, ErrorCode.NONE);
  const answer = response.responses[0]!.partitions[0]!;
  return { errorCode: answer.errorCode, batches: answer.records === null ? [] : await decodeRecordBatches(answer.records) };
}

/** The values of the records in `batches`, as text. */
export const valuesOf = (batches: readonly RecordBatch[]): string[] => batches.flatMap((b) => b.records.map((r) => r.value?.toString() ?? 'null'));
