/**
 * ApiVersions negotiation against brokers of other Kafka releases: each peer
 * advertises the ranges of a real release (the capture broker speaks the
 * protocol with our codecs and answers only what it advertises), and the
 * connection must pick, per API, the highest version both sides support.
 */
import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { KafkaJSServerDoesNotSupportApiKey } from '../../src/errors/errors.js';
import { BrokerApiVersions, type RequestVersions, clientVersions } from '../../src/network/api-versions.js';
import { Connection } from '../../src/network/connection.js';
import { FrameSplitter, parseRequest, writeResponseFrame } from '../../src/protocol/framing.js';
import { ApiKey, ApiVersionsResponse, MetadataRequest, MetadataResponse } from '../../src/protocol/generated/index.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { ADVERTISED_API_VERSIONS, type ApiVersionRange, type CaptureBroker, startCaptureBroker } from '../support/capture-broker.js';

/** Kafka 2.1's ranges for the APIs a client needs first (ApiVersions v2: before KIP-511). */
const KAFKA_2_1: readonly ApiVersionRange[] = [
  { apiKey: ApiKey.Produce, minVersion: 0, maxVersion: 7 },
  { apiKey: ApiKey.Fetch, minVersion: 0, maxVersion: 10 },
  { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 7 },
  { apiKey: ApiKey.FindCoordinator, minVersion: 0, maxVersion: 2 },
  { apiKey: ApiKey.SaslHandshake, minVersion: 0, maxVersion: 1 },
  { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 2 },
  { apiKey: ApiKey.SaslAuthenticate, minVersion: 0, maxVersion: 0 },
];

/** Kafka 4.0's ranges: KIP-896 removed Metadata v0-v3 and FindCoordinator v0. */
const KAFKA_4_0: readonly ApiVersionRange[] = [
  { apiKey: ApiKey.Produce, minVersion: 0, maxVersion: 12 },
  { apiKey: ApiKey.Metadata, minVersion: 4, maxVersion: 12 },
  { apiKey: ApiKey.FindCoordinator, minVersion: 1, maxVersion: 6 },
  { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 },
];

/** Metadata's whole codec range, as literal numbers: which version goes is up to the broker's range. */
const METADATA_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 12 });

describe('ApiVersions negotiation', () => {
  const brokers: CaptureBroker[] = [];
  const connections: Connection[] = [];
  after(async () => {
    await Promise.all(connections.map((c) => c.disconnect()));
    await Promise.all(brokers.map((b) => b.close()));
  });

  const connectTo = async (advertised: readonly ApiVersionRange[]): Promise<{ broker: CaptureBroker; connection: Connection }> => {
    const broker = await startCaptureBroker({ partitions: 1, advertised });
    brokers.push(broker);
    const connection = new Connection({ host: broker.host, port: broker.port });
    connections.push(connection);
    await connection.connect();
    return { broker, connection };
  };

  it('retries with the version a KIP-511 broker lists when it does not know ours (Kafka 3.7: ApiVersions v3)', async () => {
    const { broker, connection } = await connectTo(ADVERTISED_API_VERSIONS);
    const sent = broker.frames.filter((f) => f.header.apiKey === ApiKey.ApiVersions).map((f) => f.header.apiVersion);
    assert.deepEqual(sent, [4, 3]);
    assert.equal(connection.versionFor(ApiKey.Produce), 10);
    assert.equal(connection.versionFor(ApiKey.Metadata), 12);
    assert.deepEqual(broker.errors, []);
  });

  it('speaks Kafka 2.1: ApiVersions v2, Metadata v7', async () => {
    const { broker, connection } = await connectTo(KAFKA_2_1);
    assert.deepEqual(
      broker.frames.filter((f) => f.header.apiKey === ApiKey.ApiVersions).map((f) => f.header.apiVersion),
      [4, 2],
    );
    assert.equal(connection.versionFor(ApiKey.Metadata), 7);
    assert.equal(connection.versionFor(ApiKey.Produce), 7);
    assert.equal(connection.versionFor(ApiKey.SaslAuthenticate), 0);
    const metadata = await connection.send(MetadataRequest, MetadataResponse, { topics: [{ name: 'old-broker' }] }, { versions: METADATA_VERSIONS });
    assert.equal(metadata.topics[0]!.name, 'old-broker');
    assert.equal(broker.frames.at(-1)!.header.apiVersion, 7);
    assert.deepEqual(broker.errors, []);
  });

  it('speaks Kafka 4.0, and refuses clearly a version the broker removed (KIP-896)', async () => {
    const { broker, connection } = await connectTo(KAFKA_4_0);
    assert.equal(connection.versionFor(ApiKey.Metadata), 12);
    assert.throws(
      () => connection.versionFor(ApiKey.Metadata, { min: 0, max: 3 }),
      (e: unknown) =>
        e instanceof KafkaJSServerDoesNotSupportApiKey &&
        e.message === `No common version of Metadata: this request implements v0-v3, the broker ${broker.bootstrap} supports v4-v12` &&
        e.apiName === 'Metadata' &&
        !e.retriable,
    );
    assert.throws(() => connection.versionFor(ApiKey.InitProducerId), /The broker 127\.0\.0\.1:\d+ does not support InitProducerId \(API key 22\)/);
  });

  it('falls back to ApiVersions v0 when an older broker (before Kafka 2.4) lists nothing with UNSUPPORTED_VERSION', async () => {
    // Kafka 2.1 answers an ApiVersions version it does not know with a v0 body holding
    // UNSUPPORTED_VERSION and an empty list (KIP-511 added the list in 2.4).
    const seen: number[] = [];
    const server = createServer((socket) => {
      const splitter = new FrameSplitter();
      socket.on('data', (chunk: Buffer) => {
        for (const frame of splitter.push(chunk)) {
          const { header } = parseRequest(frame);
          seen.push(header.apiVersion);
          const w = new Writer(256);
          if (header.apiVersion > 2) writeResponseFrame(w, ApiKey.ApiVersions, 0, header.correlationId, ApiVersionsResponse, { errorCode: 35, apiKeys: [] });
          else writeResponseFrame(w, ApiKey.ApiVersions, header.apiVersion, header.correlationId, ApiVersionsResponse, { errorCode: 0, apiKeys: KAFKA_2_1 });
          socket.write(w.toBuffer());
        }
      });
      socket.on('error', () => socket.destroy());
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const connection = new Connection({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
    try {
      await connection.connect();
      assert.deepEqual(seen, [4, 0]);
      assert.equal(connection.versionFor(ApiKey.Metadata), 7);
    } finally {
      await connection.disconnect();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('computes the highest common version from both ranges', () => {
    const ours = clientVersions(ApiKey.Fetch)!;
    const table = new BrokerApiVersions([
      { apiKey: ApiKey.Fetch, minVersion: 4, maxVersion: ours.max + 5 },
      { apiKey: ApiKey.Produce, minVersion: 50, maxVersion: 60 },
    ]);
    assert.equal(table.versionFor(ApiKey.Fetch), ours.max, 'never above what we can encode');
    assert.equal(table.versionFor(ApiKey.Fetch, { min: 0, max: 6 }), 6);
    assert.equal(table.supports(ApiKey.Fetch, { min: 0, max: 3 }), false);
    assert.throws(() => table.versionFor(ApiKey.Produce), /No common version of Produce: the broker supports v50-v60, this client v\d+-v\d+$/);
  });
});
