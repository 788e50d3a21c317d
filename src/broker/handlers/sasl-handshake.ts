/**
 * SaslHandshake, v0-v1 (KIP-43, KIP-152). Served before authentication.
 *
 * The client names its mechanism; the answer lists `sasl.enabled.mechanisms`.
 * - A mechanism not enabled (compared case-sensitively, as Kafka does) is
 *   answered UNSUPPORTED_SASL_MECHANISM and the connection is then closed.
 * - v1: the SASL tokens follow in SaslAuthenticate requests.
 * - v0: the tokens follow as bare int32-size-prefixed frames without Kafka
 *   headers, answered the same way; the connection switches to that mode until
 *   the exchange ends (see Session.expectsRawSaslTokens).
 * - On an authenticated connection whose session expires (KIP-368), it starts a
 *   re-authentication, at most once a second (auth/reauth.ts). The mechanism must
 *   be the one the session used: another is answered NONE and the connection
 *   then closed (Kafka closes on the token that follows; the client sees the same).
 * - On a listener without SASL, once a mechanism was chosen, or on a session that
 *   cannot re-authenticate now: ILLEGAL_SASL_STATE, Kafka's answer when a
 *   handshake reaches it outside the authenticator.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { SaslHandshakeRequest } from '../../protocol/generated/sasl-handshake-request.js';
import { SaslHandshakeResponse } from '../../protocol/generated/sasl-handshake-response.js';
import { defineHandler } from './handler.js';

export const saslHandshakeHandler = defineHandler({
  apiKey: ApiKey.SaslHandshake,
  minVersion: 0,
  maxVersion: 1,
  request: SaslHandshakeRequest,
  response: SaslHandshakeResponse,
  beforeAuthentication: true,
  handle(ctx, request) {
    const { session } = ctx;
    const mechanisms = [...ctx.broker.config.saslEnabledMechanisms];
    const state = session.sasl;
    const now = performance.now();
    const reauthenticating = state.step === 'authenticated' && session.reauthentication.mayBegin(now);
    if (!session.requiresSasl || (state.step !== 'none' && !reauthenticating)) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
    if (!mechanisms.includes(request.mechanism)) {
      session.advanceSasl({ step: 'failed', reason: `unsupported SASL mechanism ${JSON.stringify(request.mechanism)} (enabled: ${mechanisms.join(', ')})` });
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms };
    }
    if (state.step === 'authenticated') {
      session.reauthentication.begin(now, { principal: session.principal, mechanism: state.mechanism });
      if (request.mechanism !== state.mechanism) {
        session.advanceSasl({ step: 'failed', reason: `SASL mechanism '${request.mechanism}' requested by client is not supported for re-authentication of mechanism '${state.mechanism}'` });
        return { errorCode: ErrorCode.NONE, mechanisms };
      }
    }
    session.advanceSasl({ step: 'handshaken', mechanism: request.mechanism, rawTokens: ctx.header.apiVersion === 0 });
    return { errorCode: ErrorCode.NONE, mechanisms };
  },
});
