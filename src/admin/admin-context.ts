/**
 * What every admin operation shares: the cluster (routing, connections), the
 * retrier built from the admin's retry options, the logger, and the few rules
 * every operation follows:
 * - arguments are checked before anything is sent; a bad one is a
 *   `KafkaJSNonRetriableError` naming it, with KafkaJS's message where KafkaJS has one;
 * - only retriable errors are retried, and one that says the routing is stale
 *   (NOT_CONTROLLER, NOT_COORDINATOR, a lost connection...) first marks the
 *   metadata stale or forgets the coordinator, so the retry asks again;
 * - where the answer about a resource is final although Kafka calls its code
 *   retriable (describeConfigs of an unknown topic, an ACL the broker refused),
 *   only errors about reaching the right broker are retried ({@link isRoutingError}),
 *   as Java's admin fails such answers at once.
 */
import { type Cluster, CoordinatorType } from '../client/cluster.js';
import { type Logger } from '../client/logger.js';
import { KafkaJSBrokerNotFound, KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSRequestTimeoutError } from '../errors/errors.js';
import { createErrorFromCode, KafkaJSProtocolError } from '../errors/protocol-errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { type Retrier, createRetrier } from '../retry/retrier.js';
import { type ResolvedAdminConfig } from './admin-config.js';

/** Error codes after which the metadata (leaders, controller) is fetched again before a retry. */
const STALE_METADATA_CODES: ReadonlySet<number> = new Set([
  ErrorCode.NOT_CONTROLLER,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
]);

/** Error codes after which a group's coordinator is looked up again before a retry. */
const STALE_COORDINATOR_CODES: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE]);

/** The admin client's shared state, handed to each operation. */
export class AdminContext {
  readonly #retrier: Retrier;

  constructor(
    readonly cluster: Cluster,
    readonly config: ResolvedAdminConfig,
    readonly logger: Logger,
  ) {
    this.#retrier = createRetrier(config.retry);
  }

  /**
   * Run `attempt` with the admin's retries. A retriable failure that means the
   * routing is stale marks it so first. Options: `groupId` names the group whose
   * coordinator the attempt talked to, to forget it on NOT_COORDINATOR;
   * `retryOn` narrows what is retried (default: every retriable error), for
   * answers that are final although Kafka calls their code retriable.
   */
  retry<T>(what: string, attempt: (retryCount: number) => Promise<T>, options: { groupId?: string; retryOn?: (e: Error) => boolean } = {}): Promise<T> {
    return this.#retrier(async (bail, retryCount, retryTime) => {
      try {
        return await attempt(retryCount);
      } catch (e) {
        if (e instanceof Error && (e as { retriable?: unknown }).retriable === true) {
          if (options.retryOn && !options.retryOn(e)) {
            bail(e);
            throw e;
          }
          this.#forgetRouting(e, options.groupId);
          this.logger.warn(`${what} failed, retrying`, { error: e.message, retryCount, retryTime });
        }
        throw e;
      }
    });
  }

  /** Throw the protocol error for `code` unless it is NONE; `context` names the resource. */
  static check(code: number, context: string, message?: string | null): void {
    if (code !== ErrorCode.NONE) throw createErrorFromCode(code, message ? `${message} (${context})` : context);
  }

  #forgetRouting(e: Error, groupId: string | undefined): void {
    const code = e instanceof KafkaJSProtocolError ? e.code : undefined;
    if (code !== undefined && STALE_COORDINATOR_CODES.has(code) && groupId !== undefined) {
      this.cluster.invalidateCoordinator(groupId, CoordinatorType.GROUP);
      return;
    }
    if ((code !== undefined && STALE_METADATA_CODES.has(code)) || e instanceof KafkaJSConnectionError || e instanceof KafkaJSRequestTimeoutError) {
      this.cluster.markStale();
      if (groupId !== undefined) this.cluster.invalidateCoordinator(groupId, CoordinatorType.GROUP);
    }
  }
}

/**
 * Whether `e` is about reaching the right broker, not about the resource asked
 * for: a lost connection, a timeout, a broker that is not (or no longer) the
 * controller, coordinator or leader. For operations whose per-resource answers
 * are final (Java's admin fails those at once too).
 */
export function isRoutingError(e: Error): boolean {
  if (e instanceof KafkaJSConnectionError || e instanceof KafkaJSRequestTimeoutError || e instanceof KafkaJSBrokerNotFound) return true;
  return e instanceof KafkaJSProtocolError && ROUTING_CODES.has(e.code);
}

const ROUTING_CODES: ReadonlySet<number> = new Set([
  ...STALE_METADATA_CODES,
  ...STALE_COORDINATOR_CODES,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.THROTTLING_QUOTA_EXCEEDED,
].filter((c) => c !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));

/** A bad argument: not retriable, KafkaJS's error class. */
export function invalidArgument(message: string): KafkaJSNonRetriableError {
  return new KafkaJSNonRetriableError(message);
}

/** `value` as an array, or a KafkaJS-worded error naming `what`. */
export function requireArray<T>(value: readonly T[] | undefined | null, what: string): readonly T[] {
  if (!value || !Array.isArray(value)) throw invalidArgument(`Invalid ${what} array ${String(value)}`);
  return value;
}

/** A non-empty string, or a KafkaJS-worded error naming `what`. */
export function requireName(value: unknown, what: string): string {
  if (!value || typeof value !== 'string') throw invalidArgument(`Invalid ${what} ${String(value)}`);
  return value;
}

/**
 * An offset as KafkaJS takes it (a decimal string, or a number), as a bigint;
 * `what` names it in the error.
 */
export function parseOffset(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return BigInt(value.trim());
  throw invalidArgument(`Invalid offset ${String(value)} for ${what}: a decimal string or an integer`);
}
