/**
 * SASL/OAUTHBEARER on the broker (RFC 7628, KIP-255) with Kafka's default
 * unsecured-JWS validator: the client's first message parsed with its
 * extensions, a good token authenticating as User:<sub>, and every bad token
 * (expired, signed, malformed, without `sub`) refused the way Kafka refuses it:
 * the JSON error as a challenge, then SASL_AUTHENTICATION_FAILED once the
 * client answers `\x01`, then the connection closed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseOAuthBearerInitialResponse, validateUnsecuredJws } from '../../../src/broker/auth/oauthbearer.js';
import { parseBrokerConfig } from '../../../src/broker/config.js';
import { type RunningBroker } from '../../../src/broker/server.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { MetadataRequest, MetadataResponse, SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse } from '../../../src/protocol/generated/index.js';
import { WireClient } from '../../support/wire-client.js';
import { initialResponse, startSaslBroker, tokenFor, unsecuredJws } from './oauthbearer-fixture.js';

const OPTIONS = { principalClaimName: 'sub', scopeClaimName: 'scope', requiredScope: [], allowableClockSkewMs: 0 };

describe('OAUTHBEARER client first message', () => {
  it('parses the token, an authzid and extensions', () => {
    const parsed = parseOAuthBearerInitialResponse(initialResponse('a.b.', { traceId: 'x y', tenant: 't1' }, 'alice'));
    assert.ok(typeof parsed !== 'string');
    assert.equal(parsed.token, 'a.b.');
    assert.equal(parsed.authorizationId, 'alice');
    assert.deepEqual([...parsed.extensions], [['traceId', 'x y'], ['tenant', 't1']]);
  });

  for (const [what, message] of [
    ['no gs2 header', '\u0001auth=Bearer a.b.\u0001\u0001'],
    ['no auth key', 'n,,\u0001other=x\u0001\u0001'],
    ['another scheme', 'n,,\u0001auth=Basic abc\u0001\u0001'],
    ['a missing final separator', 'n,,\u0001auth=Bearer a.b.\u0001'],
    ['an extension key with digits', 'n,,\u0001auth=Bearer a.b.\u0001k1=v\u0001\u0001'],
  ] as const) {
    it(`refuses a message with ${what}`, () => {
      assert.equal(typeof parseOAuthBearerInitialResponse(Buffer.from(message)), 'string');
    });
  }
});

describe('unsecured JWS validation (Kafka OAuthBearerUnsecuredValidatorCallbackHandler)', () => {
  const now = Date.now();
  const s = now / 1000;

  it('accepts alg none with sub and a future exp, iat optional', () => {
    assert.deepEqual(validateUnsecuredJws(unsecuredJws({ sub: 'alice', exp: s + 60 }), OPTIONS, now), { ok: true, principal: 'alice', expiresAtMs: Math.round((s + 60) * 1000) });
    assert.equal(validateUnsecuredJws(unsecuredJws({ sub: 'alice', iat: s, exp: s + 60 }), OPTIONS, now).ok, true);
  });

  for (const [what, token] of [
    ['an expired token', unsecuredJws({ sub: 'alice', exp: s - 1 })],
    ['a token without exp', unsecuredJws({ sub: 'alice' })],
    ['a token without sub', unsecuredJws({ exp: s + 60 })],
    ['a blank sub', unsecuredJws({ sub: ' ', exp: s + 60 })],
    ['alg HS256', unsecuredJws({ sub: 'alice', exp: s + 60 }, { alg: 'HS256' })],
    ['a signature', `${unsecuredJws({ sub: 'alice', exp: s + 60 })}c2ln`],
    ['iat in the future', unsecuredJws({ sub: 'alice', iat: s + 30, exp: s + 60 })],
    ['exp not a number', unsecuredJws({ sub: 'alice', exp: 'tomorrow' })],
    ['two parts', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0'],
    ['claims that are not JSON', 'eyJhbGciOiJub25lIn0.bm90IGpzb24.'],
  ] as const) {
    it(`refuses ${what} as invalid_token`, () => {
      const result = validateUnsecuredJws(token, OPTIONS, now);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.status, 'invalid_token');
    });
  }

  it('takes the principal from the configured claim and allows the configured clock skew', () => {
    const options = { ...OPTIONS, principalClaimName: 'preferred_username', allowableClockSkewMs: 5000 };
    const result = validateUnsecuredJws(unsecuredJws({ preferred_username: 'bob', exp: s - 2 }), options, now);
    assert.equal(result.ok && result.principal, 'bob');
  });

  it('refuses a token missing a required scope as insufficient_scope', () => {
    const result = validateUnsecuredJws(unsecuredJws({ sub: 'a', exp: s + 60, scope: ['read'] }), { ...OPTIONS, requiredScope: ['read', 'write'] }, now);
    assert.deepEqual(result.ok ? null : [result.status, result.scope], ['insufficient_scope', '[read, write]']);
  });

  it('reads the validator options from the OAuthBearerLoginModule JAAS line', () => {
    const config = parseBrokerConfig(
      new Map([
        ['sasl.enabled.mechanisms', 'OAUTHBEARER'],
        [
          'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config',
          'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredValidatorPrincipalClaimName="name" unsecuredValidatorAllowableClockSkewMs="3000" unsecuredValidatorRequiredScope="a b";',
        ],
      ]),
      { inMemory: true },
    );
    assert.deepEqual(config.oauthBearer, { principalClaimName: 'name', scopeClaimName: 'scope', requiredScope: ['a', 'b'], allowableClockSkewMs: 3000 });
    assert.deepEqual(config.unknownKeys, []);
  });
});

describe('OAUTHBEARER on the wire', () => {
  let running: RunningBroker;

  before(async () => {
    running = await startSaslBroker({ 'sasl.enabled.mechanisms': 'PLAIN,OAUTHBEARER', 'sasl.users': 'alice:secret' });
  });
  after(() => running.close());

  async function handshaken(): Promise<WireClient> {
    const client = await WireClient.connect(running.port, 'oauth-test');
    const handshake = await client.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'OAUTHBEARER' });
    assert.equal(handshake.errorCode, ErrorCode.NONE);
    assert.ok(handshake.mechanisms.includes('OAUTHBEARER'));
    return client;
  }

  it('authenticates a good token as its sub, with extensions, and serves requests as that principal', async () => {
    const client = await handshaken();
    try {
      const answer = await client.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 1, { authBytes: initialResponse(tokenFor('carol', 60_000), { traceId: 'abc' }) });
      assert.equal(answer.errorCode, ErrorCode.NONE, answer.errorMessage ?? '');
      assert.equal(answer.authBytes.length, 0);
      // Kafka bounds an OAUTHBEARER session by the token's lifetime even without connections.max.reauth.ms.
      assert.ok(answer.sessionLifetimeMs > 0n && answer.sessionLifetimeMs <= 60_000n, String(answer.sessionLifetimeMs));
      const metadata = await client.request(MetadataRequest, MetadataResponse, 9, { topics: [] });
      assert.equal(metadata.brokers.length, 1);
      const principals = [...running.broker.connections].map((c) => c.session.principal);
      assert.ok(principals.includes('carol'), principals.join());
    } finally {
      client.destroy();
    }
  });

  for (const [what, token] of [
    ['an expired token', tokenFor('carol', -60_000)],
    ['a token signed with HS256', unsecuredJws({ sub: 'carol', exp: Date.now() / 1000 + 60 }, { alg: 'HS256' })],
    ['a token that is not a JWS', 'not-a-jws'],
  ] as const) {
    it(`answers ${what} with {"status":"invalid_token"}, then fails on the client's \\x01 and closes`, async () => {
      const client = await handshaken();
      const challenge = await client.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 2, { authBytes: initialResponse(token) });
      assert.equal(challenge.errorCode, ErrorCode.NONE);
      assert.equal(challenge.authBytes.toString(), '{"status":"invalid_token"}');
      const failure = await client.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 2, { authBytes: Buffer.from([1]) });
      assert.equal(failure.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
      assert.equal(failure.errorMessage, '{"status":"invalid_token"}');
      assert.equal(await client.closesWithin(15_000), true);
    });
  }

  it('fails a malformed first message at once with Kafka generic message, and closes', async () => {
    const client = await handshaken();
    const failure = await client.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 1, { authBytes: Buffer.from('n,,auth=Bearer x') });
    assert.equal(failure.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.equal(failure.errorMessage, 'Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER');
    assert.equal(await client.closesWithin(15_000), true);
  });

  it('fails an authzid that is not the token principal', async () => {
    const client = await handshaken();
    const failure = await client.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 1, { authBytes: initialResponse(tokenFor('carol'), {}, 'admin') });
    assert.equal(failure.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.match(failure.errorMessage ?? '', /authorization id \(admin\) that is different from the token's principal name \(carol\)/);
    assert.equal(await client.closesWithin(15_000), true);
  });

  it('is refused when not in sasl.enabled.mechanisms (the default list)', async () => {
    const plainOnly = await startSaslBroker({ 'sasl.users': 'alice:secret' });
    try {
      const client = await WireClient.connect(plainOnly.port);
      const handshake = await client.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'OAUTHBEARER' });
      assert.equal(handshake.errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM);
      assert.equal(await client.closesWithin(15_000), true);
    } finally {
      await plainOnly.close();
    }
  });
});
