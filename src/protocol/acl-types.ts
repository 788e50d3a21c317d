/**
 * Kafka's ACL vocabulary as wire codes: resource types, pattern types,
 * operations and permission types (`org.apache.kafka.common.resource.ResourceType`,
 * `PatternType`, `org.apache.kafka.common.acl.AclOperation`, `AclPermissionType`).
 * The codes are the protocol's (CreateAcls, DescribeAcls, DeleteAcls), so the
 * broker's authorizer and the admin client read them from here.
 */

/** Kafka's `ResourceType`; UNKNOWN and ANY appear only in filters (ANY) or from newer clients (UNKNOWN). */
export const AclResourceType = Object.freeze({ UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const);
/** One of {@link AclResourceType}'s codes. */
export type AclResourceType = (typeof AclResourceType)[keyof typeof AclResourceType];

/** Kafka's `PatternType` (KIP-290); a binding is LITERAL or PREFIXED, a filter may also be ANY or MATCH. */
export const AclPatternType = Object.freeze({ UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const);
/** One of {@link AclPatternType}'s codes. */
export type AclPatternType = (typeof AclPatternType)[keyof typeof AclPatternType];

/** Kafka's `AclOperation`; ANY only in filters. */
export const AclOperation = Object.freeze({
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const);
/** One of {@link AclOperation}'s codes. */
export type AclOperation = (typeof AclOperation)[keyof typeof AclOperation];

/** Kafka's `AclPermissionType`; ANY only in filters. */
export const AclPermissionType = Object.freeze({ UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const);
/** One of {@link AclPermissionType}'s codes. */
export type AclPermissionType = (typeof AclPermissionType)[keyof typeof AclPermissionType];
