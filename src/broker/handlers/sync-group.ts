/**
 * SyncGroup, v0-v5: the second phase of a classic-protocol rebalance.
 *
 * The leader's SyncGroup carries every member's assignment; it is stored, the
 * group becomes Stable, and every member's parked SyncGroup is answered with its
 * own assignment (members the leader left out get an empty one). A follower's
 * SyncGroup waits for the leader's (the handler's promise resolves then, as
 * Kafka parks it); in a Stable group it is answered at once with the current
 * assignment. Errors: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
 * REBALANCE_IN_PROGRESS (a new rebalance began: rejoin), FENCED_INSTANCE_ID,
 * INCONSISTENT_GROUP_PROTOCOL. Semantics in ../groups/membership.ts.
 *
 * Versions: v3+ group.instance.id (KIP-345); v4 flexible; v5+ the request names
 * the protocol type and name, checked against the group's, and the answer
 * repeats them (KIP-559).
 *
 * ACLs: READ on the GROUP, else GROUP_AUTHORIZATION_FAILED at once.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { SyncGroupRequest } from '../../protocol/generated/sync-group-request.js';
import { SyncGroupResponse } from '../../protocol/generated/sync-group-response.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorize } from '../acl/request-authorization.js';
import { defineHandler } from './handler.js';

export const syncGroupHandler = defineHandler({
  apiKey: ApiKey.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  request: SyncGroupRequest,
  response: SyncGroupResponse,
  async handle(ctx, request) {
    const version = ctx.header.apiVersion;
    if (!authorize(ctx, AclOperation.READ, AclResourceType.GROUP, request.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
    }
    const result = await ctx.broker.groups.syncGroup({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: version >= 3 ? request.groupInstanceId : null,
      protocolType: version >= 5 ? request.protocolType : null,
      protocolName: version >= 5 ? request.protocolName : null,
      // Copied: decoded bytes are views into the request's socket chunk, and the group keeps them.
      assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) })),
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      protocolType: version >= 5 ? result.protocolType : undefined,
      protocolName: version >= 5 ? result.protocolName : undefined,
      assignment: result.assignment,
    };
  },
});
