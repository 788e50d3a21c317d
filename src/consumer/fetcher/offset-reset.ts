/**
 * Resolving resets with ListOffsets (Java's `OffsetFetcher.resetPositionsIfNeeded`):
 * earliest is timestamp -2 (the log start offset), latest -1 (the high
 * watermark, or the last stable offset for read_committed), and a timestamp the
 * first offset whose record is at or after it. A timestamp after every record
 * finds nothing (-1): the position goes to the end then, as Java's
 * `seek`-by-time does when `offsetsForTimes` returns no later record, so that
 * records written after the lookup are read.
 */
import { type RequestVersions } from '../../network/api-versions.js';
import { type Connection } from '../../network/connection.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ListOffsetsRequest } from '../../protocol/generated/list-offsets-request.js';
import { ListOffsetsResponse } from '../../protocol/generated/list-offsets-response.js';
import { type OffsetReset } from '../subscription-state.js';

/**
 * ListOffsets as this module speaks it. Min 1: v0 answers a list of old-style offsets
 * and is gone from Kafka 4.0 (KIP-896). Max 9: isolation level from v2,
 * currentLeaderEpoch from v4; later versions add only special timestamps we do not send.
 */
const LIST_OFFSETS_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 9 });

/** Kafka's ListOffsets special timestamps. */
const LATEST = -1;
const EARLIEST = -2;

/** A reset to resolve: the cursor's version when asked, so a cursor that moved meanwhile keeps its new position. */
export interface ResetTarget {
  readonly topic: string;
  readonly partition: number;
  readonly version: number;
  readonly reset: OffsetReset;
  /** From metadata; -1 when unknown. */
  readonly currentLeaderEpoch: number;
}

/** A reset resolved to an offset, or the partition's error code. */
export interface ResetAnswer {
  readonly target: ResetTarget;
  /** The offset found; -1 with an error. */
  readonly offset: number;
  /** 0 when found. */
  readonly errorCode: number;
}

function timestampOf(reset: OffsetReset): number {
  return reset.kind === 'earliest' ? EARLIEST : reset.kind === 'latest' ? LATEST : reset.timestamp;
}

async function listOffsets(connection: Connection, isolationLevel: 0 | 1, targets: readonly ResetTarget[], timestamps: readonly number[]): Promise<Map<ResetTarget, { offset: number; errorCode: number }>> {
  const version = connection.versionFor(ApiKey.ListOffsets, LIST_OFFSETS_VERSIONS);
  const byTopic = new Map<string, { partitionIndex: number; timestamp: number; currentLeaderEpoch: number }[]>();
  for (const [i, t] of targets.entries()) {
    let list = byTopic.get(t.topic);
    if (!list) byTopic.set(t.topic, (list = []));
    list.push({ partitionIndex: t.partition, timestamp: timestamps[i]!, currentLeaderEpoch: version >= 4 ? t.currentLeaderEpoch : -1 });
  }
  const body = {
    replicaId: -1,
    // read_committed's latest is the last stable offset; the field exists from v2.
    ...(version >= 2 ? { isolationLevel } : {}),
    topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
  };
  const response = await connection.send(ListOffsetsRequest, ListOffsetsResponse, body, { version, versions: LIST_OFFSETS_VERSIONS });
  const found = new Map<ResetTarget, { offset: number; errorCode: number }>();
  for (const t of response.topics) {
    for (const p of t.partitions) {
      const target = targets.find((x) => x.topic === t.name && x.partition === p.partitionIndex);
      if (target) found.set(target, { offset: Number(p.offset), errorCode: p.errorCode });
    }
  }
  return found;
}

/**
 * Look up the offsets of `targets`, all led by the broker at `connection`. A
 * partition missing from the answer comes back as UNKNOWN_TOPIC_OR_PARTITION
 * (retried after a metadata refresh). Throws what `connection.send` throws.
 */
export async function resolveResets(connection: Connection, isolationLevel: 0 | 1, targets: readonly ResetTarget[]): Promise<ResetAnswer[]> {
  const first = await listOffsets(
    connection,
    isolationLevel,
    targets,
    targets.map((t) => timestampOf(t.reset)),
  );
  // A timestamp past the last record: nothing is at or after it, so the position goes to the end.
  const pastTheEnd = targets.filter((t) => t.reset.kind === 'timestamp' && first.get(t)?.errorCode === 0 && first.get(t)!.offset < 0);
  const latest = pastTheEnd.length > 0 ? await listOffsets(connection, isolationLevel, pastTheEnd, pastTheEnd.map(() => LATEST)) : undefined;
  return targets.map((target) => {
    const answer = latest?.get(target) ?? first.get(target);
    if (!answer) return { target, offset: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    return { target, offset: answer.errorCode === 0 ? answer.offset : -1, errorCode: answer.errorCode };
  });
}
