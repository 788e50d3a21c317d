/**
 * Broker and topic configs as clients nobody here wrote see them:
 * librdkafka's AdminClient (confluent-kafka-python: describe_configs,
 * alter_configs on a BROKER resource) and KafkaJS 2.2.4's admin
 * (describeConfigs with synonyms, alterConfigs on the broker).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import kafkajs, { Kafka as KafkaJS, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';

const run = promisify(execFile);
// KafkaJS is CommonJS; these enums are not among the names Node can detect statically.
const { ConfigResourceTypes, ConfigSource } = kafkajs;

const PYTHON = '/usr/bin/python3';

/** Alters message.max.bytes of broker 1 when asked (argv[3]), then describes broker 1 and the topic (argv[2]); prints JSON. */
const DESCRIBE = `
import json, sys
from confluent_kafka.admin import AdminClient, ConfigResource
a = AdminClient({'bootstrap.servers': sys.argv[1]})
if len(sys.argv) > 3:
    for f in a.alter_configs([ConfigResource('broker', '1', set_config={'message.max.bytes': sys.argv[3]})], request_timeout=20).values():
        f.result()
def entry(e):
    return {'value': e.value, 'source': int(e.source), 'read_only': e.is_read_only, 'is_default': e.is_default,
            'synonyms': [[s.name, s.value, int(s.source)] for s in e.synonyms.values()]}
broker, topic = ConfigResource('broker', '1'), ConfigResource('topic', sys.argv[2])
found = a.describe_configs([broker, topic], request_timeout=20)
b, t = found[broker].result(), found[topic].result()
print(json.dumps({'broker': {k: entry(b[k]) for k in ['message.max.bytes', 'num.partitions', 'log.dirs']},
                  'topic': {k: entry(t[k]) for k in ['cleanup.policy', 'max.message.bytes', 'retention.ms']}}))
`;

interface Entry {
  value: string | null;
  source: number;
  read_only: boolean;
  is_default: boolean;
  synonyms: [string, string | null, number][];
}

async function librdkafka(bootstrap: string, topic: string, messageMaxBytes?: string): Promise<{ broker: Record<string, Entry>; topic: Record<string, Entry> }> {
  // Async: the broker runs in this process, so a synchronous spawn would stall it.
  const { stdout } = await run(PYTHON, ['-c', DESCRIBE, bootstrap, topic, ...(messageMaxBytes ? [messageMaxBytes] : [])], { timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { broker: Record<string, Entry>; topic: Record<string, Entry> };
}

async function hasConfluentKafka(): Promise<boolean> {
  return run(PYTHON, ['-c', 'import confluent_kafka'], { timeout: 30_000 }).then(
    () => true,
    () => false,
  );
}

describe('configs as librdkafka and KafkaJS see them', () => {
  let running: RunningBroker;
  let admin: ReturnType<KafkaJS['admin']>;
  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 } });
    admin = new KafkaJS({ clientId: 'configs-peers', brokers: [running.bootstrap], logLevel: kafkaJsLogLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'peer-configs', numPartitions: 1 }] });
  });
  after(async () => {
    await admin.disconnect();
    await running.close();
  });

  it('librdkafka: sources, read-only flags and synonyms of broker and topic configs, before and after alter_configs on the broker', async (t) => {
    if (!(await hasConfluentKafka())) {
      t.skip('needs /usr/bin/python3 with confluent-kafka');
      return;
    }
    const before = await librdkafka(running.bootstrap, 'peer-configs');
    assert.deepEqual(before.broker['message.max.bytes'], { value: '1048588', source: ConfigSource.DEFAULT_CONFIG, read_only: false, is_default: true, synonyms: [['message.max.bytes', '1048588', ConfigSource.DEFAULT_CONFIG]] });
    assert.deepEqual([before.broker['num.partitions']!.source, before.broker['num.partitions']!.read_only, before.broker['num.partitions']!.is_default], [ConfigSource.STATIC_BROKER_CONFIG, true, false]);
    assert.equal(before.broker['log.dirs']!.read_only, true);
    assert.deepEqual(before.topic['cleanup.policy'], { value: 'delete', source: ConfigSource.DEFAULT_CONFIG, read_only: false, is_default: true, synonyms: [['log.cleanup.policy', 'delete', ConfigSource.DEFAULT_CONFIG]] });
    assert.deepEqual(before.topic['retention.ms']!.synonyms, []);

    const after = await librdkafka(running.bootstrap, 'peer-configs', '2000000');
    const { synonyms, ...messageMax } = after.broker['message.max.bytes']!;
    assert.deepEqual(messageMax, { value: '2000000', source: ConfigSource.DYNAMIC_BROKER_CONFIG, read_only: false, is_default: false });
    // confluent-kafka-python keys synonyms by name: the dynamic and the default value of message.max.bytes collapse into one.
    assert.deepEqual(synonyms.map(([name]) => name), ['message.max.bytes']);
    assert.deepEqual([after.topic['max.message.bytes']!.value, after.topic['max.message.bytes']!.source], ['2000000', ConfigSource.DYNAMIC_BROKER_CONFIG]);
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [] }] });
  });

  it('KafkaJS: alterConfigs on the broker, then describeConfigs with synonyms; a read-only config is refused', async () => {
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [{ name: 'log.retention.ms', value: '60000' }] }] });
    const described = await admin.describeConfigs({
      includeSynonyms: true,
      resources: [
        { type: ConfigResourceTypes.BROKER, name: '1', configNames: ['log.retention.ms'] },
        { type: ConfigResourceTypes.TOPIC, name: 'peer-configs', configNames: ['retention.ms'] },
      ],
    });
    const [broker, topic] = described.resources.map((r) => r.configEntries[0]!);
    assert.deepEqual([broker!.configValue, broker!.configSource, broker!.readOnly, broker!.isDefault], ['60000', ConfigSource.DYNAMIC_BROKER_CONFIG, false, false]);
    assert.deepEqual(
      topic!.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource]),
      [
        ['log.retention.ms', '60000', ConfigSource.DYNAMIC_BROKER_CONFIG],
        ['log.retention.hours', '168', ConfigSource.DEFAULT_CONFIG],
      ],
    );
    assert.equal(running.broker.topics.get('peer-configs')!.partitions[0]!.log.config.retentionMs, 60000);
    await assert.rejects(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [{ name: 'num.partitions', value: '3' }] }] }),
      // KafkaJS shows its own text for the code, not the broker's message (which names num.partitions: see dynamic-broker-configs.test.ts).
      (e: unknown) => (e as { type?: string }).type === 'INVALID_REQUEST',
    );
  });
});
