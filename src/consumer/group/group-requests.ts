/**
 * The classic group protocol's requests to a group coordinator, one function
 * per API: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and DescribeGroups.
 * Each picks the highest version both sides support within the versions
 * declared here, writes only the fields that version has, and returns the
 * answer with its error codes as data: deciding what an error means is the
 * group member's job (group-member.ts).
 *
 * A static member (KIP-345) needs the versions that carry group.instance.id
 * (JoinGroup v5+, SyncGroup and Heartbeat v3+): against an older broker its
 * requests fail with KafkaJSServerDoesNotSupportApiKey instead of silently
 * joining as a dynamic member (Java throws UnsupportedVersionException).
 */
import { type Connection } from '../../network/connection.js';
import { type RequestVersions } from '../../network/api-versions.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DescribeGroupsRequest } from '../../protocol/generated/describe-groups-request.js';
import { DescribeGroupsResponse } from '../../protocol/generated/describe-groups-response.js';
import { HeartbeatRequest } from '../../protocol/generated/heartbeat-request.js';
import { HeartbeatResponse } from '../../protocol/generated/heartbeat-response.js';
import { JoinGroupRequest } from '../../protocol/generated/join-group-request.js';
import { JoinGroupResponse } from '../../protocol/generated/join-group-response.js';
import { LeaveGroupRequest } from '../../protocol/generated/leave-group-request.js';
import { LeaveGroupResponse } from '../../protocol/generated/leave-group-response.js';
import { SyncGroupRequest } from '../../protocol/generated/sync-group-request.js';
import { SyncGroupResponse } from '../../protocol/generated/sync-group-response.js';

/** The protocol type of consumer groups (Java's ConsumerProtocol.PROTOCOL_TYPE). */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** Min 0: v0 lacks only the rebalance timeout (the session timeout serves); v4+ MEMBER_ID_REQUIRED (KIP-394), v7+ nullable protocol name, v9 skipAssignment (KIP-814). */
const JOIN_GROUP_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 9 });
/** Min 5: group.instance.id exists from v5 (KIP-345). */
const STATIC_JOIN_GROUP_VERSIONS: RequestVersions = Object.freeze({ min: 5, max: 9 });
/** Min 0: v0 has all a member sends; v5+ protocol type and name (KIP-559). */
const SYNC_GROUP_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 5 });
/** Min 3: group.instance.id exists from v3. */
const STATIC_SYNC_GROUP_VERSIONS: RequestVersions = Object.freeze({ min: 3, max: 5 });
/** Min 0: generation and member id are v0's whole request. */
const HEARTBEAT_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 4 });
/** Min 3: group.instance.id exists from v3. */
const STATIC_HEARTBEAT_VERSIONS: RequestVersions = Object.freeze({ min: 3, max: 4 });
/** Min 0: v0-v2 name one member; v3+ a members array, v5 with a reason (KIP-800). */
const LEAVE_GROUP_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 5 });
/** Min 0: v0 has every field of KafkaJS's GroupDescription; v4+ adds instance ids, unused. */
const DESCRIBE_GROUPS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 5 });

/** The JoinGroup time limit past the rebalance timeout (Java's JOIN_GROUP_TIMEOUT_LAPSE): the answer is parked that long at most. */
const JOIN_GROUP_TIMEOUT_LAPSE_MS = 5000;

/** What a JoinGroup says. */
export interface JoinGroupParams {
  readonly groupId: string;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly sessionTimeout: number;
  readonly rebalanceTimeout: number;
  /** One per assigner, in preference order. */
  readonly protocols: readonly { readonly name: string; readonly metadata: Buffer }[];
  readonly reason: string | null;
}

/** A JoinGroup answer. */
export interface JoinGroupAnswer {
  readonly errorCode: number;
  readonly generationId: number;
  /** The chosen protocol (assigner); null on error (v7+) or '' before v7. */
  readonly protocolName: string | null;
  readonly leader: string;
  readonly skipAssignment: boolean;
  readonly memberId: string;
  /** The leader's list of members and their subscriptions; empty for followers. */
  readonly members: readonly { readonly memberId: string; readonly groupInstanceId: string | null; readonly metadata: Buffer }[];
}

/** JoinGroup; the answer may take up to the rebalance timeout (the coordinator parks it). */
export async function joinGroup(connection: Connection, p: JoinGroupParams): Promise<JoinGroupAnswer> {
  const versions = p.groupInstanceId !== null ? STATIC_JOIN_GROUP_VERSIONS : JOIN_GROUP_VERSIONS;
  const version = connection.versionFor(ApiKey.JoinGroup, versions);
  const response = await connection.send(
    JoinGroupRequest,
    JoinGroupResponse,
    {
      groupId: p.groupId,
      sessionTimeoutMs: p.sessionTimeout,
      rebalanceTimeoutMs: p.rebalanceTimeout,
      memberId: p.memberId,
      groupInstanceId: version >= 5 ? p.groupInstanceId : null,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocols: p.protocols,
      reason: version >= 8 ? p.reason : null,
    },
    { version, versions, timeout: p.rebalanceTimeout + JOIN_GROUP_TIMEOUT_LAPSE_MS },
  );
  return {
    errorCode: response.errorCode,
    generationId: response.generationId,
    protocolName: response.protocolName,
    leader: response.leader,
    skipAssignment: version >= 9 && response.skipAssignment,
    memberId: response.memberId,
    members: response.members,
  };
}

/** What a SyncGroup says. */
export interface SyncGroupParams {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly protocolName: string;
  /** The leader's assignments; empty for followers (and for a leader told to skip the assignment, KIP-814). */
  readonly assignments: readonly { readonly memberId: string; readonly assignment: Buffer }[];
}

/** SyncGroup: resolves with this member's assignment once the leader's SyncGroup has arrived. */
export async function syncGroup(connection: Connection, p: SyncGroupParams, rebalanceTimeout: number): Promise<{ errorCode: number; assignment: Buffer }> {
  const versions = p.groupInstanceId !== null ? STATIC_SYNC_GROUP_VERSIONS : SYNC_GROUP_VERSIONS;
  const version = connection.versionFor(ApiKey.SyncGroup, versions);
  const response = await connection.send(
    SyncGroupRequest,
    SyncGroupResponse,
    {
      groupId: p.groupId,
      generationId: p.generationId,
      memberId: p.memberId,
      groupInstanceId: version >= 3 ? p.groupInstanceId : null,
      protocolType: version >= 5 ? CONSUMER_PROTOCOL_TYPE : null,
      protocolName: version >= 5 ? p.protocolName : null,
      assignments: p.assignments,
    },
    // A follower's SyncGroup waits for the leader, who may take its rebalance timeout to assign.
    { version, versions, timeout: rebalanceTimeout + JOIN_GROUP_TIMEOUT_LAPSE_MS },
  );
  return { errorCode: response.errorCode, assignment: response.assignment };
}

/** Heartbeat; returns the error code. */
export async function heartbeat(connection: Connection, p: { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null }): Promise<number> {
  const versions = p.groupInstanceId !== null ? STATIC_HEARTBEAT_VERSIONS : HEARTBEAT_VERSIONS;
  const version = connection.versionFor(ApiKey.Heartbeat, versions);
  const response = await connection.send(
    HeartbeatRequest,
    HeartbeatResponse,
    { groupId: p.groupId, generationId: p.generationId, memberId: p.memberId, groupInstanceId: version >= 3 ? p.groupInstanceId : null },
    { version, versions },
  );
  return response.errorCode;
}

/** LeaveGroup for one dynamic member; returns the error code (v3+: the member's, else the top-level one). */
export async function leaveGroup(connection: Connection, p: { groupId: string; memberId: string; reason: string }): Promise<number> {
  const versions = LEAVE_GROUP_VERSIONS;
  const version = connection.versionFor(ApiKey.LeaveGroup, versions);
  const body = version >= 3 ? { groupId: p.groupId, members: [{ memberId: p.memberId, groupInstanceId: null, reason: version >= 5 ? p.reason : null }] } : { groupId: p.groupId, memberId: p.memberId };
  const response = await connection.send(LeaveGroupRequest, LeaveGroupResponse, body, { version, versions });
  if (response.errorCode !== 0 || version < 3) return response.errorCode;
  return response.members.find((m) => m.memberId === p.memberId)?.errorCode ?? 0;
}

/** One member as KafkaJS's `describeGroup` shows it. */
export interface MemberDescription {
  memberId: string;
  clientId: string;
  clientHost: string;
  memberMetadata: Buffer;
  memberAssignment: Buffer;
}

/** KafkaJS's GroupDescription. */
export interface GroupDescription {
  groupId: string;
  members: MemberDescription[];
  /** The chosen assigner's name while the group is Stable, else ''. */
  protocol: string;
  protocolType: string;
  /** Kafka's group state: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead. */
  state: string;
  errorCode: number;
}

/** DescribeGroups for one group. */
export async function describeGroup(connection: Connection, groupId: string): Promise<GroupDescription> {
  const versions = DESCRIBE_GROUPS_VERSIONS;
  const response = await connection.send(DescribeGroupsRequest, DescribeGroupsResponse, { groups: [groupId] }, { versions });
  const g = response.groups.find((x) => x.groupId === groupId) ?? response.groups[0];
  if (!g) return { groupId, members: [], protocol: '', protocolType: '', state: 'Dead', errorCode: 0 };
  return {
    groupId: g.groupId,
    // Copied: decoded bytes are views into the response's socket chunk.
    members: g.members.map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: Buffer.from(m.memberMetadata),
      memberAssignment: Buffer.from(m.memberAssignment),
    })),
    protocol: g.protocolData,
    protocolType: g.protocolType,
    state: g.groupState,
    errorCode: g.errorCode,
  };
}
