/**
 * A handler that throws is a broker bug, not the client's: as Kafka
 * (`AbstractRequest.getErrorResponse`), the request is answered in its API's own
 * response with UNKNOWN_SERVER_ERROR (or the Kafka code the error carries) on
 * every entry it named, and the connection keeps serving. Closing it, as the
 * broker did, leaves the client with an unknown outcome (was the Produce stored?).
 * Only a request that can get no answer (Produce with acks=0) still closes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorResponse } from '../../../src/broker/error-responses.js';
import { type Handler } from '../../../src/broker/handlers/handler.js';
import { allHandlers } from '../../../src/broker/handlers/index.js';
import { KafkaStorageError } from '../../../src/broker/log/log-errors.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { parseRequest } from '../../../src/protocol/framing.js';
import { ApiKey, ApiVersionsRequest, ApiVersionsResponse, CreateAclsRequest, DeleteAclsRequest, DeleteGroupsRequest, DescribeGroupsRequest, EndTxnResponse, FetchRequest, FetchResponse, ProduceRequest, ProduceResponse, TxnOffsetCommitResponse } from '../../../src/protocol/generated/index.js';
import { type MessageCodec } from '../../../src/protocol/primitives/message.js';
import { encodeRecordBatch } from '../../../src/protocol/records/record-batch.js';
import { type ServedApi, buildTemplates } from '../../support/fuzz-frames.js';
import { WireClient, recordingLogger } from '../../support/wire-client.js';

/** Every object holding an `errorCode` field, anywhere in a decoded response. */
function errorCodeHolders(value: unknown, found: { errorCode: number }[] = []): { errorCode: number }[] {
  if (Array.isArray(value)) for (const v of value) errorCodeHolders(v, found);
  else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    if (typeof (value as { errorCode?: unknown }).errorCode === 'number') found.push(value as { errorCode: number });
    for (const v of Object.values(value)) errorCodeHolders(v, found);
  }
  return found;
}

/**
 * The error codes a response carries on the wire at `version`. A decoded body has every field,
 * those the version lacks at their default: a field is on the wire if changing it changes the bytes.
 */
function errorCodesOnTheWire(codec: MessageCodec<unknown>, version: number, decoded: unknown): number[] {
  const bytes = codec.encode(version, decoded as never);
  const codes: number[] = [];
  for (const holder of errorCodeHolders(decoded)) {
    const code = holder.errorCode;
    holder.errorCode = code === 1 ? 2 : 1;
    let changed: boolean;
    try {
      changed = !codec.encode(version, decoded as never).equals(bytes);
    } catch {
      changed = false; // a non-default value for a field this version lacks
    }
    holder.errorCode = code;
    if (changed) codes.push(code);
  }
  return codes;
}

describe('a handler that throws', () => {
  let broker: RunningBroker;
  const { lines, logger } = recordingLogger();
  const handlers = (): Map<number, Handler> => broker.broker.handlers as Map<number, Handler>;
  let produce: Handler;

  before(async () => {
    broker = await startBroker({ inMemory: true, port: 0, logger });
    await broker.broker.topics.create('a', 2, new Map());
    await broker.broker.topics.create('b', 1, new Map());
    produce = handlers().get(ApiKey.Produce)!;
  });
  after(async () => {
    handlers().set(ApiKey.Produce, produce);
    await broker.close();
  });

  const failWith = (apiKey: number, error: () => Error): void => {
    const real = handlers().get(apiKey)!;
    handlers().set(apiKey, { ...real, handle: () => Promise.reject(error()) });
  };

  it('is answered with UNKNOWN_SERVER_ERROR on every partition the Produce named, and the connection keeps serving; acks=0 still closes', async () => {
    failWith(ApiKey.Produce, () => new Error('boom: a bug in the produce path'));
    const client = await WireClient.connect(broker.port);
    try {
      const records = await encodeRecordBatch({ records: [{ key: 'k', value: 'v' }] });
      const answer = await client.request(ProduceRequest, ProduceResponse, 9, {
        acks: -1,
        timeoutMs: 5_000,
        topicData: [
          { name: 'a', partitionData: [{ index: 0, records }, { index: 1, records }] },
          { name: 'b', partitionData: [{ index: 0, records }] },
        ],
      });
      assert.deepEqual(
        answer.responses.map((t) => [t.name, t.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset, p.errorMessage])]),
        [
          ['a', [[0, ErrorCode.UNKNOWN_SERVER_ERROR, -1n, null], [1, ErrorCode.UNKNOWN_SERVER_ERROR, -1n, null]]],
          ['b', [[0, ErrorCode.UNKNOWN_SERVER_ERROR, -1n, null]]],
        ],
        'the internal message is not sent to the client',
      );
      const versions = await client.request(ApiVersionsRequest, ApiVersionsResponse, 3, { clientSoftwareName: 'limits-test', clientSoftwareVersion: '1' });
      assert.equal(versions.errorCode, ErrorCode.NONE, 'the same connection answers the next request');
      assert.ok(lines.some((l) => l.startsWith('ERROR Produce') && l.includes('boom: a bug in the produce path')), 'the failure is logged with its cause');

      // acks=0 gets no answer, so only a close tells the producer something went wrong (Kafka does the same).
      client.send(ProduceRequest, 9, { acks: 0, timeoutMs: 5_000, topicData: [{ name: 'a', partitionData: [{ index: 0, records }] }] });
      assert.equal(await client.closesWithin(15_000), true, 'a failed acks=0 produce closes its connection');
    } finally {
      client.destroy();
      handlers().set(ApiKey.Produce, produce);
    }
  });

  it('is answered with the Kafka code the error carries, and its message where the response has one', async () => {
    failWith(ApiKey.Produce, () => new KafkaStorageError('the log directory is offline'));
    const client = await WireClient.connect(broker.port);
    try {
      const records = await encodeRecordBatch({ records: [{ key: 'k', value: 'v' }] });
      const answer = await client.request(ProduceRequest, ProduceResponse, 9, { acks: -1, timeoutMs: 5_000, topicData: [{ name: 'a', partitionData: [{ index: 1, records }] }] });
      const p = answer.responses[0]!.partitionResponses[0]!;
      assert.equal(p.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
      assert.match(p.errorMessage ?? '', /the log directory is offline/);
    } finally {
      client.destroy();
      handlers().set(ApiKey.Produce, produce);
    }
  });

  it('is answered in the shape of the version asked for: Fetch v12 per partition and at the top, v13+ at the top', async () => {
    const fetch = handlers().get(ApiKey.Fetch)!;
    failWith(ApiKey.Fetch, () => new TypeError('undefined is not a function'));
    const client = await WireClient.connect(broker.port);
    try {
      const topicId = broker.broker.topics.get('a')!.topicId;
      const body = { replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: 'a', topicId, partitions: [{ partition: 1, fetchOffset: 0n, partitionMaxBytes: 1 << 16, logStartOffset: -1n }] }] };
      const v12 = await client.request(FetchRequest, FetchResponse, 12, body);
      assert.equal(v12.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
      assert.deepEqual(v12.responses.map((t) => [t.topic, t.partitions.map((p) => [p.partitionIndex, p.errorCode])]), [['a', [[1, ErrorCode.UNKNOWN_SERVER_ERROR]]]]);
      const v16 = await client.request(FetchRequest, FetchResponse, 16, body);
      assert.equal(v16.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
    } finally {
      client.destroy();
      handlers().set(ApiKey.Fetch, fetch);
    }
  });

  it('has an error response for every API the broker serves, at every version, carrying the code in every errorCode field', async () => {
    const code = ErrorCode.UNKNOWN_SERVER_ERROR;
    const checked: string[] = [];
    const check = (h: Handler, version: number, request: unknown, what: string, mustCarry: boolean): void => {
      const response = h.response as MessageCodec<unknown>;
      const body = errorResponse(h.apiKey, version, response, request, { code, message: null });
      assert.notEqual(body, undefined, `${what}: no error response`);
      const decoded = response.decode(version, response.encode(version, body as never));
      const codes = errorCodesOnTheWire(response, version, decoded);
      assert.ok(codes.every((c) => c === code), `${what}: error codes ${codes.join(',')}`);
      if (mustCarry) assert.ok(codes.length > 0, `${what}: the error appears nowhere in the response`);
      checked.push(what);
    };
    // Every version with the request's defaults (nothing named: the top-level code where there is one).
    for (const h of allHandlers as Handler[]) {
      for (let v = h.minVersion; v <= h.maxVersion; v++) {
        const request = h.request.decode(v, h.request.encode(v, {}));
        check(h, v, request, `${h.request.name} v${v} (defaults)`, false);
      }
    }
    // Requests that name topics, partitions, groups and resources: the error must reach the client.
    const served: ServedApi[] = allHandlers.map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }));
    const { requests, batchSinks } = await buildTemplates(served, 'a', broker.broker.topics.get('a')!.topicId, 'b');
    for (const t of [...requests, ...batchSinks]) {
      const h = handlers().get(t.apiKey)!;
      const { body } = parseRequest(t.frame.subarray(4));
      const request = h.request.read(body, t.apiVersion);
      // ApiVersions answers with an error only to a version it cannot serve; every other request carries it somewhere.
      // A Metadata request naming no topic (a client's first, captured from KafkaJS) has nowhere to carry it: Metadata has no top-level code.
      const namesNothing = t.apiKey === ApiKey.Metadata && ((request as { topics?: unknown[] | null }).topics ?? []).length === 0;
      const mustCarry = (!t.name.includes('(defaults)') && !namesNothing) || t.apiKey === ApiKey.ApiVersions || hasTopLevelErrorCode(h, t.apiVersion);
      check(h, t.apiVersion, request, t.name, mustCarry);
    }
    // Requests the fuzz templates leave empty.
    const named: [MessageCodec<unknown>, unknown][] = [
      [CreateAclsRequest as MessageCodec<unknown>, { creations: [{ resourceType: 2, resourceName: 'a', resourcePatternType: 3, principal: 'User:x', host: '*', operation: 3, permissionType: 3 }] }],
      [DeleteAclsRequest as MessageCodec<unknown>, { filters: [{ resourceTypeFilter: 2, resourceNameFilter: 'a', patternTypeFilter: 3, operation: 3, permissionType: 3 }] }],
      [DescribeGroupsRequest as MessageCodec<unknown>, { groups: ['g1', 'g2'] }],
      [DeleteGroupsRequest as MessageCodec<unknown>, { groupsNames: ['g1'] }],
    ];
    for (const [codec, body] of named) {
      const h = handlers().get(codec.apiKey);
      if (!h) continue; // not served (yet)
      for (let v = h.minVersion; v <= h.maxVersion; v++) check(h, v, codec.decode(v, codec.encode(v, body as never)), `${codec.name} v${v} (named)`, true);
    }
    assert.ok(checked.length > 200, `${checked.length} cases`);
  });
});

describe('error responses of APIs without a builder of their own', () => {
  it('use the top-level errorCode where the response has one, and give none where it has not', () => {
    const error = { code: ErrorCode.UNKNOWN_SERVER_ERROR, message: null };
    assert.deepEqual(errorResponse(ApiKey.EndTxn, 3, EndTxnResponse as MessageCodec<unknown>, {}, error), { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR });
    // TxnOffsetCommit answers per partition only: no generic answer, the connection is closed as before.
    assert.equal(errorResponse(ApiKey.TxnOffsetCommit, 3, TxnOffsetCommitResponse as MessageCodec<unknown>, {}, error), undefined);
  });
});

/** Whether a response has a top-level errorCode at this version (so even an empty request carries the error). */
function hasTopLevelErrorCode(h: Handler, version: number): boolean {
  const codec = h.response as MessageCodec<unknown>;
  try {
    return !codec.encode(version, { errorCode: 1 }).equals(codec.encode(version, {}));
  } catch {
    return false;
  }
}
