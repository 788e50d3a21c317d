/**
 * Authorization as a handler asks for it: one call at the API's entry with the
 * request's context, in the shape of Kafka's `AuthHelper` (`authorize`,
 * `filterByAuthorized`, `authorizeClusterOperation`, `authorizedOperations`).
 * The principal and client address come from the connection's session; with no
 * authorizer configured everything is allowed, as in Kafka.
 *
 * ```ts
 * if (!authorize(ctx, AclOperation.WRITE, AclResourceType.TOPIC, topic.name)) errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
 * ```
 *
 * A refusal is logged at info, as Kafka's authorizer logger does, naming the
 * principal, operation, resource, host and API (never for the filtering
 * calls, which refuse silently by design: Metadata of all topics).
 */
import { apis } from '../../protocol/generated/api-keys.js';
import { type RequestContext } from '../handlers/handler.js';
import { type Session } from '../session.js';
import { AclOperation, AclResourceType, CLUSTER_RESOURCE_NAME, aclNames } from './acl-binding.js';
import { SUPPORTED_OPERATIONS, operationsBitField } from './authorizer.js';

/** What the helpers read of a request: the broker (its authorizer, its logger) and the session. */
export type AuthorizationContext = Pick<RequestContext, 'broker' | 'session' | 'header'>;

/**
 * The session's principal in Kafka's form: `User:<SASL user>`, or
 * `User:ANONYMOUS` on a listener without SASL.
 */
export function principalOf(session: Pick<Session, 'principal'>): string {
  return `User:${session.principal}`;
}

/**
 * The client's IP address as ACL hosts name it, from the session's
 * `address:port`; an IPv4 address mapped into IPv6 (`::ffff:10.0.0.1`) is
 * the IPv4 address, as Java's `InetAddress.getHostAddress` gives it.
 */
export function clientHostOf(session: Pick<Session, 'clientAddress'>): string {
  const address = session.clientAddress;
  const colon = address.lastIndexOf(':');
  const host = colon < 0 ? address : address.slice(0, colon);
  return host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
}

/** May this request's principal do `operation` on the resource? Always true without an authorizer. */
export function authorize(ctx: AuthorizationContext, operation: AclOperation, resourceType: AclResourceType, resourceName: string, options: { logIfDenied?: boolean } = {}): boolean {
  const authorizer = ctx.broker.authorizer;
  if (authorizer === null) return true;
  const principal = principalOf(ctx.session);
  const host = clientHostOf(ctx.session);
  if (authorizer.authorize(principal, host, operation, resourceType, resourceName)) return true;
  if (options.logIfDenied ?? true) {
    ctx.broker.logger.info(
      `Principal = ${principal} is Denied Operation = ${aclNames.operation.get(operation)} from host = ${host} on resource = ${aclNames.resourceType.get(resourceType)}:LITERAL:${resourceName} for request = ${apis.get(ctx.header.apiKey)?.name ?? ctx.header.apiKey}`,
    );
  }
  return false;
}

/** `operation` on the CLUSTER resource (`kafka-cluster`), Kafka's `authorizeClusterOperation`. */
export function authorizeCluster(ctx: AuthorizationContext, operation: AclOperation, options: { logIfDenied?: boolean } = {}): boolean {
  return authorize(ctx, operation, AclResourceType.CLUSTER, CLUSTER_RESOURCE_NAME, options);
}

/**
 * The names among `names` the principal may do `operation` on, each decided
 * once (Kafka's `filterByAuthorized`). Refusals are not logged unless asked.
 */
export function authorizedNames(ctx: AuthorizationContext, operation: AclOperation, resourceType: AclResourceType, names: Iterable<string>, options: { logIfDenied?: boolean } = {}): Set<string> {
  const allowed = new Set<string>();
  const decided = new Set<string>();
  for (const name of names) {
    if (decided.has(name)) continue;
    decided.add(name);
    if (authorize(ctx, operation, resourceType, name, { logIfDenied: options.logIfDenied ?? false })) allowed.add(name);
  }
  return allowed;
}

/**
 * May the principal do `operation` on some resource of the type (KIP-679's
 * `authorizeByResourceType`)? InitProducerId's idempotent case:
 * `authorizeCluster(ctx, IDEMPOTENT_WRITE) || authorizeByResourceType(ctx, WRITE, TOPIC)`.
 */
export function authorizeByResourceType(ctx: AuthorizationContext, operation: AclOperation, resourceType: AclResourceType): boolean {
  const authorizer = ctx.broker.authorizer;
  if (authorizer === null) return true;
  return authorizer.authorizeByResourceType(principalOf(ctx.session), clientHostOf(ctx.session), operation, resourceType);
}

/**
 * KIP-430's authorized operations of a resource, as a bit field: those of its
 * type's operations the principal may do; all of them without an authorizer.
 */
export function authorizedOperations(ctx: AuthorizationContext, resourceType: AclResourceType, resourceName: string): number {
  const authorizer = ctx.broker.authorizer;
  if (authorizer === null) return operationsBitField(SUPPORTED_OPERATIONS.get(resourceType) ?? []);
  return authorizer.authorizedOperations(principalOf(ctx.session), clientHostOf(ctx.session), resourceType, resourceName);
}
