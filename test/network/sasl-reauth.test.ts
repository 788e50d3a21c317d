/**
 * Our client's SASL re-authentication (KIP-368) and OAUTHBEARER against the
 * embedded broker with a short `connections.max.reauth.ms`:
 * - producers sending continuously across several session lifetimes, with
 *   PLAIN, SCRAM-SHA-256 and OAUTHBEARER, lose, duplicate and reorder nothing,
 *   and the broker sees each keep one connection, re-authenticated again and
 *   again (the OAuth token provider is asked anew each time);
 * - an idle connection re-authenticates with its next request, after expiry;
 * - a failed re-authentication breaks the connection, and the requests held
 *   behind it fail with the SASL error, unsent;
 * - the options are validated.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { type Connection as BrokerConnection } from '../../src/broker/connection.js';
import { type RunningBroker } from '../../src/broker/server.js';
import { resolveKafkaConfig } from '../../src/client/client-options.js';
import { KafkaJSSASLAuthenticationError } from '../../src/errors/errors.js';
import { Kafka } from '../../src/kafka.js';
import { type RequestVersions } from '../../src/network/api-versions.js';
import { Connection } from '../../src/network/connection.js';
import { type SaslOptions } from '../../src/network/sasl/mechanism.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/generated/index.js';
import { logLevel } from '../../src/client/logger.js';
import { startSaslBroker, tokenFor } from '../broker/auth/oauthbearer-fixture.js';
import { recordsOf } from '../support/partition-log.js';
import { eventually } from '../support/eventually.js';
import { recordingLogger } from '../support/wire-client.js';

const METADATA_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 12 });
/** Long enough for a loaded machine to re-authenticate in time (threshold 2000 ms before the end: due 1.5 s into a session). */
const LIFETIME_MS = 3500;
const THRESHOLD_MS = 2000;

describe('SASL re-authentication by our client (KIP-368)', () => {
  let running: RunningBroker;
  const log = recordingLogger();
  /** Every broker-side connection seen, by principal: a dropped connection would show up as a second one. */
  const seen = new Map<string, Set<BrokerConnection>>();
  let watcher: NodeJS.Timeout;

  before(async () => {
    running = await startSaslBroker(
      { 'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,OAUTHBEARER', 'sasl.users': 'plain-user:pw,scram-user:pw', 'connections.max.reauth.ms': LIFETIME_MS, 'num.partitions': 1 },
      log.logger,
    );
    watcher = setInterval(() => {
      for (const c of running.broker.connections) {
        const set = seen.get(c.session.principal) ?? new Set();
        set.add(c);
        seen.set(c.session.principal, set);
      }
    }, 20);
  });
  after(async () => {
    clearInterval(watcher);
    await running.close();
  });

  const port = () => running.port;

  it('keeps producing across several lifetimes with PLAIN, SCRAM and OAUTHBEARER: nothing lost, duplicated or reordered, one connection each', async () => {
    let tokens = 0;
    const cases: [string, SaslOptions][] = [
      ['plain-user', { mechanism: 'plain', username: 'plain-user', password: 'pw' }],
      ['scram-user', { mechanism: 'scram-sha-256', username: 'scram-user', password: 'pw' }],
      [
        'oauth-user',
        {
          mechanism: 'oauthbearer',
          oauthBearerProvider: async () => {
            tokens++;
            return { value: tokenFor('oauth-user', 60_000), extensions: { traceId: `t${tokens}` } };
          },
        },
      ],
    ];
    const runFor = 3 * LIFETIME_MS + 500;
    /** Whether a broker-side connection of `principal` has re-authenticated at least twice (what the test asserts below). */
    const reauthenticatedTwice = (principal: string): boolean => [...running.broker.connections].some((c) => c.session.principal === principal && c.session.reauthentication.completed >= 2);
    await Promise.all(
      cases.map(async ([principal, sasl]) => {
        const kafka = new Kafka({ clientId: principal, brokers: [running.bootstrap], sasl, allowPlainTextSasl: true, reauthenticationThreshold: THRESHOLD_MS, logLevel: logLevel.NOTHING });
        const producer = kafka.producer({ idempotent: true });
        await producer.connect();
        const topic = `reauth-${principal}`;
        let sent = 0;
        const pending = new Set<Promise<unknown>>();
        const started = Date.now();
        // At least `runFor`, then on until the connection has re-authenticated twice, however slow the machine (60 s at most).
        const keepSending = (): boolean => Date.now() - started < runFor || (!reauthenticatedTwice(principal) && Date.now() - started < 60_000);
        try {
          while (keepSending()) {
            // Several sends in flight at once, so re-authentication meets requests in flight.
            const p = producer.send({ topic, messages: [{ value: String(sent++) }] });
            pending.add(p);
            void p.finally(() => pending.delete(p));
            if (pending.size >= 4) await Promise.race(pending);
          }
          await Promise.all(pending);
        } finally {
          await producer.disconnect();
        }
        const values = (await recordsOf(running, topic, 0)).map((r) => r.value?.toString());
        assert.deepEqual(values, Array.from({ length: sent }, (_, i) => String(i)), `${principal}: every record once, in order`);
      }),
    );
    for (const [principal] of cases) {
      const connections = [...(seen.get(principal) ?? [])];
      // The producer's connection to the broker (bootstrap and metadata may open one more before it).
      const reauthenticated = connections.filter((c) => c.session.reauthentication.completed >= 2);
      assert.ok(reauthenticated.length >= 1, `${principal}: a connection re-authenticated at least twice (${connections.map((c) => c.session.reauthentication.completed).join(',')})`);
      assert.ok(connections.length <= 2, `${principal}: ${connections.length} connections, so one was dropped and reopened`);
    }
    assert.ok(tokens >= 3, `the token provider was asked again at re-authentication (${tokens} calls)`);
    assert.deepEqual(
      log.lines.filter((l) => l.includes('expired without re-authentication')),
      [],
    );
  });

  it('keeps a consumer group member consuming across several lifetimes: every record once, in order, no expired connection', async () => {
    const sasl: SaslOptions = { mechanism: 'scram-sha-256', username: 'scram-user', password: 'pw' };
    const kafka = new Kafka({ clientId: 'reauth-consumer', brokers: [running.bootstrap], sasl, reauthenticationThreshold: THRESHOLD_MS, logLevel: logLevel.NOTHING });
    const topic = 'reauth-consumed';
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: 'reauth-group', maxWaitTimeInMs: 500 });
    const received: string[] = [];
    let sent = 0;
    await producer.connect();
    await producer.send({ topic, messages: [{ value: String(sent++) }] });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value!.toString()) });
    try {
      const deadline = Date.now() + 3 * LIFETIME_MS;
      while (Date.now() < deadline) {
        await producer.send({ topic, messages: [{ value: String(sent++) }] });
        await sleep(100);
      }
      await eventually('every record consumed', () => (received.length >= sent ? true : undefined), 30_000);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
    assert.deepEqual(received, Array.from({ length: sent }, (_, i) => String(i)));
    assert.deepEqual(
      log.lines.filter((l) => l.includes('expired without re-authentication')),
      [],
    );
  });

  it('re-authenticates an idle connection with its next request, after the session expired', async () => {
    const c = new Connection({ host: '127.0.0.1', port: port(), sasl: { mechanism: 'plain', username: 'plain-user', password: 'pw' }, reauthenticationThreshold: THRESHOLD_MS });
    try {
      // Connected but sent nothing: a request sent after the session began would make the connection busy, and the
      // schedule would re-authenticate it 1.5 s in (twice in all if the sleep below overran a little on a loaded machine).
      await c.connect();
      assert.equal(c.state, 'ready');
      await sleep(LIFETIME_MS + 300);
      const metadata = await c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS });
      assert.equal(metadata.brokers.length, 1);
      assert.equal(c.reauthentications, 1);
      assert.equal(c.state, 'ready');
    } finally {
      await c.disconnect();
    }
  });

  it('breaks the connection when re-authentication fails, failing the held requests with the SASL error', async () => {
    let calls = 0;
    const sasl: SaslOptions = { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: tokenFor('oauth-user', calls++ === 0 ? 60_000 : -60_000) }) };
    const c = new Connection({ host: '127.0.0.1', port: port(), sasl, reauthenticationThreshold: THRESHOLD_MS });
    try {
      await c.connect();
      await sleep(LIFETIME_MS - THRESHOLD_MS + 200);
      const held = [1, 2, 3].map(() => c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS }));
      for (const p of held) {
        await assert.rejects(p, (e: Error) => {
          assert.ok(e instanceof KafkaJSSASLAuthenticationError, e.message);
          assert.match(e.message, /invalid_token/);
          return true;
        });
      }
      assert.equal(c.state, 'broken');
    } finally {
      await c.disconnect();
    }
  });
});

describe('SASL options', () => {
  const base = { brokers: ['localhost:9092'] };

  it('accepts oauthbearer with a provider and reauthenticationThreshold', () => {
    const provider = async () => ({ value: 'x' });
    const config = resolveKafkaConfig({ ...base, sasl: { mechanism: 'oauthbearer', oauthBearerProvider: provider }, reauthenticationThreshold: 5000 });
    assert.equal(config.sasl?.mechanism, 'oauthbearer');
    assert.equal(config.reauthenticationThreshold, 5000);
    assert.equal(resolveKafkaConfig(base).reauthenticationThreshold, 10_000);
  });

  it('refuses oauthbearer without a provider, and a negative threshold, naming the option', () => {
    assert.throws(() => resolveKafkaConfig({ ...base, sasl: { mechanism: 'oauthbearer' } as unknown as SaslOptions }), /sasl\.oauthBearerProvider/);
    assert.throws(() => resolveKafkaConfig({ ...base, reauthenticationThreshold: -1 }), /reauthenticationThreshold/);
  });
});

describe('OAUTHBEARER client (KafkaJS oauthBearerProvider)', () => {
  let running: RunningBroker;
  before(async () => {
    running = await startSaslBroker({ 'sasl.enabled.mechanisms': 'OAUTHBEARER' });
  });
  after(() => running.close());

  const connectWith = async (oauthBearerProvider: () => Promise<{ value: string }>): Promise<Connection> => {
    const c = new Connection({ host: '127.0.0.1', port: running.port, sasl: { mechanism: 'oauthbearer', oauthBearerProvider } });
    try {
      await c.connect();
      return c;
    } catch (e) {
      await c.disconnect();
      throw e;
    }
  };

  it('authenticates with the provider token, as its sub', async () => {
    const c = await connectWith(async () => ({ value: tokenFor('dora') }));
    try {
      assert.equal((await c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS })).brokers.length, 1);
      assert.ok([...running.broker.connections].some((b) => b.session.principal === 'dora'));
    } finally {
      await c.disconnect();
    }
  });

  it("fails with the broker's JSON error for an expired token", async () => {
    await assert.rejects(connectWith(async () => ({ value: tokenFor('dora', -60_000) })), (e: Error) => {
      assert.ok(e instanceof KafkaJSSASLAuthenticationError);
      assert.match(e.message, /SASL OAUTHBEARER authentication failed: SASL_AUTHENTICATION_FAILED: \{"status":"invalid_token"\}/);
      return true;
    });
  });

  for (const [what, provider, message] of [
    ['resolves without a value', async () => ({}) as { value: string }, /Invalid OAuth bearer token/],
    ['throws', async (): Promise<{ value: string }> => Promise.reject(new Error('token endpoint down')), /oauthBearerProvider failed: token endpoint down/],
  ] as const) {
    it(`fails with a KafkaJSSASLAuthenticationError when the provider ${what}`, async () => {
      await assert.rejects(connectWith(provider), (e: Error) => {
        assert.ok(e instanceof KafkaJSSASLAuthenticationError, e.message);
        assert.match(e.message, message);
        return true;
      });
    });
  }
});
