/**
 * KIP-368 on the broker, spoken with raw sockets: `connections.max.reauth.ms`
 * gives sessions a lifetime told in SaslAuthenticate v1+; a connection that
 * re-authenticates in time keeps working, with requests in flight answered in
 * order; one that keeps sending after expiry is closed without an answer (a v0
 * client the same way); a re-authentication as another principal or with
 * another mechanism is refused and closed; none may start within a second of
 * the last.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { connectionsMaxReauthMs, sessionLifetimeMs } from '../../../src/broker/auth/reauth.js';
import { parseBrokerConfig } from '../../../src/broker/config.js';
import { type RunningBroker } from '../../../src/broker/server.js';
import { parseResponse } from '../../../src/protocol/framing.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { MetadataRequest, MetadataResponse, SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse } from '../../../src/protocol/generated/index.js';
import { eventually } from '../../support/eventually.js';
import { WireClient, recordingLogger } from '../../support/wire-client.js';
import { initialResponse, startSaslBroker, tokenFor } from './oauthbearer-fixture.js';

// Re-authentications may start a second after the last one and must land before expiry: a lifetime
// of 3 s leaves a loaded machine nearly two seconds of slack past the 1.1 s waits below.
const LIFETIME_MS = 3000;

/** Handshake and authenticate with PLAIN (or another mechanism's single token). */
async function login(client: WireClient, authBytes: Buffer, mechanism = 'PLAIN', authenticateVersion = 1): Promise<SaslAuthenticateResponse> {
  const handshake = await client.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism });
  assert.equal(handshake.errorCode, ErrorCode.NONE);
  return client.request(SaslAuthenticateRequest, SaslAuthenticateResponse, authenticateVersion, { authBytes });
}

const plain = (user: string, password: string): Buffer => Buffer.from(`\u0000${user}\u0000${password}`);

describe('connections.max.reauth.ms lookup', () => {
  it('prefers listener.name.<l>.<mechanism>, then listener.name.<l>, then the broker-wide key', () => {
    const config = parseBrokerConfig(
      new Map([
        ['listeners', 'SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0'],
        ['connections.max.reauth.ms', '9000'],
        ['listener.name.sasl_plaintext.connections.max.reauth.ms', '5000'],
        ['listener.name.sasl_plaintext.scram-sha-256.connections.max.reauth.ms', '2000'],
      ]),
      { inMemory: true },
    );
    assert.equal(connectionsMaxReauthMs(config, 'SASL_PLAINTEXT', 'SCRAM-SHA-256'), 2000);
    assert.equal(connectionsMaxReauthMs(config, 'SASL_PLAINTEXT', 'PLAIN'), 5000);
    assert.equal(connectionsMaxReauthMs(config, 'PLAINTEXT', 'PLAIN'), 9000);
    assert.deepEqual(config.unknownKeys, []);
  });

  it('bounds the lifetime by the credential expiry, and has none with neither', () => {
    assert.equal(sessionLifetimeMs(0, null, 1000), null);
    assert.equal(sessionLifetimeMs(1500, null, 1000), 1500);
    assert.equal(sessionLifetimeMs(1500, 2000, 1000), 1000);
    assert.equal(sessionLifetimeMs(0, 5000, 1000), 4000);
    assert.equal(sessionLifetimeMs(1500, 500, 1000), 0);
  });
});

describe('SASL re-authentication on the broker (KIP-368)', () => {
  let running: RunningBroker;
  const log = recordingLogger();

  before(async () => {
    running = await startSaslBroker(
      { 'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,OAUTHBEARER', 'sasl.users': 'alice:alice-secret,bob:bob-secret', 'connections.max.reauth.ms': LIFETIME_MS },
      log.logger,
    );
  });
  after(() => running.close());

  const metadata = (client: WireClient) => client.request(MetadataRequest, MetadataResponse, 9, { topics: [] });

  it('tells v1+ clients the session lifetime', async () => {
    const client = await WireClient.connect(running.port);
    try {
      const answer = await login(client, plain('alice', 'alice-secret'));
      assert.equal(answer.errorCode, ErrorCode.NONE);
      assert.equal(answer.sessionLifetimeMs, BigInt(LIFETIME_MS));
    } finally {
      client.destroy();
    }
  });

  it('bounds an OAUTHBEARER session by the token lifetime when that is shorter', async () => {
    const client = await WireClient.connect(running.port);
    try {
      const answer = await login(client, initialResponse(tokenFor('alice', 1000)), 'OAUTHBEARER');
      assert.equal(answer.errorCode, ErrorCode.NONE);
      assert.ok(answer.sessionLifetimeMs > 0n && answer.sessionLifetimeMs <= 1000n, String(answer.sessionLifetimeMs));
    } finally {
      client.destroy();
    }
  });

  it('closes, without an answer, a connection that keeps sending after its session expired', async () => {
    const client = await WireClient.connect(running.port);
    assert.equal((await login(client, plain('alice', 'alice-secret'))).errorCode, ErrorCode.NONE);
    assert.equal((await metadata(client)).brokers.length, 1);
    await sleep(LIFETIME_MS + 200);
    client.send(MetadataRequest, 9, { topics: [] });
    assert.equal(await client.next(), null, 'no answer after expiry');
    assert.equal(client.closedByBroker, true);
    assert.ok(log.lines.some((l) => l.includes('expired without re-authentication')));
  });

  it('closes a v0 client (SaslAuthenticate v0, told no lifetime) at expiry the same way', async () => {
    const client = await WireClient.connect(running.port);
    assert.equal((await login(client, plain('alice', 'alice-secret'), 'PLAIN', 0)).errorCode, ErrorCode.NONE);
    await sleep(LIFETIME_MS + 200);
    client.send(MetadataRequest, 9, { topics: [] });
    assert.equal(await client.next(), null);
  });

  it('keeps a connection that re-authenticates in time, across several lifetimes, answering pipelined requests in order', async () => {
    const client = await WireClient.connect(running.port);
    try {
      assert.equal((await login(client, plain('alice', 'alice-secret'))).errorCode, ErrorCode.NONE);
      const connection = await eventually('the connection on the broker', () => [...running.broker.connections].find((c) => c.session.principal === 'alice' && c.session.reauthentication.expiresAt !== null));
      for (let round = 0; round < 3; round++) {
        // Past the one-second minimum between re-authentications, well before expiry.
        await sleep(1100);
        // A request in flight, the re-authentication, and one more, all in one write.
        const ids = [
          client.send(MetadataRequest, 9, { topics: [] }),
          client.send(SaslHandshakeRequest, 1, { mechanism: 'PLAIN' }),
          client.send(SaslAuthenticateRequest, 1, { authBytes: plain('alice', 'alice-secret') }),
          client.send(MetadataRequest, 9, { topics: [] }),
        ];
        const codecs = [MetadataResponse, SaslHandshakeResponse, SaslAuthenticateResponse, MetadataResponse] as const;
        const keys = [MetadataRequest.apiKey, SaslHandshakeRequest.apiKey, SaslAuthenticateRequest.apiKey, MetadataRequest.apiKey];
        for (let i = 0; i < ids.length; i++) {
          const frame = await client.next();
          assert.ok(frame, `answer ${i} of round ${round}`);
          const parsed = parseResponse(frame, keys[i]!, i === 0 || i === 3 ? 9 : 1, codecs[i]! as never);
          assert.equal(parsed.correlationId, ids[i]);
          if (i === 2) assert.equal((parsed.body as SaslAuthenticateResponse).sessionLifetimeMs, BigInt(LIFETIME_MS));
          if (i === 1 || i === 2) assert.equal((parsed.body as { errorCode: number }).errorCode, ErrorCode.NONE);
        }
      }
      assert.equal(connection.session.reauthentication.completed, 3);
      assert.equal(connection.socket.destroyed, false);
    } finally {
      client.destroy();
    }
  });

  it('lets a SaslHandshake after expiry start a re-authentication (Kafka SocketServer)', async () => {
    const client = await WireClient.connect(running.port);
    try {
      assert.equal((await login(client, plain('alice', 'alice-secret'))).errorCode, ErrorCode.NONE);
      await sleep(LIFETIME_MS + 200);
      assert.equal((await login(client, plain('alice', 'alice-secret'))).errorCode, ErrorCode.NONE);
      assert.equal((await metadata(client)).brokers.length, 1);
    } finally {
      client.destroy();
    }
  });

  it('refuses a re-authentication within a second of the last one with ILLEGAL_SASL_STATE, and keeps the connection', async () => {
    const client = await WireClient.connect(running.port);
    try {
      assert.equal((await login(client, plain('alice', 'alice-secret'))).errorCode, ErrorCode.NONE);
      // The re-authentication and the next SaslHandshake in one go, so the second comes well
      // within a second of the first however slow the machine.
      const ids = [
        client.send(SaslHandshakeRequest, 1, { mechanism: 'PLAIN' }),
        client.send(SaslAuthenticateRequest, 1, { authBytes: plain('alice', 'alice-secret') }),
        client.send(SaslHandshakeRequest, 1, { mechanism: 'PLAIN' }),
      ];
      const codecs = [SaslHandshakeResponse, SaslAuthenticateResponse, SaslHandshakeResponse] as const;
      const keys = [SaslHandshakeRequest.apiKey, SaslAuthenticateRequest.apiKey, SaslHandshakeRequest.apiKey];
      const errors: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        const frame = await client.next();
        assert.ok(frame, `answer ${i}`);
        const parsed = parseResponse(frame, keys[i]!, 1, codecs[i]! as never);
        assert.equal(parsed.correlationId, ids[i]);
        errors.push((parsed.body as { errorCode: number }).errorCode);
      }
      assert.deepEqual(errors, [ErrorCode.NONE, ErrorCode.NONE, ErrorCode.ILLEGAL_SASL_STATE]);
      assert.equal((await metadata(client)).brokers.length, 1);
    } finally {
      client.destroy();
    }
  });

  it('refuses a re-authentication as another principal and closes the connection', async () => {
    const client = await WireClient.connect(running.port);
    assert.equal((await login(client, plain('alice', 'alice-secret'))).errorCode, ErrorCode.NONE);
    const answer = await login(client, plain('bob', 'bob-secret'));
    assert.equal(answer.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.equal(answer.errorMessage, 'Cannot change principals during re-authentication from User.alice: User.bob');
    assert.equal(await client.closesWithin(20_000), true);
  });

  it('closes a re-authentication with another mechanism', async () => {
    const client = await WireClient.connect(running.port);
    assert.equal((await login(client, plain('alice', 'alice-secret'))).errorCode, ErrorCode.NONE);
    await client.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'SCRAM-SHA-256' });
    assert.equal(await client.closesWithin(20_000), true);
  });

  it('closes a connection that sends another request in the middle of its re-authentication', async () => {
    const client = await WireClient.connect(running.port);
    assert.equal((await login(client, plain('alice', 'alice-secret'))).errorCode, ErrorCode.NONE);
    await client.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' });
    client.send(MetadataRequest, 9, { topics: [] });
    assert.equal(await client.next(), null);
  });
});

describe('without connections.max.reauth.ms', () => {
  it('grants PLAIN sessions no lifetime and refuses a second SaslHandshake with ILLEGAL_SASL_STATE', async () => {
    const running = await startSaslBroker({ 'sasl.users': 'alice:alice-secret' });
    const client = await WireClient.connect(running.port);
    try {
      const answer = await login(client, plain('alice', 'alice-secret'));
      assert.equal(answer.sessionLifetimeMs, 0n);
      const again = await client.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' });
      assert.equal(again.errorCode, ErrorCode.ILLEGAL_SASL_STATE);
    } finally {
      client.destroy();
      await running.close();
    }
  });
});
