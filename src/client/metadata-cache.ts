/**
 * The cluster as the last Metadata response described it: brokers by node
 * id, the controller, the cluster id, and for each tracked topic its
 * partitions with their leader and leader epoch.
 *
 * A snapshot is immutable; a refresh builds a new one, so a caller holding a
 * snapshot never sees it change under it. Error codes stay data here (a topic
 * that does not exist is recorded with UNKNOWN_TOPIC_OR_PARTITION); the
 * cluster turns them into errors when someone asks for that topic's leader.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { type MetadataResponse } from '../protocol/generated/metadata-response.js';

/** One broker as Metadata lists it. */
export interface BrokerNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

/** One partition's leadership and replicas. */
export interface PartitionMetadata {
  readonly partitionId: number;
  /** Kafka's error code for the partition (LEADER_NOT_AVAILABLE during an election). */
  readonly errorCode: number;
  /** The leader's node id; -1 when there is none. */
  readonly leaderId: number;
  /** The leader epoch (KIP-320); -1 when the broker does not report one (Metadata before v7). */
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offlineReplicas: readonly number[];
}

/** A partition's new leader, as a broker named it in an answer (KIP-951). */
export interface LeaderHint {
  readonly topic: string;
  readonly partition: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
}

/** One topic. */
export interface TopicMetadata {
  readonly name: string;
  /** The topic id (KIP-516) as base64url, the zero UUID when the broker has none to report. */
  readonly topicId: string;
  /** Kafka's error code for the topic (UNKNOWN_TOPIC_OR_PARTITION, TOPIC_AUTHORIZATION_FAILED...). */
  readonly errorCode: number;
  readonly isInternal: boolean;
  /** Partitions in partition-id order. */
  readonly partitions: readonly PartitionMetadata[];
}

/** An immutable snapshot of the cluster's metadata. */
export class ClusterMetadata {
  /**
   * @param brokers - by node id
   * @param topics - by name
   * @param fetchedAt - when the response arrived, ms since the epoch
   */
  constructor(
    readonly clusterId: string | null,
    readonly controllerId: number,
    readonly brokers: ReadonlyMap<number, BrokerNode>,
    readonly topics: ReadonlyMap<string, TopicMetadata>,
    readonly fetchedAt: number,
  ) {}

  /** The metadata of `topic`, or undefined when it was never fetched. */
  topic(name: string): TopicMetadata | undefined {
    return this.topics.get(name);
  }

  /** One partition, or undefined when the topic or the partition is unknown. */
  partition(topic: string, partition: number): PartitionMetadata | undefined {
    const t = this.topics.get(topic);
    // Partitions are stored in id order and ids are dense (0..n-1).
    const p = t?.partitions[partition];
    return p?.partitionId === partition ? p : t?.partitions.find((x) => x.partitionId === partition);
  }

  /**
   * Whether `topic` is known without error and has partitions: enough to pick a
   * partition (records for a partition without a leader wait for one).
   */
  hasPartitions(topic: string): boolean {
    const t = this.topics.get(topic);
    return t !== undefined && t.errorCode === ErrorCode.NONE && t.partitions.length > 0;
  }

  /** Whether `topic` is known without error and every partition has a leader. */
  isUsable(topic: string): boolean {
    const t = this.topics.get(topic);
    return t !== undefined && t.errorCode === ErrorCode.NONE && t.partitions.length > 0 && t.partitions.every((p) => p.leaderId >= 0);
  }

  /**
   * This snapshot with partitions led elsewhere, as a broker told it in an answer
   * (KIP-951: Produce v10+ and Fetch v12+ name the new leader and its endpoint when
   * they answer NOT_LEADER_OR_FOLLOWER), and with the brokers it named added. A
   * hint whose leader epoch is not newer than the known one is ignored (KIP-320);
   * returns this snapshot when nothing changed. Replicas and ISR stay as they were
   * until the next Metadata response.
   */
  withLeaders(hints: readonly LeaderHint[], nodes: readonly BrokerNode[]): ClusterMetadata {
    let topics: Map<string, TopicMetadata> | undefined;
    for (const h of hints) {
      const t = (topics ?? this.topics).get(h.topic);
      const p = t?.partitions.find((x) => x.partitionId === h.partition);
      if (!t || !p || h.leaderId < 0 || h.leaderEpoch <= p.leaderEpoch) continue;
      const updated: PartitionMetadata = Object.freeze({ ...p, errorCode: ErrorCode.NONE, leaderId: h.leaderId, leaderEpoch: h.leaderEpoch });
      topics ??= new Map(this.topics);
      topics.set(t.name, Object.freeze({ ...t, partitions: Object.freeze(t.partitions.map((x) => (x === p ? updated : x))) }));
    }
    const newNodes = nodes.filter((n) => {
      const known = this.brokers.get(n.nodeId);
      return !known || known.host !== n.host || known.port !== n.port;
    });
    if (!topics && newNodes.length === 0) return this;
    const brokers = new Map(this.brokers);
    for (const n of newNodes) brokers.set(n.nodeId, Object.freeze({ nodeId: n.nodeId, host: n.host, port: n.port, rack: n.rack }));
    // fetchedAt stays: the rest of the snapshot is as old as it was.
    return new ClusterMetadata(this.clusterId, this.controllerId, brokers, topics ?? this.topics, this.fetchedAt);
  }

  /**
   * A snapshot from a Metadata response. `previous` supplies leader epochs: a
   * partition whose epoch went backwards came from a broker with older
   * metadata than ours, and the newer cached entry is kept (KIP-320, as
   * Java's Metadata.updateLatestMetadata), unless the topic id changed: a
   * topic deleted and created again starts its epochs over (KIP-516).
   */
  static fromResponse(response: MetadataResponse, previous: ClusterMetadata | undefined, fetchedAt: number): ClusterMetadata {
    const brokers = new Map<number, BrokerNode>();
    for (const b of response.brokers) brokers.set(b.nodeId, Object.freeze({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
    const topics = new Map<string, TopicMetadata>();
    for (const t of response.topics) {
      if (t.name === null) continue; // Only topic-id lookups (v10+) answer without a name; we ask by name.
      const previousTopic = previous?.topics.get(t.name);
      const cached = previousTopic?.topicId === t.topicId ? previousTopic : undefined;
      const partitions = t.partitions
        .map((p): PartitionMetadata => {
          const older = cached?.partitions.find((c) => c.partitionId === p.partitionIndex);
          if (older && p.leaderEpoch >= 0 && older.leaderEpoch > p.leaderEpoch) return older;
          return Object.freeze({
            partitionId: p.partitionIndex,
            errorCode: p.errorCode,
            leaderId: p.leaderId,
            leaderEpoch: p.leaderEpoch,
            replicas: Object.freeze([...p.replicaNodes]),
            isr: Object.freeze([...p.isrNodes]),
            offlineReplicas: Object.freeze([...p.offlineReplicas]),
          });
        })
        .sort((a, b) => a.partitionId - b.partitionId);
      topics.set(t.name, Object.freeze({ name: t.name, topicId: t.topicId, errorCode: t.errorCode, isInternal: t.isInternal, partitions: Object.freeze(partitions) }));
    }
    return new ClusterMetadata(response.clusterId, response.controllerId, brokers, topics, fetchedAt);
  }
}
