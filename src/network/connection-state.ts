/**
 * A connection's life as an explicit table of legal transitions: any other
 * move is a bug and throws, instead of leaving a socket half-managed.
 *
 * ```
 *  idle ──> connecting ──> negotiating ──> authenticating ──> ready
 *              │   ^            │                │              │
 *              v   │            v                v              v
 *             broken <──────────┴────────────────┴──────────────┘
 *
 *  any state ──disconnect()──> closed ──connect()──> connecting
 * ```
 *
 * - negotiating: ApiVersions (KIP-35, KIP-511) is being exchanged.
 * - authenticating: SaslHandshake and SaslAuthenticate (KIP-43, KIP-152).
 * - broken: the socket failed, the broker closed it, the handshake or SASL
 *   failed, or the broker went silent; the next request reconnects after a
 *   backoff. Retriable from the caller's point of view.
 * - closed: the user called `disconnect()`; requests are refused until
 *   `connect()` is called again.
 */

/** The states of a connection. */
export const ConnectionState = Object.freeze({
  IDLE: 'idle',
  CONNECTING: 'connecting',
  NEGOTIATING: 'negotiating',
  AUTHENTICATING: 'authenticating',
  READY: 'ready',
  BROKEN: 'broken',
  CLOSED: 'closed',
} as const);

/** One of {@link ConnectionState}'s values. */
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

const S = ConnectionState;

/** For each state, the states it may move to. */
export const CONNECTION_TRANSITIONS: { readonly [From in ConnectionState]: readonly ConnectionState[] } = Object.freeze({
  [S.IDLE]: [S.CONNECTING, S.CLOSED],
  [S.CONNECTING]: [S.NEGOTIATING, S.BROKEN, S.CLOSED],
  [S.NEGOTIATING]: [S.AUTHENTICATING, S.READY, S.BROKEN, S.CLOSED],
  [S.AUTHENTICATING]: [S.READY, S.BROKEN, S.CLOSED],
  [S.READY]: [S.BROKEN, S.CLOSED],
  [S.BROKEN]: [S.CONNECTING, S.CLOSED],
  [S.CLOSED]: [S.CONNECTING],
});

/** States in which a socket is open and requests (internal or the user's) can be written. */
export const SOCKET_OPEN_STATES: ReadonlySet<ConnectionState> = new Set([S.NEGOTIATING, S.AUTHENTICATING, S.READY]);

/** Whether `from -> to` is legal. */
export function canTransition(from: ConnectionState, to: ConnectionState): boolean {
  return CONNECTION_TRANSITIONS[from].includes(to);
}
