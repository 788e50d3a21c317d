/**
 * Each request site declares the versions it implements, and a request goes at
 * the highest version in that range, the broker's and the codecs': regenerating
 * the codecs from newer Kafka specs must not change what goes on the wire.
 *
 * Against the capture broker, which advertises the ranges a test chooses and
 * records every request frame; then a scan of the client's source, so a new
 * request site without a declared range fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { Cluster, CoordinatorType } from '../../src/client/cluster.js';
import { logLevel } from '../../src/client/logger.js';
import { KafkaJSServerDoesNotSupportApiKey } from '../../src/errors/errors.js';
import { type RequestVersions } from '../../src/network/api-versions.js';
import { Connection, type ConnectionOptions, type SendOptions } from '../../src/network/connection.js';
import * as generated from '../../src/protocol/generated/index.js';
import { ApiKey, InitProducerIdRequest, InitProducerIdResponse, MetadataRequest, MetadataResponse } from '../../src/protocol/generated/index.js';
import { ADVERTISED_API_VERSIONS, type ApiVersionRange, type CaptureBroker, startCaptureBroker } from '../support/capture-broker.js';
import { findAllRequestSites, findRequestSites, literalConstants, requestVersionsConstants, sourceFiles, type RequestSite } from '../support/request-sites.js';

/** Kafka 3.7's ranges (the capture broker's default) with `apiKey`'s range replaced, or removed when `range` is null. */
function advertising(apiKey: number, range: { min: number; max: number } | null): ApiVersionRange[] {
  const others = ADVERTISED_API_VERSIONS.filter((a) => a.apiKey !== apiKey);
  return range === null ? others : [...others, { apiKey, minVersion: range.min, maxVersion: range.max }];
}

/** The versions at which `broker` received requests of `apiKey`, in arrival order. */
function sentVersions(broker: CaptureBroker, apiKey: number): number[] {
  return broker.frames.filter((f) => f.header.apiKey === apiKey).map((f) => f.header.apiVersion);
}

describe('Declared request versions', () => {
  const brokers: CaptureBroker[] = [];
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    await Promise.all(closers.map((close) => close()));
    await Promise.all(brokers.map((b) => b.close()));
  });

  const captureBroker = async (advertised: readonly ApiVersionRange[]): Promise<CaptureBroker> => {
    const broker = await startCaptureBroker({ partitions: 1, advertised });
    brokers.push(broker);
    return broker;
  };
  const connectTo = async (advertised: readonly ApiVersionRange[], options: Partial<ConnectionOptions> = {}): Promise<{ broker: CaptureBroker; connection: Connection }> => {
    const broker = await captureBroker(advertised);
    const connection = new Connection({ host: broker.host, port: broker.port, ...options });
    closers.push(() => connection.disconnect());
    return { broker, connection };
  };
  const clusterOn = async (advertised: readonly ApiVersionRange[]): Promise<{ broker: CaptureBroker; cluster: Cluster }> => {
    const broker = await captureBroker(advertised);
    const cluster = new Cluster({ clientId: 'request-versions-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    closers.push(() => cluster.disconnect());
    return { broker, cluster };
  };

  const UP_TO_9: RequestVersions = { min: 1, max: 9 };
  const UP_TO_12: RequestVersions = { min: 1, max: 12 };

  it('sends at the declared max when the broker advertises a higher version', async () => {
    const { broker, connection } = await connectTo(advertising(ApiKey.Metadata, { min: 0, max: 12 }));
    const response = await connection.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: UP_TO_9 });
    assert.equal(response.brokers.length, 1);
    assert.deepEqual(sentVersions(broker, ApiKey.Metadata), [9]);
    assert.equal(connection.versionFor(ApiKey.Metadata, UP_TO_9), 9, 'versionFor answers what send picks');
    assert.deepEqual(broker.errors, []);
  });

  it("sends at the broker's max when it is below the declared max", async () => {
    const { broker, connection } = await connectTo(advertising(ApiKey.Metadata, { min: 0, max: 7 }));
    await connection.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: UP_TO_12 });
    assert.deepEqual(sentVersions(broker, ApiKey.Metadata), [7]);
    assert.deepEqual(broker.errors, []);
  });

  it("sends the cluster's Metadata and FindCoordinator within their ranges at what each broker offers", async () => {
    const kafka21 = await clusterOn([
      ...advertising(ApiKey.Metadata, { min: 0, max: 7 }).filter((a) => a.apiKey !== ApiKey.FindCoordinator),
      { apiKey: ApiKey.FindCoordinator, minVersion: 0, maxVersion: 2 },
    ]);
    await kafka21.cluster.refreshMetadata(['orders']);
    await kafka21.cluster.findCoordinator('group-a');
    assert.deepEqual(sentVersions(kafka21.broker, ApiKey.Metadata), [7]);
    assert.deepEqual(sentVersions(kafka21.broker, ApiKey.FindCoordinator), [2], 'one key per request before v4');
    assert.deepEqual(kafka21.broker.errors, []);

    const kafka37 = await clusterOn(ADVERTISED_API_VERSIONS);
    await kafka37.cluster.refreshMetadata(['orders']);
    await kafka37.cluster.findCoordinators(['group-a', 'group-b']);
    assert.deepEqual(sentVersions(kafka37.broker, ApiKey.Metadata), [12]);
    assert.deepEqual(sentVersions(kafka37.broker, ApiKey.FindCoordinator), [4], 'both keys in one request (KIP-699)');
    assert.deepEqual(kafka37.broker.errors, []);
  });

  it('refuses, without sending, a request whose declared range the broker does not meet, naming the API and both ranges', async () => {
    // Kafka 4.0 removed Metadata v0-v3 (KIP-896).
    const { broker, connection } = await connectTo(advertising(ApiKey.Metadata, { min: 4, max: 12 }));
    await assert.rejects(
      connection.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: { min: 1, max: 3 } }),
      (e: unknown) =>
        e instanceof KafkaJSServerDoesNotSupportApiKey &&
        e.message === `No common version of Metadata: this request implements v1-v3, the broker ${broker.bootstrap} supports v4-v12` &&
        e.apiKey === ApiKey.Metadata &&
        e.apiName === 'Metadata' &&
        !e.retriable,
    );
    assert.deepEqual(sentVersions(broker, ApiKey.Metadata), [], 'nothing sent');
    assert.equal(connection.isReady, true, 'the connection is still usable');
    await connection.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: UP_TO_12 });
    assert.deepEqual(sentVersions(broker, ApiKey.Metadata), [12]);
    assert.deepEqual(broker.errors, []);
  });

  it('refuses, without sending, an API the broker does not offer, naming the declared range', async () => {
    const { broker, connection } = await connectTo(advertising(ApiKey.InitProducerId, null));
    await assert.rejects(
      connection.send(InitProducerIdRequest, InitProducerIdResponse, { transactionalId: null, transactionTimeoutMs: 60_000 }, { versions: { min: 0, max: 5 } }),
      (e: unknown) =>
        e instanceof KafkaJSServerDoesNotSupportApiKey && e.message === `The broker ${broker.bootstrap} does not support InitProducerId (API key 22); this request implements v0-v5`,
    );
    assert.deepEqual(sentVersions(broker, ApiKey.InitProducerId), []);
  });

  it("fails the cluster's metadata refresh clearly when the broker has only Metadata v0", async () => {
    const { broker, cluster } = await clusterOn(advertising(ApiKey.Metadata, { min: 0, max: 0 }));
    await assert.rejects(
      cluster.refreshMetadata(),
      (e: unknown) => e instanceof KafkaJSServerDoesNotSupportApiKey && e.message === `No common version of Metadata: this request implements v1-v12, the broker ${broker.bootstrap} supports v0-v0`,
    );
    assert.deepEqual(sentVersions(broker, ApiKey.Metadata), []);
  });

  it('looks up a group coordinator with FindCoordinator v0, but refuses a transaction coordinator lookup (keyType needs v1)', async () => {
    const { broker, cluster } = await clusterOn(advertising(ApiKey.FindCoordinator, { min: 0, max: 0 }));
    await cluster.findCoordinator('group-a', CoordinatorType.GROUP);
    assert.deepEqual(sentVersions(broker, ApiKey.FindCoordinator), [0]);
    await assert.rejects(
      cluster.findCoordinator('transactional-a', CoordinatorType.TRANSACTION),
      (e: unknown) => e instanceof KafkaJSServerDoesNotSupportApiKey && e.message === `No common version of FindCoordinator: this request implements v1-v6, the broker ${broker.bootstrap} supports v0-v0`,
    );
    assert.deepEqual(sentVersions(broker, ApiKey.FindCoordinator), [0], 'the refused lookup sent nothing');
    assert.deepEqual(broker.errors, []);
  });

  it('refuses SASL against a broker with only SaslHandshake v0 (bare tokens, KIP-896) before any SASL request', async () => {
    const { broker, connection } = await connectTo(advertising(ApiKey.SaslHandshake, { min: 0, max: 0 }), { sasl: { mechanism: 'plain', username: 'u', password: 'p' } });
    await assert.rejects(
      connection.connect(),
      (e: unknown) => e instanceof KafkaJSServerDoesNotSupportApiKey && e.message === `No common version of SaslHandshake: this request implements v1-v1, the broker ${broker.bootstrap} supports v0-v0`,
    );
    assert.deepEqual(sentVersions(broker, ApiKey.SaslHandshake), []);
  });

  it('checks an explicit version against the declared range as well as both sides', async () => {
    const { broker, connection } = await connectTo(ADVERTISED_API_VERSIONS);
    await assert.rejects(
      connection.send(MetadataRequest, MetadataResponse, { topics: [] }, { version: 10, versions: UP_TO_9 }),
      (e: unknown) => e instanceof RangeError && e.message === 'Metadata v10 is outside the versions this request implements (v1-v9)',
    );
    await connection.send(MetadataRequest, MetadataResponse, { topics: [] }, { version: 8, versions: UP_TO_9 });
    assert.deepEqual(sentVersions(broker, ApiKey.Metadata), [8]);
  });

  it('refuses, without sending, a request that declares no versions (a plain-JS caller), naming the API', async () => {
    const { broker, connection } = await connectTo(ADVERTISED_API_VERSIONS);
    await connection.connect();
    const undeclared = [undefined, {}, { version: 8 }] as unknown as SendOptions[];
    for (const options of undeclared) {
      await assert.rejects(
        connection.send(MetadataRequest, MetadataResponse, { topics: [] }, options),
        (e: unknown) => e instanceof TypeError && e.message === 'Metadata: Connection.send needs options.versions',
      );
    }
    assert.deepEqual(sentVersions(broker, ApiKey.Metadata), [], 'nothing sent');
    assert.equal(connection.isReady, true, 'the connection is still usable');
  });
});

describe('Every request site declares the versions it implements', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const files = sourceFiles(root, 'src', ['src/protocol']);
  const sites = findAllRequestSites(root, files);
  const source = (file: string): string => readFileSync(join(root, file), 'utf8');
  const where = (s: RequestSite): string => `${s.file}:${s.line} (${s.codec})`;

  it('finds the request sites of the client (the scan itself works)', () => {
    const codecs = new Set(sites.map((s) => s.codec));
    for (const codec of ['ApiVersionsRequest', 'SaslHandshakeRequest', 'SaslAuthenticateRequest', 'MetadataRequest', 'FindCoordinatorRequest', 'ListOffsetsRequest', 'FetchRequest']) {
      assert.ok(codecs.has(codec), `no site of ${codec} found; the scan is broken`);
    }
  });

  it('passes `versions` at every Connection.send site', () => {
    const undeclared = sites.filter((s) => s.method === 'send' && !s.hasVersions).map(where);
    assert.deepEqual(undeclared, [], 'these sites send without declaring the versions they implement: pass `{ versions: X_VERSIONS }`');
  });

  it('uses the request queue directly only for the opening exchange, each API with its own declared range', () => {
    const direct = sites.filter((s) => s.method === 'request');
    assert.deepEqual([...new Set(direct.map((s) => s.file))], ['src/network/connection.ts'], 'send requests with Connection.send and `versions`');
    const constants = literalConstants(source('src/network/connection.ts'));
    for (const s of direct) {
      const name = `${s.codec.slice(0, -'Request'.length).replace(/(?<=[a-z0-9])(?=[A-Z])/g, '_').toUpperCase()}_VERSIONS`;
      assert.ok(constants.has(name), `${where(s)}: declare ${name} next to it`);
    }
  });

  it('declares every range as literal numbers inside what the codec knows', () => {
    for (const file of files) {
      const text = source(file);
      const literal = literalConstants(text);
      for (const name of requestVersionsConstants(text)) {
        assert.ok(literal.has(name), `${file}: ${name} must be written as literal numbers, e.g. Object.freeze({ min: 1, max: 12 }), so regenerating the codecs cannot move it`);
      }
      for (const s of sites.filter((site) => site.file === file && site.method === 'send' && site.hasVersions)) {
        assert.ok(s.declared.length > 0, `${where(s)}: name the range with a *_VERSIONS constant declared next to the site`);
        const codec = (generated as Record<string, unknown>)[s.codec] as { minVersion: number; maxVersion: number };
        for (const name of s.declared) {
          const range = literal.get(name);
          assert.ok(range, `${where(s)}: ${name} is not a literal range declared in ${file}`);
          assert.ok(range.min <= range.max, `${name}: min ${range.min} > max ${range.max}`);
          assert.ok(range.min >= codec.minVersion && range.max <= codec.maxVersion, `${name} v${range.min}-v${range.max} is outside ${s.codec}'s v${codec.minVersion}-v${codec.maxVersion}`);
        }
      }
    }
  });

  it('catches a site that sends without a declared range', () => {
    const [bare, declared, chosen] = findRequestSites(
      'example.ts',
      [
        'await connection.send(MetadataRequest, MetadataResponse, { topics: [] });',
        "await connection.send(FetchRequest, FetchResponse, { topics: [{ topic: 'a, b' }] }, { versions: FETCH_VERSIONS });",
        'const versions = group ? GROUP_VERSIONS : TRANSACTION_VERSIONS;',
        'await connection.send(FindCoordinatorRequest, FindCoordinatorResponse, { key }, { version, versions });',
      ].join('\n'),
    );
    assert.deepEqual([bare?.codec, bare?.hasVersions, bare?.args.length], ['MetadataRequest', false, 3]);
    assert.deepEqual([declared?.hasVersions, declared?.declared, declared?.args.length], [true, ['FETCH_VERSIONS'], 4]);
    assert.deepEqual([chosen?.hasVersions, chosen?.declared, chosen?.line], [true, ['GROUP_VERSIONS', 'TRANSACTION_VERSIONS'], 4]);
  });
});
