/**
 * Client-side quota throttling (KIP-219). A broker over a client's quota answers
 * at once with `throttleTimeMs`, then stops reading that connection for that
 * long. The client is expected to send nothing more on the connection until then
 * (Java mutes the channel, KafkaJS holds its request queue), so requests wait in
 * the client, where their request timeout has not started, rather than in the
 * broker's socket, where it has.
 *
 * Before KIP-219 (Kafka 2.0), the broker instead delayed the answer itself; the
 * throttle was then already served when the answer came. Which versions of an
 * API answer first is written in Kafka's message definitions ("Starting in
 * version N, on quota violation, brokers send out responses before throttling")
 * and, for Produce, in Java's `ProduceResponse.shouldClientThrottle` (v6+).
 * APIs added after Kafka 2.0 always answer first.
 */
import { ApiKey } from '../protocol/generated/api-keys.js';

/** The first version at which the broker answers before throttling, for the APIs older than KIP-219. */
const ANSWERS_FIRST_SINCE: ReadonlyMap<number, number> = new Map([
  [ApiKey.Produce, 6],
  [ApiKey.Fetch, 8],
  [ApiKey.ListOffsets, 3],
  [ApiKey.Metadata, 6],
  [ApiKey.OffsetCommit, 4],
  [ApiKey.OffsetFetch, 4],
  [ApiKey.FindCoordinator, 2],
  [ApiKey.JoinGroup, 3],
  [ApiKey.Heartbeat, 2],
  [ApiKey.LeaveGroup, 2],
  [ApiKey.SyncGroup, 2],
  [ApiKey.DescribeGroups, 2],
  [ApiKey.ListGroups, 2],
  [ApiKey.ApiVersions, 2],
  [ApiKey.CreateTopics, 3],
  [ApiKey.DeleteTopics, 2],
  [ApiKey.DeleteRecords, 1],
  [ApiKey.InitProducerId, 1],
  [ApiKey.AddPartitionsToTxn, 1],
  [ApiKey.AddOffsetsToTxn, 1],
  [ApiKey.EndTxn, 1],
  [ApiKey.TxnOffsetCommit, 1],
  [ApiKey.DescribeAcls, 1],
  [ApiKey.CreateAcls, 1],
  [ApiKey.DeleteAcls, 1],
  [ApiKey.DescribeConfigs, 2],
  [ApiKey.AlterConfigs, 1],
  [ApiKey.AlterReplicaLogDirs, 1],
  [ApiKey.DescribeLogDirs, 1],
  [ApiKey.CreatePartitions, 1],
  [ApiKey.CreateDelegationToken, 1],
  [ApiKey.RenewDelegationToken, 1],
  [ApiKey.ExpireDelegationToken, 1],
  [ApiKey.DescribeDelegationToken, 1],
  [ApiKey.DeleteGroups, 1],
]);

/**
 * How long the client must hold a connection after this answer, ms: its
 * `throttleTimeMs` when the broker answered before throttling, else 0.
 *
 * @param apiKey - the API answered
 * @param version - the version it was answered at
 * @param body - the decoded answer; read only for its `throttleTimeMs`
 */
export function clientThrottleMs(apiKey: number, version: number, body: unknown): number {
  const throttle = (body as { throttleTimeMs?: unknown } | null)?.throttleTimeMs;
  if (typeof throttle !== 'number' || !(throttle > 0)) return 0;
  return version >= (ANSWERS_FIRST_SINCE.get(apiKey) ?? 0) ? throttle : 0;
}
