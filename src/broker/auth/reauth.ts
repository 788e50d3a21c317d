/**
 * SASL session lifetime and re-authentication on the broker (KIP-368), as
 * Kafka's SaslServerAuthenticator, KafkaChannel and SocketServer do it:
 *
 * - When authentication completes, the session's lifetime is the smaller of
 *   `connections.max.reauth.ms` (when > 0) and, for a credential that expires
 *   (an OAUTHBEARER token), the time left until it does; with neither the
 *   session never expires. SaslAuthenticate v1+ tells the client that lifetime
 *   (0 for none).
 * - An authenticated connection whose session expires may re-authenticate with
 *   SaslHandshake then SaslAuthenticate, on the same connection, with the same
 *   mechanism and ending as the same principal; otherwise it is closed. A
 *   re-authentication may start at most once a second (Kafka's
 *   MIN_REAUTH_INTERVAL_ONE_SECOND); a SaslHandshake inside that second, or on
 *   a session without expiry, is served as an ordinary request
 *   (ILLEGAL_SASL_STATE).
 * - Past the expiry, any request but a SaslHandshake that starts a
 *   re-authentication closes the connection without an answer. That covers
 *   clients that never re-authenticate (SaslAuthenticate v0, SaslHandshake v0,
 *   librdkafka before 2.2): they are disconnected and reconnect.
 * - During a re-authentication nothing but its SASL requests is served; the
 *   principal stays the old one until the exchange completes.
 */
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { type BrokerConfig } from '../config.js';

/** Kafka's KafkaChannel.MIN_REAUTH_INTERVAL_ONE_SECOND_NANOS, in ms. */
export const MIN_REAUTHENTICATION_INTERVAL_MS = 1000;

/**
 * The `connections.max.reauth.ms` that applies to one listener and mechanism: Kafka
 * looks up `listener.name.<listener>.<mechanism>.connections.max.reauth.ms`, then
 * `listener.name.<listener>.connections.max.reauth.ms`, then the broker-wide key.
 */
export function connectionsMaxReauthMs(config: BrokerConfig, listener: string, mechanism: string): number {
  const byKey = config.connectionsMaxReauthMs;
  return byKey.get(`${listener}/${mechanism}`) ?? byKey.get(listener) ?? byKey.get('') ?? 0;
}

/**
 * A new session's lifetime in ms, or null when it never expires (Kafka's
 * calcCompletionTimesAndReturnSessionLifetimeMs). A credential already past its
 * expiry gives 0: the session expires at once.
 */
export function sessionLifetimeMs(maxReauthMs: number, credentialExpiresAtMs: number | null, nowMs: number): number | null {
  if (credentialExpiresAtMs === null && maxReauthMs <= 0) return null;
  const credentialLeft = credentialExpiresAtMs === null ? Infinity : credentialExpiresAtMs - nowMs;
  return Math.max(0, Math.min(credentialLeft, maxReauthMs > 0 ? maxReauthMs : Infinity));
}

/** What a connection authenticated as, kept while it re-authenticates. */
export interface PreviousSession {
  readonly principal: string;
  readonly mechanism: string;
}

/**
 * One connection's KIP-368 state: when its session expires and whether a
 * re-authentication is running. Times are `performance.now()` milliseconds, so
 * a wall-clock step does not expire sessions early or late.
 */
export class Reauthentication {
  #expiresAt: number | null = null;
  #lastStartedAt: number | null = null;
  #previous: PreviousSession | null = null;
  /** Re-authentications completed on this connection (for logs and tests). */
  completed = 0;

  /** The session being re-authenticated, or null when none is. */
  get previous(): PreviousSession | null {
    return this.#previous;
  }

  /** When the session expires, or null when it never does. */
  get expiresAt(): number | null {
    return this.#expiresAt;
  }

  /** Whether a SaslHandshake now starts a re-authentication (KafkaChannel.maybeBeginServerReauthentication). */
  mayBegin(now: number): boolean {
    return this.#expiresAt !== null && (this.#lastStartedAt === null || now - this.#lastStartedAt >= MIN_REAUTHENTICATION_INTERVAL_MS);
  }

  /** A SaslHandshake started a re-authentication of `previous`. */
  begin(now: number, previous: PreviousSession): void {
    this.#lastStartedAt = now;
    this.#previous = previous;
  }

  /** Authentication, first or again, completed: the session lasts `lifetimeMs` from `now` (null: forever). */
  complete(now: number, lifetimeMs: number | null): void {
    if (this.#previous !== null) this.completed++;
    this.#previous = null;
    this.#expiresAt = lifetimeMs === null ? null : now + lifetimeMs;
  }

  /**
   * Whether a request with `apiKey`, arriving `now` on an authenticated
   * connection, must close it unanswered: the session expired and the request
   * is not a SaslHandshake that starts a re-authentication (Kafka's SocketServer).
   */
  closes(apiKey: number, now: number): boolean {
    if (this.#expiresAt === null || now <= this.#expiresAt) return false;
    return !(apiKey === ApiKey.SaslHandshake && this.mayBegin(now));
  }
}
