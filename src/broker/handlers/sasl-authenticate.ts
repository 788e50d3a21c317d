/**
 * SaslAuthenticate, v0-v2 (KIP-152; v1 adds the session lifetime of KIP-368,
 * v2 is flexible). Served before authentication.
 *
 * Each request carries one SASL token of the mechanism chosen by SaslHandshake
 * v1 and is answered with the server's token: one round for PLAIN, two for
 * SCRAM (client-first, then client-final). The same step, without the Kafka
 * framing, serves the bare tokens that follow SaslHandshake v0
 * ({@link evaluateSaslToken}, called by the connection).
 * - A wrong password or a malformed token: SASL_AUTHENTICATION_FAILED with a
 *   message, after which the connection is closed, as Kafka does.
 * - v1+: session lifetime 0, meaning no expiry and no re-authentication (KIP-368).
 * - After authentication, on a listener without SASL, or before SaslHandshake:
 *   ILLEGAL_SASL_STATE; the last also closes the connection, since Kafka's
 *   authenticator refuses any request out of order.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { SaslAuthenticateRequest } from '../../protocol/generated/sasl-authenticate-request.js';
import { SaslAuthenticateResponse } from '../../protocol/generated/sasl-authenticate-response.js';
import { EMPTY_BYTES } from '../../protocol/primitives/constants.js';
import { verifyPlainMessage } from '../auth/sasl-plain.js';
import { type ScramMechanism, ScramCredentials, isScramMechanism, scramServerFinal, scramServerFirst } from '../auth/scram.js';
import { type BrokerConfig, type SaslUser } from '../config.js';
import { type Session } from '../session.js';
import { defineHandler } from './handler.js';

/** What one client token leads to: the server's token, and whether the exchange goes on, succeeded or failed. */
export type SaslTokenResult =
  | { readonly outcome: 'continue' | 'authenticated'; readonly token: Buffer }
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
    return result.ok ? authenticated(session, state.mechanism, result.username, EMPTY_BYTES) : failed(session, result.message, EMPTY_BYTES);
  }
  if (state.step === 'handshaken' && isScramMechanism(state.mechanism)) {
    const result = scramServerFirst(scramCredentials(config.saslUsers, state.mechanism), token);
    if (!result.ok) return failed(session, result.message, result.serverMessage);
    session.advanceSasl({ step: 'scram-first-done', mechanism: state.mechanism, rawTokens: state.rawTokens, exchange: result.exchange });
    return { outcome: 'continue', token: result.serverFirst };
  }
  if (state.step === 'scram-first-done') {
    const result = scramServerFinal(state.exchange, token);
    return result.ok ? authenticated(session, state.mechanism, result.username, result.serverFinal) : failed(session, result.message, result.serverMessage);
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
      sessionLifetimeMs: 0n,
    };
  },
});

function authenticated(session: Session, mechanism: string, username: string, token: Buffer): SaslTokenResult {
  session.advanceSasl({ step: 'authenticated', mechanism });
  session.principal = username;
  return { outcome: 'authenticated', token };
}

function failed(session: Session, message: string, token: Buffer): SaslTokenResult {
  session.advanceSasl({ step: 'failed', reason: message });
  return { outcome: 'failed', token, message };
}

/** Passwords for PLAIN and SCRAM credentials for each mechanism, derived once per configured user list. */
interface SaslCredentials {
  readonly passwords: ReadonlyMap<string, string>;
  readonly scram: Map<ScramMechanism, ScramCredentials>;
}

const credentialsByUsers = new WeakMap<readonly SaslUser[], SaslCredentials>();

function credentialsFor(users: readonly SaslUser[]): SaslCredentials {
  let credentials = credentialsByUsers.get(users);
  if (!credentials) {
    // A user listed twice (JAAS and sasl.users) keeps the later password, as config order goes.
    credentials = { passwords: new Map(users.map((u) => [u.username, u.password])), scram: new Map() };
    credentialsByUsers.set(users, credentials);
  }
  return credentials;
}

/** SCRAM salts and keys for a mechanism, computed on its first use and kept for the broker's life. */
function scramCredentials(users: readonly SaslUser[], mechanism: ScramMechanism): ScramCredentials {
  const { scram } = credentialsFor(users);
  let credentials = scram.get(mechanism);
  if (!credentials) {
    credentials = ScramCredentials.derive(mechanism, users);
    scram.set(mechanism, credentials);
  }
  return credentials;
}
