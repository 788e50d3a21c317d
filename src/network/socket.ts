/**
 * Opening one TCP or TLS socket to a broker, bounded by the connect timeout.
 *
 * The timeout covers everything up to a usable byte stream: DNS, the TCP
 * handshake and, for TLS, the TLS handshake (KafkaJS's `connectionTimeout`
 * means the same). Nagle is off because Kafka requests are small and latency
 * bound (Java sets TCP_NODELAY on every channel), and keep-alive is on so a
 * broker that vanished without a FIN is eventually noticed by the OS (Java's
 * SO_KEEPALIVE).
 */
import { type Socket, connect as connectTcp, isIP } from 'node:net';
import { type ConnectionOptions as TlsConnectionOptions, connect as connectTls } from 'node:tls';

/** TLS settings: `true` for the system CAs and defaults, or Node's `tls.connect` options. */
export type SslOptions = boolean | TlsConnectionOptions;

/** Where and how to open a socket. */
export interface OpenSocketOptions {
  readonly host: string;
  readonly port: number;
  readonly ssl?: SslOptions | undefined;
  /** Milliseconds until the stream must be usable (TLS handshake included). */
  readonly connectionTimeout: number;
  /**
   * TCP only (ignored with `ssl`): read into the buffers `buffer()` returns and hand
   * each read to `callback` instead of emitting 'data' (Node's `onread`), so the
   * reader chooses where bytes land and no buffer is allocated per read.
   */
  readonly onread?: { readonly buffer: () => Uint8Array; readonly callback: (bytes: number, buffer: Uint8Array) => boolean } | undefined;
}

/** Why a socket could not be opened: a timeout, or the error the OS or TLS reported. */
export class SocketOpenError extends Error {
  override readonly name = 'SocketOpenError';
  constructor(
    message: string,
    /** An OS error code such as ECONNREFUSED, or ETIMEDOUT for our own timeout. */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Delay before the OS starts keep-alive probes on an idle connection. */
const KEEP_ALIVE_INITIAL_DELAY_MS = 60_000;

/**
 * Open a socket to `host:port`, resolving once it is connected (and, with
 * `ssl`, once the TLS handshake has succeeded). On failure or timeout the
 * socket is destroyed and the promise rejects with a {@link SocketOpenError}.
 */
export function openSocket(options: OpenSocketOptions): Promise<Socket> {
  const { host, port, ssl, connectionTimeout, onread } = options;
  return new Promise<Socket>((resolve, reject) => {
    let socket: Socket;
    const readyEvent = ssl ? 'secureConnect' : 'connect';
    if (ssl) {
      const tlsOptions: TlsConnectionOptions = ssl === true ? {} : ssl;
      // SNI takes a host name, never an IP address (RFC 6066 section 3).
      const servername = tlsOptions.servername ?? (isIP(host) === 0 ? host : undefined);
      socket = connectTls({ ...tlsOptions, host, port, ...(servername !== undefined ? { servername } : {}) });
    } else {
      socket = connectTcp({ host, port, ...(onread ? { onread } : {}) });
    }
    const timer = setTimeout(() => {
      fail(new SocketOpenError(`Connection timeout: ${host}:${port} did not accept a connection within ${connectionTimeout} ms`, 'ETIMEDOUT'));
    }, connectionTimeout);
    const onReady = (): void => {
      cleanup();
      socket.setNoDelay(true);
      socket.setKeepAlive(true, KEEP_ALIVE_INITIAL_DELAY_MS);
      resolve(socket);
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      fail(new SocketOpenError(`Connection error: ${host}:${port}: ${error.message}`, error.code, { cause: error }));
    };
    const onClose = (): void => {
      fail(new SocketOpenError(`Connection error: ${host}:${port} closed the connection during the ${ssl ? 'TLS ' : ''}handshake`, 'ECONNRESET'));
    };
    function cleanup(): void {
      clearTimeout(timer);
      socket.off(readyEvent, onReady);
      socket.off('error', onError);
      socket.off('close', onClose);
    }
    function fail(error: SocketOpenError): void {
      cleanup();
      // Swallow late errors of a socket we are abandoning; the caller gets `error`.
      socket.on('error', () => {});
      socket.destroy();
      reject(error);
    }
    socket.once(readyEvent, onReady);
    socket.once('error', onError);
    socket.once('close', onClose);
  });
}
