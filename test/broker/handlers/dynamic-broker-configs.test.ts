/**
 * DescribeConfigs as Kafka answers it (raw frames: v4's null documentation,
 * empty configurationKeys as "all", Kafka's broker-level synonyms), and
 * dynamic broker configs: AlterConfigs / IncrementalAlterConfigs on a BROKER
 * resource change what is in force at once (topic defaults, max.connections),
 * are reported with their dynamic sources, refuse what cannot change, and
 * survive a restart when the broker has a data directory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { TOPIC_CONFIG_NAMES } from '../../../src/broker/log/log-config.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { AlterConfigsRequest } from '../../../src/protocol/generated/alter-configs-request.js';
import { AlterConfigsResponse } from '../../../src/protocol/generated/alter-configs-response.js';
import { CreateTopicsRequest } from '../../../src/protocol/generated/create-topics-request.js';
import { CreateTopicsResponse } from '../../../src/protocol/generated/create-topics-response.js';
import { DescribeConfigsRequest } from '../../../src/protocol/generated/describe-configs-request.js';
import { DescribeConfigsResponse } from '../../../src/protocol/generated/describe-configs-response.js';
import { IncrementalAlterConfigsRequest } from '../../../src/protocol/generated/incremental-alter-configs-request.js';
import { IncrementalAlterConfigsResponse } from '../../../src/protocol/generated/incremental-alter-configs-response.js';
import { eventually } from '../../support/eventually.js';
import { WireClient } from '../../support/wire-client.js';

const TOPIC = 2;
const BROKER = 4;
const Source = { TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;
const SET = 0;
const DELETE = 1;

async function startTestBroker(logDir?: string): Promise<RunningBroker> {
  const properties = { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0, ...(logDir ? { 'log.dirs': logDir } : {}) };
  return startBroker({ inMemory: logDir === undefined, port: 0, logLevel: 'nothing', properties });
}

/** DescribeConfigs v4 of one resource, raw. */
async function describeV4(client: WireClient, resourceType: number, resourceName: string, keys: string[] | null, options: { synonyms?: boolean; documentation?: boolean } = {}) {
  const res = await client.request(DescribeConfigsRequest, DescribeConfigsResponse, 4, {
    resources: [{ resourceType, resourceName, configurationKeys: keys }],
    includeSynonyms: options.synonyms ?? true,
    includeDocumentation: options.documentation ?? false,
  });
  const result = res.results[0]!;
  assert.equal(result.errorCode, ErrorCode.NONE, result.errorMessage ?? '');
  return new Map(result.configs.map((c) => [c.name, c]));
}

async function incremental(client: WireClient, resourceName: string, configs: { name: string; configOperation: number; value: string | null }[], validateOnly = false) {
  const res = await client.request(IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, 1, { validateOnly, resources: [{ resourceType: BROKER, resourceName, configs }] });
  return res.responses[0]!;
}

async function createTopic(client: WireClient, name: string): Promise<void> {
  const res = await client.request(CreateTopicsRequest, CreateTopicsResponse, 5, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
  assert.equal(res.topics[0]!.errorCode, ErrorCode.NONE);
}

describe('DescribeConfigs as Kafka answers it, and dynamic broker configs', () => {
  let running: RunningBroker;
  let client: WireClient;
  before(async () => {
    running = await startTestBroker();
    client = await WireClient.connect(running.port, 'dynamic-configs-test');
    await createTopic(client, 'docs');
  });
  after(async () => {
    client.destroy();
    await running.close();
  });

  it('v4: documentation is null unless asked, then each config\'s description; empty keys mean all configs', async () => {
    const none = await describeV4(client, TOPIC, 'docs', []);
    assert.deepEqual([...none.keys()], TOPIC_CONFIG_NAMES, 'an empty configurationKeys array is all configs, as null is');
    for (const c of none.values()) assert.equal(c.documentation, null, c.name);
    const withDocs = await describeV4(client, TOPIC, 'docs', ['cleanup.policy', 'retention.ms'], { documentation: true });
    assert.match(withDocs.get('cleanup.policy')!.documentation ?? '', /delete.*compact/);
    assert.match(withDocs.get('retention.ms')!.documentation ?? '', /segment/);
    const v3 = await client.request(DescribeConfigsRequest, DescribeConfigsResponse, 3, {
      resources: [{ resourceType: TOPIC, resourceName: 'docs', configurationKeys: ['segment.ms'] }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    assert.deepEqual(v3.results[0]!.configs.map((c) => [c.name, c.documentation]), [['segment.ms', null]], 'v3 too');
    const broker = await describeV4(client, BROKER, '1', [], { documentation: true });
    assert.ok(broker.size > 20, 'every broker config');
    assert.match(broker.get('log.retention.ms')!.documentation ?? '', /retention\.ms/);
  });

  it("a topic config at its default names Kafka's broker-level synonym, not itself", async () => {
    const configs = await describeV4(client, TOPIC, 'docs', ['cleanup.policy', 'retention.ms', 'max.message.bytes']);
    const cleanup = configs.get('cleanup.policy')!;
    assert.deepEqual([cleanup.value, cleanup.configSource, cleanup.readOnly, cleanup.configType], ['delete', Source.DEFAULT_CONFIG, false, 7]);
    assert.deepEqual(cleanup.synonyms, [{ name: 'log.cleanup.policy', value: 'delete', source: Source.DEFAULT_CONFIG }]);
    // log.retention.ms has no default of its own in Kafka (log.retention.hours decides): no synonym is listed.
    const retention = configs.get('retention.ms')!;
    assert.deepEqual([retention.value, retention.configSource, retention.synonyms], ['604800000', Source.DEFAULT_CONFIG, []]);
    assert.deepEqual(configs.get('max.message.bytes')!.synonyms, [{ name: 'message.max.bytes', value: '1048588', source: Source.DEFAULT_CONFIG }]);
  });

  it('broker configs: DEFAULT_CONFIG at their default, STATIC_BROKER_CONFIG when set at startup; read-only unless Kafka changes them at run time', async () => {
    const configs = await describeV4(client, BROKER, '1', null);
    const messageMax = configs.get('message.max.bytes')!;
    assert.deepEqual([messageMax.value, messageMax.configSource, messageMax.readOnly, messageMax.configType], ['1048588', Source.DEFAULT_CONFIG, false, 3]);
    const partitions = configs.get('num.partitions')!;
    assert.deepEqual([partitions.value, partitions.configSource, partitions.readOnly], ['1', Source.STATIC_BROKER_CONFIG, true]);
    assert.deepEqual(partitions.synonyms, [
      { name: 'num.partitions', value: '1', source: Source.STATIC_BROKER_CONFIG },
      { name: 'num.partitions', value: '1', source: Source.DEFAULT_CONFIG },
    ]);
    assert.equal(configs.get('log.retention.ms')!.value, null, "Kafka's log.retention.ms has no value of its own");
    assert.equal(configs.get('log.retention.hours')!.value, '168');
    assert.equal(configs.get('max.connections')!.readOnly, false);
    assert.equal(configs.get('log.dirs')!.readOnly, true);
    assert.deepEqual([...(await describeV4(client, BROKER, '', null)).keys()], [], 'the cluster default has no configs until some are set');
  });

  it('a dynamic cluster default of log.retention.ms applies at once to a topic without an override, reported with its sources', async () => {
    const log = running.broker.topics.get('docs')!.partitions[0]!.log;
    assert.equal(log.config.retentionMs, 604800000);
    assert.equal((await incremental(client, '', [{ name: 'log.retention.ms', configOperation: SET, value: '3600000' }])).errorCode, ErrorCode.NONE);
    assert.equal(log.config.retentionMs, 3600000, 'the log runs with the new default');
    const topic = (await describeV4(client, TOPIC, 'docs', ['retention.ms'])).get('retention.ms')!;
    assert.deepEqual([topic.value, topic.configSource], ['3600000', Source.DYNAMIC_DEFAULT_BROKER_CONFIG]);
    assert.deepEqual(topic.synonyms, [
      { name: 'log.retention.ms', value: '3600000', source: Source.DYNAMIC_DEFAULT_BROKER_CONFIG },
      { name: 'log.retention.hours', value: '168', source: Source.DEFAULT_CONFIG },
    ]);
    // This broker's own value beats the cluster default, and comes first among the synonyms.
    assert.equal((await incremental(client, '1', [{ name: 'log.retention.ms', configOperation: SET, value: '7200000' }])).errorCode, ErrorCode.NONE);
    assert.equal(log.config.retentionMs, 7200000);
    const broker = (await describeV4(client, BROKER, '1', ['log.retention.ms'])).get('log.retention.ms')!;
    assert.deepEqual([broker.value, broker.configSource, broker.readOnly], ['7200000', Source.DYNAMIC_BROKER_CONFIG, false]);
    assert.deepEqual(
      broker.synonyms.map((s) => [s.name, s.source]),
      [
        ['log.retention.ms', Source.DYNAMIC_BROKER_CONFIG],
        ['log.retention.ms', Source.DYNAMIC_DEFAULT_BROKER_CONFIG],
        ['log.retention.hours', Source.DEFAULT_CONFIG],
      ],
    );
    const clusterDefault = await describeV4(client, BROKER, '', null);
    assert.deepEqual([...clusterDefault.keys()], ['log.retention.ms']);
    assert.deepEqual(clusterDefault.get('log.retention.ms')!.synonyms, [{ name: 'log.retention.ms', value: '3600000', source: Source.DYNAMIC_DEFAULT_BROKER_CONFIG }]);
    // DELETE goes back: first this broker's value, then the default's.
    await incremental(client, '1', [{ name: 'log.retention.ms', configOperation: DELETE, value: null }]);
    assert.equal(log.config.retentionMs, 3600000);
    await incremental(client, '', [{ name: 'log.retention.ms', configOperation: DELETE, value: null }]);
    assert.equal(log.config.retentionMs, 604800000);
  });

  it('AlterConfigs replaces a broker resource\'s dynamic configs; message.max.bytes becomes every topic\'s max.message.bytes', async () => {
    const alter = async (resourceName: string, configs: { name: string; value: string }[], validateOnly = false) =>
      (await client.request(AlterConfigsRequest, AlterConfigsResponse, 2, { validateOnly, resources: [{ resourceType: BROKER, resourceName, configs }] })).responses[0]!;
    assert.equal((await alter('1', [{ name: 'message.max.bytes', value: '2000000' }], true)).errorCode, ErrorCode.NONE);
    assert.equal(running.broker.topics.get('docs')!.config('max.message.bytes'), 1048588, 'validateOnly changes nothing');
    assert.equal((await alter('1', [{ name: 'message.max.bytes', value: '2000000' }, { name: 'log.cleanup.policy', value: 'compact' }])).errorCode, ErrorCode.NONE);
    assert.equal(running.broker.topics.get('docs')!.config('max.message.bytes'), 2000000);
    assert.equal(running.broker.topics.get('docs')!.config('cleanup.policy'), 'compact');
    assert.equal((await alter('1', [{ name: 'message.max.bytes', value: '2000000' }])).errorCode, ErrorCode.NONE);
    assert.equal(running.broker.topics.get('docs')!.config('cleanup.policy'), 'delete', 'a config not repeated is no longer set');
    const described = (await describeV4(client, BROKER, '1', ['message.max.bytes'], { synonyms: false })).get('message.max.bytes')!;
    assert.deepEqual([described.value, described.configSource, described.synonyms], ['2000000', Source.DYNAMIC_BROKER_CONFIG, []]);
    assert.equal((await alter('1', [])).errorCode, ErrorCode.NONE);
    assert.equal(running.broker.topics.get('docs')!.config('max.message.bytes'), 1048588);
  });

  it('refuses read-only configs and bad values with INVALID_REQUEST, unknown names with INVALID_CONFIG, other broker ids; nothing changes', async () => {
    const readOnly = await incremental(client, '1', [{ name: 'log.dirs', configOperation: SET, value: '/tmp/x' }]);
    assert.equal(readOnly.errorCode, ErrorCode.INVALID_REQUEST);
    assert.match(readOnly.errorMessage ?? '', /log\.dirs/);
    const unknown = await incremental(client, '1', [{ name: 'no.such.config', configOperation: SET, value: '1' }]);
    assert.equal(unknown.errorCode, ErrorCode.INVALID_CONFIG);
    assert.match(unknown.errorMessage ?? '', /no\.such\.config/);
    const bad = await incremental(client, '', [{ name: 'max.connections', configOperation: SET, value: 'many' }]);
    assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);
    assert.match(bad.errorMessage ?? '', /max\.connections/);
    const policy = await incremental(client, '', [{ name: 'log.cleanup.policy', configOperation: SET, value: 'shred' }]);
    assert.equal(policy.errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await incremental(client, '7', [{ name: 'max.connections', configOperation: SET, value: '5' }])).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await describeV4(client, BROKER, '1', ['max.connections'])).get('max.connections')!.configSource, Source.DEFAULT_CONFIG);
  });

  it('max.connections changed at run time applies to the next connection', async () => {
    const before = running.broker.connections.size;
    assert.equal((await incremental(client, '1', [{ name: 'max.connections', configOperation: SET, value: String(before + 1) }])).errorCode, ErrorCode.NONE);
    const admitted = await WireClient.connect(running.port);
    await eventually('the admitted connection', () => (running.broker.connections.size === before + 1 ? true : undefined));
    const refused = await WireClient.connect(running.port);
    assert.equal(await refused.closesWithin(20_000), true, 'a connection past the new max.connections is closed');
    admitted.destroy();
    assert.equal((await incremental(client, '1', [{ name: 'max.connections', configOperation: DELETE, value: null }])).errorCode, ErrorCode.NONE);
    const again = await WireClient.connect(running.port);
    await eventually('the connection admitted again', () => (running.broker.connections.size === before + 1 ? true : undefined));
    assert.equal(await again.closesWithin(500), false, 'with max.connections back at its default the connection stays');
    again.destroy();
  });
});

describe('dynamic broker configs with a data directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tskafka-dynamic-configs-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a stored config that can no longer be set is dropped at startup; the others apply', async () => {
    const other = mkdtempSync(join(tmpdir(), 'tskafka-dynamic-configs-'));
    try {
      writeFileSync(join(other, 'tskafka-broker-configs.json'), JSON.stringify({ broker: { 'log.dirs': '/elsewhere', 'message.max.bytes': '3000000' }, default: { 'max.connections': 'many' } }));
      const running = await startTestBroker(other);
      try {
        assert.equal(running.broker.topics.defaults['max.message.bytes'], 3000000);
        assert.deepEqual([...running.broker.dynamicConfig.dynamicConfigs('1').keys()], ['message.max.bytes']);
        assert.deepEqual([...running.broker.dynamicConfig.dynamicConfigs('').keys()], []);
      } finally {
        await running.close();
      }
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('are kept across a restart', async () => {
    let running = await startTestBroker(dir);
    let client = await WireClient.connect(running.port);
    try {
      assert.equal((await incremental(client, '', [{ name: 'log.segment.bytes', configOperation: SET, value: '1048576' }])).errorCode, ErrorCode.NONE);
    } finally {
      client.destroy();
      await running.close();
    }
    running = await startTestBroker(dir);
    client = await WireClient.connect(running.port);
    try {
      const described = (await describeV4(client, BROKER, '1', ['log.segment.bytes'])).get('log.segment.bytes')!;
      assert.deepEqual([described.value, described.configSource], ['1048576', Source.DYNAMIC_DEFAULT_BROKER_CONFIG]);
      await createTopic(client, 'after-restart');
      assert.equal(running.broker.topics.get('after-restart')!.partitions[0]!.log.config.segmentBytes, 1048576);
    } finally {
      client.destroy();
      await running.close();
    }
  });
});
