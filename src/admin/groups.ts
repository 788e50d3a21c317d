/**
 * Consumer groups: `listGroups` (every broker), `describeGroups` and
 * `deleteGroups` (each group's coordinator, one request per coordinator),
 * KafkaJS's arguments and results.
 */
import { CoordinatorType } from '../client/cluster.js';
import { KafkaJSDeleteGroupsError, type DeleteGroupsErrorGroup } from '../errors/errors.js';
import { createErrorFromCode } from '../errors/protocol-errors.js';
import { type RequestVersions } from '../network/api-versions.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { DeleteGroupsRequest } from '../protocol/generated/delete-groups-request.js';
import { DeleteGroupsResponse } from '../protocol/generated/delete-groups-response.js';
import { DescribeGroupsRequest } from '../protocol/generated/describe-groups-request.js';
import { DescribeGroupsResponse } from '../protocol/generated/describe-groups-response.js';
import { ListGroupsRequest } from '../protocol/generated/list-groups-request.js';
import { ListGroupsResponse } from '../protocol/generated/list-groups-response.js';
import { AdminContext, invalidArgument, requireArray } from './admin-context.js';
import { type ConsumerGroupState, type DeleteGroupsResult, type GroupDescription, type GroupDescriptions, type GroupOverview } from './admin-types.js';

/** v0 lists every group; v3 flexible; v4 answers states (KIP-518), v5 types (KIP-848); filters left empty (all). */
const LIST_GROUPS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 5 });

/** v0 has every field used; v3 authorized operations (not asked); v4 group.instance.id; v5 flexible. An unknown group is Dead, no error, through v5. */
const DESCRIBE_GROUPS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 5 });

/** v0 has every field; v2 flexible. */
const DELETE_GROUPS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 2 });

/** The groups of every broker (each lists the groups it coordinates). */
export function listGroups(ctx: AdminContext): Promise<{ groups: GroupOverview[] }> {
  return ctx.retry('listGroups', async () => {
    const metadata = await ctx.cluster.refreshMetadata();
    const answers = await Promise.all(
      [...metadata.brokers.keys()].map(async (nodeId) => {
        const connection = await ctx.cluster.connectionFor(nodeId);
        const response = await connection.send(ListGroupsRequest, ListGroupsResponse, {}, { versions: LIST_GROUPS_VERSIONS });
        AdminContext.check(response.errorCode, `ListGroups on broker ${nodeId}`);
        return response.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.groupState }));
      }),
    );
    return { groups: answers.flat() };
  });
}

/** `groupIds` by the node id of their coordinator. */
async function byCoordinator(ctx: AdminContext, groupIds: readonly string[]): Promise<Map<number, string[]>> {
  const coordinators = await ctx.cluster.findCoordinators([...new Set(groupIds)], CoordinatorType.GROUP);
  const grouped = new Map<number, string[]>();
  for (const [groupId, node] of coordinators) {
    const list = grouped.get(node.nodeId);
    if (list) list.push(groupId);
    else grouped.set(node.nodeId, [groupId]);
  }
  return grouped;
}

/**
 * State, protocol and members of each group, in the order asked. An unknown
 * group is described as Dead; a group in error (GROUP_AUTHORIZATION_FAILED)
 * rejects with its protocol error, as KafkaJS.
 */
export function describeGroups(ctx: AdminContext, groupIds: string[]): Promise<GroupDescriptions> {
  const ids = requireArray(groupIds, 'groupIds');
  if (ids.some((g) => typeof g !== 'string')) throw invalidArgument(`Invalid groupIds array ${JSON.stringify(ids)}`);
  return ctx.retry('describeGroups', async () => {
    const described = new Map<string, GroupDescription>();
    await Promise.all(
      [...(await byCoordinator(ctx, ids))].map(async ([nodeId, groups]) => {
        const connection = await ctx.cluster.connectionFor(nodeId);
        const response = await connection.send(DescribeGroupsRequest, DescribeGroupsResponse, { groups }, { versions: DESCRIBE_GROUPS_VERSIONS });
        for (const g of response.groups) {
          if (g.errorCode === ErrorCode.NOT_COORDINATOR || g.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE) ctx.cluster.invalidateCoordinator(g.groupId);
          AdminContext.check(g.errorCode, `group "${g.groupId}"`);
          described.set(g.groupId, {
            groupId: g.groupId,
            errorCode: g.errorCode,
            state: g.groupState as ConsumerGroupState,
            protocolType: g.protocolType,
            protocol: g.protocolData,
            members: g.members.map((m) => ({
              memberId: m.memberId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              memberMetadata: m.memberMetadata,
              memberAssignment: m.memberAssignment,
              groupInstanceId: m.groupInstanceId,
            })),
          });
        }
      }),
    );
    return { groups: ids.flatMap((id) => described.get(id) ?? []) };
  });
}

/**
 * Delete groups (only Empty ones can go). Resolves with each group's result;
 * when some fail, rejects with `KafkaJSDeleteGroupsError` whose `groups` hold the
 * failed ones with their errors (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP...), as
 * KafkaJS. Groups failing with a retriable error are retried, alone.
 */
export async function deleteGroups(ctx: AdminContext, groupIds: string[]): Promise<DeleteGroupsResult[]> {
  const ids = requireArray(groupIds, 'groupIds');
  if (ids.some((g) => typeof g !== 'string')) throw invalidArgument(`Invalid groupId name: ${JSON.stringify(ids.find((g) => typeof g !== 'string'))}`);
  const results = new Map<string, DeleteGroupsResult>();
  const failed: DeleteGroupsErrorGroup[] = [];
  let pending = [...new Set(ids)];
  await ctx.retry('deleteGroups', async () => {
    if (pending.length === 0) return;
    const retriable: DeleteGroupsErrorGroup[] = [];
    await Promise.all(
      [...(await byCoordinator(ctx, pending))].map(async ([nodeId, groups]) => {
        const connection = await ctx.cluster.connectionFor(nodeId);
        const response = await connection.send(DeleteGroupsRequest, DeleteGroupsResponse, { groupsNames: groups }, { versions: DELETE_GROUPS_VERSIONS });
        for (const r of response.results) {
          if (r.errorCode === ErrorCode.NONE) {
            results.set(r.groupId, { groupId: r.groupId, errorCode: r.errorCode });
            continue;
          }
          const error = createErrorFromCode(r.errorCode, `group "${r.groupId}"`);
          if (error.retriable) {
            ctx.cluster.invalidateCoordinator(r.groupId);
            retriable.push({ groupId: r.groupId, errorCode: r.errorCode, error });
          } else {
            failed.push({ groupId: r.groupId, errorCode: r.errorCode, error });
          }
        }
      }),
    );
    pending = retriable.map((g) => g.groupId);
    if (retriable.length > 0) throw new KafkaJSDeleteGroupsError('Error in DeleteGroups', retriable);
  });
  if (failed.length > 0) throw new KafkaJSDeleteGroupsError('Error in DeleteGroups', failed);
  return ids.flatMap((id) => results.get(id) ?? []);
}
