/**
 * Per-connection state the broker keeps: which listener it came in on and
 * whether (and as whom) it has authenticated.
 */
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
  | { readonly step: 'authenticated'; readonly mechanism: string }
  /** The connection is closed once the failure's response is written, as Kafka does. */
  | { readonly step: 'failed'; readonly reason: string };

/**
 * The legal moves between SASL steps. Authentication happens once per
 * connection: the broker grants a session lifetime of 0, so clients never
 * re-authenticate (KIP-368), and a failure ends the connection.
 */
const SASL_TRANSITIONS: { readonly [S in SaslState['step']]: readonly SaslState['step'][] } = {
  none: ['handshaken', 'failed'],
  handshaken: ['scram-first-done', 'authenticated', 'failed'],
  'scram-first-done': ['authenticated', 'failed'],
  authenticated: [],
  failed: [],
};

/** What the broker knows about one client connection: its listener and its SASL progress. */
export class Session {
  #sasl: SaslState = { step: 'none' };
  /** The authenticated user, or ANONYMOUS on listeners without SASL. */
  principal: string;

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
    return (this.#sasl.step === 'handshaken' || this.#sasl.step === 'scram-first-done') && this.#sasl.rawTokens;
  }
}
