/**
 * CreateAcls, DescribeAcls and DeleteAcls on the wire, with our own codecs, in
 * every version served (v0-v3): ApiVersions advertises them; each binding and
 * each filter gets its own answer (INVALID_REQUEST with Kafka's message for the
 * ones Kafka refuses, the others applied); a binding two delete filters select
 * is answered under the first; a broker without an authorizer answers
 * SECURITY_DISABLED; an ACL that cannot be written answers UNKNOWN_SERVER_ERROR
 * and is not in force.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AclOperation, AclPatternType, AclPermissionType, AclResourceType } from '../../../src/broker/acl/acl-binding.js';
import { ACL_FILE } from '../../../src/broker/acl/acl-store.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { FrameSplitter, parseResponse, writeRequestFrame } from '../../../src/protocol/framing.js';
import {
  ApiKey,
  ApiVersionsRequest,
  ApiVersionsResponse,
  CreateAclsRequest,
  type CreateAclsRequestAclCreation,
  CreateAclsResponse,
  DeleteAclsRequest,
  type DeleteAclsRequestDeleteAclsFilter,
  DeleteAclsResponse,
  DescribeAclsRequest,
  DescribeAclsResponse,
} from '../../../src/protocol/generated/index.js';
import { type Input, type MessageCodec } from '../../../src/protocol/primitives/message.js';
import { Writer } from '../../../src/protocol/primitives/writer.js';

/** One connection, one request at a time. */
class WireClient {
  readonly #splitter = new FrameSplitter();
  readonly #frames: Buffer[] = [];
  #waiting: ((frame: Buffer) => void) | null = null;
  #correlationId = 0;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.#splitter.push(chunk)) {
        const copy = Buffer.from(frame);
        const waiting = this.#waiting;
        this.#waiting = null;
        if (waiting) waiting(copy);
        else this.#frames.push(copy);
      }
    });
  }

  static async connect(port: number): Promise<WireClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new WireClient(socket);
  }

  async request<Req, Res>(apiKey: number, version: number, request: MessageCodec<Req>, response: MessageCodec<Res>, body: Input<Req>): Promise<Res> {
    const w = new Writer();
    writeRequestFrame(w, { apiKey, apiVersion: version, correlationId: ++this.#correlationId, clientId: 'acl-wire' }, request, body);
    this.socket.write(w.toBuffer());
    const frame =
      this.#frames.shift() ??
      (await new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to ${request.name} v${version}`)), 30_000);
        this.#waiting = (f) => {
          clearTimeout(timer);
          resolve(f);
        };
      }));
    return parseResponse(frame, apiKey, version, response).body;
  }

  create(version: number, creations: Input<CreateAclsRequestAclCreation>[]): Promise<CreateAclsResponse> {
    return this.request(ApiKey.CreateAcls, version, CreateAclsRequest, CreateAclsResponse, { creations });
  }

  describeAll(version: number, filter: Partial<Input<DescribeAclsRequest>> = {}): Promise<DescribeAclsResponse> {
    return this.request(ApiKey.DescribeAcls, version, DescribeAclsRequest, DescribeAclsResponse, { ...ANY_FILTER, patternTypeFilter: version === 0 ? AclPatternType.LITERAL : AclPatternType.ANY, ...filter });
  }

  delete(version: number, filters: Input<DeleteAclsRequestDeleteAclsFilter>[]): Promise<DeleteAclsResponse> {
    return this.request(ApiKey.DeleteAcls, version, DeleteAclsRequest, DeleteAclsResponse, { filters });
  }

  close(): void {
    this.socket.destroy();
  }
}

const ANY_FILTER = {
  resourceTypeFilter: AclResourceType.ANY,
  resourceNameFilter: null,
  patternTypeFilter: AclPatternType.ANY,
  principalFilter: null,
  hostFilter: null,
  operation: AclOperation.ANY,
  permissionType: AclPermissionType.ANY,
} as const;

/** ALLOW READ on TOPIC `name` for User:alice from anywhere. */
function readTopic(name: string, over: Partial<Input<CreateAclsRequestAclCreation>> = {}): Input<CreateAclsRequestAclCreation> {
  return { resourceType: AclResourceType.TOPIC, resourceName: name, resourcePatternType: AclPatternType.LITERAL, principal: 'User:alice', host: '*', operation: AclOperation.READ, permissionType: AclPermissionType.ALLOW, ...over };
}

describe('the ACL APIs on the wire', () => {
  let running: RunningBroker;
  let client: WireClient;

  before(async () => {
    // A PLAINTEXT listener: the client is User:ANONYMOUS, made a super user here.
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer', 'super.users': 'User:ANONYMOUS' } });
    client = await WireClient.connect(running.port);
  });

  after(async () => {
    client.close();
    await running.close();
  });

  it('advertises CreateAcls, DescribeAcls and DeleteAcls v0-v3 in ApiVersions', async () => {
    const { apiKeys } = await client.request(ApiKey.ApiVersions, 3, ApiVersionsRequest, ApiVersionsResponse, { clientSoftwareName: 'acl-wire', clientSoftwareVersion: '1' });
    for (const apiKey of [ApiKey.DescribeAcls, ApiKey.CreateAcls, ApiKey.DeleteAcls]) {
      assert.deepEqual(
        apiKeys.filter((k) => k.apiKey === apiKey).map((k) => [k.minVersion, k.maxVersion]),
        [[0, 3]],
      );
    }
  });

  for (const version of [0, 1, 2, 3]) {
    it(`creates, describes and deletes at v${version}`, async () => {
      const created = await client.create(version, [readTopic(`v${version}`), readTopic(`v${version}`, { principal: 'User:bob', permissionType: AclPermissionType.DENY })]);
      assert.deepEqual(
        created.results.map((r) => [r.errorCode, r.errorMessage]),
        [
          [ErrorCode.NONE, null],
          [ErrorCode.NONE, null],
        ],
      );
      const described = await client.describeAll(version, { resourceNameFilter: `v${version}` });
      assert.equal(described.errorCode, ErrorCode.NONE);
      assert.deepEqual(described.resources, [
        {
          resourceType: AclResourceType.TOPIC,
          resourceName: `v${version}`,
          patternType: AclPatternType.LITERAL,
          acls: [
            { principal: 'User:alice', host: '*', operation: AclOperation.READ, permissionType: AclPermissionType.ALLOW },
            { principal: 'User:bob', host: '*', operation: AclOperation.READ, permissionType: AclPermissionType.DENY },
          ],
        },
      ]);
      const deleted = await client.delete(version, [{ ...ANY_FILTER, patternTypeFilter: version === 0 ? AclPatternType.LITERAL : AclPatternType.ANY, resourceNameFilter: `v${version}`, principalFilter: 'User:bob' }]);
      assert.deepEqual(deleted.filterResults, [
        {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          matchingAcls: [
            {
              errorCode: ErrorCode.NONE,
              errorMessage: null,
              resourceType: AclResourceType.TOPIC,
              resourceName: `v${version}`,
              patternType: AclPatternType.LITERAL,
              principal: 'User:bob',
              host: '*',
              operation: AclOperation.READ,
              permissionType: AclPermissionType.DENY,
            },
          ],
        },
      ]);
      await client.delete(version, [{ ...ANY_FILTER, patternTypeFilter: version === 0 ? AclPatternType.LITERAL : AclPatternType.ANY }]);
      assert.deepEqual((await client.describeAll(version)).resources, []);
    });
  }

  it('answers each binding on its own: the ones Kafka refuses get INVALID_REQUEST with its message, the others are created', async () => {
    const created = await client.create(3, [
      readTopic('good-1'),
      readTopic('my-cluster', { resourceType: AclResourceType.CLUSTER }),
      readTopic(''),
      readTopic('x', { resourceType: AclResourceType.ANY }),
      readTopic('x', { resourcePatternType: AclPatternType.MATCH }),
      readTopic('x', { operation: AclOperation.ANY }),
      readTopic('x', { operation: 99 }),
      readTopic('x', { permissionType: AclPermissionType.ANY }),
      readTopic('x', { principal: 'alice' }),
      readTopic('good-', { resourcePatternType: AclPatternType.PREFIXED }),
    ]);
    assert.deepEqual(
      created.results.map((r) => [r.errorCode, r.errorMessage]),
      [
        [ErrorCode.NONE, null],
        [ErrorCode.INVALID_REQUEST, 'The only valid name for the CLUSTER resource is kafka-cluster'],
        [ErrorCode.INVALID_REQUEST, 'Invalid empty resource name'],
        [ErrorCode.INVALID_REQUEST, 'Invalid resourceType ANY'],
        [ErrorCode.INVALID_REQUEST, 'Invalid patternType MATCH'],
        [ErrorCode.INVALID_REQUEST, 'Invalid operation ANY'],
        [ErrorCode.INVALID_REQUEST, 'Invalid operation UNKNOWN'],
        [ErrorCode.INVALID_REQUEST, 'Invalid permissionType ANY'],
        [ErrorCode.INVALID_REQUEST, 'Could not parse principal from `alice` (no colon is present separating the principal type from the principal name)'],
        [ErrorCode.NONE, null],
      ],
    );
    assert.deepEqual(
      (await client.describeAll(3)).resources.map((r) => `${r.resourceName}/${r.patternType}`),
      [`good-1/${AclPatternType.LITERAL}`, `good-/${AclPatternType.PREFIXED}`],
    );
    await client.delete(3, [ANY_FILTER]);
  });

  it('answers DescribeAcls with a filter of UNKNOWN parts INVALID_REQUEST', async () => {
    const described = await client.describeAll(3, { resourceTypeFilter: AclResourceType.UNKNOWN });
    assert.deepEqual([described.errorCode, described.errorMessage, described.resources], [ErrorCode.INVALID_REQUEST, 'Unknown patternFilter.', []]);
    const byOperation = await client.describeAll(3, { operation: AclOperation.UNKNOWN });
    assert.deepEqual([byOperation.errorCode, byOperation.errorMessage], [ErrorCode.INVALID_REQUEST, 'Unknown entryFilter.']);
  });

  it('answers each DeleteAcls filter on its own, and a binding two filters select under the first', async () => {
    await client.create(3, [readTopic('a'), readTopic('b'), readTopic('c', { resourcePatternType: AclPatternType.PREFIXED })]);
    const deleted = await client.delete(3, [
      { ...ANY_FILTER, resourceNameFilter: 'a' },
      { ...ANY_FILTER, permissionType: AclPermissionType.UNKNOWN },
      { ...ANY_FILTER, resourceTypeFilter: AclResourceType.TOPIC, patternTypeFilter: AclPatternType.LITERAL },
      { ...ANY_FILTER, resourceNameFilter: 'c-topic', patternTypeFilter: AclPatternType.MATCH },
    ]);
    assert.deepEqual(
      deleted.filterResults.map((f) => [f.errorCode, f.errorMessage, f.matchingAcls.map((a) => a.resourceName)]),
      [
        [ErrorCode.NONE, null, ['a']],
        [ErrorCode.INVALID_REQUEST, 'Unknown entryFilter.', []],
        [ErrorCode.NONE, null, ['b']],
        [ErrorCode.NONE, null, ['c']],
      ],
    );
    assert.deepEqual((await client.describeAll(3)).resources, []);
  });
});

describe('the ACL APIs on a broker without an authorizer', () => {
  it('answers SECURITY_DISABLED "No Authorizer is configured." to each binding, filter and description, as Kafka', async () => {
    const running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
    const client = await WireClient.connect(running.port);
    try {
      const created = await client.create(1, [readTopic('t'), readTopic('u')]);
      assert.deepEqual(
        created.results.map((r) => [r.errorCode, r.errorMessage]),
        [
          [ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.'],
          [ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.'],
        ],
      );
      const described = await client.describeAll(1);
      assert.deepEqual([described.errorCode, described.errorMessage], [ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.']);
      const deleted = await client.delete(1, [ANY_FILTER]);
      assert.deepEqual(
        deleted.filterResults.map((f) => f.errorCode),
        [ErrorCode.SECURITY_DISABLED],
      );
      assert.equal(running.broker.authorizer, null);
    } finally {
      client.close();
      await running.close();
    }
  });
});

describe('an ACL change that cannot be written', () => {
  it('answers UNKNOWN_SERVER_ERROR for each binding, and enforces none of them', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'tskafka-acl-wire-'));
    // A directory where the temporary file must go: the write fails as a full disk would.
    mkdirSync(join(logDir, `${ACL_FILE}.tmp`));
    const running = await startBroker({ port: 0, logLevel: 'nothing', properties: { 'log.dirs': logDir, 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer', 'super.users': 'User:ANONYMOUS' } });
    const client = await WireClient.connect(running.port);
    try {
      const created = await client.create(2, [readTopic('t'), readTopic('', {})]);
      assert.deepEqual(
        created.results.map((r) => r.errorCode),
        [ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.INVALID_REQUEST],
      );
      assert.deepEqual((await client.describeAll(2)).resources, []);
      assert.equal(running.broker.authorizer!.authorize('User:alice', '127.0.0.1', AclOperation.READ, AclResourceType.TOPIC, 't'), false);
    } finally {
      client.close();
      await running.close();
      rmSync(logDir, { recursive: true, force: true });
    }
  });
});
