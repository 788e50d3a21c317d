/**
 * The one check DescribeConfigs, AlterConfigs and IncrementalAlterConfigs make
 * per config resource, as KafkaApis does: a TOPIC resource needs the operation
 * on that TOPIC, else TOPIC_AUTHORIZATION_FAILED; a BROKER or BROKER_LOGGER
 * resource needs it on the CLUSTER, else CLUSTER_AUTHORIZATION_FAILED. Other
 * resource types are left to the handlers, which refuse them.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { AclOperation, AclResourceType } from './acl-binding.js';
import { type AuthorizationContext, authorize, authorizeCluster } from './request-authorization.js';

/** Kafka's `ConfigResource.Type` codes the check knows. */
const ConfigResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

/** The operations a config API checks: DESCRIBE_CONFIGS to read, ALTER_CONFIGS to change. */
export type ConfigOperation = typeof AclOperation.DESCRIBE_CONFIGS | typeof AclOperation.ALTER_CONFIGS;

/**
 * The error to answer for `resource` when the caller may not do `operation`
 * on it (with Kafka's messages), or null when it may, or when the resource
 * type is not one this check decides.
 */
export function configResourceRefusal(ctx: AuthorizationContext, operation: ConfigOperation, resource: { resourceType: number; resourceName: string }): { errorCode: number; errorMessage: string } | null {
  switch (resource.resourceType) {
    case ConfigResourceType.TOPIC:
      return authorize(ctx, operation, AclResourceType.TOPIC, resource.resourceName) ? null : { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Topic authorization failed.' };
    case ConfigResourceType.BROKER:
    case ConfigResourceType.BROKER_LOGGER:
      return authorizeCluster(ctx, operation) ? null : { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' };
    default:
      return null;
  }
}
