/**
 * The fault-injecting proxy the network and producer tests stand on: faults
 * aimed at one API and bounded by a count touch nothing else, a delay never
 * reorders a connection's responses, and chaos mode draws its faults from a
 * seed, only for the API it is aimed at, until stopped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { KafkaJSConnectionError, KafkaJSRequestTimeoutError } from '../../src/errors/errors.js';
import { type RequestVersions } from '../../src/network/api-versions.js';
import { Connection } from '../../src/network/connection.js';
import { ApiKey, DescribeClusterRequest, DescribeClusterResponse, MetadataRequest, MetadataResponse } from '../../src/protocol/generated/index.js';
import { ChaosSchedule } from '../support/chaos-schedule.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';

/** The codecs' whole ranges, as literal numbers: the proxy is under test, not the versions. */
const METADATA_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 12 });
const DESCRIBE_CLUSTER_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 1 });
/** Short enough that a swallowed answer fails soon, far longer than an answer (delayed up to 100 ms) takes on a loaded machine. */
const REQUEST_TIMEOUT_MS = 1500;

describe('fault proxy', () => {
  let running: RunningBroker;
  let proxy: FaultProxy;
  let connection: Connection;
  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
    proxy = await startFaultProxy(running.bootstrap);
    connection = new Connection({ host: proxy.host, port: proxy.port, requestTimeout: REQUEST_TIMEOUT_MS });
    await connection.connect();
  });
  after(async () => {
    await connection.disconnect();
    await proxy.close();
    await running.close();
  });

  it('swallows only the given number of responses of the given API', async () => {
    proxy.swallowResponses({ apiKey: ApiKey.Metadata, count: 1 });
    const swallowed = connection.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS });
    const other = await connection.send(DescribeClusterRequest, DescribeClusterResponse, {}, { versions: DESCRIBE_CLUSTER_VERSIONS });
    assert.equal(other.errorCode, 0, 'another API passes');
    await assert.rejects(swallowed, KafkaJSRequestTimeoutError);
    assert.equal((await connection.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS })).brokers.length, 1, 'the count is spent');
    assert.equal(proxy.stats.responsesSwallowed, 1);
    proxy.reset();
  });

  it('delays one API without reordering what follows it', async () => {
    proxy.delayResponses(100, { apiKey: ApiKey.Metadata });
    const order: string[] = [];
    const started = Date.now();
    await Promise.all([
      connection.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS }).then(() => order.push('metadata')),
      connection.send(DescribeClusterRequest, DescribeClusterResponse, {}, { versions: DESCRIBE_CLUSTER_VERSIONS }).then(() => order.push('describe')),
    ]);
    assert.deepEqual(order, ['metadata', 'describe']);
    assert.ok(Date.now() - started >= 90);
    proxy.reset();
  });

  describe('chaos', () => {
    /** A connection of its own: chaos may cut it. */
    const withConnection = async (use: (c: Connection) => Promise<void>): Promise<void> => {
      const c = new Connection({ host: proxy.host, port: proxy.port, requestTimeout: REQUEST_TIMEOUT_MS });
      await c.connect();
      try {
        await use(c);
      } finally {
        proxy.reset();
        await c.disconnect();
      }
    };
    const metadata = (c: Connection) => c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS });
    const describeCluster = (c: Connection) => c.send(DescribeClusterRequest, DescribeClusterResponse, {}, { versions: DESCRIBE_CLUSTER_VERSIONS });

    it('swallows answers of the API it is aimed at only, until stopChaos', async () => {
      await withConnection(async (c) => {
        const before = proxy.stats.chaos.swallowed;
        proxy.chaos({ seed: 1, apiKey: ApiKey.Metadata, swallowRate: 1 });
        const swallowed = metadata(c);
        assert.equal((await describeCluster(c)).errorCode, 0, 'another API passes');
        await assert.rejects(swallowed, KafkaJSRequestTimeoutError);
        assert.equal(proxy.stats.chaos.swallowed, before + 1);
        proxy.stopChaos();
        assert.equal((await metadata(c)).brokers.length, 1, 'answered once chaos stops');
      });
    });

    it('drops the connection with an answer the broker has produced', async () => {
      await withConnection(async (c) => {
        const before = proxy.stats.chaos.droppedOnResponse;
        proxy.chaos({ seed: 2, apiKey: ApiKey.Metadata, dropOnResponseRate: 1 });
        await assert.rejects(metadata(c), KafkaJSConnectionError);
        assert.equal(proxy.stats.chaos.droppedOnResponse, before + 1);
      });
    });

    it('cuts the connection as a request arrives', async () => {
      await withConnection(async (c) => {
        const before = proxy.stats.chaos.droppedConnections;
        proxy.chaos({ seed: 3, apiKey: ApiKey.Metadata, dropConnectionRate: 1 });
        await assert.rejects(metadata(c), KafkaJSConnectionError);
        assert.equal(proxy.stats.chaos.droppedConnections, before + 1);
      });
    });

    it('delays answers without reordering them', async () => {
      await withConnection(async (c) => {
        proxy.chaos({ seed: 4, delayRate: 1, maxDelayMs: 100 });
        const order: string[] = [];
        await Promise.all([
          metadata(c).then(() => order.push('metadata')),
          describeCluster(c).then(() => order.push('describe')),
          metadata(c).then(() => order.push('metadata again')),
        ]);
        assert.deepEqual(order, ['metadata', 'describe', 'metadata again']);
        assert.ok(proxy.stats.chaos.delayed >= 3);
      });
    });

    it('draws the same faults from the same seed, and others from another seed', () => {
      const options = { apiKey: ApiKey.Produce, dropConnectionRate: 0.2, dropOnResponseRate: 0.1, swallowRate: 0.1, delayRate: 0.3, maxDelayMs: 1000 };
      const draw = (seed: number): string[] => {
        const schedule = new ChaosSchedule({ seed, ...options });
        return Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? String(schedule.cutOnRequest(ApiKey.Produce, 1000)) : JSON.stringify(schedule.onResponse(ApiKey.Produce))));
      };
      assert.deepEqual(draw(42), draw(42));
      assert.notDeepEqual(draw(42), draw(43));
      const faults = draw(42).join(' ');
      for (const kind of ['dropOnResponse', 'swallow', 'delay', 'deliver']) assert.ok(faults.includes(kind), `${kind} is drawn`);
    });

    it('refuses rates outside 0..1 and response rates that sum past 1, naming the option', () => {
      assert.throws(() => new ChaosSchedule({ seed: 1, swallowRate: 1.5 }), /swallowRate/);
      assert.throws(() => new ChaosSchedule({ seed: 1, swallowRate: 0.6, delayRate: 0.6 }), /at most 1/);
      assert.throws(() => new ChaosSchedule({ seed: 1, maxDelayMs: 0 }), /maxDelayMs/);
    });
  });
});
