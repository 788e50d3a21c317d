/**
 * DescribeAcls, v0-v3 (KIP-140; v1 adds the pattern type filter and each
 * resource's pattern type, KIP-290; v2 flexible; v3 the same). KafkaJS 2.2.4's
 * admin sends v0-v1, librdkafka v0-v2. At v0 the filter's pattern type is
 * LITERAL (the field's default), so only LITERAL bindings are answered, which
 * is all v0 can carry.
 *
 * - No authorizer: SECURITY_DISABLED, "No Authorizer is configured.".
 * - The caller needs DESCRIBE on the CLUSTER resource (ALTER implies it), else
 *   CLUSTER_AUTHORIZATION_FAILED.
 * - A filter with an UNKNOWN part: INVALID_REQUEST.
 * - Else every binding the filter selects (ANY and null match everything; MATCH
 *   selects the patterns that apply to the named resource), grouped by resource
 *   pattern, in creation order.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DescribeAclsRequest } from '../../protocol/generated/describe-acls-request.js';
import { DescribeAclsResponse, type DescribeAclsResponseDescribeAclsResource } from '../../protocol/generated/describe-acls-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { type AclBindingFilter, AclOperation, filterProblem, operationFromCode, patternTypeFromCode, permissionTypeFromCode, resourceTypeFromCode } from '../acl/acl-binding.js';
import { authorizeCluster } from '../acl/request-authorization.js';
import { NO_AUTHORIZER_MESSAGE } from './create-acls.js';
import { defineHandler } from './handler.js';

/** A filter's fields as DescribeAcls and DeleteAcls carry them. */
export interface WireAclFilter {
  readonly resourceTypeFilter: number;
  readonly resourceNameFilter: string | null;
  readonly patternTypeFilter: number;
  readonly principalFilter: string | null;
  readonly hostFilter: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

/** The filter a request carries; codes this broker does not know read as UNKNOWN (Kafka's `fromCode`). */
export function aclFilterFromWire(f: WireAclFilter): AclBindingFilter {
  return {
    resourceType: resourceTypeFromCode(f.resourceTypeFilter),
    resourceName: f.resourceNameFilter,
    patternType: patternTypeFromCode(f.patternTypeFilter),
    principal: f.principalFilter,
    host: f.hostFilter,
    operation: operationFromCode(f.operation),
    permissionType: permissionTypeFromCode(f.permissionType),
  };
}

export const describeAclsHandler = defineHandler({
  apiKey: ApiKey.DescribeAcls,
  minVersion: 0,
  maxVersion: 3,
  request: DescribeAclsRequest,
  response: DescribeAclsResponse,
  handle(ctx, request) {
    const authorizer = ctx.broker.authorizer;
    const failed = (errorCode: number, errorMessage: string): Input<DescribeAclsResponse> => ({ throttleTimeMs: 0, errorCode, errorMessage, resources: [] });
    if (authorizer === null) return failed(ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER_MESSAGE);
    if (!authorizeCluster(ctx, AclOperation.DESCRIBE)) return failed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'DescribeAcls needs DESCRIBE on the CLUSTER resource kafka-cluster');
    const filter = aclFilterFromWire(request);
    const problem = filterProblem(filter);
    if (problem !== null) return failed(ErrorCode.INVALID_REQUEST, problem);

    const resources = new Map<string, DescribeAclsResponseDescribeAclsResource>();
    for (const b of authorizer.acls.matching(filter)) {
      const key = `${b.resourceType}\u0000${b.patternType}\u0000${b.resourceName}`;
      let resource = resources.get(key);
      if (!resource) resources.set(key, (resource = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] }));
      resource.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permissionType });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...resources.values()] };
  },
});
