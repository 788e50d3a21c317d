/**
 * The client's errors, KafkaJS-named so KafkaJS users' error handling works unchanged:
 * the same class names, `name` strings, fields, `retriable` flags and `instanceof`
 * chains as KafkaJS 2.2.4 (`kafkajs/src/errors.js`). Errors built from a Kafka error
 * code live in `protocol-errors.ts`.
 *
 * The retry layer decides only on `retriable`. As in KafkaJS, `KafkaJSError` is
 * retriable unless told otherwise and `KafkaJSNonRetriableError` never is.
 *
 * Where we depart from KafkaJS, on purpose:
 * - `KafkaJSInvalidVarIntError` and `KafkaJSInvalidLongError` are named after their class
 *   (KafkaJS names both 'KafkaJSNonRetriableError', a slip).
 * - `KafkaJSFetcherRebalanceError` is named after its class and says it is not retriable
 *   (KafkaJS leaves both unset; it is an internal signal that no retrier should see).
 * - `KafkaJSAggregateError` is retriable when every error it carries is (KafkaJS leaves it
 *   unset, which KafkaJS's retrier reads as "retry").
 *
 * Added for what the producer needs and KafkaJS lacks (see each class):
 * `KafkaJSConfigurationError`, `KafkaJSSerializationError`, `KafkaJSMessageTooLargeError`,
 * `KafkaJSBufferExhaustedError`, `KafkaJSDeliveryTimeoutError`, and in
 * `protocol-errors.ts`, `KafkaJSAuthorizationError`.
 */

/** What an error is built from: a message, or an error whose message (and `helpUrl`) it takes. */
export type ErrorSource = string | { readonly message: string; readonly helpUrl?: string | undefined };

/** How a `KafkaJSError` is classified and what caused it. */
export interface KafkaJSErrorOptions {
  /** Whether retrying the same operation may succeed; default true, as in KafkaJS. */
  readonly retriable?: boolean | undefined;
  /** The error this one wraps. */
  readonly cause?: unknown;
}

function messageOf(e: ErrorSource): string {
  return typeof e === 'string' ? e : e.message;
}

function helpUrlOf(e: ErrorSource): string | undefined {
  return typeof e === 'string' ? undefined : e.helpUrl;
}

/** `value` as a short readable string, safe for circular objects, bigints and functions. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return '[function]';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object' || value === null) return String(value);
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * The root of every client error. `retriable` tells the retrier whether trying the same
 * operation again may succeed.
 */
export class KafkaJSError extends Error {
  override readonly name: string = 'KafkaJSError';
  /** Whether retrying the same operation may succeed. */
  readonly retriable: boolean;
  /** A page explaining the error, when the source error carried one. */
  readonly helpUrl: string | undefined;

  /**
   * @param e - the message, or an error whose message and `helpUrl` are taken
   * @param options - `retriable` (default true) and `cause`
   */
  constructor(e: ErrorSource, { retriable = true, cause }: KafkaJSErrorOptions = {}) {
    super(messageOf(e), cause === undefined ? undefined : { cause });
    this.retriable = retriable;
    this.helpUrl = helpUrlOf(e);
  }
}

/** An error that retrying cannot fix. */
export class KafkaJSNonRetriableError extends KafkaJSError {
  override readonly name: string = 'KafkaJSNonRetriableError';

  /**
   * @param e - the message, or an error whose message is taken
   * @param options - `cause`, the error this one wraps
   */
  constructor(e: ErrorSource, { cause }: { readonly cause?: unknown } = {}) {
    super(e, { retriable: false, cause });
  }
}

/** Where and how a retried operation gave up. */
export interface NumberOfRetriesExceededDetails {
  /** The retry count of the last attempt (the number of retries made). */
  readonly retryCount: number;
  /** The wait that would have preceded the next attempt, in ms (KafkaJS's meaning). */
  readonly retryTime: number;
}

/**
 * A retriable operation failed on every attempt the retry options allow. `cause` (and
 * `originalError`) is the last attempt's error; the stack shows both.
 */
export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  override readonly name: string = 'KafkaJSNumberOfRetriesExceeded';
  /** The retry count of the last attempt (the number of retries made). */
  readonly retryCount: number;
  /** The wait that would have preceded the next attempt, in ms. */
  readonly retryTime: number;
  /** The last attempt's error (also `cause`); KafkaJS 1.x's name for it. */
  readonly originalError: Error;

  /**
   * @param e - the last attempt's error
   * @param details - `retryCount` and `retryTime` when the retrier gave up
   */
  constructor(e: Error, { retryCount, retryTime }: NumberOfRetriesExceededDetails) {
    super(`Gave up after ${retryCount} ${retryCount === 1 ? 'retry' : 'retries'}: ${e.message}`, { cause: e });
    this.retryCount = retryCount;
    this.retryTime = retryTime;
    this.originalError = e;
    this.stack = `${this.name}: ${this.message}\n  Caused by: ${e.stack ?? String(e)}`;
  }
}

/** Which broker a connection error concerns. */
export interface ConnectionErrorDetails {
  /** The broker as `host:port`. */
  readonly broker?: string | undefined;
  /** The socket error code, e.g. `ECONNREFUSED`. */
  readonly code?: string | undefined;
}

/** A network failure talking to a broker: refused, reset, TLS failure, DNS. Retriable. */
export class KafkaJSConnectionError extends KafkaJSError {
  override readonly name: string = 'KafkaJSConnectionError';
  /** The broker as `host:port`. */
  readonly broker: string | undefined;
  /** The socket error code, e.g. `ECONNREFUSED`, when there is one. */
  readonly code: string | undefined;

  /**
   * @param e - the message, or the socket error
   * @param details - the broker and socket error code
   */
  constructor(e: ErrorSource, { broker, code }: ConnectionErrorDetails = {}) {
    super(e);
    this.broker = broker;
    this.code = code;
  }
}

/** The broker closed the connection. Retriable (on a new connection). */
export class KafkaJSConnectionClosedError extends KafkaJSConnectionError {
  override readonly name: string = 'KafkaJSConnectionClosedError';
  /** The broker's host. */
  readonly host: string | undefined;
  /** The broker's port. */
  readonly port: number | undefined;

  /**
   * @param e - the message
   * @param details - the broker's host and port
   */
  constructor(e: ErrorSource, { host, port }: { readonly host?: string; readonly port?: number } = {}) {
    super(e, { broker: host === undefined ? undefined : `${host}:${port}` });
    this.host = host;
    this.port = port;
  }
}

/** The request whose response did not arrive in time. */
export interface RequestTimeoutErrorDetails {
  /** The broker as `host:port`. */
  readonly broker?: string | undefined;
  /** The request's correlation id. */
  readonly correlationId?: number | undefined;
  /** When the request was queued, ms since the epoch. */
  readonly createdAt?: number | undefined;
  /** When it was written to the socket, ms since the epoch. */
  readonly sentAt?: number | undefined;
  /** How long it waited in the queue before it was sent, ms. */
  readonly pendingDuration?: number | undefined;
}

/** A broker did not answer a request within `requestTimeout`. Retriable. */
export class KafkaJSRequestTimeoutError extends KafkaJSError {
  override readonly name: string = 'KafkaJSRequestTimeoutError';
  /** The broker as `host:port`. */
  readonly broker: string | undefined;
  /** The request's correlation id. */
  readonly correlationId: number | undefined;
  /** When the request was queued, ms since the epoch. */
  readonly createdAt: number | undefined;
  /** When it was written to the socket, ms since the epoch. */
  readonly sentAt: number | undefined;
  /** How long it waited in the queue before it was sent, ms. */
  readonly pendingDuration: number | undefined;

  /**
   * @param e - the message
   * @param details - the request's broker, correlation id and timings
   */
  constructor(e: ErrorSource, details: RequestTimeoutErrorDetails = {}) {
    super(e);
    this.broker = details.broker;
    this.correlationId = details.correlationId;
    this.createdAt = details.createdAt;
    this.sentAt = details.sentAt;
    this.pendingDuration = details.pendingDuration;
  }
}

/** Cluster metadata is needed but has not been fetched yet. Retriable. */
export class KafkaJSMetadataNotLoaded extends KafkaJSError {
  override readonly name: string = 'KafkaJSMetadataNotLoaded';
}

/** A topic's metadata is needed but not loaded (unknown topic, or not fetched yet). Retriable. */
export class KafkaJSTopicMetadataNotLoaded extends KafkaJSMetadataNotLoaded {
  override readonly name: string = 'KafkaJSTopicMetadataNotLoaded';
  /** The topic. */
  readonly topic: string | undefined;

  /**
   * @param e - the message
   * @param details - the topic
   */
  constructor(e: ErrorSource, { topic }: { readonly topic?: string } = {}) {
    super(e);
    this.topic = topic;
  }
}

/** An assignment names partitions the metadata does not know (yet). Retriable. */
export class KafkaJSStaleTopicMetadataAssignment extends KafkaJSError {
  override readonly name: string = 'KafkaJSStaleTopicMetadataAssignment';
  /** The topic. */
  readonly topic: string | undefined;
  /** The assigned partitions the metadata lacks. */
  readonly unknownPartitions: readonly number[] | undefined;

  /**
   * @param e - the message
   * @param details - the topic and the partitions the metadata lacks
   */
  constructor(e: ErrorSource, { topic, unknownPartitions }: { readonly topic?: string; readonly unknownPartitions?: readonly number[] } = {}) {
    super(e);
    this.topic = topic;
    this.unknownPartitions = unknownPartitions;
  }
}

/** One group's outcome in a DeleteGroups request. */
export interface DeleteGroupsErrorGroup {
  /** The group id. */
  readonly groupId: string;
  /** Kafka's error code for this group (0 = deleted). */
  readonly errorCode: number;
  /** The error for this group, when it failed. */
  readonly error?: KafkaJSError | undefined;
}

/** Deleting consumer groups failed for some groups; `groups` has each outcome. Retriable. */
export class KafkaJSDeleteGroupsError extends KafkaJSError {
  override readonly name: string = 'KafkaJSDeleteGroupsError';
  /** Each group's outcome. */
  readonly groups: readonly DeleteGroupsErrorGroup[];

  /**
   * @param e - the message
   * @param groups - each group's outcome
   */
  constructor(e: ErrorSource, groups: readonly DeleteGroupsErrorGroup[] = []) {
    super(e);
    this.groups = groups;
  }
}

/** The broker does not offer an API the operation needs (seen in ApiVersions). Not retriable. */
export class KafkaJSServerDoesNotSupportApiKey extends KafkaJSNonRetriableError {
  override readonly name: string = 'KafkaJSServerDoesNotSupportApiKey';
  /** The API key. */
  readonly apiKey: number | undefined;
  /** The API's name, e.g. `InitProducerId`. */
  readonly apiName: string | undefined;

  /**
   * @param e - the message
   * @param details - the API key and name
   */
  constructor(e: ErrorSource, { apiKey, apiName }: { readonly apiKey?: number; readonly apiName?: string } = {}) {
    super(e);
    this.apiKey = apiKey;
    this.apiName = apiName;
  }
}

/** No connected broker has the id the operation needs (metadata may be stale). Retriable. */
export class KafkaJSBrokerNotFound extends KafkaJSError {
  override readonly name: string = 'KafkaJSBrokerNotFound';
}

/** A response ended in the middle of a message. Not retriable. */
export class KafkaJSPartialMessageError extends KafkaJSNonRetriableError {
  override readonly name: string = 'KafkaJSPartialMessageError';
}

/** SASL authentication failed (wrong credentials or mechanism). Not retriable. */
export class KafkaJSSASLAuthenticationError extends KafkaJSNonRetriableError {
  override readonly name: string = 'KafkaJSSASLAuthenticationError';
}

/** No broker could name the group (or transaction) coordinator. Not retriable. */
export class KafkaJSGroupCoordinatorNotFound extends KafkaJSNonRetriableError {
  override readonly name: string = 'KafkaJSGroupCoordinatorNotFound';
}

/** The feature is not implemented by this client. Not retriable. */
export class KafkaJSNotImplemented extends KafkaJSNonRetriableError {
  override readonly name: string = 'KafkaJSNotImplemented';
}

/** An operation did not finish within its time limit. Not retriable. */
export class KafkaJSTimeout extends KafkaJSNonRetriableError {
  override readonly name: string = 'KafkaJSTimeout';
}

/** A lock was not acquired within its time limit. Not retriable. */
export class KafkaJSLockTimeout extends KafkaJSTimeout {
  override readonly name: string = 'KafkaJSLockTimeout';
}

/** A message set used a magic byte (record format version) this client cannot read. Not retriable. */
export class KafkaJSUnsupportedMagicByteInMessageSet extends KafkaJSNonRetriableError {
  override readonly name: string = 'KafkaJSUnsupportedMagicByteInMessageSet';
}

/** One partition's outcome in a DeleteRecords request. */
export interface DeleteTopicRecordsErrorPartition {
  /** The partition. */
  readonly partition: number;
  /** The offset records were to be deleted before. */
  readonly offset: string;
  /** The error for this partition, when it failed. */
  readonly error?: { readonly retriable: boolean; readonly message: string } | null | undefined;
}

/**
 * Deleting records failed for some partitions of a topic; `partitions` has each outcome.
 * Retriable when every failed partition's error is, as in KafkaJS.
 */
export class KafkaJSDeleteTopicRecordsError extends KafkaJSError {
  override readonly name: string = 'KafkaJSDeleteTopicRecordsError';
  /** The topic, when given. */
  readonly topic: string | undefined;
  /** Each partition's outcome. */
  readonly partitions: readonly DeleteTopicRecordsErrorPartition[];

  /**
   * @param details - the topic and each partition's outcome
   */
  constructor({ topic, partitions }: { readonly topic?: string; readonly partitions: readonly DeleteTopicRecordsErrorPartition[] }) {
    const failed = partitions.filter((p) => p.error != null);
    const list = failed.map((p) => `${p.partition} (${p.error?.message})`).join(', ');
    super(`Deleting records failed for ${failed.length} partition(s)${topic === undefined ? '' : ` of topic "${topic}"`}: ${list}`, {
      retriable: failed.every((p) => p.error?.retriable === true),
    });
    this.topic = topic;
    this.partitions = partitions;
  }
}

/** The client reached a state its own logic rules out: a bug in this client. Not retriable. */
export class KafkaJSInvariantViolation extends KafkaJSNonRetriableError {
  override readonly name: string = 'KafkaJSInvariantViolation';

  /**
   * @param e - what was violated
   */
  constructor(e: ErrorSource) {
    super(`Invariant violated: ${messageOf(e)}. This is likely a bug in tskafka and should be reported.`);
  }
}

/** A varint in a response is malformed (longer than its type allows). Not retriable. */
export class KafkaJSInvalidVarIntError extends KafkaJSNonRetriableError {
  override readonly name: string = 'KafkaJSInvalidVarIntError';
}

/** An int64 in a response or argument is not a valid long. Not retriable. */
export class KafkaJSInvalidLongError extends KafkaJSNonRetriableError {
  override readonly name: string = 'KafkaJSInvalidLongError';
}

/**
 * Several errors from one request, e.g. one per topic of a CreateTopics. Extends `Error`,
 * not `KafkaJSError`, as in KafkaJS; retriable when every error it carries is.
 */
export class KafkaJSAggregateError extends Error {
  override readonly name: string = 'KafkaJSAggregateError';
  /** The errors. */
  readonly errors: readonly (Error | string)[];
  /** True when every carried error is retriable. */
  readonly retriable: boolean;

  /**
   * @param message - what the errors have in common
   * @param errors - the errors
   */
  constructor(message: ErrorSource, errors: readonly (Error | string)[]) {
    super(messageOf(message));
    this.errors = errors;
    this.retriable = errors.length > 0 && errors.every((e) => typeof e === 'object' && (e as { retriable?: unknown }).retriable === true);
  }
}

/**
 * Thrown inside the fetcher to stop fetching when a rebalance reassigns partitions;
 * caught by the fetch manager, never seen by users. Extends `Error`, as in KafkaJS.
 */
export class KafkaJSFetcherRebalanceError extends Error {
  override readonly name: string = 'KafkaJSFetcherRebalanceError';
  /** Never retried: the fetcher restarts with the new assignment instead. */
  readonly retriable = false;

  /**
   * @param message - why fetching stopped
   */
  constructor(message = 'Fetching stopped: the group is rebalancing and the assignment changed') {
    super(message);
  }
}

/** No broker of the cluster is reachable. Retriable. */
export class KafkaJSNoBrokerAvailableError extends KafkaJSError {
  override readonly name: string = 'KafkaJSNoBrokerAvailableError';

  /**
   * @param message - which brokers were tried
   */
  constructor(message = 'No broker available: none of the known brokers accepted a connection') {
    super(message);
  }
}

/** An invalid option: its path, the value given, and what is accepted. */
export interface ConfigurationErrorDetails {
  /** The option's path, e.g. `acks`, `producer.batchSize`, `retry.multiplier`. */
  readonly option: string;
  /** The value given. */
  readonly value: unknown;
  /** The accepted values, in words, e.g. `0, 1, -1 or 'all'`. */
  readonly accepted: string;
  /** Why the value is wrong, when more than "not accepted" (e.g. a cross-field rule). */
  readonly reason?: string | undefined;
}

/**
 * An option has a value the client does not accept; raised once, when the client,
 * producer or call is set up. Not retriable. Not in KafkaJS, which ignores many options.
 */
export class KafkaJSConfigurationError extends KafkaJSNonRetriableError {
  override readonly name: string = 'KafkaJSConfigurationError';
  /** The option's path, e.g. `producer.batchSize`. */
  readonly option: string;
  /** The value given. */
  readonly value: unknown;
  /** The accepted values, in words. */
  readonly accepted: string;

  /**
   * @param details - the option, its value, the accepted values and an optional reason
   */
  constructor({ option, value, accepted, reason }: ConfigurationErrorDetails) {
    super(`Invalid ${option}: ${describeValue(value)}${reason === undefined ? '' : ` (${reason})`}. Accepted: ${accepted}.`);
    this.option = option;
    this.value = value;
    this.accepted = accepted;
  }
}

/** Which message failed to serialize. */
export interface SerializationErrorDetails {
  /** The topic it was sent to. */
  readonly topic: string;
  /** Its index in the `messages` array of the `send`. */
  readonly messageIndex: number;
  /** The part that failed; default `value`. */
  readonly field?: 'key' | 'value' | 'headers' | undefined;
  /** The serializer's error, e.g. `JSON.stringify`'s TypeError for a circular value. */
  readonly cause: unknown;
}

/**
 * A message's key, value or headers could not be turned into bytes (e.g. a circular
 * object given to the JSON serializer). Raised before anything is sent. Not retriable.
 */
export class KafkaJSSerializationError extends KafkaJSNonRetriableError {
  override readonly name: string = 'KafkaJSSerializationError';
  /** The topic. */
  readonly topic: string;
  /** The message's index in the `send`. */
  readonly messageIndex: number;
  /** The part that failed. */
  readonly field: 'key' | 'value' | 'headers';

  /**
   * @param details - the topic, message index, field and the serializer's error
   */
  constructor({ topic, messageIndex, field = 'value', cause }: SerializationErrorDetails) {
    const why = cause instanceof Error ? cause.message : describeValue(cause);
    super(`Cannot serialize the ${field} of message ${messageIndex} for topic "${topic}": ${why}`, { cause });
    this.topic = topic;
    this.messageIndex = messageIndex;
    this.field = field;
  }
}

/** The oversized message and the limit. */
export interface MessageTooLargeErrorDetails {
  /** The message's serialized size in bytes. */
  readonly size: number;
  /** The producer's `maxRequestSize`. */
  readonly maxRequestSize: number;
  /** The topic, when known. */
  readonly topic?: string | undefined;
  /** The message's index in the `send`, when known. */
  readonly messageIndex?: number | undefined;
}

/**
 * A message is larger than the producer's `maxRequestSize`; rejected before sending (as
 * Java's RecordTooLargeException). Not retriable: the same bytes will never fit. The
 * broker's own limit arrives as the MESSAGE_TOO_LARGE protocol error instead.
 */
export class KafkaJSMessageTooLargeError extends KafkaJSNonRetriableError {
  override readonly name: string = 'KafkaJSMessageTooLargeError';
  /** The message's serialized size in bytes. */
  readonly size: number;
  /** The producer's `maxRequestSize` in bytes. */
  readonly maxRequestSize: number;
  /** The topic, when known. */
  readonly topic: string | undefined;
  /** The message's index in the `send`, when known. */
  readonly messageIndex: number | undefined;

  /**
   * @param details - the size, the limit, and which message
   */
  constructor({ size, maxRequestSize, topic, messageIndex }: MessageTooLargeErrorDetails) {
    const which = `${messageIndex === undefined ? 'A message' : `Message ${messageIndex}`}${topic === undefined ? '' : ` for topic "${topic}"`}`;
    super(
      `${which} is ${size} bytes serialized, more than maxRequestSize (${maxRequestSize} bytes); it was not sent. ` +
        'Compress it, split it into chunks, or store the payload elsewhere and send a reference (claim check).',
    );
    this.size = size;
    this.maxRequestSize = maxRequestSize;
    this.topic = topic;
    this.messageIndex = messageIndex;
  }
}

/** The buffer limits a `send` waited on. */
export interface BufferExhaustedErrorDetails {
  /** The producer's `bufferMemory` in bytes. */
  readonly bufferMemory: number;
  /** The producer's `maxBlockMs`. */
  readonly maxBlockMs: number;
  /** The bytes the `send` needed. */
  readonly size: number;
  /**
   * Set when the send failed at once instead of waiting: the bytes that sends already
   * waiting for room (or for metadata) hold.
   */
  readonly waitingBytes?: number;
}

/**
 * `send` waited `maxBlockMs` for room in `bufferMemory` and none came free: records are
 * produced faster than the brokers take them (as Java's BufferExhaustedException).
 * A `KafkaJSTimeout`; not retriable.
 */
export class KafkaJSBufferExhaustedError extends KafkaJSTimeout {
  override readonly name: string = 'KafkaJSBufferExhaustedError';
  /** The producer's `bufferMemory` in bytes. */
  readonly bufferMemory: number;
  /** The producer's `maxBlockMs`. */
  readonly maxBlockMs: number;
  /** The bytes the `send` needed. */
  readonly size: number;
  /** When it failed at once: the bytes held by the sends already waiting. */
  readonly waitingBytes: number | undefined;

  /**
   * @param details - the buffer size, the wait limit and the bytes needed
   */
  constructor({ bufferMemory, maxBlockMs, size, waitingBytes }: BufferExhaustedErrorDetails) {
    super(
      waitingBytes === undefined
        ? `Buffer exhausted: waited maxBlockMs (${maxBlockMs} ms) for ${size} bytes of room in bufferMemory (${bufferMemory} bytes), ` +
            'still full of records not yet acknowledged; the brokers are slower than the producer, or unreachable'
        : `Buffer exhausted: bufferMemory (${bufferMemory} bytes) is full and the sends already waiting for room hold ${waitingBytes} bytes, ` +
            `so this send of ${size} bytes fails at once instead of waiting; await sends (or fewer at a time) so the producer's memory stays bounded`,
    );
    this.bufferMemory = bufferMemory;
    this.maxBlockMs = maxBlockMs;
    this.size = size;
    this.waitingBytes = waitingBytes;
  }
}

/** The deadline that passed. */
export interface DeliveryTimeoutErrorDetails {
  /** The producer's `deliveryTimeoutMs` (or the retrier's `deadlineMs`). */
  readonly deliveryTimeoutMs: number;
  /** The retries made before giving up. */
  readonly retryCount: number;
  /** The last attempt's error, if there was an attempt. */
  readonly cause?: unknown;
}

/**
 * A record was not acknowledged within `deliveryTimeoutMs` of its `send`, retries
 * included (Java's `delivery.timeout.ms`): no record waits forever. `cause` is the last
 * attempt's error. A `KafkaJSTimeout`; not retriable.
 */
export class KafkaJSDeliveryTimeoutError extends KafkaJSTimeout {
  override readonly name: string = 'KafkaJSDeliveryTimeoutError';
  /** The deadline, in ms from the `send`. */
  readonly deliveryTimeoutMs: number;
  /** The retries made before giving up. */
  readonly retryCount: number;

  /**
   * @param details - the deadline, the retries made and the last error
   */
  constructor({ deliveryTimeoutMs, retryCount, cause }: DeliveryTimeoutErrorDetails) {
    const last = cause instanceof Error ? `; last error: ${cause.message}` : '';
    super(`Delivery timed out: deliveryTimeoutMs (${deliveryTimeoutMs} ms) passed before the record was acknowledged, after ${retryCount} ${retryCount === 1 ? 'retry' : 'retries'}${last}`, {
      cause,
    });
    this.deliveryTimeoutMs = deliveryTimeoutMs;
    this.retryCount = retryCount;
  }
}

/** Whether `e` is one of the client's errors (a `KafkaJSError`), as KafkaJS's `isKafkaJSError`. */
export function isKafkaJSError(e: unknown): e is KafkaJSError {
  return e instanceof KafkaJSError;
}
