/**
 * The group coordinator of the embedded broker: every consumer group (classic
 * protocol) and its committed offsets. This broker is the coordinator of every
 * group (one node, as if __consumer_offsets had one partition led here).
 *
 * The rebalance protocol lives in membership.ts; this file owns the groups,
 * committed offsets (OffsetCommit, OffsetFetch, OffsetDelete), ListGroups,
 * DescribeGroups, DeleteGroups, offset expiry, and persistence: offsets and group metadata go
 * to the consumer offsets log before they are acknowledged, and are read back
 * when the broker starts (consumer-offsets-log.ts).
 */
import { join } from 'node:path';
import { ErrorCode } from '../../protocol/error-codes.js';
import { EMPTY_BYTES } from '../../protocol/primitives/constants.js';
import { type BrokerConfig } from '../config.js';
import { type BrokerLogger } from '../logger.js';
import { type CoordinatorRecord, ConsumerOffsetsLog, type GroupSnapshot } from './consumer-offsets-log.js';
import { Group, GroupState } from './group.js';
import { KeyedTimers } from './keyed-timers.js';
import { Member, type JoinGroupResult, type SyncGroupResult } from './member.js';
import { GroupMembership, type JoinGroupParams, type LeavingMember, type SyncGroupParams } from './membership.js';
import { type CommittedOffset, OffsetStore } from './offset-store.js';
import { subscribedTopics } from './subscriptions.js';

/** Kafka's `offset.metadata.max.bytes` default: longer commit metadata gets OFFSET_METADATA_TOO_LARGE. */
export const OFFSET_METADATA_MAX_BYTES = 4096;
/** Kafka's `offsets.retention.check.interval.ms` default. */
export const OFFSETS_RETENTION_CHECK_INTERVAL_MS = 600_000;

/** One partition of an OffsetCommit. */
export interface OffsetCommitPartition {
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
  /** OffsetCommit v1 only; -1 means now. */
  readonly commitTimestamp: number;
}

/** An OffsetCommit as the coordinator needs it (topics already checked to exist). */
export interface OffsetCommitParams {
  readonly groupId: string;
  /** -1 with an empty member id: a commit from outside group management (admin tools, simple consumers). */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** OffsetCommit v2-v4; -1 means the broker's offsets.retention.minutes. */
  readonly retentionTimeMs: number;
  readonly topics: readonly { name: string; partitions: readonly OffsetCommitPartition[] }[];
}

/** An OffsetFetch answer for one partition; offset -1 when nothing is committed. */
export interface FetchedOffset {
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly errorCode: number;
}

/** A group as ListGroups reports it. */
export interface GroupListing {
  readonly groupId: string;
  readonly protocolType: string;
  readonly groupState: GroupState;
  /** KIP-848 group type: every group here is a classic one. */
  readonly groupType: 'classic';
}

/** A group as DescribeGroups reports it. */
export interface GroupDescription {
  readonly groupId: string;
  readonly groupState: GroupState;
  readonly protocolType: string;
  /** The chosen protocol (assignor) when Stable, else empty. */
  readonly protocolData: string;
  readonly members: readonly {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Buffer;
    memberAssignment: Buffer;
  }[];
}

export class GroupCoordinator {
  readonly #groups = new Map<string, Group>();
  readonly #offsets = new OffsetStore();
  readonly #timers = new KeyedTimers();
  readonly #membership: GroupMembership;
  readonly #expiry: NodeJS.Timeout;

  private constructor(
    readonly config: BrokerConfig,
    readonly logger: BrokerLogger,
    readonly log: ConsumerOffsetsLog,
  ) {
    this.#membership = new GroupMembership({
      config,
      logger,
      timers: this.#timers,
      group: (groupId) => this.#groups.get(groupId),
      getOrCreateGroup: (groupId) => this.#getOrCreateGroup(groupId),
      storeGroup: (group, assignments) => this.#storeGroup(group, assignments),
    });
    this.#expiry = setInterval(() => void this.expireOffsets(Date.now()), OFFSETS_RETENTION_CHECK_INTERVAL_MS);
    this.#expiry.unref();
  }

  /** Open the coordinator, reading back committed offsets and groups when the broker has a log directory. */
  static async open(config: BrokerConfig, logger: BrokerLogger): Promise<GroupCoordinator> {
    const dir = config.logDir === null ? null : join(config.logDir, '__consumer_offsets');
    const { log, records } = await ConsumerOffsetsLog.open(dir, logger);
    const coordinator = new GroupCoordinator(config, logger, log);
    coordinator.#replay(records);
    return coordinator;
  }

  /** Stop every timer, answer parked JoinGroup/SyncGroup requests with NOT_COORDINATOR, flush and close the log. */
  async close(): Promise<void> {
    clearInterval(this.#expiry);
    for (const group of this.#groups.values()) this.#membership.unload(group);
    this.#timers.clearAll();
    await this.log.close();
  }

  /** The group, if this coordinator knows it (tests, tools). */
  group(groupId: string): Group | undefined {
    return this.#groups.get(groupId);
  }

  joinGroup(p: JoinGroupParams): Promise<JoinGroupResult> {
    return this.#membership.joinGroup(p);
  }

  syncGroup(p: SyncGroupParams): Promise<SyncGroupResult> {
    return this.#membership.syncGroup(p);
  }

  heartbeat(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): number {
    return this.#membership.heartbeat(groupId, generationId, memberId, groupInstanceId);
  }

  leaveGroup(groupId: string, members: readonly LeavingMember[]): ReturnType<GroupMembership['leaveGroup']> {
    return this.#membership.leaveGroup(groupId, members);
  }

  /**
   * OffsetCommit: commits from a member of the current generation, or from
   * outside group management (generation -1, no member id) while the group is
   * Empty, are stored; resolves per topic and partition with an error code once
   * stored durably.
   */
  async commitOffsets(p: OffsetCommitParams): Promise<Map<string, Map<number, number>>> {
    const answer = (code: (part: OffsetCommitPartition) => number): Map<string, Map<number, number>> =>
      new Map(p.topics.map((t) => [t.name, new Map(t.partitions.map((part) => [part.partition, code(part)]))]));
    let group = this.#groups.get(p.groupId);
    if (!group) {
      // No group: only a commit from outside group management may create one.
      if (p.generationId >= 0) return answer(() => ErrorCode.ILLEGAL_GENERATION);
      group = this.#getOrCreateGroup(p.groupId);
    }
    const refused = this.#validateOffsetCommit(group, p);
    if (refused !== ErrorCode.NONE) return answer(() => refused);
    if (group.is(GroupState.CompletingRebalance)) {
      // A member that has its JoinGroup answer but not its assignment yet: it must finish the rebalance first.
      return answer(() => ErrorCode.REBALANCE_IN_PROGRESS);
    }
    const member = group.get(p.memberId);
    if (member) this.#membership.heartbeatReceived(group, member);

    const now = Date.now();
    const records: (CoordinatorRecord & { type: 'offset' })[] = [];
    for (const t of p.topics) {
      for (const part of t.partitions) {
        if ((part.metadata?.length ?? 0) > OFFSET_METADATA_MAX_BYTES) continue;
        const commitTimestamp = part.commitTimestamp >= 0 ? part.commitTimestamp : now;
        const value: CommittedOffset = {
          offset: part.offset,
          leaderEpoch: part.leaderEpoch,
          metadata: part.metadata ?? '',
          commitTimestamp,
          expireTimestamp: p.retentionTimeMs >= 0 ? commitTimestamp + p.retentionTimeMs : null,
        };
        records.push({ type: 'offset', groupId: p.groupId, topic: t.name, partition: part.partition, value });
      }
    }
    try {
      await this.log.append(records);
    } catch {
      // Kafka answers a failed __consumer_offsets append with NOT_COORDINATOR: the client looks again and retries.
      return answer(() => ErrorCode.NOT_COORDINATOR);
    }
    for (const r of records) this.#offsets.put(r.groupId, r.topic, r.partition, r.value!);
    return answer((part) => ((part.metadata?.length ?? 0) > OFFSET_METADATA_MAX_BYTES ? ErrorCode.OFFSET_METADATA_TOO_LARGE : ErrorCode.NONE));
  }

  /**
   * OffsetFetch: the committed offset of each requested partition (-1 and empty
   * metadata where nothing is committed); `topics` null asks for every
   * partition the group has committed.
   */
  fetchOffsets(groupId: string, topics: readonly { name: string; partitions: readonly number[] }[] | null): { name: string; partitions: FetchedOffset[] }[] {
    const group = this.#groups.get(groupId);
    const known = group !== undefined && !group.is(GroupState.Dead);
    const fetched = (topic: string, partition: number): FetchedOffset => {
      const c = known ? this.#offsets.get(groupId, topic, partition) : undefined;
      return c
        ? { partition, offset: c.offset, leaderEpoch: c.leaderEpoch, metadata: c.metadata, errorCode: ErrorCode.NONE }
        : { partition, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
    };
    if (topics !== null) return topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => fetched(t.name, p)) }));
    if (!known) return [];
    const byTopic = new Map<string, FetchedOffset[]>();
    for (const { topic, partition } of this.#offsets.all(groupId)) {
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(fetched(topic, partition));
    }
    return [...byTopic].map(([name, partitions]) => ({ name, partitions }));
  }

  /** ListGroups: every live group; the filters match state and type names case-insensitively (KIP-518, KIP-848). */
  listGroups(statesFilter: readonly string[] = [], typesFilter: readonly string[] = []): GroupListing[] {
    const states = new Set(statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(typesFilter.map((s) => s.toLowerCase()));
    const out: GroupListing[] = [];
    for (const g of this.#groups.values()) {
      if (g.is(GroupState.Dead)) continue;
      if (states.size > 0 && !states.has(g.state.toLowerCase())) continue;
      if (types.size > 0 && !types.has('classic')) continue;
      out.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: 'classic' });
    }
    return out;
  }

  /**
   * DescribeGroups: an unknown group is described as Dead with no members
   * (DescribeGroups v0-v5). Member metadata and assignments are given only
   * when Stable, as Kafka does.
   */
  describeGroup(groupId: string): GroupDescription {
    const group = this.#groups.get(groupId);
    if (!group) return { groupId, groupState: GroupState.Dead, protocolType: '', protocolData: '', members: [] };
    const stable = group.is(GroupState.Stable);
    return {
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? m.metadataFor(group.protocolName ?? '') : EMPTY_BYTES,
        memberAssignment: stable ? m.assignment : EMPTY_BYTES,
      })),
    };
  }

  /** DeleteGroups: only Empty groups go (NON_EMPTY_GROUP otherwise), with all their offsets. */
  async deleteGroups(groupIds: readonly string[]): Promise<Map<string, number>> {
    const results = new Map<string, number>();
    const deleted: Group[] = [];
    for (const groupId of groupIds) {
      const group = this.#groups.get(groupId);
      if (!group || group.is(GroupState.Dead)) results.set(groupId, ErrorCode.GROUP_ID_NOT_FOUND);
      else if (!group.is(GroupState.Empty)) results.set(groupId, ErrorCode.NON_EMPTY_GROUP);
      else {
        this.#removeGroup(group);
        deleted.push(group);
        results.set(groupId, ErrorCode.NONE);
      }
    }
    try {
      await this.#forget(deleted);
    } catch {
      for (const g of deleted) results.set(g.groupId, ErrorCode.NOT_COORDINATOR);
    }
    return results;
  }

  /**
   * OffsetDelete (KIP-496, Kafka's `GroupCoordinator.handleDeleteOffsets`): the
   * group's error (GROUP_ID_NOT_FOUND for an unknown or Dead group, NON_EMPTY_GROUP
   * for a group with members that is not a readable consumer group) and, per
   * partition, NONE once its offset is gone (or when none was committed), or
   * GROUP_SUBSCRIBED_TO_TOPIC while members subscribe to its topic. An Empty group
   * left without offsets is removed, as offset expiry removes it.
   */
  async deleteOffsets(groupId: string, topics: readonly { name: string; partitions: readonly number[] }[]): Promise<{ errorCode: number; partitions: Map<string, Map<number, number>> }> {
    const partitions = new Map<string, Map<number, number>>();
    const group = this.#groups.get(groupId);
    if (!group || group.is(GroupState.Dead)) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitions };
    const subscribed = group.is(GroupState.Empty) ? new Set<string>() : subscribedTopics(group);
    if (subscribed === undefined) return { errorCode: ErrorCode.NON_EMPTY_GROUP, partitions };
    const records: CoordinatorRecord[] = [];
    for (const t of topics) {
      const codes = new Map<number, number>();
      partitions.set(t.name, codes);
      for (const partition of t.partitions) {
        if (subscribed.has(t.name)) {
          codes.set(partition, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
          continue;
        }
        codes.set(partition, ErrorCode.NONE);
        if (this.#offsets.get(groupId, t.name, partition)) records.push({ type: 'offset', groupId, topic: t.name, partition, value: null });
      }
    }
    const emptied = group.is(GroupState.Empty) && records.length > 0 && this.#offsets.all(groupId).length === records.length;
    if (emptied) records.push({ type: 'group', groupId, value: null });
    try {
      await this.log.append(records);
    } catch {
      return { errorCode: ErrorCode.NOT_COORDINATOR, partitions: new Map() };
    }
    for (const r of records) if (r.type === 'offset') this.#offsets.delete(r.groupId, r.topic, r.partition);
    if (emptied) this.#removeGroup(group);
    return { errorCode: ErrorCode.NONE, partitions };
  }

  /** Drop the committed offsets of a deleted topic (Kafka does so when partitions are deleted). */
  async deleteTopicOffsets(topic: string): Promise<void> {
    const gone = this.#offsets.byTopic(topic);
    await this.log.append(gone.map(({ groupId, partition }) => ({ type: 'offset', groupId, topic, partition, value: null })));
    for (const { groupId, partition } of gone) this.#offsets.delete(groupId, topic, partition);
  }

  /**
   * Offset expiry (KIP-211), run every offsets.retention.check.interval.ms: the
   * offsets of an Empty consumer group expire `offsets.retention.minutes`
   * after it became Empty; those of a group used only for offsets, that long
   * after their commit. An Empty group left with no offsets is removed.
   */
  async expireOffsets(now: number): Promise<void> {
    const retention = this.config.offsetsRetentionMs;
    const records: CoordinatorRecord[] = [];
    const emptied: Group[] = [];
    for (const group of this.#groups.values()) {
      if (!group.is(GroupState.Empty)) continue;
      const since = (c: CommittedOffset): number => (group.protocolType !== null ? group.stateTimestamp : c.commitTimestamp);
      const expired = this.#offsets.expired(group.groupId, now, retention, since);
      for (const { topic, partition } of expired) {
        records.push({ type: 'offset', groupId: group.groupId, topic, partition, value: null });
        this.#offsets.delete(group.groupId, topic, partition);
      }
      if (expired.length > 0) this.logger.info(`expired ${expired.length} committed offset(s) of group ${group.groupId}`);
      if (!this.#offsets.hasOffsets(group.groupId)) emptied.push(group);
    }
    for (const group of emptied) {
      this.#removeGroup(group);
      records.push({ type: 'group', groupId: group.groupId, value: null });
    }
    try {
      await this.log.append(records);
    } catch (e) {
      this.logger.error('cannot record expired offsets', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  #getOrCreateGroup(groupId: string): Group {
    let group = this.#groups.get(groupId);
    if (!group) this.#groups.set(groupId, (group = new Group(groupId, GroupState.Empty, Date.now())));
    return group;
  }

  #removeGroup(group: Group): void {
    this.#membership.unload(group);
    this.#groups.delete(group.groupId);
  }

  /** Write tombstones for deleted groups and their offsets, then drop the offsets from memory. */
  async #forget(groups: readonly Group[]): Promise<void> {
    const records: CoordinatorRecord[] = [];
    for (const g of groups) {
      for (const { topic, partition } of this.#offsets.all(g.groupId)) records.push({ type: 'offset', groupId: g.groupId, topic, partition, value: null });
      records.push({ type: 'group', groupId: g.groupId, value: null });
    }
    await this.log.append(records);
    for (const r of records) if (r.type === 'offset') this.#offsets.delete(r.groupId, r.topic, r.partition);
  }

  #validateOffsetCommit(group: Group, p: OffsetCommitParams): number {
    if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (p.generationId >= 0 || p.memberId !== '' || p.groupInstanceId !== null) {
      if (group.isStaticMemberFenced(p.groupInstanceId, p.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
      if (!group.has(p.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (p.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
      return ErrorCode.NONE;
    }
    // Outside group management: only while no member could be committing.
    return group.is(GroupState.Empty) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /** Kafka's storeGroup: the group's metadata record, written when a generation settles. */
  async #storeGroup(group: Group, assignments: ReadonlyMap<string, Buffer>): Promise<number> {
    const protocol = group.protocolName ?? '';
    const value: GroupSnapshot = {
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      generationId: group.generationId,
      leaderId: group.leaderId,
      stateTimestamp: group.stateTimestamp,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        metadata: m.metadataFor(protocol),
        assignment: assignments.get(m.memberId) ?? EMPTY_BYTES,
      })),
    };
    try {
      await this.log.append([{ type: 'group', groupId: group.groupId, value }]);
      return ErrorCode.NONE;
    } catch {
      return ErrorCode.NOT_COORDINATOR;
    }
  }

  /** Rebuild groups and offsets from the log: groups with members come back Stable, their sessions restarting now. */
  #replay(records: readonly CoordinatorRecord[]): void {
    const now = Date.now();
    for (const r of records) {
      if (r.type !== 'group' || r.value === null) continue;
      const s = r.value;
      const group = new Group(r.groupId, s.members.length > 0 ? GroupState.Stable : GroupState.Empty, s.stateTimestamp);
      for (const m of s.members) {
        const member = new Member(m, s.protocolName === null ? [] : [{ name: s.protocolName, metadata: m.metadata }]);
        member.assignment = m.assignment;
        group.add(member, s.protocolType ?? '', null);
      }
      group.generationId = s.generationId;
      group.protocolType = s.protocolType;
      group.protocolName = s.protocolName;
      group.leaderId = s.leaderId;
      group.stateTimestamp = s.members.length > 0 ? now : s.stateTimestamp;
      this.#groups.set(r.groupId, group);
      this.#membership.resume(group);
    }
    for (const r of records) {
      if (r.type !== 'offset' || r.value === null) continue;
      this.#getOrCreateGroup(r.groupId);
      this.#offsets.put(r.groupId, r.topic, r.partition, r.value);
    }
  }
}
