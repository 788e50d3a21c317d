/**
 * The admin client itself: its options, events (KafkaJS's names and payloads),
 * logger, which errors it retries, and one effect checked with kcat
 * (librdkafka) rather than KafkaJS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AdminInstrumentationEvent, AdminEvents } from '../../src/admin/admin.js';
import { resolveAdminConfig } from '../../src/admin/admin-config.js';
import { ConfigResourceTypes } from '../../src/admin/admin-types.js';
import { KafkaJSConfigurationError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } from '../../src/errors/errors.js';
import { KafkaJSProtocolError } from '../../src/errors/protocol-errors.js';
import { eventually } from '../support/eventually.js';
import { runKcat, skipWithoutKcat } from '../support/kcat.js';
import { type AdminFixture, startAdminFixture } from './admin-fixture.js';

describe('admin: the client', () => {
  let f: AdminFixture;
  before(async () => {
    f = await startAdminFixture('admin-client-test');
  });
  after(async () => {
    await f.close();
  });

  it('refuses unknown and invalid options, naming them, without changing the object given', () => {
    assert.throws(() => resolveAdminConfig({ retires: 3 } as never), (e: unknown) => e instanceof KafkaJSConfigurationError && /admin\.retires/.test(e.message));
    assert.throws(() => resolveAdminConfig({ retry: { retries: -1 } }), (e: unknown) => e instanceof KafkaJSConfigurationError && /retry\.retries/.test(e.message));
    const config = Object.freeze({ retry: Object.freeze({ retries: 2 }) });
    const resolved = resolveAdminConfig(config, { retries: 7, initialRetryTime: 42 });
    assert.deepEqual([resolved.retry.retries, resolved.retry.initialRetryTime], [2, 42], "the admin's retry fields over the client's");
    assert.throws(() => f.newAdmin({ metadataMaxAge: -5 }), KafkaJSConfigurationError);
  });

  it("emits KafkaJS's events: connect, disconnect and network requests with their API names", async () => {
    const admin = f.newAdmin();
    assert.equal(admin.events, AdminEvents);
    const seen: AdminInstrumentationEvent[] = [];
    for (const name of [AdminEvents.CONNECT, AdminEvents.DISCONNECT, AdminEvents.REQUEST]) admin.on(name, (e) => void seen.push(e));
    await admin.connect();
    await admin.listTopics();
    await admin.disconnect();
    const types = seen.map((e) => e.type);
    assert.equal(types[0], 'admin.network.request', 'the bootstrap metadata request comes first');
    assert.ok(types.includes('admin.connect'));
    assert.equal(types.at(-1), 'admin.disconnect');
    const requests = seen.filter((e) => e.type === AdminEvents.REQUEST).map((e) => (e.payload as { apiName: string }).apiName);
    assert.ok(requests.includes('Metadata'), requests.join());
    const remove = admin.on(AdminEvents.CONNECT, () => assert.fail('removed'));
    remove();
    await admin.connect();
    await admin.disconnect();
    await assert.rejects(async () => admin.on('admin.nope' as never, () => undefined), (e: unknown) => e instanceof KafkaJSNonRetriableError && /admin\.events\.CONNECT/.test(e.message));
  });

  it('has a logger, as KafkaJS', () => {
    const logger = f.admin.logger();
    assert.equal(typeof logger.info, 'function');
    assert.equal(typeof logger.namespace, 'function');
  });

  it('does not retry an answer that is final: a describeConfigs of an unknown topic is sent once', async () => {
    const admin = f.newAdmin({ retry: { retries: 5, initialRetryTime: 10 } });
    const sent: string[] = [];
    admin.on(AdminEvents.REQUEST, (e) => void sent.push((e.payload as { apiName: string }).apiName));
    await admin.connect();
    await assert.rejects(admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'unknown' }] }), (e: unknown) => e instanceof KafkaJSProtocolError && e.type === 'UNKNOWN_TOPIC_OR_PARTITION');
    assert.deepEqual(sent.filter((n) => n === 'DescribeConfigs'), ['DescribeConfigs']);
  });

  it('retries a retriable error: fetchTopicOffsets of a topic created meanwhile succeeds; an absent one gives up after its retries', async () => {
    // Up to ~60 s of retries: the topic appears whenever KafkaJS gets to create it, however loaded the machine.
    const admin = f.newAdmin({ retry: { retries: 300, initialRetryTime: 50, maxRetryTime: 200 } });
    await admin.connect();
    const pending = admin.fetchTopicOffsets('late-topic');
    await new Promise((resolve) => setTimeout(resolve, 150));
    await f.peer.createTopics({ topics: [{ topic: 'late-topic' }] });
    assert.deepEqual(await pending, [{ partition: 0, offset: '0', high: '0', low: '0' }]);
    const impatient = f.newAdmin({ retry: { retries: 1, initialRetryTime: 10 } });
    await assert.rejects(impatient.fetchTopicOffsets('never-topic'), (e: unknown) => e instanceof KafkaJSNumberOfRetriesExceeded && /UNKNOWN_TOPIC_OR_PARTITION/.test(e.message));
  });

  it('createTopics makes topics kcat (librdkafka) then sees, with their partitions', { skip: skipWithoutKcat }, async () => {
    await f.admin.createTopics({ topics: [{ topic: 'seen-by-kcat', numPartitions: 3 }] });
    const listing = await eventually('kcat to list the topic', async () => {
      const run = await runKcat(['-b', f.broker.bootstrap, '-L', '-J', '-t', 'seen-by-kcat']);
      return run.code === 0 ? run.stdout : undefined;
    });
    const metadata = JSON.parse(listing) as { topics: { topic: string; partitions: unknown[] }[] };
    assert.deepEqual(metadata.topics.map((t) => [t.topic, t.partitions.length]), [['seen-by-kcat', 3]]);
  });
});
