/**
 * KIP-368 on the broker against clients nobody here wrote, with a short
 * `connections.max.reauth.ms`:
 * - KafkaJS 2.2.4 (`reauthenticationThreshold`) producing across several
 *   session lifetimes re-authenticates on its connection, which is never
 *   closed for expiry, and every record arrives once;
 * - kcat (librdkafka 2.0.2, no client re-authentication) producing across
 *   expiries is disconnected by the broker at its first request after each
 *   expiry, reconnects on its own, and still delivers every line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Kafka as KafkaJS, logLevel } from 'kafkajs';
import { type RunningBroker } from '../../../src/broker/server.js';
import { KCAT, runKcat, skipWithoutKcat } from '../../support/kcat.js';
import { recordsOf } from '../../support/partition-log.js';
import { recordingLogger } from '../../support/wire-client.js';
import { startSaslBroker } from './oauthbearer-fixture.js';

// Long enough that a loaded machine's gaps between requests stay well inside a
// session's last stretch, where KafkaJS re-authenticates (see the threshold below).
const LIFETIME_MS = 3000;
const EXPIRED = 'expired without re-authentication';

describe('SASL re-authentication with peers (KIP-368)', () => {
  let running: RunningBroker;
  const log = recordingLogger();

  before(async () => {
    running = await startSaslBroker(
      { 'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256', 'sasl.users': 'kafkajs:pw,kcat:pw', 'connections.max.reauth.ms': LIFETIME_MS, 'num.partitions': 1 },
      log.logger,
    );
  });
  after(() => running.close());

  /** Re-authentications completed on the broker's connections of `principal`, now open. */
  const reauthentications = (principal: string): number =>
    [...running.broker.connections].filter((c) => c.session.principal === principal).reduce((n, c) => n + c.session.reauthentication.completed, 0);

  it('KafkaJS re-authenticates while producing across several lifetimes, and is never disconnected', async () => {
    const kafka = new KafkaJS({
      clientId: 'reauth-kafkajs',
      brokers: [running.bootstrap],
      sasl: { mechanism: 'scram-sha-256', username: 'kafkajs', password: 'pw' },
      // KafkaJS re-authenticates lazily, before a request, once less than this is left: 1.2 s into a
      // session, past Kafka's one-second minimum, leaving 1.8 s for a request to come along.
      reauthenticationThreshold: LIFETIME_MS - 1200,
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    let sent = 0;
    let most = 0;
    try {
      // At least three lifetimes, and on until two re-authentications (a loaded machine may be slower).
      const minimum = Date.now() + 3 * LIFETIME_MS + 500;
      const deadline = Date.now() + 60_000;
      while (Date.now() < minimum || (most < 2 && Date.now() < deadline)) {
        await producer.send({ topic: 'reauth-kafkajs', messages: [{ value: String(sent) }] });
        sent++;
        most = Math.max(most, reauthentications('kafkajs'));
        await sleep(50);
      }
    } finally {
      await producer.disconnect();
    }
    assert.ok(most >= 2, `KafkaJS re-authenticated ${most} times on one connection`);
    assert.deepEqual(
      log.lines.filter((l) => l.includes(EXPIRED) && l.includes('kafkajs')),
      [],
    );
    const values = (await recordsOf(running, 'reauth-kafkajs', 0)).map((r) => r.value?.toString());
    assert.deepEqual(values, Array.from({ length: sent }, (_, i) => String(i)));
  });

  it('kcat, which does not re-authenticate, is disconnected after expiry, reconnects and delivers everything', { skip: skipWithoutKcat }, async () => {
    const sasl = ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=kcat', '-X', 'sasl.password=pw'];
    // -E: with one broker, a disconnect is "all brokers down", which kcat otherwise takes as fatal.
    // Frequent metadata refreshes make requests that meet each expired session.
    const child = spawn(KCAT, ['-E', '-b', running.bootstrap, ...sasl, '-X', 'linger.ms=0', '-X', 'topic.metadata.refresh.interval.ms=300', '-P', '-t', 'reauth-kcat'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const lines: string[] = [];
    const closes = (): number => log.lines.filter((l) => l.includes(EXPIRED) && l.includes('kcat')).length;
    // Lines spread over at least two and a half lifetimes, and on until the broker has closed two
    // expired connections (a loaded machine may be slower), so kcat's requests meet expired sessions.
    const deadline = Date.now() + 60_000;
    for (let i = 0; i < 10 || (closes() < 2 && Date.now() < deadline); i++) {
      lines.push(`line-${i}`);
      child.stdin.write(`line-${i}\n`);
      await sleep(LIFETIME_MS / 4);
    }
    child.stdin.end();
    assert.equal(await exited, 0, stderr);
    assert.ok(closes() >= 2, `the broker closed expired kcat connections ${closes()} times`);
    const consumed = await runKcat(['-b', running.bootstrap, ...sasl, '-C', '-t', 'reauth-kcat', '-e', '-q']);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.deepEqual(consumed.stdout.trim().split('\n'), lines);
  });
});
