/**
 * DescribeCluster, v0-v1 (KIP-700). One broker, which is also the controller.
 * v1 endpointType: 1 brokers (served), 2 controllers (MISMATCHED_ENDPOINT_TYPE:
 * clients reach this node as a broker).
 *
 * ACLs: none for the brokers and cluster id (Kafka's rule); the cluster's
 * authorized operations (KIP-430), when asked, need DESCRIBE on the CLUSTER,
 * else 0.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DescribeClusterRequest } from '../../protocol/generated/describe-cluster-request.js';
import { DescribeClusterResponse } from '../../protocol/generated/describe-cluster-response.js';
import { AclOperation, AclResourceType, CLUSTER_RESOURCE_NAME } from '../acl/acl-binding.js';
import { authorizeCluster, authorizedOperations } from '../acl/request-authorization.js';
import { defineHandler } from './handler.js';

export const describeClusterHandler = defineHandler({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  request: DescribeClusterRequest,
  response: DescribeClusterResponse,
  handle(ctx, request) {
    const { broker } = ctx;
    const listener = broker.listenerNamed(ctx.session.listener.name)!;
    if (ctx.header.apiVersion >= 1 && request.endpointType !== 1) {
      return { errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE, errorMessage: 'this node is a broker; ask for endpoint type 1', endpointType: request.endpointType, clusterId: broker.config.clusterId, controllerId: -1, brokers: [] };
    }
    let clusterAuthorizedOperations: number | undefined;
    if (request.includeClusterAuthorizedOperations) {
      clusterAuthorizedOperations = authorizeCluster(ctx, AclOperation.DESCRIBE) ? authorizedOperations(ctx, AclResourceType.CLUSTER, CLUSTER_RESOURCE_NAME) : 0;
    }
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: ctx.header.apiVersion >= 1 ? 1 : undefined,
      clusterId: broker.config.clusterId,
      controllerId: broker.config.nodeId,
      brokers: [{ brokerId: broker.config.nodeId, host: listener.advertisedHost, port: listener.advertisedPort, rack: null }],
      clusterAuthorizedOperations,
    };
  },
});
