/**
 * DescribeGroups, v0-v5: state, protocol and members of each named group.
 *
 * A Stable group shows its chosen protocol (assignor) and, per member, its
 * metadata for that protocol and its assignment; in other states those are
 * empty, as in Kafka. An unknown group is described as Dead with no members
 * and no error (GROUP_ID_NOT_FOUND only comes with v6, not served). The client
 * host is Kafka's `/ip` form.
 *
 * Versions: v1+ throttle time; v3+ authorized operations on request (no ACLs
 * here: READ, DELETE and DESCRIBE, everything a group supports); v4+ members'
 * group.instance.id (KIP-345); v5 flexible.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DescribeGroupsRequest } from '../../protocol/generated/describe-groups-request.js';
import { DescribeGroupsResponse } from '../../protocol/generated/describe-groups-response.js';
import { defineHandler } from './handler.js';

/** Kafka's AclOperation codes a group supports: READ (3), DELETE (6), DESCRIBE (8), as a bit field. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);
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
    const operations = version >= 3 && request.includeAuthorizedOperations ? GROUP_OPERATIONS : OPERATIONS_NOT_REQUESTED;
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((groupId) => {
        const g = ctx.broker.groups.describeGroup(groupId);
        return {
          errorCode: ErrorCode.NONE,
          groupId,
          groupState: g.groupState,
          protocolType: g.protocolType,
          protocolData: g.protocolData,
          members: g.members.map((m) => ({ ...m, groupInstanceId: version >= 4 ? m.groupInstanceId : null })),
          authorizedOperations: operations,
        };
      }),
    };
  },
});
