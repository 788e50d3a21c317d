/**
 * While a member is Stable, metadata is checked every `metadataMaxAge`
 * (Java's consumer refreshes metadata on that period and its coordinator
 * compares): when the topics the subscription resolves to change (a pattern
 * matches a new topic, a subscribed topic appears or is deleted), the member
 * rejoins with its new subscription; the leader also rejoins when a topic
 * any member subscribes to changes its partition count, since only the
 * leader's assignment can hand the new partitions out (Java's
 * `ConsumerCoordinator.rejoinNeededOrPending` with `assignmentSnapshot`).
 */
import { type Cluster } from '../../client/cluster.js';
import { type Logger } from '../../client/logger.js';
import { type SubscriptionState } from '../subscription-state.js';
import { countsDiffer, partitionCounts, resolveSubscribedTopics } from './group-metadata.js';

/** What a rebalance left to watch. */
export interface WatchedAssignment {
  /** The topics this member subscribed to when it joined. */
  readonly joinedTopics: readonly string[];
  /** Every topic of the group's subscriptions (the leader knows them; others know their own). */
  readonly groupTopics: readonly string[];
  /** Their partition counts when the assignment was made. */
  readonly partitionCounts: ReadonlyMap<string, number>;
}

/** Options of {@link MetadataWatch}. */
export interface MetadataWatchOptions {
  readonly cluster: Cluster;
  readonly subscriptions: SubscriptionState;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly isLeader: () => boolean;
  /** The member should rejoin, for this reason. */
  readonly onChange: (reason: string) => void;
}

/** Periodic metadata checks of a Stable member. */
export class MetadataWatch {
  readonly #o: MetadataWatchOptions;
  #timer: NodeJS.Timeout | undefined;
  #watched: WatchedAssignment | undefined;

  constructor(options: MetadataWatchOptions) {
    this.#o = options;
  }

  /** Watch from now on, against what the last rebalance saw. */
  start(watched: WatchedAssignment): void {
    this.stop();
    this.#watched = watched;
    this.#schedule();
  }

  /** Stop watching (the member left Stable). */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#watched = undefined;
  }

  /** Check now (tests; the timer calls it). Returns the reason to rejoin, if any. */
  async check(): Promise<string | undefined> {
    const watched = this.#watched;
    if (!watched) return undefined;
    const { cluster, subscriptions } = this.#o;
    const topics = await resolveSubscribedTopics(cluster, subscriptions);
    const leader = this.#o.isLeader();
    const tracked = leader ? [...new Set([...watched.groupTopics, ...topics])] : topics;
    cluster.markStale();
    await cluster.refreshMetadataIfNeeded(tracked);
    if (this.#watched !== watched) return undefined; // a rebalance happened meanwhile
    let reason: string | undefined;
    if (topics.join('\u0000') !== [...watched.joinedTopics].sort().join('\u0000')) {
      reason = `the subscribed topics changed from [${watched.joinedTopics.join(', ')}] to [${topics.join(', ')}]`;
    } else if (leader && countsDiffer(partitionCounts(cluster, watched.groupTopics), watched.partitionCounts)) {
      reason = 'the partition count of a subscribed topic changed';
    }
    if (reason !== undefined) this.#o.onChange(reason);
    return reason;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const watched = this.#watched;
      this.check()
        .catch((e: unknown) => this.#o.logger.warn('Metadata check failed', { error: e instanceof Error ? e.message : String(e) }))
        .finally(() => {
          if (this.#watched === watched && this.#timer === undefined) this.#schedule();
        });
    }, this.#o.intervalMs);
    this.#timer.unref();
  }
}
