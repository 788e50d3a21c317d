/**
 * The options of a GroupMember, the hooks through which the consumer learns of
 * assignment changes, and the validation of both, done once at construction.
 */
import { type Cluster } from '../../client/cluster.js';
import { type Logger } from '../../client/logger.js';
import { KafkaJSConfigurationError } from '../../errors/errors.js';
import { type RetryOptions } from '../../retry/retrier.js';
import { type Assigner } from '../assignors/assigner.js';
import { type SubscriptionState, type TopicPartition } from '../subscription-state.js';

/** What the consumer does when the assignment changes (see the contract in the file's comment). */
export interface RebalanceHooks {
  /** Stop processing these partitions, wait for work in progress on them, commit, call the user's onPartitionsRevoked. Then the member removes them from the assignment. */
  revoke(partitions: TopicPartition[]): Promise<void>;
  /** After the assignment changed: partitions newly assigned (user's onPartitionsAssigned); called after every rebalance, possibly with none. */
  assign(partitions: TopicPartition[]): Promise<void>;
  /** The member lost its partitions without a chance to commit (fenced, session timed out). */
  lost(partitions: TopicPartition[]): Promise<void>;
}

/** The events a member reports, KafkaJS's names and payloads. */
export type GroupMemberEvent = 'group_join' | 'heartbeat' | 'rebalancing' | 'received_unsubscribed_topics';

/** Options of {@link GroupMember}. */
export interface GroupMemberOptions {
  readonly cluster: Cluster;
  readonly groupId: string;
  /** Static membership (KIP-345); null for a dynamic member. */
  readonly groupInstanceId: string | null;
  readonly sessionTimeout: number;
  readonly rebalanceTimeout: number;
  readonly heartbeatInterval: number;
  /** How often the subscription is checked against metadata while Stable, ms. Default 300000. */
  readonly metadataMaxAge?: number | undefined;
  /** Sent in the subscription (KIP-881); null when none. */
  readonly rackId?: string | null | undefined;
  /** OffsetFetch's requireStable (KIP-447), for read_committed consumers. Default false. */
  readonly requireStableOffsets?: boolean | undefined;
  /** In preference order; build them with `createAssignerCluster(cluster)` as their `cluster`. */
  readonly assigners: readonly Assigner[];
  readonly subscriptions: SubscriptionState;
  readonly hooks: RebalanceHooks;
  readonly logger: Logger;
  readonly retry?: RetryOptions | undefined;
  readonly instrument?: ((type: GroupMemberEvent, payload: object) => void) | undefined;
  /** The member cannot go on (fenced, refused, gave up retrying) and no `join()` call is waiting to be told. */
  readonly onFatal: (error: Error) => void;
}

function checkPositive(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new KafkaJSConfigurationError({ option, value, accepted: 'a number of milliseconds > 0' });
  return value;
}

/**
 * Check `options` (never changed) and return the timeouts.
 *
 * @throws KafkaJSConfigurationError naming the invalid option and what it accepts
 */
export function validateGroupMemberOptions(options: GroupMemberOptions): { sessionTimeout: number; rebalanceTimeout: number; heartbeatInterval: number } {
  if (typeof options.groupId !== 'string' || options.groupId === '') throw new KafkaJSConfigurationError({ option: 'groupId', value: options.groupId, accepted: 'a non-empty string' });
  if (options.groupInstanceId !== null && (typeof options.groupInstanceId !== 'string' || options.groupInstanceId === '')) {
    throw new KafkaJSConfigurationError({ option: 'groupInstanceId', value: options.groupInstanceId, accepted: 'a non-empty string, or null for a dynamic member' });
  }
  if (!Array.isArray(options.assigners) || options.assigners.length === 0) throw new KafkaJSConfigurationError({ option: 'partitionAssigners', value: options.assigners, accepted: 'at least one assigner' });
  const sessionTimeout = checkPositive('sessionTimeout', options.sessionTimeout);
  const rebalanceTimeout = checkPositive('rebalanceTimeout', options.rebalanceTimeout);
  const heartbeatInterval = checkPositive('heartbeatInterval', options.heartbeatInterval);
  // Java's GroupRebalanceConfig rule: beats must fit in a session, or the session expires between them.
  if (heartbeatInterval >= sessionTimeout) throw new KafkaJSConfigurationError({ option: 'heartbeatInterval', value: heartbeatInterval, accepted: `less than sessionTimeout (${sessionTimeout})` });
  if (options.metadataMaxAge !== undefined) checkPositive('metadataMaxAge', options.metadataMaxAge);
  return { sessionTimeout, rebalanceTimeout, heartbeatInterval };
}
