/**
 * One member of a classic consumer group, as Kafka's `MemberMetadata` keeps it:
 * who it is (member id, group.instance.id, client id and host), the timeouts it
 * asked for, the protocols (assignors) it supports with their metadata, the
 * assignment the leader gave it, and the JoinGroup or SyncGroup response it is
 * waiting for, if any.
 */
import { EMPTY_BYTES } from '../../protocol/primitives/constants.js';

/** One protocol a member supports: an assignor name and its subscription metadata. */
export interface MemberProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

/** What a JoinGroup request is answered with once its phase completes. */
export interface JoinGroupResult {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  /** The leader's member id; empty on errors (Kafka's NoLeader). */
  readonly leader: string;
  /** KIP-814: a static leader rejoining a stable group must not run the assignment again. */
  readonly skipAssignment: boolean;
  readonly memberId: string;
  /** The members with their metadata for the chosen protocol: the leader's answer only. */
  readonly members: readonly { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

/** What a SyncGroup request is answered with. */
export interface SyncGroupResult {
  readonly errorCode: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Buffer;
}

/** A JoinGroup answer carrying only an error (Kafka's NoGeneration, NoLeader). */
export function joinError(errorCode: number, memberId: string): JoinGroupResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

/** A SyncGroup answer; the protocol type and name are the group's when it is given. */
export function syncResult(errorCode: number, assignment: Buffer = EMPTY_BYTES, group?: { protocolType: string | null; protocolName: string | null }): SyncGroupResult {
  return { errorCode, protocolType: group?.protocolType ?? null, protocolName: group?.protocolName ?? null, assignment };
}

/** The identity and timeouts a member joins with. */
export interface MemberIdentity {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
}

export class Member {
  /** The member id; changes only when a static member is replaced (KIP-345). */
  memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocols: readonly MemberProtocol[];
  /** The leader's assignment for this member, kept for SyncGroups in Stable and DescribeGroups. */
  assignment: Buffer = EMPTY_BYTES;
  /** Set while its JoinGroup is parked until the join phase completes; changed only through Group, which counts them. */
  awaitingJoin: ((result: JoinGroupResult) => void) | null = null;
  /** Set while its SyncGroup is parked until the leader's assignment arrives. */
  awaitingSync: ((result: SyncGroupResult) => void) | null = null;
  /**
   * True from its first JoinGroup until that join phase completes. A new member
   * has no member id it can heartbeat with, so Kafka expires it on a separate,
   * longer timer (NewMemberJoinTimeoutMs) instead of its session timeout.
   */
  isNew = false;

  constructor(identity: MemberIdentity, protocols: readonly MemberProtocol[]) {
    this.memberId = identity.memberId;
    this.groupInstanceId = identity.groupInstanceId;
    this.clientId = identity.clientId;
    this.clientHost = identity.clientHost;
    this.rebalanceTimeoutMs = identity.rebalanceTimeoutMs;
    this.sessionTimeoutMs = identity.sessionTimeoutMs;
    this.protocols = protocols;
  }

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  /** This member's metadata for `protocol` (empty if it does not support it). */
  metadataFor(protocol: string): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY_BYTES;
  }

  /** Same protocols, same order, same metadata: a rejoin that changes nothing (Kafka's `matches`). */
  matches(protocols: readonly MemberProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => {
      const mine = this.protocols[i]!;
      return mine.name === p.name && mine.metadata.equals(p.metadata);
    });
  }

  /** Answer the parked SyncGroup, if any, and forget it. */
  completeSync(result: SyncGroupResult): boolean {
    const callback = this.awaitingSync;
    if (callback === null) return false;
    this.awaitingSync = null;
    callback(result);
    return true;
  }
}
