/**
 * A representative KafkaJS program, written against KafkaJS 2.2.4's types the way
 * its README and docs use the API: client options, a log creator, producer
 * (send, sendBatch, a custom partitioner, events), consumer (subscribe, eachMessage,
 * eachBatch, seek, commitOffsets, pause/resume, events, a custom assigner with
 * AssignerProtocol), admin (topics, offsets, configs, groups, ACLs) and the errors.
 * It is never run: tsconfig.test.json checks it against KafkaJS's own types, and
 * kafkajs-surface.test.ts compiles it with 'kafkajs' mapped to tskafka's root.
 */
import {
  Kafka, CompressionTypes, CompressionCodecs, Partitioners, PartitionAssigners, AssignerProtocol, logLevel,
  ConfigResourceTypes, ConfigSource, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes,
  KafkaJSError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSConnectionError,
} from 'kafkajs';
import type {
  KafkaConfig, ProducerConfig, ConsumerConfig, AdminConfig, Producer, Consumer, Admin, Message, ProducerRecord, ProducerBatch,
  TopicMessages, RecordMetadata, IHeaders, EachMessagePayload, EachBatchPayload, Logger, logCreator, LogEntry, SASLOptions,
  RetryOptions, ICustomPartitioner, PartitionerArgs, KafkaMessage, Batch, ITopicConfig, PartitionAssigner, Assigner,
  GroupMember, GroupMemberAssignment, MemberMetadata, MemberAssignment, ConsumerRunConfig, TopicPartitionOffsetAndMetadata,
  InstrumentationEvent, ConsumerCrashEvent, RequestEvent, ResourceConfigQuery, DescribeConfigResponse, AclEntry, SeekEntry,
  GroupDescriptions, ITopicMetadata, ConsumerSubscribeTopics, TopicPartitions,
} from 'kafkajs';

// The log creator of KafkaJS's docs (docs/CustomLogger.md).
const MyLogCreator: logCreator = (level) => ({ namespace, level: entryLevel, label, log }: LogEntry) => {
  const { message, ...extra } = log;
  console.log(level, namespace, entryLevel, label, message, extra);
};

const retry: RetryOptions = { initialRetryTime: 100, retries: 8 };
const sasl: SASLOptions = { mechanism: 'scram-sha-256', username: 'my-username', password: 'my-password' };
const config: KafkaConfig = {
  clientId: 'my-app',
  brokers: ['kafka1:9092', 'kafka2:9092'],
  ssl: true,
  sasl,
  connectionTimeout: 3000,
  requestTimeout: 25000,
  retry,
  logLevel: logLevel.ERROR,
  logCreator: MyLogCreator,
};
const kafka = new Kafka(config);
const logger: Logger = kafka.logger();
logger.info('started', { pid: process.pid });

// Compression codecs are registered in KafkaJS by assignment; tskafka's are built in.
CompressionCodecs[CompressionTypes.ZSTD] = CompressionCodecs[CompressionTypes.ZSTD];

// A custom partitioner (docs/Producing.md).
const MyPartitioner: ICustomPartitioner = () => ({ topic, partitionMetadata, message }: PartitionerArgs) => {
  void topic;
  return message.key ? partitionMetadata.length - 1 : 0;
};

const producerConfig: ProducerConfig = { createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 };
const producer: Producer = kafka.producer(producerConfig);
void MyPartitioner;
void Partitioners.LegacyPartitioner;

export async function produce(): Promise<RecordMetadata[]> {
  await producer.connect();
  const headers: IHeaders = { 'correlation-id': '2bfb68bb-893a-423b-a7fa-7b568cad5b67', system: Buffer.from('x') };
  const message: Message = { key: 'key1', value: 'hello world', headers, partition: 0, timestamp: Date.now().toString() };
  const record: ProducerRecord = { topic: 'topic-name', messages: [message, { key: null, value: Buffer.from('b') }], acks: -1, timeout: 30000, compression: CompressionTypes.GZIP };
  const sent: RecordMetadata[] = await producer.send(record);
  const topicMessages: TopicMessages[] = [{ topic: 'topic-a', messages: [{ key: 'key', value: 'hello topic-a' }] }];
  const batch: ProducerBatch = { topicMessages, compression: CompressionTypes.None };
  await producer.sendBatch(batch);
  const remove = producer.on(producer.events.REQUEST, (event: RequestEvent) => console.log(event.payload.apiName, event.payload.duration));
  remove();
  await producer.disconnect();
  return sent.map((r) => ({ ...r, baseOffset: r.baseOffset ?? "0" }));
}

// A custom assigner (docs/CustomAssigner.md), with KafkaJS's AssignerProtocol.
const MyPartitionAssigner: PartitionAssigner = ({ cluster }) => {
  const assigner: Assigner = {
    name: 'MyPartitionAssigner',
    version: 1,
    async assign({ members, topics }: { members: GroupMember[]; topics: string[] }): Promise<GroupMemberAssignment[]> {
      const partitions = topics.flatMap((topic) => cluster.findTopicPartitionMetadata(topic).map((m) => ({ topic, partition: m.partitionId })));
      return members.map((member, i) => {
        const assignment: MemberAssignment = { version: this.version, assignment: {}, userData: Buffer.alloc(0) };
        for (const p of partitions.filter((_, j) => j % members.length === i)) (assignment.assignment[p.topic] ??= []).push(p.partition);
        return { memberId: member.memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode(assignment) };
      });
    },
    protocol({ topics }: { topics: string[] }) {
      const metadata: MemberMetadata = { version: 1, topics, userData: Buffer.alloc(0) };
      return { name: this.name, metadata: AssignerProtocol.MemberMetadata.encode(metadata) };
    },
  };
  return assigner;
};

const consumerConfig: ConsumerConfig = {
  groupId: 'test-group',
  partitionAssigners: [MyPartitionAssigner, PartitionAssigners.roundRobin],
  sessionTimeout: 30000,
  heartbeatInterval: 3000,
  maxBytesPerPartition: 1048576,
  retry: { retries: 5, restartOnFailure: async (e: Error) => e.name !== 'KafkaJSNonRetriableError' },
};
const consumer: Consumer = kafka.consumer(consumerConfig);

export async function consume(): Promise<void> {
  await consumer.connect();
  const subscription: ConsumerSubscribeTopics = { topics: ['topic-A', /topic-(eu|us)-.*/i], fromBeginning: true };
  await consumer.subscribe(subscription);
  await consumer.subscribe({ topic: 'topic-B' });
  const run: ConsumerRunConfig = {
    autoCommit: true,
    partitionsConsumedConcurrently: 3,
    eachMessage: async ({ topic, partition, message, heartbeat, pause }: EachMessagePayload) => {
      const m: KafkaMessage = message;
      console.log({ topic, partition, key: m.key?.toString(), value: m.value?.toString(), headers: m.headers, offset: m.offset, timestamp: m.timestamp });
      await heartbeat();
      if (partition < 0) pause()();
    },
  };
  await consumer.run(run);
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale }: EachBatchPayload) => {
      const b: Batch = batch;
      for (const message of b.messages) {
        if (!isRunning() || isStale()) break;
        resolveOffset(message.offset);
        await heartbeat();
      }
      console.log(b.topic, b.partition, b.highWatermark, b.firstOffset(), b.lastOffset(), b.offsetLag(), b.isEmpty(), uncommittedOffsets());
      await commitOffsetsIfNecessary();
    },
  });
  consumer.seek({ topic: 'example', partition: 0, offset: '12384' });
  const commit: TopicPartitionOffsetAndMetadata[] = [{ topic: 'topic-A', partition: 0, offset: '1' }];
  await consumer.commitOffsets(commit);
  consumer.pause([{ topic: 'topic-A' }, { topic: 'topic-B', partitions: [0, 1] }]);
  consumer.resume([{ topic: 'topic-A' }]);
  consumer.on(consumer.events.CRASH, (event: ConsumerCrashEvent) => console.error(event.payload.error, event.payload.groupId));
  consumer.on(consumer.events.HEARTBEAT, (event: InstrumentationEvent<unknown>) => console.log(event.timestamp));
  await consumer.disconnect();
}

const adminConfig: AdminConfig = { retry };
const admin: Admin = kafka.admin(adminConfig);

export async function administer(): Promise<void> {
  await admin.connect();
  const topics: ITopicConfig[] = [{ topic: 'new-topic', numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }];
  const created: boolean = await admin.createTopics({ validateOnly: false, waitForLeaders: true, timeout: 5000, topics });
  const names: string[] = await admin.listTopics();
  const metadata: { topics: ITopicMetadata[] } = await admin.fetchTopicMetadata({ topics: ['new-topic'] });
  const offsets: Array<SeekEntry & { high: string; low: string }> = await admin.fetchTopicOffsets('new-topic');
  await admin.fetchTopicOffsetsByTimestamp('new-topic', Date.now());
  await admin.fetchOffsets({ groupId: 'test-group', topics: ['new-topic'] });
  await admin.resetOffsets({ groupId: 'test-group', topic: 'new-topic', earliest: true });
  await admin.setOffsets({ groupId: 'test-group', topic: 'new-topic', partitions: [{ partition: 0, offset: '35' }] });
  await admin.createPartitions({ topicPartitions: [{ topic: 'new-topic', count: 4 }] });
  const cluster = await admin.describeCluster();
  console.log(created, names, metadata, offsets, cluster.brokers[0]?.host, cluster.controller, cluster.clusterId);
  const query: ResourceConfigQuery = { type: ConfigResourceTypes.TOPIC, name: 'new-topic', configNames: ['cleanup.policy'] };
  const described: DescribeConfigResponse = await admin.describeConfigs({ includeSynonyms: false, resources: [query] });
  console.log(described.resources[0]?.configEntries[0]?.configSource === ConfigSource.DEFAULT_CONFIG);
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'new-topic', configEntries: [{ name: 'cleanup.policy', value: 'delete' }] }] });
  const groups: GroupDescriptions = await admin.describeGroups(['test-group']);
  console.log((await admin.listGroups()).groups, groups.groups[0]?.state);
  await admin.deleteGroups(['test-group']);
  const acl: AclEntry = {
    resourceType: AclResourceTypes.TOPIC,
    resourceName: 'new-topic',
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: 'User:bob',
    host: '*',
    operation: AclOperationTypes.ALL,
    permissionType: AclPermissionTypes.DENY,
  };
  await admin.createAcls({ acl: [acl] });
  await admin.describeAcls({ ...acl, resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY });
  await admin.deleteAcls({ filters: [acl] });
  await admin.deleteTopicRecords({ topic: 'new-topic', partitions: [{ partition: 0, offset: '-1' }] });
  const reassignments: TopicPartitions[] = [{ topic: 'new-topic', partitions: [0] }];
  await admin.listPartitionReassignments({ topics: reassignments });
  await admin.deleteTopics({ topics: ['new-topic'], timeout: 5000 });
  await admin.disconnect();
}

export function classify(e: unknown): string {
  if (e instanceof KafkaJSNumberOfRetriesExceeded) return `gave up after ${e.retryCount}`;
  if (e instanceof KafkaJSProtocolError) return `${e.type} (${e.code})`;
  if (e instanceof KafkaJSConnectionError) return `connection to ${e.broker}`;
  if (e instanceof KafkaJSError) return `${e.name} retriable=${e.retriable}`;
  return String(e);
}
