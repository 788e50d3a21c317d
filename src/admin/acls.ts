/**
 * ACLs: `createAcls`, `describeAcls`, `deleteAcls`, sent to the controller as
 * KafkaJS does, with KafkaJS's checks, messages and results. A binding or
 * filter in error rejects with its protocol error (the first one), as KafkaJS.
 */
import { type RequestVersions } from '../network/api-versions.js';
import { CreateAclsRequest } from '../protocol/generated/create-acls-request.js';
import { CreateAclsResponse } from '../protocol/generated/create-acls-response.js';
import { DeleteAclsRequest } from '../protocol/generated/delete-acls-request.js';
import { DeleteAclsResponse } from '../protocol/generated/delete-acls-response.js';
import { DescribeAclsRequest } from '../protocol/generated/describe-acls-request.js';
import { DescribeAclsResponse } from '../protocol/generated/describe-acls-response.js';
import { AdminContext, invalidArgument, isRoutingError, requireArray } from './admin-context.js';
import {
  type AclEntry,
  type AclFilter,
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  type DeleteAclResponse,
  type DescribeAclResponse,
  ResourcePatternTypes,
} from './admin-types.js';

/** Min 1: v0 carries only LITERAL patterns (the pattern type is v1+, KIP-290, Kafka 2.0); v2 flexible, v3 the same. */
const CREATE_ACLS_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 3 });
/** As CreateAcls: the pattern type filter is v1+. */
const DESCRIBE_ACLS_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 3 });
/** As CreateAcls: the pattern type filter is v1+. */
const DELETE_ACLS_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 3 });

const OPERATIONS: readonly number[] = Object.values(AclOperationTypes);
const PATTERN_TYPES: readonly number[] = Object.values(ResourcePatternTypes);
const PERMISSIONS: readonly number[] = Object.values(AclPermissionTypes);
const RESOURCE_TYPES: readonly number[] = Object.values(AclResourceTypes);

/** KafkaJS's checks of bindings (`strings` required) or filters (strings optional). */
function checkEntries(entries: readonly (AclEntry | AclFilter)[], what: 'ACL array' | 'ACL Filter array', stringsRequired: boolean): void {
  const badString = (v: unknown): boolean => (stringsRequired ? typeof v !== 'string' : typeof v !== 'string' && v !== undefined);
  if (entries.some((e) => badString(e?.principal))) throw invalidArgument(`Invalid ${what}, the principals have to be a valid string`);
  if (entries.some((e) => badString(e.host))) throw invalidArgument(`Invalid ${what}, the hosts have to be a valid string`);
  if (entries.some((e) => badString(e.resourceName))) throw invalidArgument(`Invalid ${what}, the resourceNames have to be a valid string`);
  const check = (valid: readonly number[], field: 'operation' | 'resourcePatternType' | 'permissionType' | 'resourceType', label: string): void => {
    const invalid = entries.find((e) => !valid.includes(e[field]));
    if (invalid) throw invalidArgument(`Invalid ${label} ${String(invalid[field])}: ${JSON.stringify(invalid)}`);
  };
  check(OPERATIONS, 'operation', 'operation type');
  check(PATTERN_TYPES, 'resourcePatternType', 'resource pattern type');
  check(PERMISSIONS, 'permissionType', 'permission type');
  check(RESOURCE_TYPES, 'resourceType', 'resource type');
}

/** Store ACL bindings; resolves true. */
export async function createAcls(ctx: AdminContext, options: { acl: AclEntry[] }): Promise<boolean> {
  const acl = requireArray(options?.acl, 'ACL');
  if (acl.length === 0) throw invalidArgument('Empty ACL array');
  checkEntries(acl, 'ACL array', true);
  await ctx.retry('createAcls', async () => {
    const connection = await ctx.cluster.connectionForController();
    const response = await connection.send(
      CreateAclsRequest,
      CreateAclsResponse,
      {
        creations: acl.map((a) => ({
          resourceType: a.resourceType,
          resourceName: a.resourceName,
          resourcePatternType: a.resourcePatternType,
          principal: a.principal,
          host: a.host,
          operation: a.operation,
          permissionType: a.permissionType,
        })),
      },
      { versions: CREATE_ACLS_VERSIONS },
    );
    response.results.forEach((r, i) => AdminContext.check(r.errorCode, `ACL ${i}`, r.errorMessage));
  }, { retryOn: isRoutingError });
  return true;
}

/** The filter's fields as the wire names them (absent strings: null, matching any). */
function filterFields(f: AclFilter): DescribeAclsRequest {
  return {
    resourceTypeFilter: f.resourceType,
    resourceNameFilter: f.resourceName ?? null,
    patternTypeFilter: f.resourcePatternType,
    principalFilter: f.principal ?? null,
    hostFilter: f.host ?? null,
    operation: f.operation,
    permissionType: f.permissionType,
  };
}

/** The bindings a filter selects, grouped by resource pattern. */
export function describeAcls(ctx: AdminContext, filter: AclFilter): Promise<DescribeAclResponse> {
  if (typeof filter !== 'object' || filter === null) throw invalidArgument(`Invalid ACL filter ${String(filter)}`);
  if (typeof filter.principal !== 'string' && filter.principal !== undefined) throw invalidArgument('Invalid principal, the principal have to be a valid string');
  if (typeof filter.host !== 'string' && filter.host !== undefined) throw invalidArgument('Invalid host, the host have to be a valid string');
  if (typeof filter.resourceName !== 'string' && filter.resourceName !== undefined) throw invalidArgument('Invalid resourceName, the resourceName have to be a valid string');
  if (!OPERATIONS.includes(filter.operation)) throw invalidArgument(`Invalid operation type ${String(filter.operation)}`);
  if (!PATTERN_TYPES.includes(filter.resourcePatternType)) throw invalidArgument(`Invalid resource pattern filter type ${String(filter.resourcePatternType)}`);
  if (!PERMISSIONS.includes(filter.permissionType)) throw invalidArgument(`Invalid permission type ${String(filter.permissionType)}`);
  if (!RESOURCE_TYPES.includes(filter.resourceType)) throw invalidArgument(`Invalid resource type ${String(filter.resourceType)}`);
  return ctx.retry('describeAcls', async () => {
    const connection = await ctx.cluster.connectionForController();
    const response = await connection.send(DescribeAclsRequest, DescribeAclsResponse, filterFields(filter), { versions: DESCRIBE_ACLS_VERSIONS });
    AdminContext.check(response.errorCode, 'DescribeAcls', response.errorMessage);
    return {
      throttleTime: response.throttleTimeMs,
      errorCode: response.errorCode,
      errorMessage: response.errorMessage,
      resources: response.resources.map((r) => ({
        resourceType: r.resourceType as AclResourceTypes,
        resourceName: r.resourceName,
        resourcePatternType: r.patternType as ResourcePatternTypes,
        acls: r.acls.map((a) => ({ principal: a.principal, host: a.host, operation: a.operation as AclOperationTypes, permissionType: a.permissionType as AclPermissionTypes })),
      })),
    };
  }, { retryOn: isRoutingError });
}

/** Remove every binding each filter selects; answers the removed bindings per filter. */
export function deleteAcls(ctx: AdminContext, options: { filters: AclFilter[] }): Promise<DeleteAclResponse> {
  const filters = requireArray(options?.filters, 'ACL Filter');
  if (filters.length === 0) throw invalidArgument('Empty ACL Filter array');
  checkEntries(filters, 'ACL Filter array', false);
  return ctx.retry('deleteAcls', async () => {
    const connection = await ctx.cluster.connectionForController();
    const response = await connection.send(DeleteAclsRequest, DeleteAclsResponse, { filters: filters.map(filterFields) }, { versions: DELETE_ACLS_VERSIONS });
    response.filterResults.forEach((r, i) => {
      AdminContext.check(r.errorCode, `ACL filter ${i}`, r.errorMessage);
      for (const m of r.matchingAcls) AdminContext.check(m.errorCode, `ACL filter ${i}`, m.errorMessage);
    });
    return {
      throttleTime: response.throttleTimeMs,
      filterResponses: response.filterResults.map((r) => ({
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        matchingAcls: r.matchingAcls.map((m) => ({
          errorCode: m.errorCode,
          errorMessage: m.errorMessage,
          resourceType: m.resourceType as AclResourceTypes,
          resourceName: m.resourceName,
          resourcePatternType: m.patternType as ResourcePatternTypes,
          principal: m.principal,
          host: m.host,
          operation: m.operation as AclOperationTypes,
          permissionType: m.permissionType as AclPermissionTypes,
        })),
      })),
    };
  }, { retryOn: isRoutingError });
}
