/**
 * Per-connection state the broker keeps: which listener it came in on and
 * whether (and as whom) it has authenticated.
 */
import { Reauthentication } from './auth/reauth.js';
import { type ScramExchange } from './auth/scram.js';
import { type ListenerConfig } from './config.js';

/**
 * SASL progress on one connection (KIP-43 handshake, then KIP-152 authenticate).
 * `rawTokens` is set by SaslHandshake v0: the tokens that follow travel as bare
 * size-prefixed frames instead of SaslAuthenticate requests.
 */
export type SaslState =
  | { readonly step: 'none' }
  | { readonly step: 'handshaken'; readonly mechanism: string; readonly rawTokens: boolean }
  | { readonly step: 'scram-first-done'; readonly mechanism: string; readonly rawTokens: boolean; readonly exchange: ScramExchange }
  /** OAUTHBEARER refused the token with this JSON challenge; the client's `\x01` turns it into the failure (RFC 7628). */
  | { readonly step: 'oauth-error-sent'; readonly mechanism: string; readonly rawTokens: boolean; readonly errorJson: string }
  | { readonly step: 'authenticated'; readonly mechanism: string }
  /** The connection is closed once the failure's response is written, as Kafka does. */
  | { readonly step: 'failed'; readonly reason: string };

/**
 * The legal moves between SASL steps. An authenticated session whose lifetime
 * is bounded may go back to `handshaken` to re-authenticate (KIP-368, see
 * auth/reauth.ts); a failure ends the connection.
 */
const SASL_TRANSITIONS: { readonly [S in SaslState['step']]: readonly SaslState['step'][] } = {
  none: ['handshaken', 'failed'],
  handshaken: ['scram-first-done', 'oauth-error-sent', 'authenticated', 'failed'],
  'scram-first-done': ['authenticated', 'failed'],
  'oauth-error-sent': ['oauth-error-sent', 'authenticated', 'failed'],
  authenticated: ['handshaken', 'failed'],
  failed: [],
};

/** What the broker knows about one client connection: its listener and its SASL progress. */
export class Session {
  #sasl: SaslState = { step: 'none' };
  /** The authenticated user, or ANONYMOUS on listeners without SASL. */
  principal: string;
  /** Session expiry and re-authentication (KIP-368). */
  readonly reauthentication = new Reauthentication();

  constructor(
    readonly listener: ListenerConfig,
    readonly clientAddress: string,
  ) {
    this.principal = this.requiresSasl ? '' : 'ANONYMOUS';
  }

  get sasl(): SaslState {
    return this.#sasl;
  }

  /** Move to the next SASL step; a move the table does not allow is a broker bug. */
  advanceSasl(next: SaslState): void {
    if (!SASL_TRANSITIONS[this.#sasl.step].includes(next.step)) throw new Error(`illegal SASL transition ${this.#sasl.step} -> ${next.step}`);
    this.#sasl = next;
  }

  /** SASL_PLAINTEXT and SASL_SSL listeners refuse other requests until authenticated. */
  get requiresSasl(): boolean {
    return this.listener.securityProtocol === 'SASL_PLAINTEXT' || this.listener.securityProtocol === 'SASL_SSL';
  }

  get authenticated(): boolean {
    return !this.requiresSasl || this.#sasl.step === 'authenticated';
  }

  /** After SaslHandshake v0 the next frames are bare SASL tokens, not Kafka requests (KIP-43). */
  get expectsRawSaslTokens(): boolean {
    const step = this.#sasl.step;
    return (step === 'handshaken' || step === 'scram-first-done' || step === 'oauth-error-sent') && this.#sasl.rawTokens;
  }
}
