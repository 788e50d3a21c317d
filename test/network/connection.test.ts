/**
 * One connection against the real embedded broker: version negotiation,
 * pipelining within the in-flight window, requests without a response,
 * timeouts, drops and reconnects (the faults injected by a TCP proxy), and
 * disconnect.
 */
import assert from 'node:assert/strict';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { KafkaJSConnectionClosedError, KafkaJSConnectionError, KafkaJSRequestTimeoutError, KafkaJSServerDoesNotSupportApiKey } from '../../src/errors/errors.js';
import { type RequestVersions, clientVersions } from '../../src/network/api-versions.js';
import { Connection, type ConnectionOptions } from '../../src/network/connection.js';
import { type NetworkEvent } from '../../src/network/instrumentation.js';
import {
  ApiKey,
  ApiVersionsRequest,
  ApiVersionsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  MetadataResponse,
  ProduceRequest,
  ProduceResponse,
} from '../../src/protocol/generated/index.js';
import { encodeRecordBatchSync } from '../../src/protocol/records/record-batch.js';
import { eventually } from '../support/eventually.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { within } from '../support/within.js';

/**
 * The versions each request here implements, as literal numbers. The
 * connection is under test, not a request site, so most take the codecs'
 * whole range: what both sides support.
 */
const METADATA_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 12 });
const API_VERSIONS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 4 });
const CREATE_TOPICS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 7 });
/** Min 1: the test reads `offset`, v0 has only `oldStyleOffsets`. */
const LIST_OFFSETS_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 9 });
/** Min 3: the records are a v2 record batch (magic 2), which Produce carries from v3. */
const PRODUCE_VERSIONS: RequestVersions = Object.freeze({ min: 3, max: 11 });

function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

describe('Connection', () => {
  let running: RunningBroker;
  const open: Connection[] = [];
  const connection = (address: string, options: Partial<ConnectionOptions> = {}): Connection => {
    const c = new Connection({ ...hostPort(address), clientId: 'connection-test', ...options });
    open.push(c);
    return c;
  };

  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
  });
  after(async () => {
    await Promise.all(open.map((c) => c.disconnect()));
    await running.close();
  });

  describe('negotiation', () => {
    it('keeps the broker ranges from ApiVersions and picks the highest version both sides support', async () => {
      const c = connection(running.bootstrap);
      await c.connect();
      assert.equal(c.state, 'ready');
      const advertised = (await c.send(ApiVersionsRequest, ApiVersionsResponse, { clientSoftwareName: 'test', clientSoftwareVersion: '1' }, { versions: API_VERSIONS_VERSIONS })).apiKeys;
      assert.equal(advertised.length, running.broker.handlers.size);
      for (const { apiKey, minVersion, maxVersion } of advertised) {
        assert.deepEqual(c.apiVersions!.brokerRange(apiKey), { min: minVersion, max: maxVersion }, `range of API ${apiKey}`);
        const ours = clientVersions(apiKey)!;
        assert.equal(c.versionFor(apiKey), Math.min(ours.max, maxVersion), `version of API ${apiKey}`);
        // What the broker really serves (its handler) includes the version we pick.
        const handler = running.broker.handlers.get(apiKey)!;
        assert.ok(c.versionFor(apiKey) >= handler.minVersion && c.versionFor(apiKey) <= handler.maxVersion);
      }
      assert.equal(c.versionFor(ApiKey.Metadata), 12);
      assert.equal(c.versionFor(ApiKey.Metadata, { min: 1, max: 9 }), 9, 'a caller may declare the versions it implements');
    });

    it('refuses clearly an API the broker does not serve', async () => {
      const c = connection(running.bootstrap);
      await c.connect();
      // DescribeQuorum is KRaft's, for a controller quorum this broker has not.
      assert.equal(running.broker.handlers.has(ApiKey.DescribeQuorum), false);
      assert.throws(() => c.versionFor(ApiKey.DescribeQuorum), (e: unknown) => e instanceof KafkaJSServerDoesNotSupportApiKey && /does not support DescribeQuorum/.test(e.message) && !e.retriable);
      await assert.rejects(c.send(MetadataRequest, MetadataResponse, { topics: [] }, { version: 99, versions: { min: 99, max: 99 } }), KafkaJSServerDoesNotSupportApiKey);
    });

    it('sends a request at an explicit version', async () => {
      const c = connection(running.bootstrap);
      const response = await c.send(MetadataRequest, MetadataResponse, { topics: [] }, { version: 1, versions: METADATA_VERSIONS });
      assert.equal(response.brokers[0]!.nodeId, running.config.nodeId);
      assert.equal(response.clusterId, null, 'v1 has no cluster id');
    });
  });

  describe('pipelining', () => {
    it('keeps 1,000 requests within a window of 5 and matches every response to its request', async () => {
      let maxInFlight = 0;
      let maxQueued = 0;
      let completed = 0;
      const c = connection(running.bootstrap, {
        maxInFlightRequests: 5,
        instrumentation: (event: NetworkEvent) => {
          maxInFlight = Math.max(maxInFlight, c.inFlightCount);
          if (event.type === 'network.request_queue_size') maxQueued = Math.max(maxQueued, event.payload.queueSize);
          if (event.type === 'network.request') completed++;
        },
      });
      await c.connect();
      const before = completed;
      const requests = Array.from({ length: 1000 }, (_, i) =>
        i % 2 === 0
          ? c.send(MetadataRequest, MetadataResponse, { topics: [{ name: `pipelined-${i}` }], allowAutoTopicCreation: false }, { versions: METADATA_VERSIONS }).then((r) => r.topics[0]!.name)
          : c.send(ApiVersionsRequest, ApiVersionsResponse, { clientSoftwareName: 'test', clientSoftwareVersion: `${i}` }, { versions: API_VERSIONS_VERSIONS }).then((r) => (r.errorCode === 0 ? `api-versions-${i}` : 'error')),
      );
      assert.equal(c.inFlightCount, 5);
      assert.equal(c.queueSize, 995);
      const names = await Promise.all(requests);
      names.forEach((name, i) => assert.equal(name, i % 2 === 0 ? `pipelined-${i}` : `api-versions-${i}`));
      assert.equal(maxInFlight, 5);
      assert.equal(maxQueued, 995);
      assert.equal(completed - before, 1000);
      assert.equal(c.queueSize, 0);
      assert.equal(c.inFlightCount, 0);
    });
  });

  describe('instrumentation', () => {
    it("reports each request with KafkaJS's network.request payload", async () => {
      const events: NetworkEvent[] = [];
      const c = connection(running.bootstrap, { instrumentation: (e) => events.push(e) });
      await c.connect();
      events.length = 0;
      await c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS });
      assert.equal(events.length, 1);
      const event = events[0]!;
      assert.equal(event.type, 'network.request');
      if (event.type !== 'network.request') return;
      const { payload } = event;
      assert.equal(payload.broker, running.bootstrap);
      assert.equal(payload.clientId, 'connection-test');
      assert.equal(payload.apiKey, ApiKey.Metadata);
      assert.equal(payload.apiName, 'Metadata');
      assert.equal(payload.apiVersion, 12);
      assert.equal(typeof payload.correlationId, 'number');
      assert.ok(payload.size > 8);
      assert.ok(payload.sentAt >= payload.createdAt);
      assert.equal(payload.pendingDuration, payload.sentAt - payload.createdAt);
      assert.ok(payload.duration >= payload.pendingDuration);
    });
  });

  describe('requests without a response', () => {
    it('resolves a Produce with acks=0 once written, and the broker stores it', async () => {
      const c = connection(running.bootstrap);
      const topic = 'acks-zero';
      const created = await c.send(CreateTopicsRequest, CreateTopicsResponse, { topics: [{ name: topic, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 5000 }, { versions: CREATE_TOPICS_VERSIONS });
      assert.equal(created.topics[0]!.errorCode, 0);
      const records = encodeRecordBatchSync({ records: [{ value: 'fire and forget' }] });
      const result = await c.send(ProduceRequest, ProduceResponse, { acks: 0, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }, { expectResponse: false, versions: PRODUCE_VERSIONS });
      assert.equal(result, undefined);
      assert.equal(c.inFlightCount, 0, 'nothing waits for an answer');
      // The broker answers in order, so the next response proves the produce was handled first.
      const offsets = await c.send(ListOffsetsRequest, ListOffsetsResponse, { replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1 }] }] }, { versions: LIST_OFFSETS_VERSIONS });
      assert.equal(offsets.topics[0]!.partitions[0]!.offset, 1n);
    });
  });

  describe('faults', () => {
    let proxy: FaultProxy;
    before(async () => {
      proxy = await startFaultProxy(running.bootstrap);
    });
    after(() => proxy.close());

    it('times a slow request out, keeps the connection, and drops the late answer', async () => {
      proxy.reset();
      const timeouts: NetworkEvent[] = [];
      // A request timeout of 1 s, not less: a connection silent for two timeouts is closed, so a timer late
      // by one timeout on a loaded machine would close it here; the delay is longer still, so the answer is late.
      const c = connection(proxy.address, { requestTimeout: 1000, instrumentation: (e) => e.type === 'network.request_timeout' && timeouts.push(e) });
      await c.connect();
      const deliveredBefore = proxy.stats.responsesDelivered;
      proxy.delayResponses(2000);
      const started = Date.now();
      const error = await c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS }).then(
        () => assert.fail('expected a timeout'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof KafkaJSRequestTimeoutError, String(error));
      assert.equal(error.retriable, true);
      assert.equal(error.broker, proxy.address);
      assert.match(error.message, /Request Metadata\(key: 3, version: 12\) timed out/);
      assert.equal(typeof error.correlationId, 'number');
      assert.ok(error.sentAt! >= error.createdAt!);
      assert.ok(Date.now() - started >= 990);
      assert.equal(timeouts.length, 1);
      assert.equal(c.state, 'ready', 'a timeout alone does not close the connection');
      proxy.reset();
      // The late answer arrives and must be ignored (responses keep their order, so the client reads it before the next one).
      await eventually('the late answer to reach the client', () => (proxy.stats.responsesDelivered > deliveredBefore ? true : undefined), 30_000);
      const response = await c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS });
      assert.equal(response.brokers[0]!.nodeId, running.config.nodeId);
      assert.equal(proxy.stats.accepted, 1, 'same connection');
    });

    it('closes a connection whose broker went silent for two request timeouts; the next request reconnects', async () => {
      proxy.reset();
      // 1.5 s, not less: the first timeout must come before two timeouts of silence even when its timer fires late.
      const c = connection(proxy.address, { requestTimeout: 1500 });
      await c.connect();
      const acceptedBefore = proxy.stats.accepted;
      proxy.swallowResponses();
      await assert.rejects(c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS }), KafkaJSRequestTimeoutError);
      assert.equal(c.state, 'ready');
      await assert.rejects(c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS }), KafkaJSRequestTimeoutError);
      assert.equal(c.state, 'broken');
      proxy.reset();
      const response = await c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS });
      assert.equal(response.brokers.length, 1);
      assert.equal(c.state, 'ready');
      assert.equal(proxy.stats.accepted, acceptedBefore + 1);
    });

    it('fails every request in flight with a retriable KafkaJSConnectionError when the connection drops, then reconnects', async () => {
      proxy.reset();
      const c = connection(proxy.address, { maxInFlightRequests: 2 });
      await c.connect();
      const acceptedBefore = proxy.stats.accepted;
      proxy.swallowResponses();
      const pending = Array.from({ length: 5 }, () => c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS }).then(() => assert.fail('expected a failure'), (e: unknown) => e));
      await sleep(50);
      assert.equal(c.inFlightCount, 2);
      assert.equal(c.queueSize, 3);
      proxy.dropConnections();
      const errors = await Promise.all(pending);
      for (const e of errors) {
        assert.ok(e instanceof KafkaJSConnectionError, String(e));
        assert.ok(!(e instanceof KafkaJSConnectionClosedError));
        assert.equal(e.retriable, true);
        assert.equal(e.broker, proxy.address);
      }
      assert.equal(c.state, 'broken');
      assert.equal(c.inFlightCount + c.queueSize, 0);
      proxy.reset();
      const response = await c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS });
      assert.equal(response.brokers[0]!.nodeId, running.config.nodeId);
      assert.equal(proxy.stats.accepted, acceptedBefore + 1, 'one new connection');
    });

    it('reports a request the broker handled but whose answer was lost with the connection', async () => {
      proxy.reset();
      const c = connection(proxy.address);
      await c.connect();
      proxy.dropOnResponse({ apiKey: ApiKey.CreateTopics });
      const topic = 'created-then-dropped';
      await assert.rejects(c.send(CreateTopicsRequest, CreateTopicsResponse, { topics: [{ name: topic, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 5000 }, { versions: CREATE_TOPICS_VERSIONS }), KafkaJSConnectionError);
      proxy.reset();
      // The broker did the work: a retry finds the topic already there (seed 000's lost-ack timeline).
      const retried = await c.send(CreateTopicsRequest, CreateTopicsResponse, { topics: [{ name: topic, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 5000 }, { versions: CREATE_TOPICS_VERSIONS });
      assert.equal(retried.topics[0]!.errorCode, 36 /* TOPIC_ALREADY_EXISTS */);
    });

    it('waits a backoff before reconnecting to a broker that keeps failing', async () => {
      proxy.reset();
      const c = connection(proxy.address, { reconnectBackoffMs: 200, reconnectBackoffMaxMs: 200 });
      await c.connect();
      proxy.refuseConnections(true);
      // The backoff runs from the failure (200 ms times Java's jitter factor, 0.8-1.2: at least 160 ms), so
      // measure from just before it, not from the connect() call that comes 20 ms later.
      const failedAt = Date.now();
      proxy.dropConnections();
      await eventually('the drop to break the connection', () => (c.state === 'broken' ? true : undefined), 15_000);
      await assert.rejects(c.connect(), KafkaJSConnectionError);
      assert.ok(Date.now() - failedAt >= 150, `waited ${Date.now() - failedAt} ms after the failure`);
      proxy.reset();
      await c.connect();
      assert.equal(c.state, 'ready');
    });
  });

  describe('opening', () => {
    it('fails with a retriable KafkaJSConnectionError when the port refuses', async () => {
      const server = createServer();
      server.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as AddressInfo;
      await new Promise((resolve) => server.close(resolve));
      const c = connection(`127.0.0.1:${port}`);
      const error = await c.connect().then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof KafkaJSConnectionError);
      assert.equal(error.code, 'ECONNREFUSED');
      assert.equal(error.retriable, true);
      assert.equal(c.state, 'broken');
    });

    it('gives up after connectionTimeout when the TLS handshake never completes', async () => {
      const sockets = new Set<import('node:net').Socket>();
      const silent: Server = createServer((s) => sockets.add(s));
      silent.listen(0, '127.0.0.1');
      await new Promise((resolve) => silent.once('listening', resolve));
      try {
        // Longer than the 1 s default, so the lower bound shows this option, not the default, was applied;
        // `within` fails the test if the attempt never ends.
        const c = connection(`127.0.0.1:${(silent.address() as AddressInfo).port}`, { ssl: true, connectionTimeout: 2500 });
        const started = Date.now();
        const error = await within(
          'connect() to a silent TLS peer',
          c.connect().then(
            () => assert.fail('expected a timeout'),
            (e: unknown) => e,
          ),
          30_000,
        );
        assert.ok(error instanceof KafkaJSConnectionError);
        assert.equal(error.code, 'ETIMEDOUT');
        assert.match(error.message, /Connection timeout/);
        assert.ok(Date.now() - started >= 2400, `gave up after ${Date.now() - started} ms`);
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });
  });

  describe('disconnect', () => {
    it('stops an attempt in progress; a later connect() starts afresh', async () => {
      const proxy = await startFaultProxy(running.bootstrap);
      try {
        const c = connection(proxy.address);
        // The ApiVersions answer is held for 2 s: long enough to find the attempt negotiating on a loaded machine.
        proxy.delayResponses(2000);
        const first = c.connect().then(
          () => assert.fail('expected the attempt to be stopped'),
          (e: unknown) => e,
        );
        await eventually('the attempt to reach negotiating', () => (c.state === 'negotiating' ? true : undefined), 15_000);
        await c.disconnect();
        assert.ok((await first) instanceof KafkaJSConnectionClosedError);
        proxy.reset();
        await c.connect();
        assert.equal(c.state, 'ready');
        await sleep(2100); // the first attempt's late answer must not disturb the new connection
        assert.equal((await c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS })).brokers.length, 1);
      } finally {
        await proxy.close();
      }
    });


    it('fails requests in flight with KafkaJSConnectionClosedError and refuses new ones until connect()', async () => {
      const proxy = await startFaultProxy(running.bootstrap);
      try {
        const c = connection(proxy.address);
        await c.connect();
        proxy.swallowResponses();
        const inFlight = c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS }).then(
          () => assert.fail('expected a failure'),
          (e: unknown) => e,
        );
        await sleep(20);
        await c.disconnect();
        assert.ok(await inFlight.then((e: unknown) => e instanceof KafkaJSConnectionClosedError && e.host === '127.0.0.1' && e.port === proxy.port && e.retriable));
        assert.equal(c.state, 'closed');
        await assert.rejects(c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS }), KafkaJSConnectionClosedError);
        proxy.reset();
        await c.connect();
        assert.equal((await c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS })).brokers.length, 1);
        await c.disconnect();
        await eventually('the proxy to see the socket closed', () => (proxy.stats.open === 0 ? true : undefined), 15_000);
      } finally {
        await proxy.close();
      }
    });
  });
});
