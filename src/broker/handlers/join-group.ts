/**
 * JoinGroup, v0-v9: the first phase of a classic-protocol rebalance.
 *
 * The answer waits until the group's join phase completes (the handler's
 * promise resolves then, as Kafka parks the request in its rebalance
 * purgatory): all known members have rejoined, or the rebalance timeout has
 * passed, or for a new group `group.initial.rebalance.delay.ms` has. The
 * leader's answer lists every member with its metadata for the chosen protocol;
 * followers get an empty list. Errors: INVALID_GROUP_ID (empty id),
 * INVALID_SESSION_TIMEOUT (outside group.min/max.session.timeout.ms),
 * INCONSISTENT_GROUP_PROTOCOL (other protocol type, or no protocol in common),
 * UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID, MEMBER_ID_REQUIRED. Semantics in
 * ../groups/membership.ts.
 *
 * Versions: v0 has no rebalance timeout (the session timeout serves as both);
 * v4+ a member joining without an id first gets MEMBER_ID_REQUIRED with one
 * (KIP-394); v5+ group.instance.id, static membership (KIP-345); v6 flexible;
 * v7+ the answer carries the protocol type and a nullable protocol name
 * (KIP-559); v8+ a reason, logged (KIP-800); v9 skipAssignment for a static
 * leader rejoining a Stable group (KIP-814).
 *
 * ACLs: READ on the GROUP, else GROUP_AUTHORIZATION_FAILED at once, the group
 * untouched (KafkaApis checks before the coordinator sees the request).
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { JoinGroupRequest } from '../../protocol/generated/join-group-request.js';
import { JoinGroupResponse } from '../../protocol/generated/join-group-response.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorize } from '../acl/request-authorization.js';
import { type RequestContext, defineHandler } from './handler.js';

/** The client's address as Kafka shows it in DescribeGroups: `/` and the IP, no port. */
function clientHost(ctx: RequestContext): string {
  const address = ctx.session.clientAddress;
  const colon = address.lastIndexOf(':');
  return `/${colon > 0 ? address.slice(0, colon) : address}`;
}

export const joinGroupHandler = defineHandler({
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  request: JoinGroupRequest,
  response: JoinGroupResponse,
  async handle(ctx, request) {
    const version = ctx.header.apiVersion;
    if (!authorize(ctx, AclOperation.READ, AclResourceType.GROUP, request.groupId)) {
      // JoinGroupRequest.getErrorResponse's shape: unknown generation, member, leader and protocol.
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, generationId: -1, protocolType: null, protocolName: version >= 7 ? null : '', leader: '', memberId: '', members: [] };
    }
    const result = await ctx.broker.groups.joinGroup({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: version >= 5 ? request.groupInstanceId : null,
      clientId: ctx.header.clientId ?? '',
      clientHost: clientHost(ctx),
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: version >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
      protocolType: request.protocolType,
      // Copied: decoded bytes are views into the request's socket chunk, and the group keeps them.
      protocols: request.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
      requireKnownMemberId: version >= 4,
      supportSkippingAssignment: version >= 9,
      reason: version >= 8 ? request.reason : null,
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      generationId: result.generationId,
      protocolType: version >= 7 ? result.protocolType : undefined,
      protocolName: version >= 7 ? result.protocolName : (result.protocolName ?? ''),
      leader: result.leader,
      skipAssignment: version >= 9 ? result.skipAssignment : undefined,
      memberId: result.memberId,
      members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: version >= 5 ? m.groupInstanceId : null, metadata: m.metadata })),
    };
  },
});
