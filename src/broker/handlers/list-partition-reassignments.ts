/**
 * ListPartitionReassignments, v0 (KIP-455, Kafka 2.4): the partition moves in
 * progress, for the named partitions or (topics null) all of them.
 *
 * One broker holds every replica and completes a move at once
 * (alter-partition-reassignments.ts), so none is ever in progress: the answer
 * lists no topics, as Kafka's does for partitions not being moved.
 *
 * ACLs (KafkaApis): DESCRIBE on the CLUSTER, else CLUSTER_AUTHORIZATION_FAILED.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ListPartitionReassignmentsRequest } from '../../protocol/generated/list-partition-reassignments-request.js';
import { ListPartitionReassignmentsResponse } from '../../protocol/generated/list-partition-reassignments-response.js';
import { AclOperation } from '../acl/acl-binding.js';
import { authorizeCluster } from '../acl/request-authorization.js';
import { defineHandler } from './handler.js';

export const listPartitionReassignmentsHandler = defineHandler({
  apiKey: ApiKey.ListPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  request: ListPartitionReassignmentsRequest,
  response: ListPartitionReassignmentsResponse,
  handle(ctx) {
    if (!authorizeCluster(ctx, AclOperation.DESCRIBE, { logIfDenied: true })) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.', topics: [] };
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] };
  },
});
