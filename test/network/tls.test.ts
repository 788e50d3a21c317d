/**
 * TLS on a connection, against SSL and SASL_SSL listeners of the embedded
 * broker with a self-signed certificate made by `openssl` for 127.0.0.1 at
 * test time: a client trusting that certificate connects (and authenticates
 * inside TLS); one that does not trust it is refused with a retriable
 * KafkaJSConnectionError naming the reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { KafkaJSConnectionError } from '../../src/errors/errors.js';
import { type RequestVersions } from '../../src/network/api-versions.js';
import { Connection, type ConnectionOptions } from '../../src/network/connection.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/generated/index.js';

/** Metadata's whole codec range, as literal numbers: any version proves the connection serves requests. */
const METADATA_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 12 });

const openssl = spawnSync('which', ['openssl'], { encoding: 'utf8' }).stdout.trim();
const skip = openssl === '' ? 'openssl is not installed (it makes the test certificate): install it with `apt-get install openssl`' : false;

describe('TLS', { skip }, () => {
  let dir = '';
  let cert = '';
  let running: RunningBroker;
  const connections: Connection[] = [];
  const connect = (listener: 'SSL' | 'SASL_SSL', options: Partial<ConnectionOptions>): Connection => {
    const l = running.listeners.find((x) => x.name === listener)!;
    const c = new Connection({ host: l.advertisedHost, port: l.advertisedPort, ...options });
    connections.push(c);
    return c;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tskafka-client-tls-'));
    const made = spawnSync(
      openssl,
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { encoding: 'utf8' },
    );
    assert.equal(made.status, 0, `openssl failed: ${made.stderr}`);
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    running = await startBroker({
      inMemory: true,
      logLevel: 'nothing',
      properties: {
        listeners: 'SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
        'sasl.users': 'alice:secret',
        'ssl.keystore.key': readFileSync(join(dir, 'key.pem'), 'utf8'),
        'ssl.keystore.certificate.chain': cert,
      },
    });
  });
  after(async () => {
    await Promise.all(connections.map((c) => c.disconnect()));
    await running?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connects when it trusts the certificate, and serves requests', async () => {
    const c = connect('SSL', { ssl: { ca: [cert] } });
    const metadata = await c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS });
    assert.equal(metadata.brokers[0]!.port, running.listeners.find((l) => l.name === 'SSL')!.advertisedPort);
    assert.equal(c.state, 'ready');
  });

  it('authenticates with SCRAM inside TLS', async () => {
    const c = connect('SASL_SSL', { ssl: { ca: [cert] }, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'secret' } });
    await c.connect();
    assert.equal((await c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS })).brokers.length, 1);
  });

  it('refuses a certificate it does not trust (ssl: true uses the system CAs)', async () => {
    const c = connect('SSL', { ssl: true, connectionTimeout: 10_000 });
    const error = await c.connect().then(
      () => assert.fail('expected the handshake to fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof KafkaJSConnectionError, String(error));
    assert.match(error.message, /self[- ]signed/i);
    assert.equal(error.retriable, true);
  });

  it('reports a plaintext client on a TLS listener as a connection error, not a hang', async () => {
    const c = connect('SSL', { connectionTimeout: 1000, requestTimeout: 2000 });
    await assert.rejects(c.connect(), KafkaJSConnectionError);
  });
});
