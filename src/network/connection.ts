/**
 * One connection to one broker: the socket (TCP or TLS), its life (see
 * connection-state.ts), ApiVersions negotiation and SASL. What travels on the
 * socket (correlation ids, the in-flight window, timeouts) is the
 * RequestQueue's; which broker to talk to is the client layer's.
 *
 * Failures: a socket error or a close by the broker fails every request in
 * flight or queued with a retriable `KafkaJSConnectionError`; so does a broker
 * silent for two request timeouts (see request-queue.ts: one timeout alone
 * keeps the connection, as KafkaJS; Java closes it). `disconnect()` fails them
 * with `KafkaJSConnectionClosedError`. After a failure the next `send`
 * reconnects, after an exponential backoff with jitter (Java's
 * `reconnect.backoff.ms` 50 to `reconnect.backoff.max.ms` 1000), so a broker
 * that is down is not hammered.
 *
 * Responses released by one socket read are processed with the socket corked,
 * so the queued requests they let through leave in one write.
 *
 * When the broker grants a SASL session lifetime (KIP-368), the connection
 * re-authenticates on the same socket before it ends, holding new requests
 * meanwhile and sending them in order afterwards (sasl/reauthenticator.ts); it
 * stays `ready` throughout.
 */
import { type Socket } from 'node:net';
import { KafkaJSConnectionClosedError, KafkaJSConnectionError, KafkaJSError, KafkaJSInvariantViolation, KafkaJSServerDoesNotSupportApiKey } from '../errors/errors.js';
import { createErrorFromCode } from '../errors/protocol-errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { FrameSplitter } from '../protocol/framing.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ApiVersionsRequest } from '../protocol/generated/api-versions-request.js';
import { ApiVersionsResponse } from '../protocol/generated/api-versions-response.js';
import { SaslAuthenticateRequest } from '../protocol/generated/sasl-authenticate-request.js';
import { SaslAuthenticateResponse } from '../protocol/generated/sasl-authenticate-response.js';
import { SaslHandshakeRequest } from '../protocol/generated/sasl-handshake-request.js';
import { SaslHandshakeResponse } from '../protocol/generated/sasl-handshake-response.js';
import { type Input, type MessageCodec } from '../protocol/primitives/message.js';
import { BrokerApiVersions, type RequestVersions, apiName, clientVersions, formatVersions } from './api-versions.js';
import { ConnectionState, SOCKET_OPEN_STATES, canTransition } from './connection-state.js';
import { type NetworkInstrumentation, type NetworkLogger, silentNetworkLogger } from './instrumentation.js';
import { RequestQueue } from './request-queue.js';
import { authenticateSasl } from './sasl/authenticate.js';
import { type SaslOptions, createSaslMechanism, saslIdentity } from './sasl/mechanism.js';
import { Reauthenticator } from './sasl/reauthenticator.js';
import { type SslOptions, SocketOpenError, openSocket } from './socket.js';

/** Defaults, KafkaJS's where KafkaJS has the option, Java's otherwise. */
export const CONNECTION_DEFAULTS = Object.freeze({
  clientId: 'tskafka',
  connectionTimeout: 1000,
  authenticationTimeout: 10_000,
  /** KafkaJS's: re-authenticate (KIP-368) when this much of the session lifetime is left. */
  reauthenticationThreshold: 10_000,
  requestTimeout: 30_000,
  enforceRequestTimeout: true,
  /** No limit, as KafkaJS; the producer sets its own (Java's default is 5). */
  maxInFlightRequests: null,
  reconnectBackoffMs: 50,
  reconnectBackoffMaxMs: 1000,
} as const);

/** Sent in ApiVersions v3+ (KIP-511), shown by brokers in their client metrics. */
const CLIENT_SOFTWARE_NAME = 'tskafka';
const CLIENT_SOFTWARE_VERSION = '0.1.0';

/** The connection's own read buffer, reused for every TCP read between large responses (Node reads 64 KiB at a time too). */
const READ_BUFFER_BYTES = 64 * 1024;

/** Java's ExponentialBackoff jitter for reconnects: the wait is scaled by a random factor in [0.8, 1.2]. */
const RECONNECT_JITTER = 0.2;

/** ApiVersions, negotiated by trial before any range is known (KIP-511). Min 0: every broker speaks it, the fallback before Kafka 2.4. */
const API_VERSIONS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 4 });

/** Min 1: v0's tokens travel bare, outside Kafka framing, and are gone from Kafka 4.0 (KIP-896). */
const SASL_HANDSHAKE_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 1 });

/** Min 0: v0 has errorCode, errorMessage and authBytes; v1 adds the session lifetime that schedules re-authentication (KIP-368). */
const SASL_AUTHENTICATE_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 2 });

/** How one connection is opened and behaves. */
export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** The broker's node id, for log lines (-1 or absent for a bootstrap address). */
  readonly nodeId?: number | undefined;
  /** Sent in every request header. Default `tskafka`. */
  readonly clientId?: string | undefined;
  /** TLS: `true` or `tls.connect` options. */
  readonly ssl?: SslOptions | undefined;
  /** SASL credentials; authentication runs right after ApiVersions. */
  readonly sasl?: SaslOptions | undefined;
  /** Milliseconds to establish TCP (and TLS). Default 1000, as KafkaJS. */
  readonly connectionTimeout?: number | undefined;
  /** Milliseconds for each SASL request. Default 10000, as KafkaJS. */
  readonly authenticationTimeout?: number | undefined;
  /** Re-authenticate (KIP-368) when this many ms of the broker's session lifetime are left. Default 10000, as KafkaJS. */
  readonly reauthenticationThreshold?: number | undefined;
  /** Milliseconds from writing a request to its response. Default 30000, as KafkaJS. */
  readonly requestTimeout?: number | undefined;
  /** False disables request timeouts altogether (KafkaJS's option). Default true. */
  readonly enforceRequestTimeout?: boolean | undefined;
  /** Requests awaiting a response at once; null for no limit (the default, as KafkaJS). */
  readonly maxInFlightRequests?: number | null | undefined;
  /** First reconnect backoff after a failure, ms (Java's `reconnect.backoff.ms`). Default 50. */
  readonly reconnectBackoffMs?: number | undefined;
  /** Cap of the exponential reconnect backoff, ms (Java's `reconnect.backoff.max.ms`). Default 1000. */
  readonly reconnectBackoffMaxMs?: number | undefined;
  readonly logger?: NetworkLogger | undefined;
  readonly instrumentation?: NetworkInstrumentation | undefined;
}

/** Per-request options of {@link Connection.send}. */
export interface SendOptions {
  /**
   * The versions the calling code implements, as literal numbers (see
   * {@link RequestVersions}): the request goes at the highest version in this
   * range, the broker's and the codecs'.
   */
  readonly versions: RequestVersions;
  /** A version to use instead of the highest in all ranges; it must be in each of them. */
  readonly version?: number | undefined;
  /** Milliseconds to wait for the response instead of `requestTimeout` (long polls: Fetch, JoinGroup). */
  readonly timeout?: number | undefined;
}

/** One connection to one broker. */
export class Connection {
  readonly host: string;
  readonly port: number;
  /** `host:port`, as in errors and events. */
  readonly broker: string;
  readonly nodeId: number;
  readonly clientId: string;

  readonly #ssl: SslOptions | undefined;
  readonly #sasl: SaslOptions | undefined;
  readonly #connectionTimeout: number;
  readonly #authenticationTimeout: number;
  readonly #requestTimeout: number;
  readonly #backoffMs: number;
  readonly #backoffMaxMs: number;
  readonly #logger: NetworkLogger;

  #state: ConnectionState = ConnectionState.IDLE;
  #socket: Socket | undefined;
  readonly #requests: RequestQueue;
  readonly #reauthenticator: Reauthenticator;
  /** The last request sent and when: a re-authentication waits for it (the broker answers in order). */
  #lastRequest: Promise<unknown> | undefined;
  #lastSendAt = 0;
  #versions: BrokerApiVersions | undefined;
  #connecting: Promise<void> | undefined;
  /** Bumped by `disconnect()`: an opening attempt from an older generation must stop, even if `connect()` was called again since. */
  #generation = 0;
  #failures = 0;
  #reconnectAt = 0;

  constructor(options: ConnectionOptions) {
    this.host = options.host;
    this.port = options.port;
    this.broker = `${options.host}:${options.port}`;
    this.nodeId = options.nodeId ?? -1;
    this.clientId = options.clientId ?? CONNECTION_DEFAULTS.clientId;
    this.#ssl = options.ssl;
    this.#sasl = options.sasl;
    this.#connectionTimeout = options.connectionTimeout ?? CONNECTION_DEFAULTS.connectionTimeout;
    this.#authenticationTimeout = options.authenticationTimeout ?? CONNECTION_DEFAULTS.authenticationTimeout;
    this.#requestTimeout = options.requestTimeout ?? CONNECTION_DEFAULTS.requestTimeout;
    this.#backoffMs = options.reconnectBackoffMs ?? CONNECTION_DEFAULTS.reconnectBackoffMs;
    this.#backoffMaxMs = options.reconnectBackoffMaxMs ?? CONNECTION_DEFAULTS.reconnectBackoffMaxMs;
    this.#logger = options.logger ?? silentNetworkLogger;
    this.#requests = new RequestQueue({
      broker: this.broker,
      clientId: this.clientId,
      maxInFlight: options.maxInFlightRequests ?? Infinity,
      requestTimeout: this.#requestTimeout,
      enforceRequestTimeout: options.enforceRequestTimeout ?? CONNECTION_DEFAULTS.enforceRequestTimeout,
      logger: this.#logger,
      instrumentation: options.instrumentation,
      write: (frame) => {
        if (!this.#socket) return false;
        this.#socket.write(frame);
        return true;
      },
      onSilence: (error) => this.#break(error),
    });
    this.#reauthenticator = new Reauthenticator(options.reauthenticationThreshold ?? CONNECTION_DEFAULTS.reauthenticationThreshold, {
      busySince: (since) => this.#lastSendAt > since || this.inFlightCount + this.queueSize > 0,
      lastRequest: () => this.#lastRequest,
      reauthenticate: () => this.#reauthenticate(),
      fail: (error) => this.#break(error),
    });
  }

  /** SASL re-authentications (KIP-368) completed on this connection. */
  get reauthentications(): number {
    return this.#reauthenticator.completed;
  }

  /** Where the connection is in its life (see connection-state.ts). */
  get state(): ConnectionState {
    return this.#state;
  }

  /** True when requests are written as soon as the window allows. */
  get isReady(): boolean {
    return this.#state === ConnectionState.READY;
  }

  /** Requests written and awaiting a response. */
  get inFlightCount(): number {
    return this.#requests.inFlightCount;
  }

  /** Requests waiting for a window slot. */
  get queueSize(): number {
    return this.#requests.queueSize;
  }

  /** The broker's API versions from the last successful negotiation. */
  get apiVersions(): BrokerApiVersions | undefined {
    return this.#versions;
  }

  /**
   * The highest version of `apiKey` this client and the broker both support,
   * within `declared` when given: the version `send` picks with the same
   * `versions`. Throws `KafkaJSServerDoesNotSupportApiKey` when there is none,
   * `KafkaJSConnectionError` before the first negotiation.
   */
  versionFor(apiKey: number, declared?: RequestVersions): number {
    if (!this.#versions) throw new KafkaJSConnectionError(`Not connected to ${this.broker}: API versions are not negotiated yet`, { broker: this.broker });
    return this.#versions.versionFor(apiKey, declared);
  }

  /**
   * Open the socket, negotiate API versions and authenticate. Idempotent:
   * resolves at once when ready and shares an attempt in progress. After a
   * failure, waits out the reconnect backoff first.
   */
  connect(): Promise<void> {
    if (this.#state === ConnectionState.READY) return Promise.resolve();
    if (this.#connecting) return this.#connecting;
    const connecting = this.#open(this.#generation).finally(() => {
      if (this.#connecting === connecting) this.#connecting = undefined;
    });
    this.#connecting = connecting;
    return connecting;
  }

  /**
   * Send a request and resolve with its decoded response body. The version is
   * the highest in `options.versions` that both sides support (see
   * {@link SendOptions}) unless `options.version` says otherwise; when there is
   * none the request is not sent and the promise rejects with
   * `KafkaJSServerDoesNotSupportApiKey` naming the ranges; without
   * `options.versions` it rejects with a `TypeError`.
   * Connects first when needed (the next request after a failure reconnects).
   * Error codes inside the response are data: turning them into errors is
   * the caller's job.
   */
  send<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, body: Input<Req>, options: SendOptions & { readonly expectResponse?: true }): Promise<Res>;
  /** Send a request that has no response (Produce with acks=0); resolves once written. */
  send<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, body: Input<Req>, options: SendOptions & { readonly expectResponse: false }): Promise<undefined>;
  /** Send a request that may or may not expect a response. */
  send<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, body: Input<Req>, options: SendOptions & { readonly expectResponse?: boolean }): Promise<Res | undefined>;
  send<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, body: Input<Req>, options: SendOptions & { readonly expectResponse?: boolean }): Promise<Res | undefined> {
    // Typed as required, checked for plain-JS callers: without a declared range the version would follow the codecs, which move on every regeneration.
    if (!options?.versions) return Promise.reject(new TypeError(`${apiName(request.apiKey)}: Connection.send needs options.versions`));
    if (this.#state !== ConnectionState.READY) return this.#connectThenSend(request, response, body, options);
    const now = Date.now();
    if (this.#reauthenticator.mustHold(now)) return this.#reauthenticator.hold(() => this.send(request, response, body, options));
    try {
      const version = options.version === undefined ? this.#versions!.versionFor(request.apiKey, options.versions) : this.#checkVersion(request.apiKey, options.version, options.versions);
      const sent = this.#requests.request(request, response, body, version, options.expectResponse ?? true, options.timeout ?? this.#requestTimeout);
      if (this.#sasl) this.#lastRequest = sent;
      this.#lastSendAt = now;
      return sent;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Close the connection. Requests in flight or queued fail with
   * `KafkaJSConnectionClosedError`; resolves once the socket is closed.
   * Later requests are refused until `connect()` is called again.
   */
  async disconnect(): Promise<void> {
    if (this.#state === ConnectionState.CLOSED) return;
    const socket = this.#socket;
    this.#socket = undefined;
    this.#generation++;
    this.#connecting = undefined;
    this.#transition(ConnectionState.CLOSED);
    const closed = new KafkaJSConnectionClosedError(`Connection to ${this.broker} closed by disconnect()`, { host: this.host, port: this.port });
    this.#reauthenticator.stop(closed);
    this.#requests.failAll(closed);
    if (socket && !socket.destroyed) {
      // A FIN first, so the broker sees an orderly close; destroy if it does not finish promptly.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => socket.destroy(), this.#connectionTimeout);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.end();
      });
    }
    this.#logger.debug('Disconnected', { broker: this.broker });
  }

  async #connectThenSend<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, body: Input<Req>, options: SendOptions & { readonly expectResponse?: boolean }): Promise<Res | undefined> {
    if (this.#state === ConnectionState.CLOSED) {
      throw new KafkaJSConnectionClosedError(`Connection to ${this.broker} was closed by disconnect(); call connect() to use it again`, { host: this.host, port: this.port });
    }
    await this.connect();
    return this.send(request, response, body, options);
  }

  #checkVersion(apiKey: number, version: number, declared: RequestVersions): number {
    if (version < declared.min || version > declared.max) {
      // The caller contradicts itself: a bug in the calling code, not the broker's doing.
      throw new RangeError(`${apiName(apiKey)} v${version} is outside the versions this request implements (${formatVersions(declared)})`);
    }
    const theirs = this.#versions!.brokerRange(apiKey);
    const ours = clientVersions(apiKey);
    if (!theirs || !ours || version < Math.max(theirs.min, ours.min) || version > Math.min(theirs.max, ours.max)) {
      const range = (r: RequestVersions | undefined): string => (r ? formatVersions(r) : 'none');
      throw new KafkaJSServerDoesNotSupportApiKey(`${apiName(apiKey)} v${version} is not supported by both sides (broker ${range(theirs)}, client ${range(ours)})`, {
        apiKey,
        apiName: apiName(apiKey),
      });
    }
    return version;
  }

  // ---- opening: socket, ApiVersions, SASL ----

  async #open(generation: number): Promise<void> {
    const wait = this.#reconnectAt - Date.now();
    if (wait > 0) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      this.#throwIfClosed(generation);
    }
    this.#transition(ConnectionState.CONNECTING);
    try {
      let socket: Socket | undefined;
      const splitter = new FrameSplitter(undefined, { preallocate: true });
      // TCP: reads land in one buffer of the connection's own, or straight into the large response being gathered.
      // TLS reads through 'data' (Node takes no `onread` for it) and needs no such buffer.
      const scratch = this.#ssl ? undefined : Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
      const onread = scratch && {
        buffer: (): Uint8Array => splitter.frameRemainder() ?? scratch,
        // Always true: never pause reading (false would).
        callback: (bytes: number, buffer: Uint8Array): boolean => {
          if (socket === undefined || this.#socket !== socket) return true;
          if (buffer === scratch) this.#onData(splitter, scratch.subarray(0, bytes), true);
          else this.#onFrame(splitter.filled(bytes));
          return true;
        },
      };
      try {
        socket = await openSocket({ host: this.host, port: this.port, ssl: this.#ssl, connectionTimeout: this.#connectionTimeout, onread });
      } catch (e) {
        throw this.#connectionError(e);
      }
      if (generation !== this.#generation) {
        socket.destroy();
        this.#throwIfClosed(generation);
      }
      this.#attach(socket, splitter);
      this.#transition(ConnectionState.NEGOTIATING);
      const versions = await this.#negotiateApiVersions();
      this.#throwIfClosed(generation);
      this.#versions = versions;
      let sessionLifetimeMs = 0;
      if (this.#sasl) {
        this.#transition(ConnectionState.AUTHENTICATING);
        sessionLifetimeMs = await this.#authenticate(this.#sasl);
        this.#throwIfClosed(generation);
      }
      this.#transition(ConnectionState.READY);
      this.#reauthenticator.sessionStarted(sessionLifetimeMs);
      this.#failures = 0;
      this.#logger.debug('Connected', { broker: this.broker, nodeId: this.nodeId, tls: this.#ssl !== undefined && this.#ssl !== false, sasl: this.#sasl?.mechanism });
    } catch (e) {
      const error = e instanceof Error ? e : new KafkaJSError(String(e));
      if (generation === this.#generation) this.#break(error);
      throw error;
    }
  }

  #throwIfClosed(generation: number): void {
    if (generation !== this.#generation) {
      throw new KafkaJSConnectionClosedError(`Connection to ${this.broker} closed by disconnect() while connecting`, { host: this.host, port: this.port });
    }
  }

  #connectionError(e: unknown): KafkaJSConnectionError {
    if (e instanceof KafkaJSConnectionError) return e;
    const code = e instanceof SocketOpenError ? e.code : undefined;
    const message = e instanceof Error ? e.message : String(e);
    return new KafkaJSConnectionError(message, { broker: this.broker, code });
  }

  #attach(socket: Socket, splitter: FrameSplitter): void {
    this.#socket = socket;
    this.#requests.start();
    // Listeners outlive a reconnect on the old socket: each checks it is still ours. A TCP socket reads through `onread` (see #open) and emits no 'data'.
    socket.on('data', (chunk: Buffer) => {
      if (this.#socket === socket) this.#onData(splitter, chunk, false);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.#socket !== socket) return;
      this.#break(new KafkaJSConnectionError(`Connection error: ${this.broker}: ${error.message}`, { broker: this.broker, code: error.code }));
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#break(new KafkaJSConnectionError(`Connection to ${this.broker} closed by the broker`, { broker: this.broker }));
    });
  }

  /**
   * ApiVersions at the top of API_VERSIONS_VERSIONS (v4). A broker that does not
   * know it answers UNSUPPORTED_VERSION in a v0 body listing its own ApiVersions
   * range (KIP-511, Kafka 2.4+), and we retry with its top version; older
   * brokers list nothing, and v0, which every broker speaks, is the fallback
   * (Java's NetworkClient does the same).
   */
  async #negotiateApiVersions(): Promise<BrokerApiVersions> {
    let version = Math.min(API_VERSIONS_VERSIONS.max, clientVersions(ApiKey.ApiVersions)!.max);
    for (;;) {
      const body = version >= 3 ? { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION } : {};
      const response = await this.#requests.request(ApiVersionsRequest, ApiVersionsResponse, body, version, true, this.#requestTimeout);
      if (response.errorCode === ErrorCode.NONE) return new BrokerApiVersions(response.apiKeys, this.broker);
      if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION && version > API_VERSIONS_VERSIONS.min) {
        const theirs = response.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
        const next = theirs ? Math.min(theirs.maxVersion, version - 1) : API_VERSIONS_VERSIONS.min;
        this.#logger.debug('ApiVersions version not supported by the broker, retrying', { broker: this.broker, tried: version, next });
        version = next;
        continue;
      }
      throw createErrorFromCode(response.errorCode, `ApiVersions v${version} refused by ${this.broker}`);
    }
  }

  /** The SASL exchange; resolves with the session lifetime the broker granted (0: none). */
  async #authenticate(sasl: SaslOptions): Promise<number> {
    const versions = this.#versions!;
    // Both chosen before the exchange starts: a broker without them fails here, not halfway through.
    const handshakeVersion = versions.versionFor(ApiKey.SaslHandshake, SASL_HANDSHAKE_VERSIONS);
    const authenticateVersion = versions.versionFor(ApiKey.SaslAuthenticate, SASL_AUTHENTICATE_VERSIONS);
    const timeout = this.#authenticationTimeout;
    const sessionLifetimeMs = await authenticateSasl(
      {
        handshake: (mechanism) => this.#requests.request(SaslHandshakeRequest, SaslHandshakeResponse, { mechanism }, handshakeVersion, true, timeout),
        authenticate: (authBytes) => this.#requests.request(SaslAuthenticateRequest, SaslAuthenticateResponse, { authBytes }, authenticateVersion, true, timeout),
      },
      createSaslMechanism(sasl),
    );
    this.#logger.debug('SASL authentication succeeded', { broker: this.broker, mechanism: sasl.mechanism, principal: saslIdentity(sasl), sessionLifetimeMs });
    return sessionLifetimeMs;
  }

  /** KIP-368: authenticate again on this socket, new requests held meanwhile (reauthenticator.ts). */
  async #reauthenticate(): Promise<number> {
    const generation = this.#generation;
    if (this.#state !== ConnectionState.READY) throw new KafkaJSConnectionError(`Connection to ${this.broker} was lost before SASL re-authentication`, { broker: this.broker });
    const lifetimeMs = await this.#authenticate(this.#sasl!);
    this.#throwIfClosed(generation);
    this.#logger.debug('SASL re-authentication succeeded', { broker: this.broker, sessionLifetimeMs: lifetimeMs });
    return lifetimeMs;
  }

  // ---- responses ----

  /** Bytes read into a buffer of our own (`transient`: reused for the next read) or Node's. */
  #onData(splitter: FrameSplitter, chunk: Buffer, transient: boolean): void {
    this.#requests.markRead(Date.now());
    let frames: Buffer[];
    try {
      frames = splitter.push(chunk, transient);
    } catch (e) {
      // The stream is not Kafka (a TLS listener answered plaintext, say): nothing after this can be trusted.
      this.#break(new KafkaJSConnectionError(`Connection to ${this.broker} received an invalid frame: ${e instanceof Error ? e.message : String(e)}`, { broker: this.broker }));
      return;
    }
    this.#onFrames(frames);
  }

  /** A read completed the large response it landed in (or not yet: null). */
  #onFrame(frame: Buffer | null): void {
    this.#requests.markRead(Date.now());
    if (frame !== null) this.#onFrames([frame]);
  }

  #onFrames(frames: readonly Buffer[]): void {
    if (frames.length === 0) return;
    const socket = this.#socket!;
    socket.cork();
    for (const frame of frames) {
      // A listener of the events may have closed the connection meanwhile.
      if (this.#socket !== socket) break;
      if (frame.length < 4) {
        this.#break(new KafkaJSConnectionError(`Connection to ${this.broker} received a ${frame.length}-byte frame, shorter than a response header`, { broker: this.broker }));
        break;
      }
      this.#requests.receive(frame);
    }
    if (this.#socket === socket) this.#requests.drain();
    // Uncorking on the next tick would batch more, but would delay every request.
    socket.uncork();
  }

  // ---- failure ----

  /** The socket is unusable: fail everything pending and leave the next request to reconnect. */
  #break(error: Error): void {
    if (!SOCKET_OPEN_STATES.has(this.#state) && this.#state !== ConnectionState.CONNECTING) return;
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy();
    this.#transition(ConnectionState.BROKEN);
    this.#reauthenticator.stop(error);
    this.#failures++;
    this.#reconnectAt = Date.now() + this.#reconnectBackoff(this.#failures);
    // Brokers close idle connections (connections.max.idle.ms, 10 minutes): worth a warning only when it cost requests.
    const pending = this.inFlightCount + this.queueSize;
    const log = pending > 0 ? this.#logger.warn : this.#logger.info;
    log.call(this.#logger, error.message, { broker: this.broker, nodeId: this.nodeId, pendingRequests: pending });
    this.#requests.failAll(error);
  }

  /**
   * Give up on every request in flight here (a caller's own deadline passed while
   * one had no answer): the socket is closed, as Java closes a connection whose
   * request timed out, and every pending request fails with a retriable
   * KafkaJSConnectionError naming `reason`; the next request reconnects. The
   * answers of a broker that went silent would otherwise be waited for forever
   * when `enforceRequestTimeout` is false.
   */
  abandon(reason: string): void {
    this.#break(new KafkaJSConnectionError(`Connection to ${this.broker} closed: ${reason}`, { broker: this.broker }));
  }

  /** Java's ExponentialBackoff: initial * 2^(failures-1), capped, times a random factor in [0.8, 1.2]. */
  #reconnectBackoff(failures: number): number {
    const term = Math.min(this.#backoffMs * 2 ** (failures - 1), this.#backoffMaxMs);
    return term * (1 - RECONNECT_JITTER + Math.random() * 2 * RECONNECT_JITTER);
  }

  #transition(to: ConnectionState): void {
    if (!canTransition(this.#state, to)) throw new KafkaJSInvariantViolation(`connection to ${this.broker} cannot go from ${this.#state} to ${to}`);
    this.#state = to;
  }
}
