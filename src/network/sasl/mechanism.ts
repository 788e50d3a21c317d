/**
 * The SASL options KafkaJS users pass (`sasl: { mechanism, username, password }`,
 * or `sasl: { mechanism: 'oauthbearer', oauthBearerProvider }`) and the client
 * side of each mechanism as a small token exchange: `start()` gives the first
 * token, `next(serverToken)` the following one, or `null` once the exchange is
 * complete (after checking what the server proved, for SCRAM). Sending tokens
 * is the connection's business (SaslAuthenticate, KIP-152).
 */
import { type OauthbearerProviderResponse, oauthBearerMechanism } from './oauthbearer.js';
import { plainMechanism } from './plain.js';
import { scramMechanism } from './scram.js';

export { type OauthbearerProviderResponse } from './oauthbearer.js';

/** `sasl` with a username and password, as in KafkaJS. */
export interface PasswordSaslOptions {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

/** `sasl` for OAUTHBEARER, as in KafkaJS: the provider is called for each (re-)authentication. */
export interface OauthbearerSaslOptions {
  readonly mechanism: 'oauthbearer';
  readonly oauthBearerProvider: () => Promise<OauthbearerProviderResponse>;
}

/** KafkaJS's `SASLOptions`: the mechanisms this client speaks. */
export type SaslOptions = PasswordSaslOptions | OauthbearerSaslOptions;

/** The mechanisms authenticated by username and password, KafkaJS's lower-case names. */
export const PASSWORD_SASL_MECHANISMS: readonly PasswordSaslOptions['mechanism'][] = Object.freeze(['plain', 'scram-sha-256', 'scram-sha-512']);

/** Every mechanism this client speaks, KafkaJS's lower-case names. */
export const SASL_MECHANISMS: readonly SaslOptions['mechanism'][] = Object.freeze([...PASSWORD_SASL_MECHANISMS, 'oauthbearer']);

/** One side of a SASL exchange in progress. */
export interface SaslMechanismClient {
  /** Kafka's (IANA's) mechanism name, sent in SaslHandshake, e.g. `SCRAM-SHA-256`. */
  readonly name: string;
  /** The client's first token. */
  start(): Promise<Buffer>;
  /**
   * The answer to the server's token; `null` when the exchange is complete.
   * Throws a `KafkaJSSASLAuthenticationError` when the server's token is wrong.
   */
  next(serverToken: Buffer): Promise<Buffer | null>;
}

/** A fresh exchange for `options`. */
export function createSaslMechanism(options: SaslOptions): SaslMechanismClient {
  switch (options.mechanism) {
    case 'plain':
      return plainMechanism(options.username, options.password);
    case 'scram-sha-256':
      return scramMechanism('SCRAM-SHA-256', options.username, options.password);
    case 'scram-sha-512':
      return scramMechanism('SCRAM-SHA-512', options.username, options.password);
    case 'oauthbearer':
      return oauthBearerMechanism(options.oauthBearerProvider);
  }
}

/** Who authenticates, for log lines (never a secret). */
export function saslIdentity(options: SaslOptions): string {
  return options.mechanism === 'oauthbearer' ? '(OAuth bearer token)' : options.username;
}
