/**
 * Kafka's ACL vocabulary: resource types, pattern types, operations and
 * permission types with the numeric codes of the wire protocol
 * (`org.apache.kafka.common.resource.ResourceType`, `PatternType`,
 * `org.apache.kafka.common.acl.AclOperation`, `AclPermissionType`), an ACL
 * binding (a resource pattern and an access control entry), the filters
 * DescribeAcls and DeleteAcls carry, and Kafka's rules for both. The codes
 * themselves are the protocol's (protocol/acl-types.ts, shared with the admin client).
 */
import { AclOperation, AclPatternType, AclPermissionType, AclResourceType } from '../../protocol/acl-types.js';

export { AclOperation, AclPatternType, AclPermissionType, AclResourceType };

/** The one name of the CLUSTER resource (`Resource.CLUSTER_NAME`). */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';
/** A LITERAL resource name that matches every resource of its type (`ResourcePattern.WILDCARD_RESOURCE`). */
export const WILDCARD_RESOURCE = '*';
/** The principal that matches every user (`AclEntry.WildcardPrincipalString`). */
export const WILDCARD_PRINCIPAL = 'User:*';
/** The host that matches every client address (`AclEntry.WildcardHost`). */
export const WILDCARD_HOST = '*';

/** One ACL: who (principal, host) may or may not (permission) do what (operation) on which resources (type, name, pattern). */
export interface AclBinding {
  readonly resourceType: AclResourceType;
  readonly resourceName: string;
  readonly patternType: AclPatternType;
  /** `Type:name`, e.g. `User:alice`, or `User:*`. */
  readonly principal: string;
  /** A client IP address, or `*`. */
  readonly host: string;
  readonly operation: AclOperation;
  readonly permissionType: AclPermissionType;
}

/** What DescribeAcls and DeleteAcls select by (`AclBindingFilter`): null strings and the ANY codes match everything. */
export interface AclBindingFilter {
  readonly resourceType: AclResourceType;
  readonly resourceName: string | null;
  readonly patternType: AclPatternType;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: AclOperation;
  readonly permissionType: AclPermissionType;
}

function fromCode<T extends number>(table: Readonly<Record<string, T>>, unknown: T): (code: number) => T {
  const known = new Set<number>(Object.values(table));
  return (code) => (known.has(code) ? (code as T) : unknown);
}

/** A wire code as Kafka's `fromCode` reads it: a code this broker does not know is UNKNOWN. */
export const resourceTypeFromCode = fromCode<AclResourceType>(AclResourceType, AclResourceType.UNKNOWN);
export const patternTypeFromCode = fromCode<AclPatternType>(AclPatternType, AclPatternType.UNKNOWN);
export const operationFromCode = fromCode<AclOperation>(AclOperation, AclOperation.UNKNOWN);
export const permissionTypeFromCode = fromCode<AclPermissionType>(AclPermissionType, AclPermissionType.UNKNOWN);

function namesOf(table: Readonly<Record<string, number>>): ReadonlyMap<number, string> {
  return new Map(Object.entries(table).map(([name, code]) => [code, name]));
}

/** Kafka's enum names by code, for logs and the ACL file. */
export const aclNames = {
  resourceType: namesOf(AclResourceType),
  patternType: namesOf(AclPatternType),
  operation: namesOf(AclOperation),
  permissionType: namesOf(AclPermissionType),
} as const;

/** `User:alice ALLOW READ on TOPIC:LITERAL:orders from *`, for logs and messages. */
export function describeAcl(b: AclBinding): string {
  const n = aclNames;
  return `${b.principal} ${n.permissionType.get(b.permissionType)} ${n.operation.get(b.operation)} on ${n.resourceType.get(b.resourceType)}:${n.patternType.get(b.patternType)}:${b.resourceName} from ${b.host}`;
}

/** A key equal for equal bindings (a binding is stored once, as Kafka's ACL sets do). */
export function aclKey(b: AclBinding): string {
  return `${b.resourceType}\u0000${b.patternType}\u0000${b.resourceName}\u0000${b.principal}\u0000${b.host}\u0000${b.operation}\u0000${b.permissionType}`;
}

/**
 * Why a binding cannot be created, or null: KafkaApis' checks (the CLUSTER
 * resource has one name; no empty name) then StandardAuthorizer's
 * `AclControlManager.validateNewAcl`, with their messages. Kafka answers each
 * with INVALID_REQUEST for that binding alone.
 */
export function newAclProblem(b: AclBinding): string | null {
  if (b.resourceType === AclResourceType.CLUSTER && b.resourceName !== CLUSTER_RESOURCE_NAME) return `The only valid name for the CLUSTER resource is ${CLUSTER_RESOURCE_NAME}`;
  if (b.resourceName === '') return 'Invalid empty resource name';
  if (b.resourceType === AclResourceType.UNKNOWN || b.resourceType === AclResourceType.ANY) return `Invalid resourceType ${aclNames.resourceType.get(b.resourceType)}`;
  if (b.patternType !== AclPatternType.LITERAL && b.patternType !== AclPatternType.PREFIXED) return `Invalid patternType ${aclNames.patternType.get(b.patternType)}`;
  if (b.operation === AclOperation.UNKNOWN || b.operation === AclOperation.ANY) return `Invalid operation ${aclNames.operation.get(b.operation)}`;
  if (b.permissionType !== AclPermissionType.DENY && b.permissionType !== AclPermissionType.ALLOW) return `Invalid permissionType ${aclNames.permissionType.get(b.permissionType)}`;
  if (!b.principal.includes(':')) {
    return `Could not parse principal from \`${b.principal}\` (no colon is present separating the principal type from the principal name)`;
  }
  return null;
}

/** Why a filter cannot be used, or null (`AclControlManager.validateFilter`: a filter with UNKNOWN parts). */
export function filterProblem(f: AclBindingFilter): string | null {
  if (f.resourceType === AclResourceType.UNKNOWN || f.patternType === AclPatternType.UNKNOWN) return 'Unknown patternFilter.';
  if (f.operation === AclOperation.UNKNOWN || f.permissionType === AclPermissionType.UNKNOWN) return 'Unknown entryFilter.';
  return null;
}

/**
 * Whether a filter selects a binding: Kafka's `ResourcePatternFilter.matches`
 * and `AccessControlEntryFilter.matches`. With MATCH, a named filter selects
 * every pattern that would apply to a resource of that name: the literal name,
 * the LITERAL `*`, and each PREFIXED pattern the name starts with.
 */
export function filterMatches(f: AclBindingFilter, b: AclBinding): boolean {
  if (f.resourceType !== AclResourceType.ANY && f.resourceType !== b.resourceType) return false;
  if (f.patternType !== AclPatternType.ANY && f.patternType !== AclPatternType.MATCH && f.patternType !== b.patternType) return false;
  if (f.resourceName !== null) {
    if (f.patternType === AclPatternType.ANY || f.patternType === b.patternType) {
      if (f.resourceName !== b.resourceName) return false;
    } else if (b.patternType === AclPatternType.LITERAL) {
      if (f.resourceName !== b.resourceName && b.resourceName !== WILDCARD_RESOURCE) return false;
    } else if (!f.resourceName.startsWith(b.resourceName)) {
      return false;
    }
  }
  if (f.principal !== null && f.principal !== b.principal) return false;
  if (f.host !== null && f.host !== b.host) return false;
  if (f.operation !== AclOperation.ANY && f.operation !== b.operation) return false;
  return f.permissionType === AclPermissionType.ANY || f.permissionType === b.permissionType;
}
