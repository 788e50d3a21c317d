/**
 * kcat (librdkafka, the C client most non-Java clients wrap) as the peer on a
 * SASL_PLAINTEXT listener: `kcat -L` lists the cluster with the right password
 * for PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, and fails with librdkafka's SASL
 * authentication error, carrying the broker's message, with a wrong one.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';

const kcat = spawnSync('which', ['kcat'], { encoding: 'utf8' }).stdout.trim();
const skip = kcat === '' ? 'kcat is not installed (`which kcat` found nothing): install it with `apt-get install kcat`' : false;

interface KcatRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run kcat with `args`; killed after `timeoutMs`. */
function runKcat(args: readonly string[], timeoutMs = 40_000): Promise<KcatRun> {
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

const MECHANISMS = [
  ['PLAIN', /Authentication failed: Invalid username or password/],
  ['SCRAM-SHA-256', /invalid credentials with SASL mechanism SCRAM-SHA-256/],
  ['SCRAM-SHA-512', /invalid credentials with SASL mechanism SCRAM-SHA-512/],
] as const;

describe('SASL with kcat', { skip }, () => {
  let running: RunningBroker;

  before(async () => {
    running = await startBroker({ inMemory: true, logLevel: 'nothing', properties: { listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.users': 'alice:alice-secret' } });
  });

  after(() => running.close());

  /** `kcat -L`; a failing run waits out its metadata timeout, so that one is shorter (yet long enough for the SASL error on a loaded machine). */
  const list = (mechanism: string, password: string, metadataTimeoutSeconds = 20): Promise<KcatRun> =>
    runKcat([
      '-b', running.bootstrap,
      '-X', 'security.protocol=SASL_PLAINTEXT',
      '-X', `sasl.mechanisms=${mechanism}`,
      '-X', 'sasl.username=alice',
      '-X', `sasl.password=${password}`,
      '-m', String(metadataTimeoutSeconds),
      '-L',
    ]);

  for (const [mechanism, failure] of MECHANISMS) {
    it(`${mechanism}: kcat -L lists the broker with the right password`, async () => {
      const r = await list(mechanism, 'alice-secret');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`broker ${running.config.nodeId} at ${running.bootstrap}`));
    });

    it(`${mechanism}: kcat -L fails with a SASL authentication error for a wrong password`, async () => {
      const r = await list(mechanism, 'wrong-secret', 5);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr, /SASL authentication error/);
      assert.match(r.stderr, failure);
    });
  }
});
