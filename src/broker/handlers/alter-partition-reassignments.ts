/**
 * AlterPartitionReassignments, v0 (KIP-455, Kafka 2.4): move partitions to other
 * replicas, or (replicas null) cancel a move in progress.
 *
 * One broker holds every replica, so a move completes at once or cannot happen:
 * per partition, NONE when the target is exactly this broker (the assignment it
 * already has); INVALID_REPLICA_ASSIGNMENT for an empty or duplicated list, or
 * one naming another broker, which does not exist here (Kafka's answer for an
 * unknown broker id); NO_REASSIGNMENT_IN_PROGRESS for a cancellation, since none
 * is ever in progress; UNKNOWN_TOPIC_OR_PARTITION for a partition that does not exist.
 *
 * ACLs (KafkaApis): ALTER on the CLUSTER, else CLUSTER_AUTHORIZATION_FAILED as
 * the top-level error, with no partitions.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { AlterPartitionReassignmentsRequest } from '../../protocol/generated/alter-partition-reassignments-request.js';
import { AlterPartitionReassignmentsResponse } from '../../protocol/generated/alter-partition-reassignments-response.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { AclOperation } from '../acl/acl-binding.js';
import { authorizeCluster } from '../acl/request-authorization.js';
import { defineHandler } from './handler.js';

export const alterPartitionReassignmentsHandler = defineHandler({
  apiKey: ApiKey.AlterPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  request: AlterPartitionReassignmentsRequest,
  response: AlterPartitionReassignmentsResponse,
  handle(ctx, request) {
    if (!authorizeCluster(ctx, AclOperation.ALTER, { logIfDenied: true })) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.', responses: [] };
    }
    const { broker } = ctx;
    const nodeId = broker.config.nodeId;
    const verdict = (topic: string, partition: number, replicas: readonly number[] | null): { errorCode: number; errorMessage: string | null } => {
      const t = broker.topics.get(topic);
      if (!t || partition < 0 || partition >= t.partitions.length) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `${topic}-${partition} does not exist` };
      if (replicas === null) return { errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: `No ongoing reassignment for ${topic}-${partition}` };
      if (replicas.length === 0) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'Empty replica list specified in partition reassignment.' };
      if (new Set(replicas).size !== replicas.length) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Duplicate replica ids in partition reassignment replica list: ${replicas.join(',')}` };
      const unknown = replicas.filter((id) => id !== nodeId);
      if (unknown.length > 0) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `The manual partition assignment includes brokers that do not exist: ${unknown.join(',')}` };
      return { errorCode: ErrorCode.NONE, errorMessage: null };
    };
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      responses: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, ...verdict(t.name, p.partitionIndex, p.replicas) })),
      })),
    };
  },
});
