/**
 * The ACL authorizer: Kafka's `AclAuthorizer` decision, made by one call,
 * `authorize(principal, host, operation, resourceType, resourceName)`, at
 * each API's entry (through request-authorization.ts, which reads the
 * principal and host from the connection's session).
 *
 * The rules, in AclAuthorizer's order:
 * 1. A super user (`super.users`) may do anything.
 * 2. The ACLs that apply to a resource are the LITERAL ones on its name, the
 *    LITERAL ones on `*`, and the PREFIXED ones whose prefix starts its name.
 *    When there are none, whoever they would be for, the answer is
 *    `allow.everyone.if.no.acl.found` (default false).
 * 3. Of those, an ACL counts when its principal is the caller's or `User:*`
 *    and its host the caller's address or `*`.
 * 4. A DENY for the operation (or for ALL) refuses, whatever ALLOWs exist.
 * 5. Else an ALLOW for the operation (or for ALL) permits; DESCRIBE is also
 *    permitted by READ, WRITE, DELETE or ALTER, DESCRIBE_CONFIGS by
 *    ALTER_CONFIGS (the implication goes one way: a DENY on READ does not
 *    deny DESCRIBE).
 * 6. Nothing permits: refused.
 *
 * Principals are `User:<name>`: the SASL user, or `User:ANONYMOUS` on a
 * listener without SASL (PLAINTEXT, and SSL without client certificates).
 *
 * ---------------------------------------------------------------------------
 * The checks each API makes, in Kafka's words (KafkaApis, Kafka 3.x/4.x).
 * "per X" means that entry alone carries the error; the rest is served.
 * Authorization comes before existence, so a refused caller never learns
 * whether a topic or group exists.
 *
 * Produce        WRITE on TRANSACTIONAL_ID when a batch is transactional, else the whole
 *                request TRANSACTIONAL_ID_AUTHORIZATION_FAILED; WRITE on each TOPIC, else
 *                TOPIC_AUTHORIZATION_FAILED per partition. (Kafka < 3.0 also refused idempotent
 *                batches without IDEMPOTENT_WRITE on CLUSTER, whole request
 *                CLUSTER_AUTHORIZATION_FAILED; KIP-679 moved that gate to InitProducerId.)
 * Fetch          consumer: READ on each TOPIC, else TOPIC_AUTHORIZATION_FAILED per partition
 *                (v13+ ids that resolve to no topic stay UNKNOWN_TOPIC_ID); a follower
 *                (replicaId >= 0): CLUSTER_ACTION on CLUSTER, else every partition
 *                TOPIC_AUTHORIZATION_FAILED.
 * ListOffsets    DESCRIBE on each TOPIC, else TOPIC_AUTHORIZATION_FAILED per partition.
 * Metadata       all topics asked for (v0 empty list, v1+ null): only topics with DESCRIBE
 *                are listed, the others left out silently (no denial logged); named topics:
 *                DESCRIBE on each, else TOPIC_AUTHORIZATION_FAILED for it (no partitions; by
 *                id, v10+: no name either), whether it exists or not. Auto-creation of a
 *                missing, described-allowed topic: CREATE on CLUSTER, or else CREATE on that
 *                TOPIC, else TOPIC_AUTHORIZATION_FAILED. v8+ authorized operations (KIP-430):
 *                topicAuthorizedOperations = authorizedOperations(TOPIC, name) when asked;
 *                clusterAuthorizedOperations (v8-v10) the CLUSTER's when asked and DESCRIBE
 *                on CLUSTER is allowed, else 0.
 * OffsetCommit   READ on GROUP, else every partition GROUP_AUTHORIZATION_FAILED; then READ on
 *                each TOPIC, else TOPIC_AUTHORIZATION_FAILED per partition.
 * OffsetFetch    DESCRIBE on GROUP, else GROUP_AUTHORIZATION_FAILED (v8+ per group; before,
 *                the top-level code, v2+, and each partition); then DESCRIBE on each TOPIC:
 *                named partitions TOPIC_AUTHORIZATION_FAILED, all-topics requests leave the
 *                undescribable topics out silently.
 * FindCoordinator  key type GROUP: DESCRIBE on GROUP, else GROUP_AUTHORIZATION_FAILED;
 *                TRANSACTION: DESCRIBE on TRANSACTIONAL_ID, else
 *                TRANSACTIONAL_ID_AUTHORIZATION_FAILED (v4+ per key).
 * JoinGroup, SyncGroup, Heartbeat, LeaveGroup
 *                READ on GROUP, else GROUP_AUTHORIZATION_FAILED (the response's error code;
 *                LeaveGroup v3+ the top-level one).
 * DescribeGroups DESCRIBE on each GROUP, else GROUP_AUTHORIZATION_FAILED for that group
 *                (no state or members); v3+ authorizedOperations(GROUP, id) when asked.
 * ListGroups     DESCRIBE on CLUSTER lists every group; else only the groups with DESCRIBE
 *                on GROUP, the others left out silently (no error).
 * DeleteGroups   DELETE on each GROUP, else GROUP_AUTHORIZATION_FAILED for that group.
 * CreateTopics   CREATE on CLUSTER, or else CREATE on each TOPIC, else
 *                TOPIC_AUTHORIZATION_FAILED for that topic; v5+: configs are answered only
 *                with DESCRIBE_CONFIGS on the TOPIC, else topicConfigErrorCode
 *                TOPIC_AUTHORIZATION_FAILED (the topic is still created).
 * DeleteTopics   by name: DELETE on each TOPIC, else TOPIC_AUTHORIZATION_FAILED; by id (v6+):
 *                DESCRIBE on the TOPIC first, else UNKNOWN_TOPIC_ID (existence not
 *                revealed), then DELETE, else TOPIC_AUTHORIZATION_FAILED.
 * DeleteRecords  DELETE on each TOPIC, else TOPIC_AUTHORIZATION_FAILED per partition.
 * CreatePartitions  ALTER on each TOPIC, else TOPIC_AUTHORIZATION_FAILED for that topic.
 * InitProducerId with a transactional id: WRITE on TRANSACTIONAL_ID, else
 *                TRANSACTIONAL_ID_AUTHORIZATION_FAILED; idempotent (no id): IDEMPOTENT_WRITE
 *                on CLUSTER, or WRITE on any TOPIC (authorizeByResourceType, KIP-679), else
 *                CLUSTER_AUTHORIZATION_FAILED.
 * DescribeConfigs  TOPIC resource: DESCRIBE_CONFIGS on the TOPIC, else
 *                TOPIC_AUTHORIZATION_FAILED for it; BROKER (and BROKER_LOGGER) resource:
 *                DESCRIBE_CONFIGS on CLUSTER, else CLUSTER_AUTHORIZATION_FAILED for it.
 * AlterConfigs, IncrementalAlterConfigs
 *                TOPIC: ALTER_CONFIGS on the TOPIC, else TOPIC_AUTHORIZATION_FAILED for it;
 *                BROKER: ALTER_CONFIGS on CLUSTER, else CLUSTER_AUTHORIZATION_FAILED for it.
 * DescribeCluster  no check for the brokers and cluster id; clusterAuthorizedOperations when
 *                asked: the CLUSTER's operations if DESCRIBE on CLUSTER is allowed, else 0.
 * CreateAcls, DeleteAcls  ALTER on CLUSTER; DescribeAcls  DESCRIBE on CLUSTER; else
 *                CLUSTER_AUTHORIZATION_FAILED (each result / the top-level code). Done in
 *                their handlers.
 * ApiVersions, SaslHandshake, SaslAuthenticate  none.
 * Not served yet, for when they come: AddPartitionsToTxn WRITE on TRANSACTIONAL_ID + WRITE
 *                on each TOPIC; AddOffsetsToTxn WRITE on TRANSACTIONAL_ID + READ on GROUP;
 *                EndTxn WRITE on TRANSACTIONAL_ID; TxnOffsetCommit WRITE on TRANSACTIONAL_ID
 *                + READ on GROUP + READ on each TOPIC; DescribeProducers READ on TOPIC;
 *                ElectLeaders/AlterPartitionReassignments ALTER on CLUSTER.
 * ---------------------------------------------------------------------------
 */
import { type AuthorizerConfig } from '../config.js';
import { type AclBinding, AclOperation, AclPatternType, AclPermissionType, AclResourceType, WILDCARD_HOST, WILDCARD_PRINCIPAL, WILDCARD_RESOURCE } from './acl-binding.js';
import { AclStore } from './acl-store.js';

const bit = (...ops: AclOperation[]): number => ops.reduce<number>((mask, op) => mask | (1 << op), 0);

/** Per operation code, the ALLOW operations that grant it (AclAuthorizer's `allowOps`), as a bit mask of codes. */
const GRANTED_BY: readonly number[] = (() => {
  const granted: number[] = [];
  for (const op of Object.values(AclOperation)) granted[op] = bit(op);
  granted[AclOperation.DESCRIBE] = bit(AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER);
  granted[AclOperation.DESCRIBE_CONFIGS] = bit(AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS);
  return granted;
})();

/** What {@link scan} saw, as bits: some ACL on the resource, a DENY that applies, an ALLOW that applies. */
const FOUND = 1;
const DENIED = 2;
const ALLOWED = 4;

/** The operations each resource type has (`AclEntry.supportedOperations`), for KIP-430's authorized operations. */
export const SUPPORTED_OPERATIONS: ReadonlyMap<AclResourceType, readonly AclOperation[]> = new Map<AclResourceType, AclOperation[]>([
  [
    AclResourceType.TOPIC,
    [AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS],
  ],
  [AclResourceType.GROUP, [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE]],
  [
    AclResourceType.CLUSTER,
    [AclOperation.CREATE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER, AclOperation.DESCRIBE],
  ],
  [AclResourceType.TRANSACTIONAL_ID, [AclOperation.DESCRIBE, AclOperation.WRITE]],
  [AclResourceType.DELEGATION_TOKEN, [AclOperation.DESCRIBE]],
  [AclResourceType.USER, [AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS]],
]);

/** KIP-430's bit field of operations (`Utils.to32BitField`): bit `code` set for each. */
export function operationsBitField(ops: Iterable<AclOperation>): number {
  let field = 0;
  for (const op of ops) field |= 1 << op;
  return field;
}

export class Authorizer {
  readonly #superUsers: ReadonlySet<string>;

  private constructor(
    readonly config: AuthorizerConfig,
    /** The ACLs this authorizer enforces; the ACL APIs change them. */
    readonly acls: AclStore,
  ) {
    this.#superUsers = new Set(config.superUsers);
  }

  /** An authorizer over the ACLs stored in `logDir` (null: in memory). */
  static async open(config: AuthorizerConfig, logDir: string | null): Promise<Authorizer> {
    return new Authorizer(config, await AclStore.open(logDir));
  }

  /** Whether `principal` is listed in `super.users`. */
  isSuperUser(principal: string): boolean {
    return this.#superUsers.has(principal);
  }

  /**
   * May `principal`, connected from `host`, do `operation` on the resource
   * `resourceType`/`resourceName`? Kafka's AclAuthorizer decision (see the
   * rules above). The resource is a concrete one (a LITERAL name), and the
   * operation a concrete one: ANY and UNKNOWN are a caller's bug.
   *
   * @param principal - `User:alice`, `User:ANONYMOUS`
   * @param host - the client's IP address
   */
  authorize(principal: string, host: string, operation: AclOperation, resourceType: AclResourceType, resourceName: string): boolean {
    checkAction(operation, resourceType);
    if (this.#superUsers.has(principal)) return true;
    const acls = this.acls.forResourceType(resourceType);
    const granting = GRANTED_BY[operation]!;
    let seen = scan(acls.literal.get(resourceName), principal, host, operation, granting);
    if (resourceName !== WILDCARD_RESOURCE) seen |= scan(acls.literal.get(WILDCARD_RESOURCE), principal, host, operation, granting);
    for (const [prefix, list] of acls.prefixed) if (resourceName.startsWith(prefix)) seen |= scan(list, principal, host, operation, granting);
    if ((seen & FOUND) === 0) return this.config.allowEveryoneIfNoAclFound;
    return (seen & DENIED) === 0 && (seen & ALLOWED) !== 0;
  }

  /**
   * May `principal` do `operation` on at least one resource of the type?
   * Kafka's `Authorizer.authorizeByResourceType` (KIP-679), used by
   * InitProducerId: an idempotent producer needs IDEMPOTENT_WRITE on the
   * cluster or WRITE on some topic. An ALLOW (literal or prefixed) counts when
   * no DENY covers it: a literal DENY on the same name, or a prefixed DENY on a
   * prefix of it; a DENY on every name (`*`, or the empty prefix) refuses.
   */
  authorizeByResourceType(principal: string, host: string, operation: AclOperation, resourceType: AclResourceType): boolean {
    checkAction(operation, resourceType);
    // Kafka first asks about a made-up name, so super users (and the
    // allow.everyone.if.no.acl.found default) are granted whatever DENYs exist.
    if (this.authorize(principal, host, operation, resourceType, 'hardcode')) return true;
    const deny = { literal: new Set<string>(), prefixed: new Set<string>() };
    const allow = { literal: new Set<string>(), prefixed: new Set<string>() };
    let wildcardAllow = false;
    const acls = this.acls.forResourceType(resourceType);
    for (const [byName, patternType] of [
      [acls.literal, AclPatternType.LITERAL],
      [acls.prefixed, AclPatternType.PREFIXED],
    ] as const) {
      for (const list of byName.values()) {
        for (const acl of list) {
          if (acl.host !== host && acl.host !== WILDCARD_HOST) continue;
          if (acl.principal !== principal && acl.principal !== WILDCARD_PRINCIPAL) continue;
          if (acl.operation !== operation && acl.operation !== AclOperation.ALL) continue;
          const everything = patternType === AclPatternType.LITERAL ? acl.resourceName === WILDCARD_RESOURCE : acl.resourceName === '';
          const sets = acl.permissionType === AclPermissionType.DENY ? deny : acl.permissionType === AclPermissionType.ALLOW ? allow : null;
          if (sets === null) continue;
          if (everything) {
            if (sets === deny) return false;
            wildcardAllow = true;
            continue;
          }
          (patternType === AclPatternType.LITERAL ? sets.literal : sets.prefixed).add(acl.resourceName);
        }
      }
    }
    if (wildcardAllow) return true;
    const prefixDenied = (name: string): boolean => {
      for (let end = 1; end <= name.length; end++) if (deny.prefixed.has(name.slice(0, end))) return true;
      return false;
    };
    for (const name of allow.literal) if (!deny.literal.has(name) && !prefixDenied(name)) return true;
    for (const name of allow.prefixed) if (!prefixDenied(name)) return true;
    return false;
  }

  /** KIP-430: the bit field of the resource type's operations `principal` may do on the resource. */
  authorizedOperations(principal: string, host: string, resourceType: AclResourceType, resourceName: string): number {
    const supported = SUPPORTED_OPERATIONS.get(resourceType) ?? [];
    return operationsBitField(supported.filter((op) => this.authorize(principal, host, op, resourceType, resourceName)));
  }

  /** Wait for ACL changes under way to be written. */
  close(): Promise<void> {
    return this.acls.close();
  }
}

/** Rules 3-5 over one resource pattern's ACLs (a function of its own: no closure per decision). */
function scan(list: readonly AclBinding[] | undefined, principal: string, host: string, operation: AclOperation, granting: number): number {
  if (list === undefined) return 0;
  let seen = 0;
  for (const acl of list) {
    seen |= FOUND;
    if (acl.principal !== principal && acl.principal !== WILDCARD_PRINCIPAL) continue;
    if (acl.host !== host && acl.host !== WILDCARD_HOST) continue;
    if (acl.permissionType === AclPermissionType.DENY) {
      if (acl.operation === operation || acl.operation === AclOperation.ALL) seen |= DENIED;
    } else if (acl.permissionType === AclPermissionType.ALLOW) {
      if (acl.operation === AclOperation.ALL || (granting & (1 << acl.operation)) !== 0) seen |= ALLOWED;
    }
  }
  return seen;
}

function checkAction(operation: AclOperation, resourceType: AclResourceType): void {
  if (operation === AclOperation.ANY || operation === AclOperation.UNKNOWN || GRANTED_BY[operation] === undefined) {
    throw new RangeError(`authorize needs a concrete operation, not ${operation}`);
  }
  if (resourceType === AclResourceType.ANY || resourceType === AclResourceType.UNKNOWN) throw new RangeError(`authorize needs a concrete resource type, not ${resourceType}`);
}
