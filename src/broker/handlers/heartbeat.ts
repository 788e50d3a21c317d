/**
 * Heartbeat, v0-v4: keeps a classic-group member's session alive.
 *
 * Each heartbeat restarts the member's session timeout; a member that sends
 * none within it is removed and the group rebalances. Answers, in Kafka's
 * order of checks: INVALID_GROUP_ID, UNKNOWN_MEMBER_ID (unknown group or
 * member), FENCED_INSTANCE_ID, ILLEGAL_GENERATION (a stale generation: rejoin),
 * REBALANCE_IN_PROGRESS (the group is collecting JoinGroups: rejoin), else NONE
 * (also between the JoinGroup answer and SyncGroup). Semantics in
 * ../groups/membership.ts.
 *
 * ACLs: READ on the GROUP, else GROUP_AUTHORIZATION_FAILED, before any of those.
 *
 * Versions: v1+ throttle time; v3+ group.instance.id (KIP-345); v4 flexible.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { HeartbeatRequest } from '../../protocol/generated/heartbeat-request.js';
import { HeartbeatResponse } from '../../protocol/generated/heartbeat-response.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorize } from '../acl/request-authorization.js';
import { defineHandler } from './handler.js';

export const heartbeatHandler = defineHandler({
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  request: HeartbeatRequest,
  response: HeartbeatResponse,
  handle(ctx, request) {
    if (!authorize(ctx, AclOperation.READ, AclResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const groupInstanceId = ctx.header.apiVersion >= 3 ? request.groupInstanceId : null;
    const errorCode = ctx.broker.groups.heartbeat(request.groupId, request.generationId, request.memberId, groupInstanceId);
    return { throttleTimeMs: 0, errorCode };
  },
});
