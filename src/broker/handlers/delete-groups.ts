/**
 * DeleteGroups, v0-v2: remove groups with all their committed offsets.
 *
 * Only an Empty group can go (Kafka's rule: no member may still be using it);
 * per group: NONE, NON_EMPTY_GROUP (it has members), GROUP_ID_NOT_FOUND
 * (unknown or already Dead). The deletion is written to the consumer offsets
 * log (tombstones) before the answer, so it survives a restart.
 *
 * ACLs (KafkaApis): DELETE on each GROUP, else GROUP_AUTHORIZATION_FAILED for
 * that group, which is not looked at.
 *
 * Versions: v1 is v0; v2 flexible.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DeleteGroupsRequest } from '../../protocol/generated/delete-groups-request.js';
import { DeleteGroupsResponse } from '../../protocol/generated/delete-groups-response.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorizedNames } from '../acl/request-authorization.js';
import { defineHandler } from './handler.js';

export const deleteGroupsHandler = defineHandler({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  request: DeleteGroupsRequest,
  response: DeleteGroupsResponse,
  async handle(ctx, request) {
    const deletable = authorizedNames(ctx, AclOperation.DELETE, AclResourceType.GROUP, request.groupsNames, { logIfDenied: true });
    const results = await ctx.broker.groups.deleteGroups(request.groupsNames.filter((g) => deletable.has(g)));
    const refused = [...new Set(request.groupsNames)].filter((g) => !deletable.has(g)).map((groupId) => ({ groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }));
    return { throttleTimeMs: 0, results: [...refused, ...[...results].map(([groupId, errorCode]) => ({ groupId, errorCode }))] };
  },
});
