/**
 * One line on what each config does, for DescribeConfigs' `documentation`
 * (v3+, when `includeDocumentation` is set). tskafka's own short wording of
 * what Kafka's documentation describes; a config not listed is answered with
 * null documentation, as Kafka answers for configs it has none for.
 */

/** Topic configs (Kafka's `LogConfig`), by name. */
const TOPIC_CONFIG_DOCS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'What happens to old log segments: "delete" removes them by age or size, "compact" keeps the latest record of each key; both may be given.',
  'compression.gzip.level': 'The gzip level used when compression.type is gzip.',
  'compression.lz4.level': 'The lz4 level used when compression.type is lz4.',
  'compression.type': 'The codec record batches are stored with; "producer" keeps whatever the producer used, "uncompressed" stores them uncompressed.',
  'compression.zstd.level': 'The zstd level used when compression.type is zstd.',
  'delete.retention.ms': 'How long tombstones (records with a null value) stay in a compacted log, so consumers reading from behind still see the deletion.',
  'file.delete.delay.ms': 'How long a deleted segment file waits on disk before it is removed.',
  'flush.messages': 'After how many records appended the log is forced to disk; 1 syncs every write.',
  'flush.ms': 'After how many milliseconds since the last flush the log is forced to disk.',
  'follower.replication.throttled.replicas': 'Replicas whose fetching as followers is throttled: partitionId:brokerId pairs, or * for all.',
  'index.interval.bytes': 'How many bytes of record batches go between two entries of the offset index.',
  'leader.replication.throttled.replicas': 'Replicas whose serving as leaders is throttled: partitionId:brokerId pairs, or * for all.',
  'local.retention.bytes': 'With tiered storage, the most bytes a partition keeps locally before older segments are left to remote storage; -2 means retention.bytes.',
  'local.retention.ms': 'With tiered storage, how long segments stay locally before only remote storage keeps them; -2 means retention.ms.',
  'max.compaction.lag.ms': 'The longest a record may stay uncompacted: older dirty segments make the log eligible for compaction whatever its dirty ratio.',
  'max.message.bytes': 'The largest record batch the topic accepts, in bytes after compression.',
  'message.downconversion.enable': 'Whether fetches by old consumers may be answered by converting record batches to an older format.',
  'message.format.version': 'The record format version used on disk; ignored since Kafka 3.0, which always writes the current one.',
  'message.timestamp.after.max.ms': 'How far in the future a record\'s CreateTime may be, relative to the broker\'s clock, before the batch is refused.',
  'message.timestamp.before.max.ms': 'How far in the past a record\'s CreateTime may be, relative to the broker\'s clock, before the batch is refused.',
  'message.timestamp.difference.max.ms': 'The largest difference allowed between a record\'s CreateTime and the broker\'s clock (superseded by the before and after limits).',
  'message.timestamp.type': 'Whether record timestamps are the producer\'s (CreateTime) or set by the broker on append (LogAppendTime).',
  'min.cleanable.dirty.ratio': 'The share of not yet compacted bytes in a log above which the cleaner compacts it.',
  'min.compaction.lag.ms': 'The least time a record stays uncompacted after it was written.',
  'min.insync.replicas': 'How many in-sync replicas must have a write before a producer with acks=all is answered.',
  preallocate: 'Whether a new segment\'s file is allocated at its full size on creation.',
  'remote.log.copy.disable': 'With tiered storage, stop copying segments to remote storage while still reading those already there.',
  'remote.log.delete.on.disable': 'With tiered storage, whether turning it off for the topic deletes the remote segments.',
  'remote.storage.enable': 'Whether the topic\'s segments are copied to tiered (remote) storage.',
  'retention.bytes': 'The most bytes a partition keeps before its oldest segments are deleted (delete policy); -1 is no limit.',
  'retention.ms': 'How long a segment is kept after its newest record before it is deleted (delete policy); -1 is no limit.',
  'segment.bytes': 'The size at which a partition\'s active segment is closed and a new one started.',
  'segment.index.bytes': 'The size of each segment\'s offset and time index files.',
  'segment.jitter.ms': 'A random amount subtracted from segment.ms, so partitions do not all roll at once.',
  'segment.ms': 'The age at which the active segment is rolled even if it is not full, so retention and compaction can act on it.',
  'unclean.leader.election.enable': 'Whether a replica that is not in sync may become leader when no in-sync one is left, at the cost of losing records.',
};

/** Broker configs without a topic config of their own, by name. */
const BROKER_ONLY_DOCS: Readonly<Record<string, string>> = {
  'node.id': 'This broker\'s id in the cluster.',
  'broker.id': 'This broker\'s id in the cluster (the older name of node.id).',
  'num.partitions': 'How many partitions a topic created without a count (auto-creation included) gets.',
  'auto.create.topics.enable': 'Whether producing to or fetching metadata of an unknown topic creates it.',
  'log.dirs': 'The directories partition logs are kept in.',
  'log.retention.minutes': 'retention.ms\'s broker default, in minutes; log.retention.ms wins over it.',
  'log.retention.hours': 'retention.ms\'s broker default, in hours; log.retention.ms and log.retention.minutes win over it.',
  'log.roll.hours': 'segment.ms\'s broker default, in hours; log.roll.ms wins over it.',
  'log.roll.jitter.hours': 'segment.jitter.ms\'s broker default, in hours; log.roll.jitter.ms wins over it.',
  'log.flush.scheduler.interval.ms': 'How often the broker checks which logs are due a flush.',
  'log.retention.check.interval.ms': 'How often the broker looks for segments to delete under the retention limits.',
  'log.cleaner.backoff.ms': 'How long the cleaner sleeps when no log needs compaction.',
  'socket.request.max.bytes': 'The largest request the broker reads.',
  'queued.max.request.bytes': 'The most bytes of requests read and not yet answered before the broker stops reading; -1 is no limit.',
  'max.connections': 'The most connections the broker holds across all listeners.',
  'max.connections.per.ip': 'The most connections the broker holds from one address.',
  'max.connections.per.ip.overrides': 'Per-address exceptions to max.connections.per.ip, as ip:count pairs separated by commas.',
  'connections.max.idle.ms': 'How long a connection may be idle before the broker closes it; -1 never.',
  'connection.failed.authentication.delay.ms': 'How long the broker waits before answering a failed authentication and closing the connection.',
  'sasl.enabled.mechanisms': 'The SASL mechanisms the broker accepts.',
  'sasl.server.max.receive.size': 'The largest frame the broker reads before a SASL client has authenticated.',
  'group.initial.rebalance.delay.ms': 'How long the coordinator waits for more members to join a new group before its first rebalance.',
  'group.min.session.timeout.ms': 'The shortest session timeout a group member may ask for.',
  'group.max.session.timeout.ms': 'The longest session timeout a group member may ask for.',
  'offsets.retention.minutes': 'How long committed offsets of a group with no members are kept.',
  'producer.id.expiration.ms': 'How long after its last write an idempotent producer\'s state is kept.',
  'producer.id.expiration.check.interval.ms': 'How often expired producer state is removed.',
  'listeners': 'The addresses the broker listens on, as NAME://host:port.',
  'advertised.listeners': 'The addresses clients are told to connect to, when not the listeners\' own.',
  'authorizer.class.name': 'The authorizer that checks ACLs; empty allows every request.',
  'super.users': 'Principals every ACL check allows, separated by semicolons.',
  'allow.everyone.if.no.acl.found': 'Whether an operation on a resource no ACL names is allowed.',
};

/**
 * The documentation of a topic config, or null when there is none.
 *
 * @param name - a topic config name, such as `retention.ms`
 */
export function topicConfigDoc(name: string): string | null {
  return TOPIC_CONFIG_DOCS[name] ?? null;
}

/**
 * The documentation of a broker config, or null when there is none. A
 * broker-level default of a topic config (`log.retention.ms`) is documented
 * by what it is the default of.
 *
 * @param name - a broker config name
 * @param topicConfig - the topic config `name` is the broker default of, if any
 */
export function brokerConfigDoc(name: string, topicConfig?: string): string | null {
  const own = BROKER_ONLY_DOCS[name];
  if (own !== undefined) return own;
  const topicDoc = topicConfig === undefined ? undefined : TOPIC_CONFIG_DOCS[topicConfig];
  return topicDoc === undefined ? null : `The broker's default of the topic config ${topicConfig}: ${topicDoc[0]!.toLowerCase()}${topicDoc.slice(1)}`;
}
