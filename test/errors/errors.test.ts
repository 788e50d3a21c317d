import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import * as errors from '../../src/errors/errors.js';
import {
  KafkaJSBufferExhaustedError,
  KafkaJSConfigurationError,
  KafkaJSConnectionError,
  KafkaJSDeliveryTimeoutError,
  KafkaJSError,
  KafkaJSMessageTooLargeError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSSerializationError,
  KafkaJSTimeout,
  isKafkaJSError,
} from '../../src/errors/errors.js';
import * as protocolErrors from '../../src/errors/protocol-errors.js';
import { KafkaJSAuthorizationError, KafkaJSProtocolError, createErrorFromCode, isRebalancing } from '../../src/errors/protocol-errors.js';
import { errorCodeInfo } from '../../src/protocol/error-codes.js';

type AnyErrorClass = new (...args: unknown[]) => Error;

const require = createRequire(import.meta.url);
// KafkaJS 2.2.4's own classes, the reference our public API must match.
const kafkajs = require('kafkajs/src/errors.js') as Record<string, AnyErrorClass> & {
  isRebalancing: (e: unknown) => boolean;
};
const kafkajsProtocol = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode: (code: number) => Error & { type: string; code: number; retriable: boolean };
};

const ours: Record<string, unknown> = { ...errors, ...protocolErrors };
function ourClass(name: string): AnyErrorClass {
  const cls = ours[name];
  assert.equal(typeof cls, 'function', `src/errors exports ${name}`);
  return cls as AnyErrorClass;
}

const protocolSource = (code: number, type: string, retriable: boolean) => ({ message: `${type} happened`, type, code, retriable });
const retriableError = Object.assign(new Error('leader moved'), { retriable: true });

// Every class KafkaJS exports, with constructor arguments both implementations accept.
const shared: Record<string, () => unknown[]> = {
  KafkaJSError: () => ['boom'],
  KafkaJSNonRetriableError: () => ['boom'],
  KafkaJSProtocolError: () => [protocolSource(41, 'NOT_CONTROLLER', true)],
  KafkaJSOffsetOutOfRange: () => [protocolSource(1, 'OFFSET_OUT_OF_RANGE', false), { topic: 'orders', partition: 3 }],
  KafkaJSMemberIdRequired: () => [protocolSource(79, 'MEMBER_ID_REQUIRED', false), { memberId: 'member-1' }],
  KafkaJSNumberOfRetriesExceeded: () => [new Error('last attempt failed'), { retryCount: 5, retryTime: 4800 }],
  KafkaJSConnectionError: () => ['connection refused', { broker: 'localhost:9092', code: 'ECONNREFUSED' }],
  KafkaJSConnectionClosedError: () => ['closed by broker', { host: 'localhost', port: 9092 }],
  KafkaJSRequestTimeoutError: () => ['no response', { broker: 'localhost:9092', correlationId: 7, createdAt: 10, sentAt: 12, pendingDuration: 2 }],
  KafkaJSMetadataNotLoaded: () => ['metadata not loaded'],
  KafkaJSTopicMetadataNotLoaded: () => ['topic metadata not loaded', { topic: 'orders' }],
  KafkaJSStaleTopicMetadataAssignment: () => ['stale', { topic: 'orders', unknownPartitions: [7] }],
  KafkaJSDeleteGroupsError: () => ['delete failed', [{ groupId: 'g', errorCode: 69 }]],
  KafkaJSServerDoesNotSupportApiKey: () => ['unsupported', { apiKey: 22, apiName: 'InitProducerId' }],
  KafkaJSBrokerNotFound: () => ['broker 3 not found'],
  KafkaJSPartialMessageError: () => ['partial'],
  KafkaJSSASLAuthenticationError: () => ['bad password'],
  KafkaJSGroupCoordinatorNotFound: () => ['no coordinator'],
  KafkaJSNotImplemented: () => ['not implemented'],
  KafkaJSTimeout: () => ['timed out'],
  KafkaJSLockTimeout: () => ['lock timed out'],
  KafkaJSUnsupportedMagicByteInMessageSet: () => ['magic 3'],
  KafkaJSDeleteTopicRecordsError: () => [{ topic: 'orders', partitions: [{ partition: 0, offset: '5', error: retriableError }] }],
  KafkaJSInvariantViolation: () => ['two leaders'],
  KafkaJSInvalidVarIntError: () => ['varint too long'],
  KafkaJSInvalidLongError: () => ['bad long'],
  KafkaJSCreateTopicError: () => [protocolSource(36, 'TOPIC_ALREADY_EXISTS', false), 'orders'],
  KafkaJSAlterPartitionReassignmentsError: () => [protocolSource(60, 'REASSIGNMENT_IN_PROGRESS', false), 'orders', 1],
  KafkaJSAggregateError: () => ['several', [new Error('a')]],
  KafkaJSFetcherRebalanceError: () => [],
  KafkaJSNoBrokerAvailableError: () => [],
};

// Where we depart from KafkaJS on purpose (see src/errors/errors.ts). Each entry records
// what KafkaJS does, so a KafkaJS upgrade that changes it shows up here.
const kafkajsName: Record<string, string> = {
  KafkaJSInvalidVarIntError: 'KafkaJSNonRetriableError',
  KafkaJSInvalidLongError: 'KafkaJSNonRetriableError',
  KafkaJSFetcherRebalanceError: 'Error',
};
const kafkajsRetriableUnset = new Set(['KafkaJSAggregateError', 'KafkaJSFetcherRebalanceError']);
// Fields whose values differ by design: our messages are more concrete; KafkaJS links its own issue tracker.
const valueNotCompared = new Set(['message', 'stack', 'name', 'helpUrl']);

function build(cls: AnyErrorClass, args: unknown[]): Error & Record<string, unknown> {
  return new cls(...args) as Error & Record<string, unknown>;
}

describe('KafkaJS-named errors', () => {
  it('exports every class KafkaJS exports', () => {
    const kafkajsClasses = Object.keys(kafkajs).filter((k) => k.startsWith('KafkaJS'));
    assert.deepEqual(Object.keys(shared).sort(), kafkajsClasses.sort());
    for (const name of kafkajsClasses) ourClass(name);
  });

  for (const [name, args] of Object.entries(shared)) {
    it(`${name} has KafkaJS's name, retriable flag and fields`, () => {
      const theirs = build(kafkajs[name]!, args());
      const mine = build(ourClass(name), args());

      assert.equal(mine.name, name, 'name is the class name');
      assert.equal(theirs.name, kafkajsName[name] ?? name, "KafkaJS's name");

      if (kafkajsRetriableUnset.has(name)) {
        assert.equal(theirs.retriable, undefined, 'KafkaJS leaves retriable unset');
        assert.equal(typeof mine.retriable, 'boolean', 'ours says');
      } else {
        assert.equal(mine.retriable, theirs.retriable, 'retriable');
      }

      for (const key of Object.keys(theirs)) {
        if (valueNotCompared.has(key)) continue;
        assert.deepEqual(mine[key], theirs[key], `field ${key}`);
      }
      assert.ok(mine.message.length > 0, 'has a message');
      assert.ok(mine instanceof Error);
    });
  }

  it('has the instanceof relationships KafkaJS has, between every pair of classes', () => {
    const names = Object.keys(shared);
    for (const a of names) {
      const theirs = build(kafkajs[a]!, shared[a]!());
      const mine = build(ourClass(a), shared[a]!());
      for (const b of names) {
        assert.equal(mine instanceof ourClass(b), theirs instanceof kafkajs[b]!, `${a} instanceof ${b}`);
      }
    }
  });

  it('makes KafkaJSError retriable by default and KafkaJSNonRetriableError never', () => {
    assert.equal(new KafkaJSError('x').retriable, true);
    assert.equal(new KafkaJSError('x', { retriable: false }).retriable, false);
    assert.equal(new KafkaJSNonRetriableError('x').retriable, false);
  });

  it('keeps the cause and takes message and helpUrl from an error-like source', () => {
    const cause = new Error('socket hang up');
    const e = new KafkaJSError({ message: 'request failed', helpUrl: 'https://example.com/help' }, { cause });
    assert.equal(e.message, 'request failed');
    assert.equal(e.helpUrl, 'https://example.com/help');
    assert.equal(e.cause, cause);
  });

  it('shows the last error in KafkaJSNumberOfRetriesExceeded: cause, originalError, message and stack', () => {
    const last = new KafkaJSConnectionError('connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092' });
    const e = new KafkaJSNumberOfRetriesExceeded(last, { retryCount: 5, retryTime: 9600 });
    assert.equal(e.cause, last);
    assert.equal(e.originalError, last);
    assert.equal(e.retriable, false);
    assert.match(e.message, /after 5 retries: connect ECONNREFUSED/);
    assert.match(e.stack ?? '', /^KafkaJSNumberOfRetriesExceeded: .*\n {2}Caused by: KafkaJSConnectionError: connect ECONNREFUSED/);
  });

  it('makes KafkaJSDeleteTopicRecordsError non-retriable when one partition error is', () => {
    const e = new errors.KafkaJSDeleteTopicRecordsError({
      topic: 'orders',
      partitions: [
        { partition: 0, offset: '5', error: retriableError },
        { partition: 1, offset: '5', error: createErrorFromCode(29) },
      ],
    });
    assert.equal(e.retriable, false);
    assert.match(e.message, /2 partition\(s\) of topic "orders"/);
  });

  it('makes KafkaJSAggregateError retriable only when every error it carries is', () => {
    assert.equal(new errors.KafkaJSAggregateError('x', [retriableError, createErrorFromCode(6)]).retriable, true);
    assert.equal(new errors.KafkaJSAggregateError('x', [retriableError, createErrorFromCode(36)]).retriable, false);
    assert.equal(new errors.KafkaJSAggregateError('x', []).retriable, false);
  });

  it('tells KafkaJS errors from others with isKafkaJSError', () => {
    assert.equal(isKafkaJSError(createErrorFromCode(3)), true);
    assert.equal(isKafkaJSError(new KafkaJSConfigurationError({ option: 'acks', value: 2, accepted: '0, 1, -1' })), true);
    assert.equal(isKafkaJSError(new Error('x')), false);
    assert.equal(isKafkaJSError('x'), false);
  });
});

describe('createErrorFromCode', () => {
  // [code, type, retriable]: Kafka's names; retriable is Java's flag, which KafkaJS shares.
  const cases: [number, string, boolean][] = [
    [-1, 'UNKNOWN_SERVER_ERROR', false],
    [1, 'OFFSET_OUT_OF_RANGE', false],
    [3, 'UNKNOWN_TOPIC_OR_PARTITION', true],
    [6, 'NOT_LEADER_OR_FOLLOWER', true],
    [7, 'REQUEST_TIMED_OUT', true],
    [10, 'MESSAGE_TOO_LARGE', false],
    [15, 'COORDINATOR_NOT_AVAILABLE', true],
    [16, 'NOT_COORDINATOR', true],
    [19, 'NOT_ENOUGH_REPLICAS', true],
    [22, 'ILLEGAL_GENERATION', false],
    [27, 'REBALANCE_IN_PROGRESS', false],
    [35, 'UNSUPPORTED_VERSION', false],
    [36, 'TOPIC_ALREADY_EXISTS', false],
    [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', false],
    [51, 'CONCURRENT_TRANSACTIONS', true],
    [58, 'SASL_AUTHENTICATION_FAILED', false],
    [79, 'MEMBER_ID_REQUIRED', false],
  ];
  // KafkaJS 2.2.4 still uses Kafka's older names for these codes.
  const kafkajsOldName: Record<number, string> = {
    [-1]: 'UNKNOWN',
    6: 'NOT_LEADER_FOR_PARTITION',
    15: 'GROUP_COORDINATOR_NOT_AVAILABLE',
    16: 'NOT_COORDINATOR_FOR_GROUP',
  };

  for (const [code, type, retriable] of cases) {
    it(`builds ${type} (${code}) with KafkaJS's code and retriable flag`, () => {
      const e = createErrorFromCode(code);
      const theirs = kafkajsProtocol.createErrorFromCode(code);
      assert.ok(e instanceof KafkaJSProtocolError);
      assert.ok(e instanceof KafkaJSError);
      assert.equal(e.name, 'KafkaJSProtocolError');
      assert.equal(e.type, type);
      assert.equal(e.code, code);
      assert.equal(e.retriable, retriable);
      assert.equal(e.retriable, errorCodeInfo(code).retriable);
      assert.equal(theirs.code, code);
      assert.equal(theirs.retriable, retriable, "KafkaJS's flag");
      assert.equal(theirs.type, kafkajsOldName[code] ?? type, "KafkaJS's type");
      assert.ok(e.message.startsWith(`${type}: `), e.message);
    });
  }

  const authorization: [number, string, string][] = [
    [29, 'TOPIC_AUTHORIZATION_FAILED', 'topic'],
    [30, 'GROUP_AUTHORIZATION_FAILED', 'group'],
    [31, 'CLUSTER_AUTHORIZATION_FAILED', 'cluster'],
    [53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'transactionalId'],
    [65, 'DELEGATION_TOKEN_AUTHORIZATION_FAILED', 'delegationToken'],
  ];
  for (const [code, type, resourceType] of authorization) {
    it(`gives KafkaJSAuthorizationError, still a KafkaJSProtocolError, for ${type} (${code})`, () => {
      const e = createErrorFromCode(code);
      assert.ok(e instanceof KafkaJSAuthorizationError);
      assert.ok(e instanceof KafkaJSProtocolError);
      assert.ok(e instanceof KafkaJSError);
      assert.equal(e.name, 'KafkaJSAuthorizationError');
      assert.equal(e.type, type);
      assert.equal(e.code, code);
      assert.equal(e.retriable, false);
      assert.equal(e.resourceType, resourceType);
      assert.equal(kafkajsProtocol.createErrorFromCode(code).retriable, false, 'KafkaJS agrees');
    });
  }

  it('uses the given message after the type name', () => {
    const e = createErrorFromCode(3, 'topic "orders" partition 7 is unknown');
    assert.equal(e.message, 'UNKNOWN_TOPIC_OR_PARTITION: topic "orders" partition 7 is unknown');
    assert.equal(createErrorFromCode(3, null).message, `UNKNOWN_TOPIC_OR_PARTITION: ${errorCodeInfo(3).message}`);
  });

  it('keeps an unknown code as received, not retriable', () => {
    const e = createErrorFromCode(999);
    assert.equal(e.code, 999);
    assert.equal(e.type, 'UNKNOWN_ERROR_CODE_999');
    assert.equal(e.retriable, false);
    assert.match(e.message, /999/);
  });
});

describe('isRebalancing', () => {
  it('is true for REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION and NOT_COORDINATOR, as in KafkaJS', () => {
    for (const code of [27, 22, 16]) {
      assert.equal(isRebalancing(createErrorFromCode(code)), true, String(code));
      assert.equal(kafkajs.isRebalancing(kafkajsProtocol.createErrorFromCode(code)), true, `KafkaJS ${code}`);
    }
  });

  it("also accepts KafkaJS's own errors, which use the old name NOT_COORDINATOR_FOR_GROUP", () => {
    assert.equal(isRebalancing(kafkajsProtocol.createErrorFromCode(16)), true);
  });

  it('is false for other errors and non-errors', () => {
    assert.equal(isRebalancing(createErrorFromCode(6)), false);
    assert.equal(isRebalancing(new Error('x')), false);
    assert.equal(isRebalancing(null), false);
    assert.equal(isRebalancing('REBALANCE_IN_PROGRESS'), false);
  });
});

describe('errors KafkaJS lacks', () => {
  it('KafkaJSConfigurationError names the option, the value and the accepted values; not retriable', () => {
    const e = new KafkaJSConfigurationError({ option: 'acks', value: 2, accepted: "0, 1, -1 or 'all'" });
    assert.ok(e instanceof KafkaJSNonRetriableError);
    assert.equal(e.name, 'KafkaJSConfigurationError');
    assert.equal(e.retriable, false);
    assert.equal(e.option, 'acks');
    assert.equal(e.value, 2);
    assert.equal(e.message, "Invalid acks: 2. Accepted: 0, 1, -1 or 'all'.");

    const cross = new KafkaJSConfigurationError({
      option: 'producer.maxInFlightRequests',
      value: 6,
      accepted: 'an integer from 1 to 5',
      reason: 'idempotence keeps order only up to 5 in-flight requests',
    });
    assert.match(cross.message, /^Invalid producer\.maxInFlightRequests: 6 \(idempotence .*\)\. Accepted: an integer from 1 to 5\.$/);
  });

  it('KafkaJSConfigurationError describes circular and string values without throwing', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.match(new KafkaJSConfigurationError({ option: 'producer.batchSize', value: circular, accepted: 'x' }).message, /\[object Object\]/);
    assert.match(new KafkaJSConfigurationError({ option: 'acks', value: 'some', accepted: 'x' }).message, /Invalid acks: "some"/);
  });

  it('KafkaJSSerializationError names the topic and message index of a circular JSON value', () => {
    const value: Record<string, unknown> = { id: 1 };
    value.self = value;
    let cause: unknown;
    try {
      JSON.stringify(value);
    } catch (error) {
      cause = error;
    }
    const e = new KafkaJSSerializationError({ topic: 'orders', messageIndex: 2, cause });
    assert.ok(e instanceof KafkaJSNonRetriableError);
    assert.equal(e.retriable, false);
    assert.equal(e.topic, 'orders');
    assert.equal(e.messageIndex, 2);
    assert.equal(e.field, 'value');
    assert.equal(e.cause, cause);
    assert.match(e.message, /^Cannot serialize the value of message 2 for topic "orders": .*circular/i);
  });

  it('KafkaJSMessageTooLargeError gives the size and maxRequestSize; not retriable', () => {
    const e = new KafkaJSMessageTooLargeError({ size: 2_000_000, maxRequestSize: 1_048_576, topic: 'images', messageIndex: 0 });
    assert.ok(e instanceof KafkaJSNonRetriableError);
    assert.equal(e.retriable, false);
    assert.equal(e.size, 2_000_000);
    assert.equal(e.maxRequestSize, 1_048_576);
    assert.match(e.message, /^Message 0 for topic "images" is 2000000 bytes .*maxRequestSize \(1048576 bytes\)/);
  });

  it('KafkaJSBufferExhaustedError is a non-retriable KafkaJSTimeout naming bufferMemory and maxBlockMs', () => {
    const e = new KafkaJSBufferExhaustedError({ bufferMemory: 33_554_432, maxBlockMs: 60_000, size: 2048 });
    assert.ok(e instanceof KafkaJSTimeout);
    assert.equal(e.name, 'KafkaJSBufferExhaustedError');
    assert.equal(e.retriable, false);
    assert.equal(e.bufferMemory, 33_554_432);
    assert.equal(e.maxBlockMs, 60_000);
    assert.match(e.message, /maxBlockMs \(60000 ms\)/);
    assert.match(e.message, /bufferMemory \(33554432 bytes\)/);
  });

  it('KafkaJSDeliveryTimeoutError is a non-retriable KafkaJSTimeout naming deliveryTimeoutMs and the last error', () => {
    const last = createErrorFromCode(19);
    const e = new KafkaJSDeliveryTimeoutError({ deliveryTimeoutMs: 120_000, retryCount: 4, cause: last });
    assert.ok(e instanceof KafkaJSTimeout);
    assert.equal(e.retriable, false);
    assert.equal(e.deliveryTimeoutMs, 120_000);
    assert.equal(e.retryCount, 4);
    assert.equal(e.cause, last);
    assert.match(e.message, /deliveryTimeoutMs \(120000 ms\).*after 4 retries; last error: NOT_ENOUGH_REPLICAS/);
  });

  it('network, timeout, serialization, configuration and authorization errors are distinct classes with a retriable flag', () => {
    const samples = [
      new KafkaJSConnectionError('refused'),
      new errors.KafkaJSRequestTimeoutError('timed out'),
      new KafkaJSSerializationError({ topic: 't', messageIndex: 0, cause: new Error('x') }),
      new KafkaJSConfigurationError({ option: 'acks', value: 3, accepted: '0, 1, -1' }),
      createErrorFromCode(29),
    ];
    assert.deepEqual(
      samples.map((e) => [e.name, e.retriable]),
      [
        ['KafkaJSConnectionError', true],
        ['KafkaJSRequestTimeoutError', true],
        ['KafkaJSSerializationError', false],
        ['KafkaJSConfigurationError', false],
        ['KafkaJSAuthorizationError', false],
      ],
    );
  });
});
