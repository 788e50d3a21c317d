/**
 * `tskafka topics` against our broker, each effect checked
 * with KafkaJS 2.2.4's admin: the topic the command creates (partitions, configs),
 * the partitions and configs it alters, the topic it deletes; and what `describe`
 * prints for a topic KafkaJS created.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliBroker, runCli } from './cli-process.js';

describe('tskafka topics', () => {
  const cli = new CliBroker('cli-topics-test');

  it('creates a topic with partitions and configs that KafkaJS sees, alters it, and deletes it', async () => {
    const created = await runCli(['topics', 'create', 'cli-orders', '--partitions', '3', '--replication-factor', '1', '--config', 'retention.ms=3600000', '--config', 'cleanup.policy=compact,delete', ...cli.brokers]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'created topic cli-orders\n');
    const metadata = await cli.f.peer.fetchTopicMetadata({ topics: ['cli-orders'] });
    assert.equal(metadata.topics[0]!.partitions.length, 3);
    let configs = await cli.topicConfigs('cli-orders');
    assert.equal(configs.get('retention.ms'), '3600000');
    assert.equal(configs.get('cleanup.policy'), 'compact,delete');

    const again = await runCli(['topics', 'create', 'cli-orders', ...cli.brokers]);
    assert.equal(again.code, 1, 'creating an existing topic is a failure');
    assert.match(again.stderr, /topic cli-orders already exists/);

    const altered = await runCli(['topics', 'alter', 'cli-orders', '--partitions', '5', '--config', 'retention.ms=60000', '--delete-config', 'cleanup.policy', ...cli.brokers]);
    assert.equal(altered.code, 0, altered.stderr);
    assert.equal((await cli.f.peer.fetchTopicMetadata({ topics: ['cli-orders'] })).topics[0]!.partitions.length, 5);
    configs = await cli.topicConfigs('cli-orders');
    assert.equal(configs.get('retention.ms'), '60000');
    assert.equal(configs.get('cleanup.policy'), 'delete', 'back to the default');

    const [listed, deleted] = [await runCli(['topics', 'list', ...cli.brokers]), await runCli(['topics', 'delete', 'cli-orders', ...cli.brokers])];
    assert.match(listed.stdout, /^cli-orders$/m);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.ok(!(await cli.f.peer.listTopics()).includes('cli-orders'));
  });

  it('describes partitions, leaders, ISR and only the configs that override the defaults', async () => {
    await cli.f.peer.createTopics({ topics: [{ topic: 'cli-described', numPartitions: 2, configEntries: [{ name: 'max.message.bytes', value: '2048' }] }] });
    const run = await runCli(['topics', 'describe', 'cli-described', ...cli.brokers]);
    assert.equal(run.code, 0, run.stderr);
    const nodeId = (await cli.f.peer.describeCluster()).brokers[0]!.nodeId;
    assert.deepEqual(run.stdout.trimEnd().split('\n'), [
      'topic cli-described  partitions 2  replication factor 1',
      'configs: max.message.bytes=2048',
      'PARTITION  LEADER  REPLICAS  ISR  OFFLINE',
      `0          ${nodeId}       ${nodeId}         ${nodeId}    -`,
      `1          ${nodeId}       ${nodeId}         ${nodeId}    -`,
    ]);
    const unknown = await runCli(['topics', 'describe', 'no-such-topic', ...cli.brokers]);
    assert.equal(unknown.code, 1);
    assert.doesNotMatch(unknown.stderr, /\n\s+at /);
  });
});
