/**
 * Kafka's protocol error codes: the int16 `error_code` fields of every response.
 *
 * Names and codes are the constants of Apache Kafka 4.3.0's
 * `org.apache.kafka.common.protocol.Errors`, every code from -1 to the highest, 133.
 * Kafka's codes are contiguous, and a code is never reused or renumbered (names may change).
 *
 * `retriable` follows Kafka's documented rule (the "Retriable" column of the protocol
 * guide is generated from it): true iff the Java exception for the code extends
 * `org.apache.kafka.common.errors.RetriableException`, directly or through
 * `InvalidMetadataException` / `RefreshRetriableException`. The retry layer reads only this flag;
 * codes that need more than a plain retry (rejoin a group, abort a transaction,
 * rebootstrap) are non-retriable here, as in Java, and are handled by the layer that owns
 * that state.
 *
 * KafkaJS 2.2.4 (`kafkajs/src/protocol/error.js`) knows codes -1 and 1..88. It agrees with
 * Java on `retriable` for every one of them (REBALANCE_IN_PROGRESS is non-retriable in both),
 * and uses Kafka's older names for -1, 6, 14, 15 and 16 (noted below).
 * franz-go's `kerr` departs from Java on 8, 51, 122 and 123 (also noted); we follow Java.
 *
 * The messages are our own short wording, not Kafka's.
 */

/** Kafka's error codes by their `Errors` enum name. */
export const ErrorCode = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_FETCH_SIZE: 4,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  BROKER_NOT_AVAILABLE: 8,
  REPLICA_NOT_AVAILABLE: 9,
  MESSAGE_TOO_LARGE: 10,
  STALE_CONTROLLER_EPOCH: 11,
  OFFSET_METADATA_TOO_LARGE: 12,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_TOPIC_EXCEPTION: 17,
  RECORD_LIST_TOO_LARGE: 18,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_COMMIT_OFFSET_SIZE: 28,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  NOT_CONTROLLER: 41,
  INVALID_REQUEST: 42,
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  POLICY_VIOLATION: 44,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  INVALID_TRANSACTION_TIMEOUT: 50,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTION_COORDINATOR_FENCED: 52,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  SECURITY_DISABLED: 54,
  OPERATION_NOT_ATTEMPTED: 55,
  KAFKA_STORAGE_ERROR: 56,
  LOG_DIR_NOT_FOUND: 57,
  SASL_AUTHENTICATION_FAILED: 58,
  UNKNOWN_PRODUCER_ID: 59,
  REASSIGNMENT_IN_PROGRESS: 60,
  DELEGATION_TOKEN_AUTH_DISABLED: 61,
  DELEGATION_TOKEN_NOT_FOUND: 62,
  DELEGATION_TOKEN_OWNER_MISMATCH: 63,
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: 64,
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: 65,
  DELEGATION_TOKEN_EXPIRED: 66,
  INVALID_PRINCIPAL_TYPE: 67,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  FETCH_SESSION_ID_NOT_FOUND: 70,
  INVALID_FETCH_SESSION_EPOCH: 71,
  LISTENER_NOT_FOUND: 72,
  TOPIC_DELETION_DISABLED: 73,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  STALE_BROKER_EPOCH: 77,
  OFFSET_NOT_AVAILABLE: 78,
  MEMBER_ID_REQUIRED: 79,
  PREFERRED_LEADER_NOT_AVAILABLE: 80,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
  ELIGIBLE_LEADERS_NOT_AVAILABLE: 83,
  ELECTION_NOT_NEEDED: 84,
  NO_REASSIGNMENT_IN_PROGRESS: 85,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  INVALID_RECORD: 87,
  UNSTABLE_OFFSET_COMMIT: 88,
  THROTTLING_QUOTA_EXCEEDED: 89,
  PRODUCER_FENCED: 90,
  RESOURCE_NOT_FOUND: 91,
  DUPLICATE_RESOURCE: 92,
  UNACCEPTABLE_CREDENTIAL: 93,
  INCONSISTENT_VOTER_SET: 94,
  INVALID_UPDATE_VERSION: 95,
  FEATURE_UPDATE_FAILED: 96,
  PRINCIPAL_DESERIALIZATION_FAILURE: 97,
  SNAPSHOT_NOT_FOUND: 98,
  POSITION_OUT_OF_RANGE: 99,
  UNKNOWN_TOPIC_ID: 100,
  DUPLICATE_BROKER_REGISTRATION: 101,
  BROKER_ID_NOT_REGISTERED: 102,
  INCONSISTENT_TOPIC_ID: 103,
  INCONSISTENT_CLUSTER_ID: 104,
  TRANSACTIONAL_ID_NOT_FOUND: 105,
  FETCH_SESSION_TOPIC_ID_ERROR: 106,
  INELIGIBLE_REPLICA: 107,
  NEW_LEADER_ELECTED: 108,
  OFFSET_MOVED_TO_TIERED_STORAGE: 109,
  FENCED_MEMBER_EPOCH: 110,
  UNRELEASED_INSTANCE_ID: 111,
  UNSUPPORTED_ASSIGNOR: 112,
  STALE_MEMBER_EPOCH: 113,
  MISMATCHED_ENDPOINT_TYPE: 114,
  UNSUPPORTED_ENDPOINT_TYPE: 115,
  UNKNOWN_CONTROLLER_ID: 116,
  UNKNOWN_SUBSCRIPTION_ID: 117,
  TELEMETRY_TOO_LARGE: 118,
  INVALID_REGISTRATION: 119,
  TRANSACTION_ABORTABLE: 120,
  INVALID_RECORD_STATE: 121,
  SHARE_SESSION_NOT_FOUND: 122,
  INVALID_SHARE_SESSION_EPOCH: 123,
  FENCED_STATE_EPOCH: 124,
  INVALID_VOTER_KEY: 125,
  DUPLICATE_VOTER: 126,
  VOTER_NOT_FOUND: 127,
  INVALID_REGULAR_EXPRESSION: 128,
  REBOOTSTRAP_REQUIRED: 129,
  STREAMS_INVALID_TOPOLOGY: 130,
  STREAMS_INVALID_TOPOLOGY_EPOCH: 131,
  STREAMS_TOPOLOGY_FENCED: 132,
  SHARE_SESSION_LIMIT_REACHED: 133,
} as const;

/** One of Kafka's known error codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What the table knows about one error code. */
export interface ErrorCodeInfo {
  /** The int16 code on the wire. */
  readonly code: number;
  /** Kafka's `Errors` enum name, e.g. `NOT_LEADER_OR_FOLLOWER`. */
  readonly name: string;
  /** Whether Kafka's Java client treats the error as retriable (extends `RetriableException`). */
  readonly retriable: boolean;
  /** A short human-readable description. */
  readonly message: string;
}

const RETRIABLE = true;
const NOT_RETRIABLE = false;

// Keyed by name so the compiler rejects a code without details, or details without a code.
const details: { readonly [N in keyof typeof ErrorCode]: readonly [retriable: boolean, message: string] } = {
  // KafkaJS: 'UNKNOWN' (Kafka's older name for this code).
  UNKNOWN_SERVER_ERROR: [NOT_RETRIABLE, 'The broker hit an unexpected error while handling the request.'],
  NONE: [NOT_RETRIABLE, 'No error.'],
  OFFSET_OUT_OF_RANGE: [NOT_RETRIABLE, 'The requested offset is outside the range the broker holds for the partition.'],
  CORRUPT_MESSAGE: [RETRIABLE, 'The record is corrupt: bad CRC, invalid size, or a null key on a compacted topic.'],
  UNKNOWN_TOPIC_OR_PARTITION: [RETRIABLE, 'The topic or partition is unknown to this broker.'],
  INVALID_FETCH_SIZE: [NOT_RETRIABLE, 'The fetch size in the request is not valid.'],
  LEADER_NOT_AVAILABLE: [RETRIABLE, 'The partition has no leader right now, usually because an election is under way.'],
  // KafkaJS: 'NOT_LEADER_FOR_PARTITION' (Kafka's name before 2.6).
  NOT_LEADER_OR_FOLLOWER: [RETRIABLE, 'This broker is not the leader, or not a replica, of the partition.'],
  REQUEST_TIMED_OUT: [RETRIABLE, 'The broker timed out handling the request.'],
  // franz-go retries this one; Java's BrokerNotAvailableException is a plain ApiException.
  BROKER_NOT_AVAILABLE: [NOT_RETRIABLE, 'The broker is unavailable.'],
  REPLICA_NOT_AVAILABLE: [RETRIABLE, 'The replica of the partition is unavailable on this broker.'],
  MESSAGE_TOO_LARGE: [NOT_RETRIABLE, 'A record is larger than the broker accepts.'],
  STALE_CONTROLLER_EPOCH: [NOT_RETRIABLE, 'The request carried an old controller epoch; the controller has moved.'],
  OFFSET_METADATA_TOO_LARGE: [NOT_RETRIABLE, 'The metadata string of the offset commit is too long.'],
  NETWORK_EXCEPTION: [RETRIABLE, 'The connection closed before a response arrived.'],
  // KafkaJS: 'GROUP_LOAD_IN_PROGRESS' (renamed when transactions reused the coordinator, Kafka 0.11).
  COORDINATOR_LOAD_IN_PROGRESS: [RETRIABLE, 'The coordinator is still loading its state.'],
  // KafkaJS: 'GROUP_COORDINATOR_NOT_AVAILABLE' (same rename).
  COORDINATOR_NOT_AVAILABLE: [RETRIABLE, 'The coordinator is unavailable.'],
  // KafkaJS: 'NOT_COORDINATOR_FOR_GROUP' (same rename).
  NOT_COORDINATOR: [RETRIABLE, 'This broker is not the coordinator for the group or transactional id.'],
  INVALID_TOPIC_EXCEPTION: [NOT_RETRIABLE, 'The topic name is invalid, or the operation is not allowed on this topic.'],
  RECORD_LIST_TOO_LARGE: [NOT_RETRIABLE, "The record batch is larger than the topic's segment size."],
  NOT_ENOUGH_REPLICAS: [RETRIABLE, 'Rejected: fewer in-sync replicas than the minimum.'],
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: [RETRIABLE, 'Written, but to fewer in-sync replicas than the minimum.'],
  INVALID_REQUIRED_ACKS: [NOT_RETRIABLE, 'The produce request asked for an invalid acks value.'],
  ILLEGAL_GENERATION: [NOT_RETRIABLE, 'The group generation id is not the current one.'],
  INCONSISTENT_GROUP_PROTOCOL: [NOT_RETRIABLE, "The member's protocols do not match the group's, or are empty."],
  INVALID_GROUP_ID: [NOT_RETRIABLE, 'The group id is not valid.'],
  UNKNOWN_MEMBER_ID: [NOT_RETRIABLE, 'The coordinator does not know this member id.'],
  INVALID_SESSION_TIMEOUT: [NOT_RETRIABLE, "The session timeout is outside the broker's allowed range."],
  // Not retriable in Java nor KafkaJS: the member must rejoin the group, not resend.
  REBALANCE_IN_PROGRESS: [NOT_RETRIABLE, 'The group is rebalancing; the member must rejoin.'],
  INVALID_COMMIT_OFFSET_SIZE: [NOT_RETRIABLE, 'The offset commit data has an invalid size.'],
  TOPIC_AUTHORIZATION_FAILED: [NOT_RETRIABLE, 'Not authorized to access the topic.'],
  GROUP_AUTHORIZATION_FAILED: [NOT_RETRIABLE, 'Not authorized to access the group.'],
  CLUSTER_AUTHORIZATION_FAILED: [NOT_RETRIABLE, 'Not authorized for this cluster operation.'],
  INVALID_TIMESTAMP: [NOT_RETRIABLE, 'A record timestamp is outside the accepted range.'],
  UNSUPPORTED_SASL_MECHANISM: [NOT_RETRIABLE, 'The broker does not offer this SASL mechanism.'],
  ILLEGAL_SASL_STATE: [NOT_RETRIABLE, 'The request is not allowed in the current SASL state.'],
  UNSUPPORTED_VERSION: [NOT_RETRIABLE, 'The broker does not support this API version.'],
  TOPIC_ALREADY_EXISTS: [NOT_RETRIABLE, 'A topic with this name already exists.'],
  INVALID_PARTITIONS: [NOT_RETRIABLE, 'The partition count is invalid.'],
  INVALID_REPLICATION_FACTOR: [NOT_RETRIABLE, 'The replication factor is below 1 or above the number of brokers.'],
  INVALID_REPLICA_ASSIGNMENT: [NOT_RETRIABLE, 'The replica assignment is invalid.'],
  INVALID_CONFIG: [NOT_RETRIABLE, 'The configuration is invalid.'],
  NOT_CONTROLLER: [RETRIABLE, 'This broker is not the active controller.'],
  INVALID_REQUEST: [NOT_RETRIABLE, 'The request is malformed or not valid for this broker; see the broker log.'],
  UNSUPPORTED_FOR_MESSAGE_FORMAT: [NOT_RETRIABLE, "The topic's message format is too old for this request."],
  POLICY_VIOLATION: [NOT_RETRIABLE, 'The request violates a policy configured on the broker.'],
  OUT_OF_ORDER_SEQUENCE_NUMBER: [NOT_RETRIABLE, 'The broker received a sequence number out of order.'],
  DUPLICATE_SEQUENCE_NUMBER: [NOT_RETRIABLE, 'The broker already has a batch with this sequence number.'],
  INVALID_PRODUCER_EPOCH: [NOT_RETRIABLE, 'The producer epoch is older than the current one.'],
  INVALID_TXN_STATE: [NOT_RETRIABLE, 'The operation is not valid in the current transaction state.'],
  INVALID_PRODUCER_ID_MAPPING: [NOT_RETRIABLE, 'The producer id is not the one assigned to this transactional id.'],
  INVALID_TRANSACTION_TIMEOUT: [NOT_RETRIABLE, "The transaction timeout exceeds the broker's maximum."],
  // franz-go does not retry this one; Java's ConcurrentTransactionsException is retriable.
  CONCURRENT_TRANSACTIONS: [RETRIABLE, 'Another operation on the same transaction is still in progress.'],
  TRANSACTION_COORDINATOR_FENCED: [NOT_RETRIABLE, 'The coordinator writing the marker is no longer current.'],
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: [NOT_RETRIABLE, 'Not authorized to use this transactional id.'],
  SECURITY_DISABLED: [NOT_RETRIABLE, 'Security features are not enabled on the broker.'],
  OPERATION_NOT_ATTEMPTED: [NOT_RETRIABLE, 'Skipped because another operation in the same request failed.'],
  KAFKA_STORAGE_ERROR: [RETRIABLE, 'The broker hit a disk error reading or writing the log.'],
  LOG_DIR_NOT_FOUND: [NOT_RETRIABLE, 'The log directory is not in the broker configuration.'],
  SASL_AUTHENTICATION_FAILED: [NOT_RETRIABLE, 'SASL authentication failed.'],
  UNKNOWN_PRODUCER_ID: [NOT_RETRIABLE, 'The broker has no state for this producer id (e.g. retention removed it).'],
  REASSIGNMENT_IN_PROGRESS: [NOT_RETRIABLE, 'A partition reassignment is in progress.'],
  DELEGATION_TOKEN_AUTH_DISABLED: [NOT_RETRIABLE, 'Delegation tokens are not enabled.'],
  DELEGATION_TOKEN_NOT_FOUND: [NOT_RETRIABLE, 'The delegation token does not exist.'],
  DELEGATION_TOKEN_OWNER_MISMATCH: [NOT_RETRIABLE, 'The principal is neither owner nor renewer of the token.'],
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: [NOT_RETRIABLE, 'Token requests need an authenticated, non-token connection.'],
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: [NOT_RETRIABLE, 'Not authorized for this delegation token operation.'],
  DELEGATION_TOKEN_EXPIRED: [NOT_RETRIABLE, 'The delegation token has expired.'],
  INVALID_PRINCIPAL_TYPE: [NOT_RETRIABLE, 'The principal type is not supported.'],
  NON_EMPTY_GROUP: [NOT_RETRIABLE, 'The group still has members.'],
  GROUP_ID_NOT_FOUND: [NOT_RETRIABLE, 'The group does not exist.'],
  FETCH_SESSION_ID_NOT_FOUND: [RETRIABLE, 'The fetch session id is unknown to the broker.'],
  INVALID_FETCH_SESSION_EPOCH: [RETRIABLE, 'The fetch session epoch is not valid.'],
  LISTENER_NOT_FOUND: [RETRIABLE, 'The leader has no listener matching the one the metadata request used.'],
  TOPIC_DELETION_DISABLED: [NOT_RETRIABLE, 'Topic deletion is disabled on the broker.'],
  FENCED_LEADER_EPOCH: [RETRIABLE, "The request's leader epoch is older than the broker's."],
  UNKNOWN_LEADER_EPOCH: [RETRIABLE, "The request's leader epoch is newer than the broker's."],
  UNSUPPORTED_COMPRESSION_TYPE: [NOT_RETRIABLE, "The client does not support the partition's compression type."],
  STALE_BROKER_EPOCH: [NOT_RETRIABLE, 'The broker epoch has changed.'],
  OFFSET_NOT_AVAILABLE: [RETRIABLE, "The new leader's high watermark has not caught up yet."],
  MEMBER_ID_REQUIRED: [NOT_RETRIABLE, 'Join again with the member id the coordinator assigned (KIP-394).'],
  PREFERRED_LEADER_NOT_AVAILABLE: [RETRIABLE, 'The preferred leader is unavailable.'],
  GROUP_MAX_SIZE_REACHED: [NOT_RETRIABLE, 'The group is at its maximum size.'],
  FENCED_INSTANCE_ID: [NOT_RETRIABLE, 'Another member with the same group.instance.id fenced this one.'],
  ELIGIBLE_LEADERS_NOT_AVAILABLE: [RETRIABLE, 'No eligible leader is available for the partition.'],
  ELECTION_NOT_NEEDED: [RETRIABLE, 'The partition needs no leader election.'],
  NO_REASSIGNMENT_IN_PROGRESS: [NOT_RETRIABLE, 'No partition reassignment is in progress.'],
  GROUP_SUBSCRIBED_TO_TOPIC: [NOT_RETRIABLE, 'Cannot delete offsets of a topic the group is subscribed to.'],
  INVALID_RECORD: [NOT_RETRIABLE, 'The broker rejected a record that failed validation.'],
  UNSTABLE_OFFSET_COMMIT: [RETRIABLE, 'Pending transactional offsets must be resolved first.'],
  THROTTLING_QUOTA_EXCEEDED: [RETRIABLE, 'The throttling quota is exhausted.'],
  PRODUCER_FENCED: [NOT_RETRIABLE, 'A newer producer with the same transactional id fenced this one.'],
  RESOURCE_NOT_FOUND: [NOT_RETRIABLE, 'The request named a resource that does not exist.'],
  DUPLICATE_RESOURCE: [NOT_RETRIABLE, 'The request named the same resource more than once.'],
  UNACCEPTABLE_CREDENTIAL: [NOT_RETRIABLE, 'The credential does not meet the acceptance criteria.'],
  INCONSISTENT_VOTER_SET: [NOT_RETRIABLE, 'A party to the voter-only request is not an expected voter.'],
  INVALID_UPDATE_VERSION: [NOT_RETRIABLE, 'The update version is invalid.'],
  FEATURE_UPDATE_FAILED: [NOT_RETRIABLE, 'The finalized features could not be updated.'],
  PRINCIPAL_DESERIALIZATION_FAILURE: [NOT_RETRIABLE, 'The principal of a forwarded request could not be deserialized.'],
  SNAPSHOT_NOT_FOUND: [NOT_RETRIABLE, 'The requested snapshot does not exist.'],
  POSITION_OUT_OF_RANGE: [NOT_RETRIABLE, 'The snapshot position is negative or past its end.'],
  UNKNOWN_TOPIC_ID: [RETRIABLE, 'No topic with this id is hosted by this broker.'],
  DUPLICATE_BROKER_REGISTRATION: [NOT_RETRIABLE, 'The broker id is already registered.'],
  BROKER_ID_NOT_REGISTERED: [NOT_RETRIABLE, 'The broker id is not registered.'],
  INCONSISTENT_TOPIC_ID: [RETRIABLE, "The request's topic id does not match the log's."],
  INCONSISTENT_CLUSTER_ID: [NOT_RETRIABLE, "The request's cluster id does not match the broker's."],
  TRANSACTIONAL_ID_NOT_FOUND: [NOT_RETRIABLE, 'The transactional id does not exist.'],
  FETCH_SESSION_TOPIC_ID_ERROR: [RETRIABLE, 'The fetch session used topic ids inconsistently.'],
  INELIGIBLE_REPLICA: [NOT_RETRIABLE, 'The proposed ISR contains an ineligible replica.'],
  NEW_LEADER_ELECTED: [NOT_RETRIABLE, 'The partition state was updated, but the leader has changed.'],
  OFFSET_MOVED_TO_TIERED_STORAGE: [NOT_RETRIABLE, 'The requested offset now lives in tiered storage.'],
  FENCED_MEMBER_EPOCH: [NOT_RETRIABLE, 'The member epoch is fenced; give up all partitions and rejoin (KIP-848).'],
  UNRELEASED_INSTANCE_ID: [NOT_RETRIABLE, 'Another member still holds this instance id and must leave first.'],
  UNSUPPORTED_ASSIGNOR: [NOT_RETRIABLE, 'The group does not support this assignor or version range.'],
  STALE_MEMBER_EPOCH: [NOT_RETRIABLE, 'The member epoch is stale; use the epoch from the latest heartbeat.'],
  MISMATCHED_ENDPOINT_TYPE: [NOT_RETRIABLE, 'The request reached an endpoint of the wrong type.'],
  UNSUPPORTED_ENDPOINT_TYPE: [NOT_RETRIABLE, 'This endpoint type is not supported yet.'],
  UNKNOWN_CONTROLLER_ID: [NOT_RETRIABLE, 'The controller id is unknown.'],
  UNKNOWN_SUBSCRIPTION_ID: [NOT_RETRIABLE, 'The telemetry subscription id is unknown or out of date.'],
  TELEMETRY_TOO_LARGE: [NOT_RETRIABLE, 'The telemetry push is larger than the broker accepts.'],
  INVALID_REGISTRATION: [NOT_RETRIABLE, 'The controller rejected the broker registration.'],
  TRANSACTION_ABORTABLE: [NOT_RETRIABLE, 'Abort the transaction to keep using this transactional id.'],
  INVALID_RECORD_STATE: [NOT_RETRIABLE, 'The record is in a state that cannot be acknowledged.'],
  // franz-go does not retry 122 and 123; Java's exceptions for both are retriable (KIP-932).
  SHARE_SESSION_NOT_FOUND: [RETRIABLE, 'The share session does not exist.'],
  INVALID_SHARE_SESSION_EPOCH: [RETRIABLE, 'The share session epoch is not valid.'],
  FENCED_STATE_EPOCH: [NOT_RETRIABLE, "The share-group state epoch does not match the share coordinator's."],
  INVALID_VOTER_KEY: [NOT_RETRIABLE, "The voter key does not match the receiving replica's."],
  DUPLICATE_VOTER: [NOT_RETRIABLE, 'The voter is already in the voter set.'],
  VOTER_NOT_FOUND: [NOT_RETRIABLE, 'The voter is not in the voter set.'],
  INVALID_REGULAR_EXPRESSION: [NOT_RETRIABLE, 'The regular expression is not valid.'],
  // Not a plain retry: the client must rebootstrap its metadata first (KIP-1102).
  REBOOTSTRAP_REQUIRED: [NOT_RETRIABLE, "The client's metadata is stale; it should rebootstrap."],
  STREAMS_INVALID_TOPOLOGY: [NOT_RETRIABLE, 'The streams topology is not valid.'],
  STREAMS_INVALID_TOPOLOGY_EPOCH: [NOT_RETRIABLE, 'The streams topology epoch is not valid.'],
  STREAMS_TOPOLOGY_FENCED: [NOT_RETRIABLE, 'The streams topology epoch is out of date.'],
  SHARE_SESSION_LIMIT_REACHED: [RETRIABLE, "The broker's limit of share sessions is reached."],
};

/** Every known error code, in code order, from -1 to the highest. */
export const errorCodes: ReadonlyMap<number, ErrorCodeInfo> = new Map(
  (Object.keys(ErrorCode) as (keyof typeof ErrorCode)[]).map((name) => {
    const code = ErrorCode[name];
    const [retriable, message] = details[name];
    return [code, Object.freeze({ code, name, retriable, message })];
  }),
);

/**
 * The table entry for `code`.
 *
 * A code this table does not know (a newer broker's) gets a non-retriable entry named
 * `UNKNOWN_ERROR_CODE_<code>`: Java maps such codes to the non-retriable
 * UNKNOWN_SERVER_ERROR; we keep the number so logs still show what the broker sent.
 */
export function errorCodeInfo(code: number): ErrorCodeInfo {
  return (
    errorCodes.get(code) ?? {
      code,
      name: `UNKNOWN_ERROR_CODE_${code}`,
      retriable: false,
      message: `The broker returned error code ${code}, which this client does not know.`,
    }
  );
}
