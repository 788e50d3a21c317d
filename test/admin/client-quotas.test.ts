/**
 * `describeClientQuotas` and `alterClientQuotas` against our broker (KIP-546):
 * describe returns what alter set, removal works, validateOnly changes nothing,
 * the filter's match types and strictness select as Kafka's do, and bad
 * entries come back INVALID_REQUEST in a KafkaJSAggregateError, the good ones
 * of the same request applied. That the quotas throttle is
 * test/broker/quotas/throttle.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Admin } from '../../src/admin/admin.js';
import { ClientQuotaMatchTypes } from '../../src/admin/admin-types.js';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { KafkaJSAggregateError } from '../../src/errors/errors.js';
import { Kafka } from '../../src/kafka.js';

const user = (name: string | null) => ({ entityType: 'user', entityName: name });
const client = (name: string | null) => ({ entityType: 'client-id', entityName: name });

describe('admin client quotas', () => {
  let running: RunningBroker;
  let admin: Admin;

  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 } });
    admin = new Kafka({ clientId: 'quotas', brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).admin({ retry: { retries: 0 } });
    await admin.connect();
  });

  after(async () => {
    await admin.disconnect();
    await running.close();
  });

  it('describe returns what alter set; removal removes; an entity left without values is gone', async () => {
    await admin.alterClientQuotas({
      entries: [
        { entity: [client('app')], ops: [{ key: 'producer_byte_rate', value: 1024 }, { key: 'consumer_byte_rate', value: 2048 }] },
        { entity: [user('alice'), client('app')], ops: [{ key: 'request_percentage', value: 12.5 }] },
        { entity: [user(null)], ops: [{ key: 'producer_byte_rate', value: 4096 }] },
      ],
    });
    assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: 'client-id', match: 'app' }], strict: true }), [
      { entity: [client('app')], values: { producer_byte_rate: 1024, consumer_byte_rate: 2048 } },
    ]);
    // Not strict: entities with other parts match too.
    const loose = await admin.describeClientQuotas({ components: [{ entityType: 'client-id', match: 'app' }] });
    assert.equal(loose.length, 2);
    assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: 'user', match: null }] }), [{ entity: [user(null)], values: { producer_byte_rate: 4096 } }]);
    assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: 'user', matchType: ClientQuotaMatchTypes.ANY }], strict: true }), [{ entity: [user(null)], values: { producer_byte_rate: 4096 } }]);
    assert.equal((await admin.describeClientQuotas({ components: [] })).length, 3);

    await admin.alterClientQuotas({ entries: [{ entity: [client('app')], ops: [{ key: 'producer_byte_rate', remove: true }] }] });
    assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: 'client-id', match: 'app' }], strict: true }), [{ entity: [client('app')], values: { consumer_byte_rate: 2048 } }]);
    await admin.alterClientQuotas({ entries: [{ entity: [client('app')], ops: [{ key: 'consumer_byte_rate', remove: true }] }] });
    assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: 'client-id', match: 'app' }], strict: true }), []);
  });

  it('validateOnly checks and changes nothing', async () => {
    await admin.alterClientQuotas({ validateOnly: true, entries: [{ entity: [client('dry')], ops: [{ key: 'producer_byte_rate', value: 1000 }] }] });
    assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: 'client-id', match: 'dry' }] }), []);
    await assert.rejects(admin.alterClientQuotas({ validateOnly: true, entries: [{ entity: [client('dry')], ops: [{ key: 'producer_byte_rate', value: 1.5 }] }] }), KafkaJSAggregateError);
  });

  it('bad entries are INVALID_REQUEST, each on its own; the good ones apply', async () => {
    const rejected = await admin
      .alterClientQuotas({
        entries: [
          { entity: [client('ok')], ops: [{ key: 'producer_byte_rate', value: 5000 }] },
          { entity: [client('x')], ops: [{ key: 'no_such_quota', value: 1 }] },
          { entity: [client('x')], ops: [{ key: 'consumer_byte_rate', value: 10.5 }] },
          { entity: [client('x')], ops: [{ key: 'consumer_byte_rate', value: -1 }] },
          { entity: [client('x'), client('y')], ops: [{ key: 'consumer_byte_rate', value: 1 }] },
          { entity: [{ entityType: 'tenant', entityName: 'x' }], ops: [{ key: 'consumer_byte_rate', value: 1 }] },
          { entity: [], ops: [{ key: 'consumer_byte_rate', value: 1 }] },
        ],
      })
      .then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e,
      );
    assert.ok(rejected instanceof KafkaJSAggregateError);
    assert.deepEqual(
      rejected.errors.map((e) => (e as unknown as { type: string }).type),
      Array(6).fill('INVALID_REQUEST'),
    );
    assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: 'client-id', match: 'ok' }] }), [{ entity: [client('ok')], values: { producer_byte_rate: 5000 } }]);
    assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: 'client-id', match: 'x' }] }), []);
  });

  it('a bad filter is refused with INVALID_REQUEST', async () => {
    await assert.rejects(admin.describeClientQuotas({ components: [{ entityType: 'user' }, { entityType: 'user', match: 'a' }] }), { type: 'INVALID_REQUEST' });
    await assert.rejects(admin.describeClientQuotas({ components: [{ entityType: 'tenant' }] }), { type: 'INVALID_REQUEST' });
  });
});

describe('admin client quotas under ACLs', () => {
  let running: RunningBroker;
  let admin: Admin;

  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' } });
    admin = new Kafka({ clientId: 'quotas-acl', brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).admin({ retry: { retries: 0 } });
    await admin.connect();
  });

  after(async () => {
    await admin.disconnect();
    await running.close();
  });

  it('needs ALTER_CONFIGS on the CLUSTER to alter and DESCRIBE_CONFIGS to describe', async () => {
    await assert.rejects(admin.alterClientQuotas({ entries: [{ entity: [client('a')], ops: [{ key: 'producer_byte_rate', value: 1 }] }] }), (e: unknown) => {
      assert.ok(e instanceof KafkaJSAggregateError);
      assert.equal((e.errors[0] as unknown as { type: string }).type, 'CLUSTER_AUTHORIZATION_FAILED');
      return true;
    });
    await assert.rejects(admin.describeClientQuotas({ components: [] }), { type: 'CLUSTER_AUTHORIZATION_FAILED' });
  });
});
