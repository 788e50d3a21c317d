/**
 * Errors built from the `error_code` of a Kafka response, KafkaJS-shaped: a
 * `KafkaJSProtocolError` with `type` (Kafka's error name), `code` and `retriable` from
 * the table in `protocol/error-codes.ts` (Java's retriable flags).
 *
 * `type` is Kafka's current name. KafkaJS 2.2.4 uses older names for five codes:
 * UNKNOWN (-1), NOT_LEADER_FOR_PARTITION (6), GROUP_LOAD_IN_PROGRESS (14),
 * GROUP_COORDINATOR_NOT_AVAILABLE (15) and NOT_COORDINATOR_FOR_GROUP (16); code that
 * compares `type` to those should compare `code`, which never changes. `isRebalancing`
 * accepts both spellings.
 */

import { errorCodeInfo } from '../protocol/error-codes.js';
import { KafkaJSError } from './errors.js';

/** What a protocol error is built from: a table entry, or another protocol error. */
export interface ProtocolErrorSource {
  /** The message. */
  readonly message: string;
  /** Kafka's error name, e.g. `NOT_LEADER_OR_FOLLOWER`. */
  readonly type: string;
  /** The int16 error code. */
  readonly code: number;
  /** Whether retrying may succeed. */
  readonly retriable: boolean;
  /** A page explaining the error. */
  readonly helpUrl?: string | undefined;
}

/**
 * An error code in a broker's response. `retriable` is Kafka's (Java's) classification
 * of the code.
 */
export class KafkaJSProtocolError extends KafkaJSError {
  override readonly name: string = 'KafkaJSProtocolError';
  /** Kafka's error name, e.g. `NOT_LEADER_OR_FOLLOWER`. */
  readonly type: string;
  /** The int16 error code. */
  readonly code: number;

  /**
   * @param e - the code's type, code, message and retriable flag (e.g. another protocol error)
   * @param options - `retriable`, to override the code's flag
   */
  constructor(e: ProtocolErrorSource, { retriable = e.retriable }: { readonly retriable?: boolean } = {}) {
    super(e, { retriable });
    this.type = e.type;
    this.code = e.code;
  }
}

/** OFFSET_OUT_OF_RANGE for one partition: the consumer resets by its offset reset policy. */
export class KafkaJSOffsetOutOfRange extends KafkaJSProtocolError {
  override readonly name: string = 'KafkaJSOffsetOutOfRange';
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;

  /**
   * @param e - the protocol error (code 1)
   * @param details - the topic and partition
   */
  constructor(e: ProtocolErrorSource, { topic, partition }: { readonly topic: string; readonly partition: number }) {
    super(e);
    this.topic = topic;
    this.partition = partition;
  }
}

/** MEMBER_ID_REQUIRED (KIP-394): join again with the member id the coordinator assigned. */
export class KafkaJSMemberIdRequired extends KafkaJSProtocolError {
  override readonly name: string = 'KafkaJSMemberIdRequired';
  /** The member id the coordinator assigned. */
  readonly memberId: string;

  /**
   * @param e - the protocol error (code 79)
   * @param details - the assigned member id
   */
  constructor(e: ProtocolErrorSource, { memberId }: { readonly memberId: string }) {
    super(e);
    this.memberId = memberId;
  }
}

/** Creating one topic failed; carried, one per topic, in a `KafkaJSAggregateError`. */
export class KafkaJSCreateTopicError extends KafkaJSProtocolError {
  override readonly name: string = 'KafkaJSCreateTopicError';
  /** The topic. */
  readonly topic: string;

  /**
   * @param e - the topic's protocol error
   * @param topicName - the topic
   */
  constructor(e: ProtocolErrorSource, topicName: string) {
    super(e);
    this.topic = topicName;
  }
}

/** Reassigning one partition failed (AlterPartitionReassignments). */
export class KafkaJSAlterPartitionReassignmentsError extends KafkaJSProtocolError {
  override readonly name: string = 'KafkaJSAlterPartitionReassignmentsError';
  /** The topic, when the error concerns one. */
  readonly topic: string | undefined;
  /** The partition, when the error concerns one. */
  readonly partition: number | undefined;

  /**
   * @param e - the protocol error
   * @param topicName - the topic
   * @param partition - the partition
   */
  constructor(e: ProtocolErrorSource, topicName?: string, partition?: number) {
    super(e);
    this.topic = topicName;
    this.partition = partition;
  }
}

/** The kind of resource each `*_AUTHORIZATION_FAILED` code refuses. */
const AUTHORIZATION_RESOURCE = {
  29: 'topic', // TOPIC_AUTHORIZATION_FAILED
  30: 'group', // GROUP_AUTHORIZATION_FAILED
  31: 'cluster', // CLUSTER_AUTHORIZATION_FAILED
  53: 'transactionalId', // TRANSACTIONAL_ID_AUTHORIZATION_FAILED
  65: 'delegationToken', // DELEGATION_TOKEN_AUTHORIZATION_FAILED
} as const satisfies Readonly<Record<number, string>>;

/** The kind of resource an authorization error refuses. */
export type AuthorizationResourceType = (typeof AUTHORIZATION_RESOURCE)[keyof typeof AUTHORIZATION_RESOURCE];

function authorizationResourceOf(code: number): AuthorizationResourceType | undefined {
  return (AUTHORIZATION_RESOURCE as Readonly<Record<number, AuthorizationResourceType>>)[code];
}

/**
 * The broker's ACLs refuse the principal access (one of Kafka's `*_AUTHORIZATION_FAILED`
 * codes). Not retriable: the same request is refused until the ACLs change. Not in
 * KafkaJS, which raises a plain `KafkaJSProtocolError`; this one still is one.
 */
export class KafkaJSAuthorizationError extends KafkaJSProtocolError {
  override readonly name: string = 'KafkaJSAuthorizationError';
  /** What access was refused to: a topic, group, the cluster, a transactional id or a delegation token. */
  readonly resourceType: AuthorizationResourceType | undefined;

  /**
   * @param e - the protocol error (code 29, 30, 31, 53 or 65)
   */
  constructor(e: ProtocolErrorSource) {
    super(e, { retriable: false });
    this.resourceType = authorizationResourceOf(e.code);
  }
}

/**
 * The error for a response's `error_code`, as KafkaJS's `createErrorFromCode`:
 * a `KafkaJSAuthorizationError` for the `*_AUTHORIZATION_FAILED` codes, otherwise a
 * `KafkaJSProtocolError`. A code the table does not know gives a non-retriable error
 * whose `type` is `UNKNOWN_ERROR_CODE_<code>` and whose `code` is the code received
 * (KafkaJS uses `KAFKAJS_UNKNOWN_ERROR_CODE` and -99).
 *
 * @param code - the int16 error code (not 0, which means success)
 * @param message - the broker's `error_message` or the caller's context, in place of the
 *   table's description; the message always starts with the code's name
 * @returns the error, to throw or to attach to a partition's result
 */
export function createErrorFromCode(code: number, message?: string | null): KafkaJSProtocolError {
  const info = errorCodeInfo(code);
  const source: ProtocolErrorSource = {
    type: info.name,
    code: info.code,
    retriable: info.retriable,
    message: `${info.name}: ${message ?? info.message}`,
  };
  return authorizationResourceOf(code) === undefined ? new KafkaJSProtocolError(source) : new KafkaJSAuthorizationError(source);
}

const REBALANCING_TYPES: ReadonlySet<string> = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP', // KafkaJS's (Kafka's pre-0.11) name for NOT_COORDINATOR
]);

/**
 * Whether `e` means the consumer must rejoin its group, as KafkaJS's `isRebalancing`:
 * REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION or NOT_COORDINATOR.
 */
export function isRebalancing(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const type = (e as { type?: unknown }).type;
  return typeof type === 'string' && REBALANCING_TYPES.has(type);
}
