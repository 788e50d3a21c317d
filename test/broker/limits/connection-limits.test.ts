/**
 * Connection limits and timeouts, with Kafka's config names: connections that
 * idle (`connections.max.idle.ms`), too many connections (`max.connections`,
 * `max.connections.per.ip` and its overrides), a frame begun and never finished
 * (`socket.request.read.timeout.ms`, tskafka's own), and password guessing
 * (`connection.failed.authentication.delay.ms`, KIP-306). Before these, 1,000
 * idle connections took every file descriptor without a line in the log, a
 * slowloris frame held its connection forever, and a client could try 720
 * passwords a second.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokerConfigError, parseBrokerConfig } from '../../../src/broker/config.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  ApiVersionsRequest,
  ApiVersionsResponse,
  FetchRequest,
  FetchResponse,
  ProduceRequest,
  ProduceResponse,
  SaslAuthenticateRequest,
  SaslAuthenticateResponse,
  SaslHandshakeRequest,
  SaslHandshakeResponse,
} from '../../../src/protocol/generated/index.js';
import { encodeRecordBatch } from '../../../src/protocol/records/record-batch.js';
import { eventually } from '../../support/eventually.js';
import { encodeRequest } from '../../support/fuzz-frames.js';
import { WireClient, recordingLogger, sizePrefix } from '../../support/wire-client.js';

const apiVersions = (client: WireClient): Promise<ApiVersionsResponse> => client.request(ApiVersionsRequest, ApiVersionsResponse, 3, { clientSoftwareName: 'limits-test', clientSoftwareVersion: '1' });

describe('connection limit configs', () => {
  it("default to Kafka's values", () => {
    const { connectionLimits } = parseBrokerConfig(new Map());
    assert.deepEqual(connectionLimits, {
      connectionsMaxIdleMs: 600_000,
      maxConnections: 2_147_483_647,
      maxConnectionsPerListener: new Map(),
      maxConnectionsPerIp: 2_147_483_647,
      maxConnectionsPerIpOverrides: new Map(),
      saslServerMaxReceiveSize: 524_288,
      failedAuthenticationDelayMs: 100,
      socketRequestReadTimeoutMs: 30_000,
    });
  });

  it('read per-address overrides, IPv6 and IPv4-mapped addresses included', () => {
    const { connectionLimits } = parseBrokerConfig(new Map([['max.connections.per.ip.overrides', '127.0.0.1:5, [::1]:7,::FFFF:10.0.0.1:0']]));
    assert.deepEqual(connectionLimits.maxConnectionsPerIpOverrides, new Map([['127.0.0.1', 5], ['::1', 7], ['10.0.0.1', 0]]));
  });

  it("refuse values Kafka refuses, naming the config", () => {
    const refused = (props: Record<string, string>, key: string): void => {
      assert.throws(() => parseBrokerConfig(new Map(Object.entries(props))), (e: unknown) => e instanceof BrokerConfigError && e.key === key, JSON.stringify(props));
    };
    refused({ 'max.connections.per.ip': '0' }, 'max.connections.per.ip');
    refused({ 'max.connections.per.ip.overrides': 'broker.example.com:10' }, 'max.connections.per.ip.overrides');
    refused({ 'max.connections.per.ip.overrides': '127.0.0.1:' }, 'max.connections.per.ip.overrides');
    refused({ 'max.connections': '-1' }, 'max.connections');
    refused({ 'connections.max.idle.ms': '0' }, 'connections.max.idle.ms');
    refused({ 'connections.max.idle.ms': '1000', 'connection.failed.authentication.delay.ms': '1000' }, 'connection.failed.authentication.delay.ms');
    refused({ 'sasl.server.max.receive.size': '0' }, 'sasl.server.max.receive.size');
    refused({ 'socket.request.read.timeout.ms': '0' }, 'socket.request.read.timeout.ms');
    assert.equal(parseBrokerConfig(new Map([['connections.max.idle.ms', '-1']])).connectionLimits.connectionsMaxIdleMs, -1, '-1: never');
  });
});

describe('connection limits on the wire', () => {
  const brokers: RunningBroker[] = [];
  const clients: WireClient[] = [];
  after(async () => {
    for (const c of clients) c.destroy();
    for (const b of brokers) await b.close();
  });
  const start = async (properties: Record<string, string | number>) => {
    const { lines, logger } = recordingLogger();
    const broker = await startBroker({ inMemory: true, port: 0, logger, properties });
    brokers.push(broker);
    return { broker, lines };
  };
  const connect = async (broker: RunningBroker): Promise<WireClient> => {
    const c = await WireClient.connect(broker.port);
    clients.push(c);
    return c;
  };

  it('close a connection idle for connections.max.idle.ms, logged', async () => {
    const { broker, lines } = await start({ 'connections.max.idle.ms': 300 });
    const client = await connect(broker);
    assert.equal((await apiVersions(client)).errorCode, ErrorCode.NONE);
    assert.equal(await client.closesWithin(20_000), true, 'the idle connection was closed');
    assert.ok(client.closedByBroker);
    assert.ok(lines.some((l) => l.includes('closing connection') && l.includes('connections.max.idle.ms')), lines.join('\n'));
  });

  it('refuse connections from one address past max.connections.per.ip, logged, and take one again once another closes', async () => {
    const { broker, lines } = await start({ 'max.connections.per.ip': 3 });
    const admitted = [await connect(broker), await connect(broker), await connect(broker)];
    for (const c of admitted) assert.equal((await apiVersions(c)).errorCode, ErrorCode.NONE);
    const fourth = await connect(broker);
    assert.equal(await fourth.closesWithin(20_000), true, 'the fourth connection was closed');
    assert.ok(lines.some((l) => l.startsWith('WARN refused a connection') && l.includes('max.connections.per.ip')), lines.join('\n'));
    for (const c of admitted) assert.equal((await apiVersions(c)).errorCode, ErrorCode.NONE, 'the admitted connections are still served');

    admitted[0]!.destroy();
    await eventually('a new connection to be admitted once one closed', async () => {
      const c = await connect(broker);
      return apiVersions(c).then(
        (r) => r.errorCode,
        () => undefined,
      );
    }, 20_000, 100);
  });

  it('let max.connections.per.ip.overrides raise or lower the limit for one address', async () => {
    const { broker } = await start({ 'max.connections.per.ip': 0, 'max.connections.per.ip.overrides': '127.0.0.1:2' });
    const admitted = [await connect(broker), await connect(broker)];
    for (const c of admitted) assert.equal((await apiVersions(c)).errorCode, ErrorCode.NONE);
    assert.equal(await (await connect(broker)).closesWithin(20_000), true, 'the third connection from 127.0.0.1 was closed');
  });

  it('refuse connections past max.connections, logged', async () => {
    const { broker, lines } = await start({ 'max.connections': 2 });
    const admitted = [await connect(broker), await connect(broker)];
    for (const c of admitted) assert.equal((await apiVersions(c)).errorCode, ErrorCode.NONE);
    assert.equal(await (await connect(broker)).closesWithin(20_000), true, 'the third connection was closed');
    assert.ok(lines.some((l) => l.startsWith('WARN refused a connection') && l.includes('(max.connections)')), lines.join('\n'));
  });

  it('close a connection whose frame is not received whole within socket.request.read.timeout.ms, not counting time the broker does not read', async () => {
    const { broker, lines } = await start({ 'socket.request.read.timeout.ms': 500 });
    await broker.broker.topics.create('waiting', 1, new Map());

    // Slowloris: a frame announced, a few bytes of it, then nothing.
    const slow = await connect(broker);
    slow.socket.write(Buffer.concat([sizePrefix(100), Buffer.alloc(10)]));
    assert.equal(await slow.closesWithin(20_000), true, 'the unfinished frame closed its connection');
    assert.ok(lines.some((l) => l.includes('closing connection') && l.includes('socket.request.read.timeout.ms')), lines.join('\n'));

    // A long-poll Fetch holds the connection muted; the frame behind it waits for the broker, not for the client.
    const patient = await connect(broker);
    const topicId = broker.broker.topics.get('waiting')!.topicId;
    const fetch = encodeRequest(FetchRequest, FetchRequest.apiKey, 12, {
      replicaId: -1,
      maxWaitMs: 60_000,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic: 'waiting', topicId, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 16, logStartOffset: -1n }] }],
    });
    const next = encodeRequest(ApiVersionsRequest, ApiVersionsRequest.apiKey, 3, { clientSoftwareName: 'limits-test', clientSoftwareVersion: '1' });
    patient.socket.write(Buffer.concat([fetch.frame, next.frame.subarray(0, 6)]));
    await sleep(1_500);
    patient.socket.write(next.frame.subarray(6));
    await sleep(500);
    assert.equal(patient.socket.destroyed, false, 'the connection is open while its fetch waits');
    // An append answers the fetch; then the frame behind it is read.
    const producer = await connect(broker);
    const produced = await producer.request(ProduceRequest, ProduceResponse, 9, { acks: -1, timeoutMs: 5_000, topicData: [{ name: 'waiting', partitionData: [{ index: 0, records: await encodeRecordBatch({ records: [{ value: 'x' }] }) }] }] });
    assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    const fetched = await patient.next();
    assert.ok(fetched, 'the fetch was answered');
    assert.equal(fetched.readInt32BE(0), fetch.correlationId);
    assert.equal(FetchResponse.decode(12, fetched.subarray(5)).errorCode, ErrorCode.NONE);
    const answered = await patient.next();
    assert.ok(answered, 'the frame that waited behind the fetch was answered, not closed');
    assert.equal(answered.readInt32BE(0), next.correlationId);
  });

  it('answer a failed authentication, and close, only after connection.failed.authentication.delay.ms', async () => {
    const delayMs = 1_000;
    const { broker } = await start({ listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.users': 'alice:secret', 'connection.failed.authentication.delay.ms': delayMs });
    const guesser = await connect(broker);
    assert.equal((await guesser.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' })).errorCode, ErrorCode.NONE);
    const sent = performance.now();
    const failed = await guesser.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 2, { authBytes: Buffer.from('\0alice\0guess') });
    const waited = performance.now() - sent;
    assert.equal(failed.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.ok(waited >= delayMs - 1, `the failure was answered after ${waited.toFixed(0)} ms, before the ${delayMs} ms delay`);
    assert.equal(await guesser.closesWithin(20_000), true, 'then the connection is closed');

    const alice = await connect(broker);
    assert.equal((await alice.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' })).errorCode, ErrorCode.NONE);
    assert.equal((await alice.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 2, { authBytes: Buffer.from('\0alice\0secret') })).errorCode, ErrorCode.NONE);
    assert.equal((await apiVersions(alice)).errorCode, ErrorCode.NONE);
  });
});
