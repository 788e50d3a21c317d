/**
 * Topic configs through the admin APIs: DescribeConfigs, AlterConfigs (KafkaJS's
 * admin as the peer) and IncrementalAlterConfigs (our connection; KafkaJS lacks it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import kafkajs, { Kafka, logLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { type RequestVersions } from '../../../src/network/api-versions.js';
import { Connection } from '../../../src/network/connection.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { IncrementalAlterConfigsRequest } from '../../../src/protocol/generated/incremental-alter-configs-request.js';
import { IncrementalAlterConfigsResponse } from '../../../src/protocol/generated/incremental-alter-configs-response.js';

// KafkaJS is CommonJS; this enum is not among the names Node can detect statically.
const { ConfigResourceTypes } = kafkajs;

/** IncrementalAlterConfigs' whole codec range, as literal numbers: the broker's handler is under test. */
const INCREMENTAL_ALTER_CONFIGS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 1 });

describe('topic configs', () => {
  let running: RunningBroker;
  let admin: ReturnType<Kafka['admin']>;

  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
    admin = new Kafka({ clientId: 'configs-test', brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'cfg', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
  });
  after(async () => {
    await admin.disconnect();
    await running.close();
  });

  const describeTopic = async (): Promise<Map<string, string>> => {
    const res = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg' }] });
    return new Map(res.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
  };

  it('AlterConfigs replaces every override; validateOnly changes nothing; bad values are INVALID_CONFIG', async () => {
    assert.equal((await describeTopic()).get('retention.ms'), '1000');
    await admin.alterConfigs({ validateOnly: true, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    assert.equal((await describeTopic()).get('cleanup.policy'), 'delete');
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    const after = await describeTopic();
    assert.equal(after.get('cleanup.policy'), 'compact');
    assert.notEqual(after.get('retention.ms'), '1000', 'the non-incremental form drops overrides it does not repeat');
    await assert.rejects(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }),
      (e: unknown) => (e as { type?: string }).type === 'INVALID_CONFIG',
    );
    assert.equal((await describeTopic()).get('cleanup.policy'), 'compact', 'a refused alteration changes nothing');
  });

  it('IncrementalAlterConfigs sets, appends to, subtracts from and deletes overrides', async () => {
    const connection = new Connection({ host: '127.0.0.1', port: running.port });
    try {
      const alter = async (configs: { name: string; configOperation: number; value: string | null }[]) => {
        const res = await connection.send(
          IncrementalAlterConfigsRequest,
          IncrementalAlterConfigsResponse,
          { validateOnly: false, resources: [{ resourceType: 2, resourceName: 'cfg', configs }] },
          { versions: INCREMENTAL_ALTER_CONFIGS_VERSIONS },
        );
        return res.responses[0]!;
      };
      assert.equal((await alter([{ name: 'cleanup.policy', configOperation: 0, value: 'delete' }])).errorCode, ErrorCode.NONE);
      assert.equal((await alter([{ name: 'cleanup.policy', configOperation: 2, value: 'compact' }])).errorCode, ErrorCode.NONE);
      assert.equal(running.broker.topics.get('cfg')!.config('cleanup.policy'), 'compact,delete');
      assert.equal((await alter([{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }])).errorCode, ErrorCode.NONE);
      assert.equal(running.broker.topics.get('cfg')!.config('cleanup.policy'), 'compact');
      assert.equal((await alter([{ name: 'cleanup.policy', configOperation: 1, value: null }])).errorCode, ErrorCode.NONE);
      assert.equal(running.broker.topics.get('cfg')!.config('cleanup.policy'), 'delete', 'DELETE goes back to the broker default');
      const bad = await alter([{ name: 'retention.ms', configOperation: 2, value: '5' }]);
      assert.equal(bad.errorCode, ErrorCode.INVALID_CONFIG);
      assert.match(bad.errorMessage ?? '', /retention\.ms is not a list/);
    } finally {
      await connection.disconnect();
    }
  });
});
