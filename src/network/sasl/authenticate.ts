/**
 * The SASL exchange on a fresh connection, after ApiVersions and before any
 * other request (KIP-43, KIP-152):
 *
 * ```
 * SaslHandshake v1 { mechanism }           -> { errorCode, mechanisms }
 * SaslAuthenticate { authBytes: token 1 }  -> { errorCode, errorMessage, authBytes }
 * ... until the mechanism has nothing more to say (1 round for PLAIN and
 *     OAUTHBEARER, 2 for SCRAM)
 * ```
 *
 * The last SaslAuthenticate answer (v1+) carries the session lifetime (KIP-368):
 * the connection must re-authenticate before it ends (reauthenticator.ts). The
 * same exchange, on the open connection, is the re-authentication.
 *
 * Only SaslHandshake v1 is used: v0 sends bare tokens outside Kafka framing, is
 * deprecated by KIP-896 and gone from Kafka 4.0; v1 exists since Kafka 1.0.
 * A refused mechanism or credential is a `KafkaJSSASLAuthenticationError`
 * (not retriable: the same password will fail again), carrying the broker's
 * message; the broker closes the connection right after (KIP-152).
 */
import { KafkaJSSASLAuthenticationError } from '../../errors/errors.js';
import { ErrorCode, errorCodeInfo } from '../../protocol/error-codes.js';
import { type SaslAuthenticateResponse } from '../../protocol/generated/sasl-authenticate-response.js';
import { type SaslHandshakeResponse } from '../../protocol/generated/sasl-handshake-response.js';
import { type SaslMechanismClient } from './mechanism.js';

/** How the exchange reaches the broker: the connection sends these two requests. */
export interface SaslTransport {
  handshake(mechanism: string): Promise<SaslHandshakeResponse>;
  authenticate(authBytes: Buffer): Promise<SaslAuthenticateResponse>;
}

/**
 * Run `mechanism` over `transport`; resolves once the broker has accepted the
 * credentials (and proved itself, for SCRAM), with the session lifetime in ms
 * (0: the session does not expire, or SaslAuthenticate v0 said nothing).
 */
export async function authenticateSasl(transport: SaslTransport, mechanism: SaslMechanismClient): Promise<number> {
  const handshake = await transport.handshake(mechanism.name);
  if (handshake.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
    throw new KafkaJSSASLAuthenticationError(`SASL ${mechanism.name} mechanism is not supported by the broker (it offers: ${handshake.mechanisms.join(', ') || 'none'})`);
  }
  if (handshake.errorCode !== ErrorCode.NONE) {
    throw new KafkaJSSASLAuthenticationError(`SASL ${mechanism.name} handshake failed: ${describe(handshake.errorCode, null)}`);
  }
  let token: Buffer | null = await mechanism.start();
  let sessionLifetimeMs = 0n;
  while (token !== null) {
    const response = await transport.authenticate(token);
    if (response.errorCode !== ErrorCode.NONE) {
      throw new KafkaJSSASLAuthenticationError(`SASL ${mechanism.name} authentication failed: ${describe(response.errorCode, response.errorMessage)}`);
    }
    sessionLifetimeMs = response.sessionLifetimeMs;
    token = await mechanism.next(response.authBytes);
  }
  return Number(sessionLifetimeMs);
}

function describe(code: number, brokerMessage: string | null): string {
  const info = errorCodeInfo(code);
  return `${info.name}${brokerMessage ? `: ${brokerMessage}` : ` (${info.message})`}`;
}
