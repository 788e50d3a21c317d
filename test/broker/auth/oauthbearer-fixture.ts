/**
 * For the SASL tests (OAUTHBEARER and re-authentication): a broker with one
 * SASL_PLAINTEXT listener, and unsecured JWS tokens (RFC 7515 appendix A.5) as
 * Kafka's OAuthBearerUnsecuredLoginCallbackHandler and librdkafka's built-in
 * token make them: base64url header and claims, an empty signature.
 */
import { type BrokerLogger } from '../../../src/broker/logger.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';

/** An in-memory broker with one SASL_PLAINTEXT listener, no failed-authentication delay, and `properties`; silent unless given a logger. */
export function startSaslBroker(properties: Readonly<Record<string, string | number>>, logger?: BrokerLogger): Promise<RunningBroker> {
  return startBroker({
    inMemory: true,
    ...(logger ? { logger } : { logLevel: 'nothing' }),
    properties: { listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'connection.failed.authentication.delay.ms': 0, ...properties },
  });
}

/** An unsecured JWS with `claims`; `header` defaults to `{"alg":"none"}`. */
export function unsecuredJws(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'none' }): string {
  const part = (o: Record<string, unknown>): string => Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');
  return `${part(header)}.${part(claims)}.`;
}

/** A token for `sub` that expires `lifetimeMs` from now, issued now. */
export function tokenFor(sub: string, lifetimeMs = 3_600_000): string {
  const now = Date.now() / 1000;
  return unsecuredJws({ sub, iat: now, exp: now + lifetimeMs / 1000 });
}

/** The client's first OAUTHBEARER message (RFC 7628 section 3.1). */
export function initialResponse(token: string, extensions: Record<string, string> = {}, authzid = ''): Buffer {
  const ext = Object.entries(extensions).map(([k, v]) => `${k}=${v}\u0001`).join('');
  return Buffer.from(`n,${authzid === '' ? '' : `a=${authzid}`},\u0001auth=Bearer ${token}\u0001${ext}\u0001`, 'utf8');
}
