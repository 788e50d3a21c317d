/**
 * ElectLeaders, v0-v2 (KIP-183 preferred elections, Kafka 2.2; v1 the election
 * type, PREFERRED 0 or UNCLEAN 1, and a top-level error code, KIP-460; v2
 * flexible). Kafka's controller answers it; this broker is the controller.
 *
 * One broker holds the one replica of every partition (topics.ts), and leads
 * it: that replica is the preferred one, and it is alive and in the ISR. So
 * no election ever moves a leader, and each existing partition named is
 * answered ELECTION_NOT_NEEDED, as Kafka's controller answers a PREFERRED
 * election when the preferred replica leads and an UNCLEAN one when the
 * partition has a leader. A partition that does not exist:
 * UNKNOWN_TOPIC_OR_PARTITION. With topicPartitions null (every partition),
 * Kafka's controller lists every topic but leaves out the partitions that
 * needed no election: here every topic, with no partitions.
 *
 * An election type other than 0 or 1: INVALID_REQUEST at the top level and
 * on every partition named (Kafka's InvalidRequestException, answered by
 * `ElectLeadersRequest.getErrorResponse`). ACLs (KafkaApis): ALTER on the
 * CLUSTER, else CLUSTER_AUTHORIZATION_FAILED the same way. v0 has no
 * top-level code: only the partitions carry it.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ElectLeadersRequest } from '../../protocol/generated/elect-leaders-request.js';
import { ElectLeadersResponse, type ElectLeadersResponsePartitionResult } from '../../protocol/generated/elect-leaders-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { AclOperation } from '../acl/acl-binding.js';
import { authorizeCluster } from '../acl/request-authorization.js';
import { defineHandler } from './handler.js';

/** Kafka's ElectionType codes. */
const PREFERRED = 0;
const UNCLEAN = 1;

export const electLeadersHandler = defineHandler({
  apiKey: ApiKey.ElectLeaders,
  minVersion: 0,
  maxVersion: 2,
  request: ElectLeadersRequest,
  response: ElectLeadersResponse,
  handle(ctx, request) {
    const version = ctx.header.apiVersion;
    const named = request.topicPartitions ?? [];
    const answer = (errorCode: number, each: (topic: string, partitionId: number) => Input<ElectLeadersResponsePartitionResult>): Input<ElectLeadersResponse> => ({
      throttleTimeMs: 0,
      errorCode: version >= 1 ? errorCode : undefined,
      replicaElectionResults: named.map((t) => ({ topic: t.topic, partitionResult: t.partitions.map((p) => each(t.topic, p)) })),
    });
    const refuseAll = (errorCode: number, errorMessage: string): Input<ElectLeadersResponse> => answer(errorCode, (_t, partitionId) => ({ partitionId, errorCode, errorMessage }));

    if (!authorizeCluster(ctx, AclOperation.ALTER, { logIfDenied: true })) return refuseAll(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'ElectLeaders needs ALTER on the CLUSTER resource kafka-cluster');
    const type = version >= 1 ? request.electionType : PREFERRED;
    if (type !== PREFERRED && type !== UNCLEAN) return refuseAll(ErrorCode.INVALID_REQUEST, `Unknown election type ${type}`);

    const { topics } = ctx.broker;
    if (request.topicPartitions === null) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, replicaElectionResults: topics.list().map((t) => ({ topic: t.name, partitionResult: [] })) };
    }
    const why = type === PREFERRED ? 'the preferred replica already leads' : 'the partition has a leader in the ISR';
    return answer(ErrorCode.NONE, (topic, partitionId) =>
      topics.get(topic)?.partitions[partitionId] === undefined
        ? { partitionId, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${topic}-${partitionId}` }
        : { partitionId, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: `Leader election not needed for ${topic}-${partitionId}: ${why}` },
    );
  },
});
