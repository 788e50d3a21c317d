/**
 * SaslAuthenticate, v0-v2 (KIP-152; v1 adds the session lifetime of KIP-368,
 * v2 is flexible). Served before authentication and during re-authentication.
 *
 * Each request carries one SASL token of the mechanism chosen by SaslHandshake
 * v1 and is answered with the server's token: one round for PLAIN and
 * OAUTHBEARER (two when the token is refused: the JSON error, then the
 * failure), two for SCRAM (client-first, then client-final). The same step, without the Kafka
 * framing, serves the bare tokens that follow SaslHandshake v0
 * ({@link evaluateSaslToken}, called by the connection).
 * - A wrong password or a malformed token: SASL_AUTHENTICATION_FAILED with a
 *   message, after which the connection is closed, as Kafka does.
 * - v1+: the session lifetime once authenticated, 0 when the session does not
 *   expire (KIP-368, see auth/reauth.ts). A re-authentication that ends as
 *   another principal fails, and the connection is closed, as Kafka does.
 * - After authentication, on a listener without SASL, or before SaslHandshake:
 *   ILLEGAL_SASL_STATE; the last also closes the connection, since Kafka's
 *   authenticator refuses any request out of order.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { SaslAuthenticateRequest } from '../../protocol/generated/sasl-authenticate-request.js';
import { SaslAuthenticateResponse } from '../../protocol/generated/sasl-authenticate-response.js';
import { EMPTY_BYTES } from '../../protocol/primitives/constants.js';
import { evaluateOAuthBearer } from '../auth/oauthbearer.js';
import { connectionsMaxReauthMs, sessionLifetimeMs } from '../auth/reauth.js';
import { verifyPlainMessage } from '../auth/sasl-plain.js';
import { isScramMechanism, scramServerFinal, scramServerFirst } from '../auth/scram.js';
import { type BrokerConfig, type SaslUser } from '../config.js';
import { scramCredentialsFor } from '../scram-credential-store.js';
import { type Session } from '../session.js';
import { defineHandler } from './handler.js';

/** What one client token leads to: the server's token, and whether the exchange goes on, succeeded or failed. */
export type SaslTokenResult =
  | { readonly outcome: 'continue'; readonly token: Buffer }
  /** `sessionLifetimeMs`: what SaslAuthenticate v1+ tells the client, 0 for a session that does not expire. */
  | { readonly outcome: 'authenticated'; readonly token: Buffer; readonly sessionLifetimeMs: number }
  | { readonly outcome: 'failed'; readonly token: Buffer; readonly message: string };

/**
 * Evaluate one client token in the session's SASL state and move the session
 * on: to the next SCRAM step, to authenticated (setting its principal), or to
 * failed. Call it only while a mechanism is chosen and the exchange unfinished.
 */
export function evaluateSaslToken(config: BrokerConfig, session: Session, token: Buffer): SaslTokenResult {
  const state = session.sasl;
  if (state.step === 'handshaken' && state.mechanism === 'PLAIN') {
    const { passwords } = credentialsFor(config.saslUsers);
    const result = verifyPlainMessage(token, (username) => passwords.get(username));
    return result.ok ? authenticated(config, session, result.username, EMPTY_BYTES) : failed(session, result.message, EMPTY_BYTES);
  }
  if ((state.step === 'handshaken' || state.step === 'oauth-error-sent') && state.mechanism === 'OAUTHBEARER') {
    const result = evaluateOAuthBearer(token, config.oauthBearer, state.step === 'oauth-error-sent' ? state.errorJson : null, Date.now());
    if (result.outcome === 'authenticated') return authenticated(config, session, result.principal, EMPTY_BYTES, result.expiresAtMs);
    if (result.outcome === 'failed') return failed(session, result.message, EMPTY_BYTES);
    session.advanceSasl({ step: 'oauth-error-sent', mechanism: state.mechanism, rawTokens: state.rawTokens, errorJson: result.challenge });
    return { outcome: 'continue', token: Buffer.from(result.challenge, 'utf8') };
  }
  if (state.step === 'handshaken' && isScramMechanism(state.mechanism)) {
    // The credentials as they are now: AlterUserScramCredentials changes them at run time.
    const result = scramServerFirst(scramCredentialsFor(config.saslUsers, state.mechanism), token);
    if (!result.ok) return failed(session, result.message, result.serverMessage);
    session.advanceSasl({ step: 'scram-first-done', mechanism: state.mechanism, rawTokens: state.rawTokens, exchange: result.exchange });
    return { outcome: 'continue', token: result.serverFirst };
  }
  if (state.step === 'scram-first-done') {
    const result = scramServerFinal(state.exchange, token);
    return result.ok ? authenticated(config, session, result.username, result.serverFinal) : failed(session, result.message, result.serverMessage);
  }
  throw new Error(`no SASL token expected in state ${state.step}${state.step === 'handshaken' ? ` with mechanism ${state.mechanism}` : ''}`);
}

export const saslAuthenticateHandler = defineHandler({
  apiKey: ApiKey.SaslAuthenticate,
  minVersion: 0,
  maxVersion: 2,
  request: SaslAuthenticateRequest,
  response: SaslAuthenticateResponse,
  beforeAuthentication: true,
  handle(ctx, request) {
    const { session } = ctx;
    const step = session.sasl.step;
    if (!session.requiresSasl) {
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: `SASL is not enabled on listener ${session.listener.name}`, sessionLifetimeMs: 0n };
    }
    if (step === 'authenticated' || step === 'failed') {
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received after successful authentication', sessionLifetimeMs: 0n };
    }
    if (step === 'none') {
      session.advanceSasl({ step: 'failed', reason: 'SaslAuthenticate before SaslHandshake' });
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'Unexpected SaslAuthenticate request before SaslHandshake', sessionLifetimeMs: 0n };
    }
    const result = evaluateSaslToken(ctx.broker.config, session, request.authBytes);
    return {
      errorCode: result.outcome === 'failed' ? ErrorCode.SASL_AUTHENTICATION_FAILED : ErrorCode.NONE,
      errorMessage: result.outcome === 'failed' ? result.message : null,
      authBytes: result.token,
      sessionLifetimeMs: result.outcome === 'authenticated' ? BigInt(result.sessionLifetimeMs) : 0n,
    };
  },
});

/**
 * The exchange succeeded as `username`: start the session's lifetime (KIP-368),
 * bounded by `credentialExpiresAtMs` (wall clock) when the credential expires.
 * A re-authentication must end as the principal it started as.
 */
function authenticated(config: BrokerConfig, session: Session, username: string, token: Buffer, credentialExpiresAtMs: number | null = null): SaslTokenResult {
  const state = session.sasl;
  if (state.step !== 'handshaken' && state.step !== 'scram-first-done' && state.step !== 'oauth-error-sent') throw new Error(`SASL exchange completed in state ${state.step}`);
  const previous = session.reauthentication.previous;
  if (previous !== null && previous.principal !== username) {
    return failed(session, `Cannot change principals during re-authentication from User.${previous.principal}: User.${username}`, EMPTY_BYTES);
  }
  const lifetimeMs = sessionLifetimeMs(connectionsMaxReauthMs(config, session.listener.name, state.mechanism), credentialExpiresAtMs, Date.now());
  session.advanceSasl({ step: 'authenticated', mechanism: state.mechanism });
  session.principal = username;
  session.reauthentication.complete(performance.now(), lifetimeMs);
  return { outcome: 'authenticated', token, sessionLifetimeMs: lifetimeMs ?? 0 };
}

function failed(session: Session, message: string, token: Buffer): SaslTokenResult {
  session.advanceSasl({ step: 'failed', reason: message });
  return { outcome: 'failed', token, message };
}

/** Passwords for PLAIN, once per configured user list (SCRAM's live in scram-credential-store.ts). */
interface SaslCredentials {
  readonly passwords: ReadonlyMap<string, string>;
}

const credentialsByUsers = new WeakMap<readonly SaslUser[], SaslCredentials>();

function credentialsFor(users: readonly SaslUser[]): SaslCredentials {
  let credentials = credentialsByUsers.get(users);
  if (!credentials) {
    // A user listed twice (JAAS and sasl.users) keeps the later password, as config order goes.
    credentials = { passwords: new Map(users.map((u) => [u.username, u.password])) };
    credentialsByUsers.set(users, credentials);
  }
  return credentials;
}
