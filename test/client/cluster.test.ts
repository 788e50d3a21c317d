/**
 * The cluster against the real embedded broker: bootstrap from an array, a
 * function or KAFKA_BROKERS; metadata fetched, cached, refreshed when stale,
 * too old, or missing a topic; partition leaders; coordinators (batched on
 * FindCoordinator v4+, cached); reconnection after a drop; and no socket left
 * behind by disconnect().
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { Cluster, type ClusterOptions, CoordinatorType } from '../../src/client/cluster.js';
import { type KafkaConfig } from '../../src/client/client-options.js';
import { logLevel } from '../../src/client/logger.js';
import { KafkaJSBrokerNotFound, KafkaJSConnectionError, KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { KafkaJSProtocolError } from '../../src/errors/protocol-errors.js';
import { type RequestVersions } from '../../src/network/api-versions.js';
import { type NetworkEvent } from '../../src/network/instrumentation.js';
import { ApiKey, CreateTopicsRequest, CreateTopicsResponse, MetadataRequest, MetadataResponse } from '../../src/protocol/generated/index.js';
import { eventually } from '../support/eventually.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';

/** The codecs' whole ranges, as literal numbers, for the requests these tests send themselves. */
const METADATA_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 12 });
const CREATE_TOPICS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 7 });

describe('Cluster', () => {
  let running: RunningBroker;
  const clusters: Cluster[] = [];
  /** Requests sent by clusters made with `cluster()`, by API key. */
  let requests: Map<number, number>;
  const count = (apiKey: number): number => requests.get(apiKey) ?? 0;

  const cluster = (config: Partial<KafkaConfig> = {}, options: ClusterOptions = {}): Cluster => {
    const c = new Cluster(
      { clientId: 'cluster-test', brokers: [running.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50 }, ...config },
      {
        instrumentation: (e: NetworkEvent) => {
          if (e.type === 'network.request') requests.set(e.payload.apiKey, count(e.payload.apiKey) + 1);
        },
        ...options,
      },
    );
    clusters.push(c);
    return c;
  };

  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
    requests = new Map();
  });
  after(async () => {
    await Promise.all(clusters.map((c) => c.disconnect()));
    await running.close();
  });

  const createTopic = async (c: Cluster, name: string, numPartitions: number): Promise<void> => {
    const connection = await c.anyConnection();
    const response = await connection.send(CreateTopicsRequest, CreateTopicsResponse, { topics: [{ name, numPartitions, replicationFactor: 1 }], timeoutMs: 5000 }, { versions: CREATE_TOPICS_VERSIONS });
    assert.equal(response.topics[0]!.errorCode, 0);
  };

  describe('bootstrap', () => {
    it('connects through a broker of the array and learns the cluster', async () => {
      const c = cluster();
      await c.connect();
      const metadata = c.metadata!;
      assert.equal(metadata.clusterId, running.config.clusterId);
      assert.equal(metadata.controllerId, running.config.nodeId);
      assert.deepEqual([...metadata.brokers.values()], [{ nodeId: running.config.nodeId, host: '127.0.0.1', port: running.port, rack: null }]);
    });

    it('skips a bootstrap broker that is down', async () => {
      const c = cluster({ brokers: ['127.0.0.1:1', running.bootstrap, '127.0.0.1:1'] });
      await c.connect();
      assert.equal(c.metadata!.brokers.size, 1);
    });

    it('asks an async function for the bootstrap brokers', async () => {
      let calls = 0;
      const c = cluster({
        brokers: async () => {
          calls++;
          await sleep(5);
          return [running.bootstrap];
        },
      });
      await c.connect();
      assert.equal(calls, 1);
      assert.equal(c.metadata!.brokers.size, 1);
    });

    it('fails without retrying when the brokers function throws', async () => {
      const c = cluster({
        brokers: () => {
          throw new Error('service discovery is down');
        },
      });
      await assert.rejects(c.connect(), (e: unknown) => e instanceof KafkaJSNonRetriableError && /brokers function threw: service discovery is down/.test(e.message));
    });

    it('reads KAFKA_BROKERS when no brokers are given', async () => {
      const saved = process.env.KAFKA_BROKERS;
      process.env.KAFKA_BROKERS = ` ${running.bootstrap} ,`;
      try {
        const c = cluster({ brokers: undefined });
        await c.connect();
        assert.equal(c.metadata!.clusterId, running.config.clusterId);
      } finally {
        if (saved === undefined) delete process.env.KAFKA_BROKERS;
        else process.env.KAFKA_BROKERS = saved;
      }
    });
  });

  describe('metadata', () => {
    it('finds a topic created after the first fetch, with every partition and its leader', async () => {
      const c = cluster({}, { allowAutoTopicCreation: false });
      await c.connect();
      const topic = 'created-later';
      const missing = await c.leaderFor(topic, 0).then(
        () => assert.fail('the topic does not exist yet'),
        (e: unknown) => e,
      );
      assert.ok(missing instanceof KafkaJSProtocolError);
      assert.equal(missing.type, 'UNKNOWN_TOPIC_OR_PARTITION');
      assert.equal(missing.retriable, true);
      assert.equal(running.broker.topics.get(topic), undefined, 'allowAutoTopicCreation: false did not create it');

      await createTopic(c, topic, 3);
      const leader = await c.leaderFor(topic, 2);
      assert.deepEqual(leader, { nodeId: running.config.nodeId, leaderEpoch: 0 });
      const t = c.metadata!.topic(topic)!;
      assert.equal(t.errorCode, 0);
      assert.deepEqual(
        t.partitions.map((p) => [p.partitionId, p.leaderId]),
        [0, 1, 2].map((p) => [p, running.config.nodeId]),
      );
      await assert.rejects(c.leaderFor(topic, 7), (e: unknown) => e instanceof KafkaJSProtocolError && /has no partition 7 \(it has 3\)/.test(e.message));
    });

    it('lets Metadata create a missing topic when allowAutoTopicCreation is on (the default)', async () => {
      const c = cluster();
      const leader = await c.leaderFor('auto-created', 0);
      assert.equal(leader.nodeId, running.config.nodeId);
      assert.ok(running.broker.topics.get('auto-created'));
    });

    it('refreshes only when stale, too old, or missing a topic', async () => {
      // 3 s: long enough that the metadata is still fresh for the next two calls on a loaded machine.
      const c = cluster({}, { metadataMaxAge: 3000 });
      await createTopic(c, 'cached', 1);
      await c.refreshMetadata(['cached']);
      const base = count(ApiKey.Metadata);
      await c.refreshMetadataIfNeeded(['cached']);
      await c.leaderFor('cached', 0);
      assert.equal(count(ApiKey.Metadata), base, 'fresh metadata is reused');
      c.markStale();
      await c.refreshMetadataIfNeeded();
      assert.equal(count(ApiKey.Metadata), base + 1, 'markStale forces a refresh');
      await c.refreshMetadataIfNeeded(['auto-created']);
      assert.equal(count(ApiKey.Metadata), base + 2, 'an unknown topic forces a refresh');
      await sleep(3100);
      await c.refreshMetadataIfNeeded();
      assert.equal(count(ApiKey.Metadata), base + 3, 'metadataMaxAge forces a refresh');
      assert.deepEqual([...c.metadata!.topics.keys()].sort(), ['auto-created', 'cached'], 'every topic asked about is tracked');
    });

    it('shares one Metadata request among concurrent refreshes', async () => {
      const c = cluster();
      await c.connect();
      const base = count(ApiKey.Metadata);
      const results = await Promise.all(Array.from({ length: 5 }, () => c.refreshMetadata()));
      assert.equal(count(ApiKey.Metadata), base + 1);
      assert.ok(results.every((m) => m === results[0]));
    });

    it('uses the highest Metadata version both sides support', async () => {
      const versions: number[] = [];
      const c = cluster({}, { instrumentation: (e) => e.type === 'network.request' && e.payload.apiKey === ApiKey.Metadata && versions.push(e.payload.apiVersion) });
      await c.connect();
      assert.deepEqual(versions, [12]);
    });
  });

  describe('connections', () => {
    it('hands out one connected connection per broker and refuses an unknown node id', async () => {
      const c = cluster();
      const a = await c.connectionFor(running.config.nodeId);
      const b = await c.connectionFor(running.config.nodeId);
      assert.equal(a, b);
      assert.equal(a.isReady, true);
      const response = await a.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS });
      assert.equal(response.brokers.length, 1);
      await assert.rejects(c.connectionFor(42), KafkaJSBrokerNotFound);
    });

    it('uses the bootstrap connection as the broker connection, and closes every socket on disconnect', async () => {
      // A broker of its own, so its socket count is this cluster's alone.
      const own = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
      try {
        const c = cluster({ brokers: [own.bootstrap] });
        await c.connect();
        await c.connectionFor(own.config.nodeId);
        await c.findCoordinator('some-group');
        await c.leaderFor('auto-created', 0);
        assert.equal(own.broker.connections.size, 1, 'one socket for bootstrap, metadata, coordinator and leader');
        await c.disconnect();
        await eventually('the broker to see the socket close', () => (own.broker.connections.size === 0 ? true : undefined), 15_000, 10);
        assert.equal(c.connections.length, 0);
      } finally {
        await own.close();
      }
    });
  });

  describe('coordinators', () => {
    it('finds and caches a group coordinator', async () => {
      const c = cluster();
      const base = count(ApiKey.FindCoordinator);
      const node = await c.findCoordinator('group-a');
      assert.deepEqual(node, { nodeId: running.config.nodeId, host: '127.0.0.1', port: running.port, rack: null });
      await c.findCoordinator('group-a');
      assert.equal(count(ApiKey.FindCoordinator), base + 1, 'cached');
      c.invalidateCoordinator('group-a');
      await c.findCoordinator('group-a');
      assert.equal(count(ApiKey.FindCoordinator), base + 2, 'looked up again after invalidation');
    });

    it('batches several keys in one FindCoordinator request (v4+, KIP-699)', async () => {
      const c = cluster();
      await c.connect();
      assert.ok((await c.anyConnection()).versionFor(ApiKey.FindCoordinator) >= 4);
      const base = count(ApiKey.FindCoordinator);
      const found = await c.findCoordinators(['tx-1', 'tx-2', 'tx-3'], CoordinatorType.TRANSACTION);
      assert.deepEqual([...found.keys()], ['tx-1', 'tx-2', 'tx-3']);
      assert.equal(count(ApiKey.FindCoordinator), base + 1);
      const connection = await c.connectionForCoordinator('tx-2', CoordinatorType.TRANSACTION);
      assert.equal(connection.isReady, true);
      assert.equal(count(ApiKey.FindCoordinator), base + 1, 'cached per key and type');
    });
  });

  describe('faults', () => {
    let proxied: RunningBroker | undefined;
    let proxy: FaultProxy;
    before(async () => {
      // The broker advertises the proxy, so every connection the cluster opens goes through it.
      proxy = await startFaultProxy(() => `127.0.0.1:${proxied!.port}`);
      proxied = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'advertised.listeners': `PLAINTEXT://${proxy.address}` } });
    });
    after(async () => {
      await proxy.close();
      await proxied?.close();
    });

    it('fails requests in flight with a retriable error when the connection drops; the next use reconnects', async () => {
      const c = cluster({ brokers: [proxy.address] });
      await c.connect();
      assert.equal(proxy.stats.open, 1);
      const connection = await c.connectionFor(proxied!.config.nodeId);
      proxy.swallowResponses();
      const inFlight = connection.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS }).then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e,
      );
      await sleep(20);
      proxy.dropConnections();
      const error = await inFlight;
      assert.ok(error instanceof KafkaJSConnectionError && error.retriable, String(error));
      proxy.reset();
      const again = await c.connectionFor(proxied!.config.nodeId);
      assert.equal(again, connection, 'the same connection object, reconnected');
      assert.equal(again.isReady, true);
      assert.equal((await again.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS })).brokers.length, 1);
      assert.equal(proxy.stats.accepted, 2);
      await c.disconnect();
      await eventually('the proxy to see every socket close', () => (proxy.stats.open === 0 ? true : undefined), 15_000, 10);
    });

    it('retries a metadata refresh until the broker answers again', async () => {
      const c = cluster({ brokers: [proxy.address], retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 100 } });
      await c.connect();
      proxy.refuseConnections(true);
      proxy.dropConnections();
      const refreshed = c.refreshMetadata();
      await sleep(150);
      proxy.reset();
      const metadata = await refreshed;
      assert.equal(metadata.brokers.size, 1);
    });
  });
});
