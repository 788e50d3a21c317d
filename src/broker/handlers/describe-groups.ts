/**
 * DescribeGroups, v0-v5: state, protocol and members of each named group.
 *
 * A Stable group shows its chosen protocol (assignor) and, per member, its
 * metadata for that protocol and its assignment; in other states those are
 * empty, as in Kafka. An unknown group is described as Dead with no members
 * and no error (GROUP_ID_NOT_FOUND only comes with v6, not served). The client
 * host is Kafka's `/ip` form.
 *
 * ACLs (KafkaApis): DESCRIBE on each GROUP, else GROUP_AUTHORIZATION_FAILED
 * for that group, with no state, protocol or members.
 *
 * Versions: v1+ throttle time; v3+ authorized operations on request (KIP-430:
 * the caller's operations on the group, all of them without an authorizer);
 * v4+ members' group.instance.id (KIP-345); v5 flexible.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DescribeGroupsRequest } from '../../protocol/generated/describe-groups-request.js';
import { DescribeGroupsResponse } from '../../protocol/generated/describe-groups-response.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorize, authorizedOperations } from '../acl/request-authorization.js';
import { defineHandler } from './handler.js';

/** The bit field's "not requested" value (Integer.MIN_VALUE). */
const OPERATIONS_NOT_REQUESTED = -2147483648;

export const describeGroupsHandler = defineHandler({
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  request: DescribeGroupsRequest,
  response: DescribeGroupsResponse,
  handle(ctx, request) {
    const version = ctx.header.apiVersion;
    const withOperations = version >= 3 && request.includeAuthorizedOperations;
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((groupId) => {
        if (!authorize(ctx, AclOperation.DESCRIBE, AclResourceType.GROUP, groupId)) {
          // DescribeGroupsResponse.forError's shape.
          return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: OPERATIONS_NOT_REQUESTED };
        }
        const g = ctx.broker.groups.describeGroup(groupId);
        return {
          errorCode: ErrorCode.NONE,
          groupId,
          groupState: g.groupState,
          protocolType: g.protocolType,
          protocolData: g.protocolData,
          members: g.members.map((m) => ({ ...m, groupInstanceId: version >= 4 ? m.groupInstanceId : null })),
          authorizedOperations: withOperations ? authorizedOperations(ctx, AclResourceType.GROUP, groupId) : OPERATIONS_NOT_REQUESTED,
        };
      }),
    };
  },
});
