/**
 * TLS listeners: SSL and SASL_SSL side by side on one broker, with a
 * self-signed certificate made by `openssl` for 127.0.0.1. KafkaJS and kcat
 * (librdkafka) both connect verifying the certificate against it as their CA,
 * so the handshake, the certificate and the SASL exchange inside TLS are all
 * checked; a client that does not trust the certificate is refused.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kafka, type KafkaConfig, type SASLOptions, logLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';

const which = (tool: string): string => spawnSync('which', [tool], { encoding: 'utf8' }).stdout.trim();
const openssl = which('openssl');
const kcat = which('kcat');
const skip = openssl === '' ? 'openssl is not installed (`which openssl` found nothing): it makes the test certificate; install it with `apt-get install openssl`' : false;
const skipKcat = skip || (kcat === '' ? 'kcat is not installed (`which kcat` found nothing): install it with `apt-get install kcat`' : false);

/** Run kcat with `args`; killed after `timeoutMs`. */
function runKcat(args: readonly string[], timeoutMs = 40_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(kcat, args, { timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('TLS listeners', { skip }, () => {
  let dir = '';
  let caFile = '';
  let cert = '';
  let running: RunningBroker;
  let sslAddress = '';
  let saslSslAddress = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tskafka-tls-'));
    caFile = join(dir, 'cert.pem');
    const made = spawnSync(
      openssl,
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', caFile],
      { encoding: 'utf8' },
    );
    assert.equal(made.status, 0, `openssl failed: ${made.stderr}`);
    cert = readFileSync(caFile, 'utf8');
    running = await startBroker({
      inMemory: true,
      logLevel: 'nothing',
      properties: {
        listeners: 'SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
        'sasl.users': 'alice:alice-secret',
        'ssl.keystore.key': readFileSync(join(dir, 'key.pem'), 'utf8'),
        'ssl.keystore.certificate.chain': cert,
      },
    });
    const address = (name: string): string => {
      const l = running.listeners.find((x) => x.name === name)!;
      return `${l.advertisedHost}:${l.advertisedPort}`;
    };
    sslAddress = address('SSL');
    saslSslAddress = address('SASL_SSL');
  });

  after(async () => {
    await running?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('KafkaJS', () => {
    const describeCluster = async (config: Omit<KafkaConfig, 'clientId' | 'logLevel'>): Promise<string[]> => {
      const admin = new Kafka({ clientId: 'tls-kafkajs', logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3000, ...config }).admin();
      try {
        await admin.connect();
        return (await admin.describeCluster()).brokers.map((b) => `${b.host}:${b.port}`);
      } finally {
        await admin.disconnect();
      }
    };

    it('connects to the SSL listener trusting the certificate, and is told that listener back', async () => {
      assert.deepEqual(await describeCluster({ brokers: [sslAddress], ssl: { ca: [cert] } }), [sslAddress]);
    });

    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
      it(`authenticates with ${mechanism} inside TLS on the SASL_SSL listener`, async () => {
        const brokers = await describeCluster({ brokers: [saslSslAddress], ssl: { ca: [cert] }, sasl: { mechanism, username: 'alice', password: 'alice-secret' } as SASLOptions });
        assert.deepEqual(brokers, [saslSslAddress]);
      });
    }

    it('fails SASL_SSL with a wrong password with KafkaJSSASLAuthenticationError', async () => {
      await assert.rejects(
        describeCluster({ brokers: [saslSslAddress], ssl: { ca: [cert] }, sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'nope' } }),
        { name: 'KafkaJSSASLAuthenticationError' },
      );
    });

    it('is refused by a client that does not trust the certificate', async () => {
      await assert.rejects(describeCluster({ brokers: [sslAddress], ssl: true }), /self[- ]signed certificate/);
    });
  });

  describe('kcat', { skip: skipKcat }, () => {
    it('lists the cluster over the SSL listener, verifying the certificate', async () => {
      const r = await runKcat(['-b', sslAddress, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${caFile}`, '-m', '20', '-L']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`broker ${running.config.nodeId} at ${sslAddress}`));
    });

    for (const mechanism of ['PLAIN', 'SCRAM-SHA-512'] as const) {
      it(`lists the cluster over SASL_SSL with ${mechanism}`, async () => {
        const r = await runKcat([
          '-b', saslSslAddress,
          '-X', 'security.protocol=sasl_ssl',
          '-X', `ssl.ca.location=${caFile}`,
          '-X', `sasl.mechanisms=${mechanism}`,
          '-X', 'sasl.username=alice',
          '-X', 'sasl.password=alice-secret',
          '-m', '20',
          '-L',
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`broker ${running.config.nodeId} at ${saslSslAddress}`));
      });
    }

    it('fails SASL_SSL with a wrong password', async () => {
      const r = await runKcat(['-b', saslSslAddress, '-X', 'security.protocol=sasl_ssl', '-X', `ssl.ca.location=${caFile}`, '-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', 'sasl.username=alice', '-X', 'sasl.password=nope', '-m', '6', '-L']);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr, /SASL authentication error.*invalid credentials/);
    });
  });
});
