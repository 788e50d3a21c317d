/**
 * Configs through our admin, checked with KafkaJS 2.2.4's admin:
 * describeConfigs answers what KafkaJS's answers (topic and broker resources,
 * synonyms), alterConfigs and incrementalAlterConfigs change what KafkaJS then
 * describes, and a resource in error rejects with its protocol error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AlterConfigOpTypes, ConfigResourceTypes, ConfigSource } from '../../src/admin/admin-types.js';
import { KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { KafkaJSProtocolError } from '../../src/errors/protocol-errors.js';
import { type AdminFixture, startAdminFixture } from './admin-fixture.js';

describe('admin: configs', () => {
  let f: AdminFixture;
  before(async () => {
    f = await startAdminFixture('admin-configs-test');
    await f.peer.createTopics({ topics: [{ topic: 'settings', configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
  });
  after(async () => {
    await f.close();
  });

  /** The topic's configs as KafkaJS describes them, by name. */
  const theirView = async (topic: string): Promise<Map<string, string | null>> => {
    const res = await f.peer.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    return new Map(res.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
  };

  it("describeConfigs answers what KafkaJS's answers, for a topic (with synonyms) and for the broker", async () => {
    for (const includeSynonyms of [false, true]) {
      const query = { includeSynonyms, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'settings' }, { type: ConfigResourceTypes.BROKER, name: String(f.broker.config.nodeId) }] };
      const ours = await f.admin.describeConfigs(query);
      const theirs = await f.peer.describeConfigs(query);
      assert.deepEqual(ours.resources, theirs.resources, `includeSynonyms ${includeSynonyms}`);
    }
    const retention = (await f.admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'settings', configNames: ['retention.ms'] }] })).resources[0]!.configEntries;
    assert.equal(retention.length, 1);
    assert.deepEqual([retention[0]!.configValue, retention[0]!.configSource, retention[0]!.isDefault], ['1000', ConfigSource.TOPIC_CONFIG, false]);
  });

  it('describeConfigs of an unknown topic rejects with UNKNOWN_TOPIC_OR_PARTITION; bad resources are refused before sending', async () => {
    const admin = f.newAdmin({ retry: { retries: 0 } });
    await assert.rejects(admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'nope' }] }), (e: unknown) => e instanceof KafkaJSProtocolError && e.type === 'UNKNOWN_TOPIC_OR_PARTITION');
    await assert.rejects(f.admin.describeConfigs({ resources: [] }), (e: unknown) => e instanceof KafkaJSNonRetriableError && e.message === 'Resources array cannot be empty');
    await assert.rejects(f.admin.describeConfigs({ resources: [{ type: 3 as never, name: 'settings' }] }), (e: unknown) => e instanceof KafkaJSNonRetriableError && /^Invalid resource type 3/.test(e.message));
  });

  it('alterConfigs replaces the overrides, as KafkaJS then describes; validateOnly changes nothing', async () => {
    const resources = [{ type: ConfigResourceTypes.TOPIC, name: 'settings', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }];
    const dry = await f.admin.alterConfigs({ validateOnly: true, resources });
    assert.deepEqual(dry.resources, [{ errorCode: 0, errorMessage: null, resourceType: ConfigResourceTypes.TOPIC, resourceName: 'settings' }]);
    assert.equal((await theirView('settings')).get('cleanup.policy'), 'delete');
    await f.admin.alterConfigs({ resources });
    const after = await theirView('settings');
    assert.equal(after.get('cleanup.policy'), 'compact');
    assert.notEqual(after.get('retention.ms'), '1000', 'the override not repeated went back to its default');
  });

  it('incrementalAlterConfigs sets, appends and deletes single configs, leaving the others, as KafkaJS then describes', async () => {
    await f.admin.incrementalAlterConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'settings', configEntries: [{ name: 'retention.ms', value: '5000' }, { name: 'cleanup.policy', value: 'delete', operation: AlterConfigOpTypes.APPEND }] }],
    });
    let view = await theirView('settings');
    assert.equal(view.get('retention.ms'), '5000');
    assert.equal(view.get('cleanup.policy'), 'compact,delete');
    await f.admin.incrementalAlterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'settings', configEntries: [{ name: 'retention.ms', operation: AlterConfigOpTypes.DELETE }] }] });
    view = await theirView('settings');
    assert.notEqual(view.get('retention.ms'), '5000');
    assert.equal(view.get('cleanup.policy'), 'compact,delete', 'untouched');
  });

  it('describeConfigs with includeDocumentation adds each config\'s description; without it there is no documentation field', async () => {
    const query = { resources: [{ type: ConfigResourceTypes.TOPIC, name: 'settings', configNames: ['cleanup.policy'] }] };
    const plain = (await f.admin.describeConfigs(query)).resources[0]!.configEntries[0]!;
    assert.equal('documentation' in plain, false, "KafkaJS's shape when not asked");
    const documented = (await f.admin.describeConfigs({ ...query, includeDocumentation: true })).resources[0]!.configEntries[0]!;
    assert.match(documented.documentation ?? '', /compact/);
  });

  it('broker configs change at run time (BROKER resource), as KafkaJS then describes, with Kafka\'s sources', async () => {
    const node = String(f.broker.config.nodeId);
    await f.admin.incrementalAlterConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '', configEntries: [{ name: 'log.retention.bytes', value: '1000000' }] }] });
    await f.admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: node, configEntries: [{ name: 'log.retention.bytes', value: '2000000' }] }] });
    const theirs = await f.peer.describeConfigs({ includeSynonyms: true, resources: [{ type: ConfigResourceTypes.BROKER, name: node, configNames: ['log.retention.bytes'] }] });
    const entry = theirs.resources[0]!.configEntries[0]!;
    assert.deepEqual([entry.configValue, entry.configSource, entry.readOnly], ['2000000', ConfigSource.DYNAMIC_BROKER_CONFIG, false]);
    assert.deepEqual(
      entry.configSynonyms.map((s) => s.configSource),
      [ConfigSource.DYNAMIC_BROKER_CONFIG, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, ConfigSource.DEFAULT_CONFIG],
    );
    const ours = (await f.admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'settings', configNames: ['retention.bytes'] }] })).resources[0]!.configEntries[0]!;
    assert.deepEqual([ours.configValue, ours.configSource, ours.isDefault], ['2000000', ConfigSource.DYNAMIC_BROKER_CONFIG, false]);
    await assert.rejects(
      f.admin.incrementalAlterConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: node, configEntries: [{ name: 'log.dirs', value: '/elsewhere' }] }] }),
      (e: unknown) => e instanceof KafkaJSProtocolError && e.type === 'INVALID_REQUEST' && /log\.dirs/.test(e.message),
    );
    await f.admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: node, configEntries: [] }] });
    await f.admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '', configEntries: [] }] });
  });

  it('a bad config value rejects with INVALID_CONFIG and the broker\'s message', async () => {
    const resources = [{ type: ConfigResourceTypes.TOPIC, name: 'settings', configEntries: [{ name: 'retention.ms', value: 'soon' }] }];
    await assert.rejects(f.admin.alterConfigs({ resources }), (e: unknown) => e instanceof KafkaJSProtocolError && e.type === 'INVALID_CONFIG' && /retention\.ms/.test(e.message));
    await assert.rejects(f.admin.incrementalAlterConfigs({ resources }), (e: unknown) => e instanceof KafkaJSProtocolError && e.type === 'INVALID_CONFIG');
    await assert.rejects(
      f.admin.incrementalAlterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'settings', configEntries: [{ name: 'retention.ms', operation: 9 as never }] }] }),
      KafkaJSNonRetriableError,
    );
  });
});
