import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { ErrorCode, errorCodeInfo, errorCodes } from '../../src/protocol/error-codes.js';

const require = createRequire(import.meta.url);
// KafkaJS's own protocol error table: a peer nobody here wrote. Its `type` strings are Kafka's names.
const kafkajs = require('kafkajs/src/protocol/error.js') as {
  errorCodes: readonly { type: string; code: number; retriable: boolean }[];
};

const HIGHEST_CODE = 133; // SHARE_SESSION_LIMIT_REACHED, Kafka 4.3.0

describe('Kafka protocol error codes', () => {
  it('gives every name a distinct code, covering -1..133 with no gap, as Kafka does', () => {
    const codes = Object.values(ErrorCode);
    assert.equal(new Set(codes).size, codes.length);
    const expected = Array.from({ length: HIGHEST_CODE + 2 }, (_, i) => i - 1);
    assert.deepEqual([...codes].sort((a, b) => a - b), expected);
    assert.deepEqual([...errorCodes.keys()], expected, 'the map is in code order');
  });

  it('keeps the map and the ErrorCode object in step', () => {
    for (const [code, info] of errorCodes) {
      assert.equal(info.code, code);
      assert.equal(ErrorCode[info.name as keyof typeof ErrorCode], code, info.name);
      assert.ok(info.message.length > 0, `${info.name} has a message`);
      assert.ok(Object.isFrozen(info));
    }
  });

  // Each checked in Errors.java and in the exception class's `extends` chain under
  // org/apache/kafka/common/errors/.
  const facts: [code: number, name: string, retriable: boolean, why: string][] = [
    [-1, 'UNKNOWN_SERVER_ERROR', false, 'UnknownServerException extends ApiException'],
    [0, 'NONE', false, 'no exception'],
    [2, 'CORRUPT_MESSAGE', true, 'CorruptRecordException extends RetriableException'],
    [3, 'UNKNOWN_TOPIC_OR_PARTITION', true, 'extends InvalidMetadataException'],
    [6, 'NOT_LEADER_OR_FOLLOWER', true, 'NotLeaderOrFollowerException extends InvalidMetadataException'],
    [8, 'BROKER_NOT_AVAILABLE', false, 'BrokerNotAvailableException extends ApiException'],
    [13, 'NETWORK_EXCEPTION', true, 'NetworkException extends InvalidMetadataException'],
    [27, 'REBALANCE_IN_PROGRESS', false, 'RebalanceInProgressException extends ApiException'],
    [35, 'UNSUPPORTED_VERSION', false, 'extends InvalidConfigurationException'],
    [36, 'TOPIC_ALREADY_EXISTS', false, 'TopicExistsException extends ApiException'],
    [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', false, 'OutOfOrderSequenceException extends ApiException'],
    [46, 'DUPLICATE_SEQUENCE_NUMBER', false, 'DuplicateSequenceException extends ApiException'],
    [47, 'INVALID_PRODUCER_EPOCH', false, 'extends ApplicationRecoverableException'],
    [51, 'CONCURRENT_TRANSACTIONS', true, 'ConcurrentTransactionsException extends RetriableException'],
    [56, 'KAFKA_STORAGE_ERROR', true, 'KafkaStorageException extends InvalidMetadataException'],
    [58, 'SASL_AUTHENTICATION_FAILED', false, 'extends AuthenticationException'],
    [59, 'UNKNOWN_PRODUCER_ID', false, 'UnknownProducerIdException extends OutOfOrderSequenceException'],
    [79, 'MEMBER_ID_REQUIRED', false, 'MemberIdRequiredException extends ApiException'],
    [90, 'PRODUCER_FENCED', false, 'extends ApplicationRecoverableException'],
    [122, 'SHARE_SESSION_NOT_FOUND', true, 'ShareSessionNotFoundException extends RetriableException'],
    [129, 'REBOOTSTRAP_REQUIRED', false, 'RebootstrapRequiredException extends ApiException'],
    [133, 'SHARE_SESSION_LIMIT_REACHED', true, 'ShareSessionLimitReachedException extends RetriableException'],
  ];
  for (const [code, name, retriable, why] of facts) {
    it(`has ${name} = ${code}, ${retriable ? '' : 'not '}retriable (${why})`, () => {
      const info = errorCodeInfo(code);
      assert.equal(info.name, name);
      assert.equal(info.retriable, retriable);
      assert.equal(ErrorCode[name as keyof typeof ErrorCode], code);
    });
  }

  it("uses Kafka's current name for every code KafkaJS knows; KafkaJS keeps older names for five", () => {
    // Kafka renamed these; KafkaJS 2.2.4 still uses the old names.
    const olderNamesInKafkaJS = new Map([
      [-1, 'UNKNOWN'],
      [6, 'NOT_LEADER_FOR_PARTITION'],
      [14, 'GROUP_LOAD_IN_PROGRESS'],
      [15, 'GROUP_COORDINATOR_NOT_AVAILABLE'],
      [16, 'NOT_COORDINATOR_FOR_GROUP'],
    ]);
    assert.ok(kafkajs.errorCodes.length > 80, 'KafkaJS table loaded');
    const differing = new Map<number, string>();
    for (const { code, type } of kafkajs.errorCodes) {
      const ours = errorCodes.get(code);
      assert.ok(ours, `KafkaJS knows ${type} = ${code}; so must we`);
      if (ours.name !== type) differing.set(code, type);
    }
    assert.deepEqual(differing, olderNamesInKafkaJS);
  });

  it('agrees with KafkaJS on retriable for every code KafkaJS knows', () => {
    const disagreements = kafkajs.errorCodes
      .filter(({ code, retriable }) => errorCodeInfo(code).retriable !== retriable)
      .map(({ type }) => type);
    assert.deepEqual(disagreements, []);
  });

  it('describes a code it does not know as non-retriable, keeping the number', () => {
    const info = errorCodeInfo(999);
    assert.equal(info.code, 999);
    assert.equal(info.name, 'UNKNOWN_ERROR_CODE_999');
    assert.equal(info.retriable, false);
    assert.match(info.message, /999/);
    assert.equal(errorCodes.has(999), false);
  });

  it('returns the table entry itself for a known code', () => {
    assert.equal(errorCodeInfo(ErrorCode.NOT_COORDINATOR), errorCodes.get(16));
  });
});
