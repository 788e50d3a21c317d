/**
 * `tskafka configs describe|alter` on topic and broker resources against our
 * broker, each effect checked with KafkaJS 2.2.4's admin.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { CliBroker, runCli } from './cli-process.js';

const { ConfigResourceTypes } = kafkajs;

describe('tskafka configs', () => {
  const cli = new CliBroker('cli-configs-test');

  it('describes and alters topic and broker configs with configs describe|alter', async () => {
    await cli.f.peer.createTopics({ topics: [{ topic: 'cli-configs' }] });
    const set = await runCli(['configs', 'alter', '--topic', 'cli-configs', '--set', 'retention.bytes=1048576', '--set', 'segment.ms=600000', ...cli.brokers]);
    assert.equal(set.code, 0, set.stderr);
    const configs = await cli.topicConfigs('cli-configs');
    assert.equal(configs.get('retention.bytes'), '1048576');
    assert.equal(configs.get('segment.ms'), '600000');
    const shown = await runCli(['configs', 'describe', '--topic', 'cli-configs', ...cli.brokers]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^retention\.bytes\s+1048576\s+topic_config\s+no$/m);
    assert.match(shown.stdout, /^segment\.ms\s+600000\s+topic_config\s+no$/m);
    assert.doesNotMatch(shown.stdout, /^cleanup\.policy/m, 'defaults only with --all');
    assert.match((await runCli(['configs', 'describe', '--topic', 'cli-configs', '--all', ...cli.brokers])).stdout, /^cleanup\.policy\s+delete\s+default_config/m);

    const nodeId = String((await cli.f.peer.describeCluster()).brokers[0]!.nodeId);
    const broker = await runCli(['configs', 'describe', '--broker', nodeId, '--all', ...cli.brokers]);
    assert.equal(broker.code, 0, broker.stderr);
    assert.match(broker.stdout, /^num\.partitions\s+1\s/m);
    const peer = await cli.f.peer.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: nodeId, configNames: ['num.partitions'] }], includeSynonyms: false });
    assert.equal(peer.resources[0]!.configEntries[0]!.configValue, '1');

    const dynamic = await runCli(['configs', 'alter', '--broker', nodeId, '--set', 'log.retention.ms=7200000', ...cli.brokers]);
    assert.equal(dynamic.code, 0, dynamic.stderr);
    const retention = await cli.f.peer.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: nodeId, configNames: ['log.retention.ms'] }], includeSynonyms: false });
    assert.equal(retention.resources[0]!.configEntries[0]!.configValue, '7200000');

    const neither = await runCli(['configs', 'describe', ...cli.brokers]);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /give --topic TOPIC or --broker ID/);
  });
});
