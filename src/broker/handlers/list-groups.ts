/**
 * ListGroups, v0-v5: every group this broker coordinates (all of them).
 *
 * Each group with its protocol type ("consumer" for consumer groups, empty for
 * groups that only hold offsets committed from outside group management).
 * Dead groups are not listed.
 *
 * Versions: v1+ throttle time; v3 flexible; v4+ the group state, and a states
 * filter (KIP-518); v5+ the group type, always "classic" here, and a types
 * filter (KIP-848). Filters match case-insensitively, as Kafka's current
 * coordinator does; an empty filter matches everything.
 *
 * ACLs (KafkaApis): DESCRIBE on the CLUSTER lists every group; without it, only
 * the groups the caller may DESCRIBE, the others left out with no error.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ListGroupsRequest } from '../../protocol/generated/list-groups-request.js';
import { ListGroupsResponse } from '../../protocol/generated/list-groups-response.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorizeCluster, authorizedNames } from '../acl/request-authorization.js';
import { defineHandler } from './handler.js';

export const listGroupsHandler = defineHandler({
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  request: ListGroupsRequest,
  response: ListGroupsResponse,
  handle(ctx, request) {
    const version = ctx.header.apiVersion;
    const listed = ctx.broker.groups.listGroups(version >= 4 ? request.statesFilter : [], version >= 5 ? request.typesFilter : []);
    const everyGroup = authorizeCluster(ctx, AclOperation.DESCRIBE, { logIfDenied: false });
    const describable = everyGroup ? null : authorizedNames(ctx, AclOperation.DESCRIBE, AclResourceType.GROUP, listed.map((g) => g.groupId));
    const groups = describable === null ? listed : listed.filter((g) => describable.has(g.groupId));
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      groups: groups.map((g) => ({
        groupId: g.groupId,
        protocolType: g.protocolType,
        groupState: version >= 4 ? g.groupState : undefined,
        groupType: version >= 5 ? g.groupType : undefined,
      })),
    };
  },
});
