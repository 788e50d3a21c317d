/**
 * One Fetch request to one broker, for every partition it leads that the
 * fetcher wants now, and its answer decoded per partition.
 *
 * Version: the highest both sides support within {@link FETCH_VERSIONS}. From
 * v13 topics are named by id (KIP-516); when the metadata has no id for some
 * topic (a broker before 2.8 reports the zero UUID) the request goes at v12,
 * by name. Full fetch requests only: session id 0 and epoch -1 (KIP-227's
 * FINAL_EPOCH), so a broker keeps no fetch session for us, as before KIP-227.
 * `currentLeaderEpoch` (v9+, KIP-320) is the epoch metadata reported, so a
 * broker with newer leadership answers FENCED_LEADER_EPOCH and an older one
 * UNKNOWN_LEADER_EPOCH; `rackId` (v11+, KIP-392) is sent when configured, and
 * a leader's `preferredReadReplica` (v11+) is read into the answer.
 */
import { type ClusterMetadata } from '../../client/metadata-cache.js';
import { type RequestVersions } from '../../network/api-versions.js';
import { type Connection } from '../../network/connection.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { FetchRequest, type FetchRequestFetchTopic } from '../../protocol/generated/fetch-request.js';
import { FetchResponse, type FetchResponseNodeEndpoint } from '../../protocol/generated/fetch-response.js';
import { ZERO_UUID } from '../../protocol/primitives/constants.js';
import { type Input } from '../../protocol/primitives/message.js';
import { type PartitionRecords, decodePartitionRecords } from './partition-records.js';

/**
 * Fetch as this module speaks it. Min 4: record batches (magic 2), isolation level,
 * last stable offset and aborted transactions start at v4. Max 17: topic ids from v13,
 * KIP-951's currentLeader and nodeEndpoints read from v16 (v12 has currentLeader);
 * v15 and v17 change only follower fields, left at their defaults.
 */
const FETCH_VERSIONS: RequestVersions = Object.freeze({ min: 4, max: 17 });

/** The last Fetch version that names topics instead of ids. */
const LAST_VERSION_BY_NAME = 12;

/** One partition to fetch, and what it was fetched for. */
export interface FetchTarget {
  readonly topic: string;
  readonly partition: number;
  /** The cursor's version when the request was built. */
  readonly version: number;
  readonly fetchOffset: number;
  /** From metadata; -1 when unknown. */
  readonly currentLeaderEpoch: number;
  readonly partitionMaxBytes: number;
  /** The follower fetched from, as a leader named it its preferred read replica (KIP-392); -1 when fetched from the leader. */
  readonly readReplica: number;
}

/** One partition's answer. */
export interface FetchAnswer {
  readonly target: FetchTarget;
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  /** Bytes of records received for the partition. */
  readonly bytes: number;
  /** Decoded records (none when the partition has an error). */
  readonly records: PartitionRecords;
  /** KIP-951's hint with NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH: -1 ids when none. */
  readonly currentLeader: { readonly leaderId: number; readonly leaderEpoch: number };
  /** KIP-392 (v11+): the replica a leader asks the consumer to fetch this partition from (no records come with it); -1 when none. */
  readonly preferredReadReplica: number;
}

/** What one Fetch returned. */
export interface FetchResult {
  /** A request-level error (FETCH_SESSION_ID_NOT_FOUND...); 0 when none. */
  readonly errorCode: number;
  readonly answers: FetchAnswer[];
  /** KIP-951: endpoints of the leaders the hints name (v16+). */
  readonly nodeEndpoints: readonly FetchResponseNodeEndpoint[];
  readonly version: number;
}

/** How the fetch is made: the fetcher's options. */
export interface FetchSettings {
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly maxWaitTimeInMs: number;
  readonly isolationLevel: 0 | 1;
  readonly rackId: string | null;
  /** The response timeout: the request timeout plus the long poll. */
  readonly timeout: number;
}

const NO_LEADER = Object.freeze({ leaderId: -1, leaderEpoch: -1 });
const EMPTY_RECORDS: PartitionRecords = Object.freeze({ messages: [], chunks: () => [], count: 0, nextOffset: -1, lastLeaderEpoch: -1, partial: false, corrupt: null }) as PartitionRecords;

/**
 * Send one Fetch for `targets` (all led by the broker at `connection`) and decode
 * each partition's records. Throws what `connection.send` throws (connection
 * errors, timeouts); error codes are data in the result.
 */
export async function fetchFromBroker(connection: Connection, metadata: ClusterMetadata | undefined, targets: readonly FetchTarget[], settings: FetchSettings): Promise<FetchResult> {
  const byTopic = new Map<string, FetchTarget[]>();
  for (const t of targets) {
    let list = byTopic.get(t.topic);
    if (!list) byTopic.set(t.topic, (list = []));
    list.push(t);
  }
  const ids = new Map<string, string>();
  let allIds = true;
  for (const topic of byTopic.keys()) {
    const id = metadata?.topic(topic)?.topicId ?? ZERO_UUID;
    if (id === ZERO_UUID) allIds = false;
    ids.set(topic, id);
  }
  let version = connection.versionFor(ApiKey.Fetch, FETCH_VERSIONS);
  if (!allIds && version > LAST_VERSION_BY_NAME) version = LAST_VERSION_BY_NAME;
  const byId = version > LAST_VERSION_BY_NAME;
  const topics: Input<FetchRequestFetchTopic>[] = [];
  for (const [topic, list] of byTopic) {
    topics.push({
      topic,
      topicId: byId ? ids.get(topic)! : ZERO_UUID,
      partitions: list.map((t) => ({
        partition: t.partition,
        currentLeaderEpoch: version >= 9 ? t.currentLeaderEpoch : -1,
        fetchOffset: t.fetchOffset,
        logStartOffset: -1,
        partitionMaxBytes: t.partitionMaxBytes,
      })),
    });
  }
  const body = {
    replicaId: -1,
    maxWaitMs: settings.maxWaitTimeInMs,
    minBytes: settings.minBytes,
    maxBytes: settings.maxBytes,
    isolationLevel: settings.isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics,
    ...(version >= 11 && settings.rackId ? { rackId: settings.rackId } : {}),
  };
  const response = await connection.send(FetchRequest, FetchResponse, body, { version, versions: FETCH_VERSIONS, timeout: settings.timeout });

  const wanted = new Map<string, FetchTarget>();
  for (const t of targets) wanted.set(`${byId ? ids.get(t.topic) : t.topic}\u0000${t.partition}`, t);
  const pending: Promise<FetchAnswer>[] = [];
  for (const tr of response.responses) {
    const name = byId ? tr.topicId : tr.topic;
    for (const pr of tr.partitions) {
      const target = wanted.get(`${name}\u0000${pr.partitionIndex}`);
      // A partition we did not ask for (a broker bug) is ignored rather than trusted.
      if (!target) continue;
      const bytes = pr.records?.length ?? 0;
      const highWatermark = Number(pr.highWatermark);
      const lastStableOffset = Number(pr.lastStableOffset);
      const logStartOffset = Number(pr.logStartOffset);
      const currentLeader = version >= 12 && pr.currentLeader.leaderId >= 0 ? pr.currentLeader : NO_LEADER;
      const preferredReadReplica = version >= 11 ? pr.preferredReadReplica : -1;
      const answer = (records: PartitionRecords): FetchAnswer => ({ target, errorCode: pr.errorCode, highWatermark, lastStableOffset, logStartOffset, bytes, records, currentLeader, preferredReadReplica });
      if (pr.errorCode !== 0 || bytes === 0) {
        pending.push(Promise.resolve(answer({ ...EMPTY_RECORDS, messages: [], nextOffset: target.fetchOffset })));
        continue;
      }
      // Partitions decode side by side: gzip and zstd decompress off the main thread.
      pending.push(
        decodePartitionRecords(pr.records, {
          fetchOffset: target.fetchOffset,
          isolationLevel: settings.isolationLevel,
          lastStableOffset,
          abortedTransactions: pr.abortedTransactions,
        }).then(answer),
      );
    }
  }
  return { errorCode: response.errorCode, answers: await Promise.all(pending), nodeEndpoints: version >= 16 ? response.nodeEndpoints : [], version };
}
