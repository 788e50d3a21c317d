/**
 * LeaveGroup, v0-v5: members leaving a classic group (a consumer closing).
 *
 * Each leaving member is removed at once and the group rebalances (or becomes
 * Empty when it was the last). A member may be named by member id, or, v3+,
 * by group.instance.id alone with an empty member id: an admin removing a
 * static member (KIP-345). Per member: UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID
 * (the instance id maps to another member id), else NONE. An unknown group
 * answers UNKNOWN_MEMBER_ID for each member.
 *
 * Versions: v0-v2 name one member, and the top-level error is that member's
 * (Kafka's LeaveGroupResponse folds it up); v3+ batch members with their own
 * errors; v4 flexible; v5 a reason per member, logged (KIP-800).
 *
 * ACLs: READ on the GROUP, else GROUP_AUTHORIZATION_FAILED as the response's
 * error (v3+ the top-level one, with no members) and nobody leaves.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { LeaveGroupRequest } from '../../protocol/generated/leave-group-request.js';
import { LeaveGroupResponse } from '../../protocol/generated/leave-group-response.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorize } from '../acl/request-authorization.js';
import { defineHandler } from './handler.js';

export const leaveGroupHandler = defineHandler({
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  request: LeaveGroupRequest,
  response: LeaveGroupResponse,
  handle(ctx, request) {
    const version = ctx.header.apiVersion;
    if (!authorize(ctx, AclOperation.READ, AclResourceType.GROUP, request.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: version >= 3 ? [] : undefined };
    }
    const leaving =
      version >= 3
        ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: version >= 5 ? m.reason : null }))
        : [{ memberId: request.memberId, groupInstanceId: null, reason: null }];
    const result = ctx.broker.groups.leaveGroup(request.groupId, leaving);
    if (version >= 3) return { throttleTimeMs: 0, errorCode: result.errorCode, members: result.members };
    const memberError = result.members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
    return { throttleTimeMs: 0, errorCode: result.errorCode !== ErrorCode.NONE ? result.errorCode : memberError };
  },
});
