/**
 * Regression ("the embedded broker holds under attack, faults and load", item 12):
 * sixteen standard topic configs were refused with INVALID_CONFIG, failing the whole
 * topic creation (min.cleanable.dirty.ratio, max.compaction.lag.ms,
 * unclean.leader.election.enable, ...), with a message calling them "broker config".
 *
 * What these tests ask for, as Kafka's LogConfig: every Kafka topic config name is
 * taken, by KafkaJS's admin and by CreateTopics on the wire; DescribeConfigs reports
 * each with Kafka's type, default and source; an unknown name or a bad value is
 * INVALID_CONFIG with a message naming the topic config and what it accepts, and
 * nothing is created. The ones that mean something on one broker set the log's
 * settings (flush policy, cleaner thresholds: `topicLogSettings`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import kafkajs, { Kafka, logLevel } from 'kafkajs';
import { type LogFlushPolicy, topicLogSettings, validateTopicConfigs } from '../../src/broker/log/log-config.js';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { type RequestVersions } from '../../src/network/api-versions.js';
import { Connection } from '../../src/network/connection.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { CreateTopicsRequest } from '../../src/protocol/generated/create-topics-request.js';
import { CreateTopicsResponse } from '../../src/protocol/generated/create-topics-response.js';
import { DescribeConfigsRequest } from '../../src/protocol/generated/describe-configs-request.js';
import { DescribeConfigsResponse } from '../../src/protocol/generated/describe-configs-response.js';

// KafkaJS is CommonJS; this enum is not among the names Node can detect statically.
const { ConfigResourceTypes } = kafkajs;

/** CreateTopics from v5, the first whose answer carries the topic's configs. */
const CREATE_TOPICS_VERSIONS: RequestVersions = Object.freeze({ min: 5, max: 7 });
/** DescribeConfigs from v3, the first with config types. */
const DESCRIBE_CONFIGS_VERSIONS: RequestVersions = Object.freeze({ min: 3, max: 4 });

/** Kafka's DescribeConfigs codes. */
const Source = { DYNAMIC_TOPIC_CONFIG: 1, DEFAULT_CONFIG: 5 } as const;
const Type = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

/** The sixteen the issue names: a value to set, and Kafka's type and default. */
const SIXTEEN: Record<string, { value: string; type: number; default: string }> = {
  'min.cleanable.dirty.ratio': { value: '0.25', type: Type.DOUBLE, default: '0.5' },
  'max.compaction.lag.ms': { value: '600000', type: Type.LONG, default: '9223372036854775807' },
  'unclean.leader.election.enable': { value: 'true', type: Type.BOOLEAN, default: 'false' },
  'message.timestamp.difference.max.ms': { value: '3600000', type: Type.LONG, default: '9223372036854775807' },
  'segment.jitter.ms': { value: '1000', type: Type.LONG, default: '0' },
  'flush.messages': { value: '1', type: Type.LONG, default: '9223372036854775807' },
  'flush.ms': { value: '1000', type: Type.LONG, default: '9223372036854775807' },
  'file.delete.delay.ms': { value: '30000', type: Type.LONG, default: '60000' },
  preallocate: { value: 'true', type: Type.BOOLEAN, default: 'false' },
  'message.downconversion.enable': { value: 'false', type: Type.BOOLEAN, default: 'true' },
  'leader.replication.throttled.replicas': { value: '0:1', type: Type.LIST, default: '' },
  'follower.replication.throttled.replicas': { value: '*', type: Type.LIST, default: '' },
  'local.retention.ms': { value: '3600000', type: Type.LONG, default: '-2' },
  'local.retention.bytes': { value: '1048576', type: Type.LONG, default: '-2' },
  'remote.storage.enable': { value: 'false', type: Type.BOOLEAN, default: 'false' },
  'message.format.version': { value: '2.8', type: Type.STRING, default: '3.0-IV1' },
};

/** Refused values: the message must name the config and say what it accepts. */
const BAD: [name: string, value: string, accepted: RegExp][] = [
  ['min.cleanable.dirty.ratio', '1.5', /from 0 to 1/],
  ['max.compaction.lag.ms', '0', /integer >= 1/],
  ['unclean.leader.election.enable', 'maybe', /true or false/],
  ['message.timestamp.difference.max.ms', '-1', /integer >= 0/],
  ['segment.jitter.ms', '1e3', /integer >= 0/],
  ['flush.messages', '0', /integer >= 1/],
  ['flush.ms', 'soon', /integer >= 0/],
  ['file.delete.delay.ms', '9223372036854775808', /integer >= 0/],
  ['preallocate', '1', /true or false/],
  ['message.downconversion.enable', 'yes', /true or false/],
  ['leader.replication.throttled.replicas', '0-1', /\[partitionId\]:\[brokerId\]/],
  ['follower.replication.throttled.replicas', 'all', /\[partitionId\]:\[brokerId\]/],
  ['local.retention.ms', '-3', /integer >= -2/],
  ['local.retention.bytes', 'x', /integer >= -2/],
  ['remote.storage.enable', 'true', /no tiered storage/],
  ['message.format.version', 'latest', /Kafka version/],
  ['cleanup.policy', 'keep', /delete, compact/],
  ['compression.gzip.level', '0', /1 to 9, or -1/],
  ['no.such.config', '1', /topic config name \(cleanup\.policy, .*unclean\.leader\.election\.enable\)/],
];

describe('issue 12: every Kafka topic config is taken, described and checked', () => {
  let running: RunningBroker;
  let admin: ReturnType<Kafka['admin']>;
  let connection: Connection;

  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
    admin = new Kafka({ clientId: 'issue-12', brokers: [running.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    await admin.connect();
    connection = new Connection({ host: '127.0.0.1', port: running.port });
  });
  after(async () => {
    await connection.disconnect();
    await admin.disconnect();
    await running.close();
  });

  const createTopic = (name: string, configs: Record<string, string>, validateOnly = false) =>
    connection
      .send(
        CreateTopicsRequest,
        CreateTopicsResponse,
        {
          topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
          timeoutMs: 10_000,
          validateOnly,
        },
        { versions: CREATE_TOPICS_VERSIONS },
      )
      .then((res) => res.topics[0]!);

  const describeTopic = async (name: string, includeSynonyms = false) => {
    const res = await connection.send(
      DescribeConfigsRequest,
      DescribeConfigsResponse,
      { resources: [{ resourceType: 2, resourceName: name, configurationKeys: null }], includeSynonyms, includeDocumentation: false },
      { versions: DESCRIBE_CONFIGS_VERSIONS },
    );
    const [result] = res.results;
    assert.equal(result?.errorCode, ErrorCode.NONE, result?.errorMessage ?? '');
    return new Map(result.configs.map((c) => [c.name, c]));
  };

  it('KafkaJS admin creates a topic with each of the sixteen, and DescribeConfigs returns them as topic overrides', async () => {
    const topics = Object.entries(SIXTEEN).map(([name, { value }], i) => ({ topic: `kafkajs-${i}`, numPartitions: 1, configEntries: [{ name, value }] }));
    assert.equal(await admin.createTopics({ topics }), true);
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: topics.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.topic })) });
    for (const t of topics) {
      const { name, value } = t.configEntries[0]!;
      const entries = described.resources.find((r) => r.resourceName === t.topic)!.configEntries;
      const entry = entries.find((e) => e.configName === name);
      assert.equal(entry?.configValue, value, `${name} of ${t.topic}`);
      assert.equal(entry?.isDefault, false, name);
      assert.equal(running.broker.topics.get(t.topic)?.overrides.has(name), true);
    }
  });

  it('CreateTopics on the wire takes all sixteen on one topic, and answers them with their types', async () => {
    const result = await createTopic('wire', Object.fromEntries(Object.entries(SIXTEEN).map(([name, { value }]) => [name, value])));
    assert.equal(result.errorCode, ErrorCode.NONE, result.errorMessage ?? '');
    const answered = new Map(result.configs?.map((c) => [c.name, c.value]));
    const described = await describeTopic('wire');
    for (const [name, { value, type }] of Object.entries(SIXTEEN)) {
      assert.equal(answered.get(name), value, `CreateTopics v5+ answers ${name}`);
      const entry = described.get(name);
      assert.deepEqual([entry?.value, entry?.configSource, entry?.configType], [value, Source.DYNAMIC_TOPIC_CONFIG, type], name);
    }
  });

  it("DescribeConfigs reports every topic config of a plain topic with Kafka's default, type and source", async () => {
    assert.equal((await createTopic('plain', {})).errorCode, ErrorCode.NONE);
    const described = await describeTopic('plain', true);
    for (const [name, { default: dflt, type }] of Object.entries(SIXTEEN)) {
      const entry = described.get(name);
      assert.deepEqual([entry?.value, entry?.configSource, entry?.configType], [dflt, Source.DEFAULT_CONFIG, type], name);
    }
    assert.equal(described.get('retention.ms')?.configType, Type.LONG);
    assert.equal(described.get('segment.bytes')?.configType, Type.INT);
    assert.equal(described.get('cleanup.policy')?.configType, Type.LIST);
    assert.ok(described.size >= 36, `all topic configs (${described.size})`);
    // Synonyms name the broker setting that gives the default, as Kafka's.
    assert.deepEqual(described.get('min.cleanable.dirty.ratio')?.synonyms, [{ name: 'log.cleaner.min.cleanable.ratio', value: '0.5', source: Source.DEFAULT_CONFIG }]);
  });

  it('refuses unknown names and bad values with INVALID_CONFIG naming the topic config and what it accepts; nothing is created', async () => {
    for (const [i, [name, value, accepted]] of BAD.entries()) {
      for (const validateOnly of [true, false]) {
        const result = await createTopic(`bad-${i}`, { [name]: value }, validateOnly);
        assert.equal(result.errorCode, ErrorCode.INVALID_CONFIG, `${name}=${value}`);
        assert.ok(result.errorMessage?.includes(name), `${result.errorMessage} names ${name}`);
        assert.match(result.errorMessage ?? '', accepted);
        assert.doesNotMatch(result.errorMessage ?? '', /broker config/);
      }
      assert.equal(running.broker.topics.get(`bad-${i}`), undefined);
    }
    const error = await admin.createTopics({ topics: [{ topic: 'bad-kafkajs', configEntries: [{ name: 'min.cleanable.dirty.ratio', value: '2' }] }] }).then(
      () => assert.fail('created'),
      (e: unknown) => e as { type?: string; errors?: { type?: string }[] },
    );
    assert.equal(error.type ?? error.errors?.[0]?.type, 'INVALID_CONFIG', String(error));
  });

  it('min.compaction.lag.ms above max.compaction.lag.ms is refused, as Kafka does', async () => {
    const result = await createTopic('lags', { 'min.compaction.lag.ms': '2000', 'max.compaction.lag.ms': '1000' });
    assert.equal(result.errorCode, ErrorCode.INVALID_CONFIG);
    assert.match(result.errorMessage ?? '', /min\.compaction\.lag\.ms.*at most max\.compaction\.lag\.ms \(1000\)/);
  });

  it('AlterConfigs takes them too', async () => {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'plain', configEntries: [{ name: 'min.cleanable.dirty.ratio', value: '1' }, { name: 'flush.ms', value: '9223372036854775807' }] }],
    });
    const described = await describeTopic('plain');
    assert.equal(described.get('min.cleanable.dirty.ratio')?.value, '1.0', "Kafka's rendering of a double");
    assert.equal(described.get('flush.ms')?.value, '9223372036854775807', 'Long.MAX_VALUE round-trips');
    assert.equal(described.get('flush.ms')?.configSource, Source.DYNAMIC_TOPIC_CONFIG);
  });

  it('the ones that mean something on one broker become the log settings', () => {
    const settings = (configs: Record<string, string>, broker: LogFlushPolicy = { kind: 'os' }) => {
      const overrides = validateTopicConfigs(Object.entries(configs));
      return topicLogSettings((name) => overrides.get(name), broker);
    };
    assert.deepEqual(settings({}), { flush: { kind: 'os' }, minCleanableDirtyRatio: 0.5, maxCompactionLagMs: Number.MAX_SAFE_INTEGER });
    assert.deepEqual(settings({ 'flush.messages': '1' }).flush, { kind: 'every-write' });
    assert.deepEqual(settings({ 'flush.ms': '250' }).flush, { kind: 'interval', ms: 250 });
    assert.deepEqual(settings({ 'flush.messages': '1000' }, { kind: 'every-write' }).flush, { kind: 'os' }, 'no count-based policy: the OS flushes');
    assert.deepEqual(settings({}, { kind: 'every-write' }).flush, { kind: 'every-write' }, "no override: the broker's policy");
    const cleaner = settings({ 'min.cleanable.dirty.ratio': '0.1', 'max.compaction.lag.ms': '60000' });
    assert.deepEqual([cleaner.minCleanableDirtyRatio, cleaner.maxCompactionLagMs], [0.1, 60_000]);
  });
});
