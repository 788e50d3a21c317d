/**
 * One client connection to the embedded broker.
 *
 * Requests on a connection are handled one at a time, in arrival order, and
 * answered in that order: Kafka mutes a channel while a request is in flight,
 * and clients rely on responses coming back in request order. Reading stops
 * while a request is handled and while its answer waits for the client to read
 * it (Kafka unmutes a channel only once the response is sent), so a client that
 * pipelines requests and never reads costs one answer, not one per request.
 *
 * Anything that is not a well-formed request this broker serves (bad frame
 * size, unknown API key, unsupported version, a body that does not decode, a
 * request before SASL authentication) closes this connection only, with the
 * reason logged; the broker keeps serving everyone else. A handler that throws
 * is answered with the API's own error response (UNKNOWN_SERVER_ERROR, or the
 * error's Kafka code) and the connection stays open. A failed SASL exchange is
 * answered and then closed (KIP-152), both after
 * `connection.failed.authentication.delay.ms` (KIP-306).
 *
 * Limits (Kafka's names, see config.ts): `connections.max.idle.ms` closes a
 * connection without reads or writes for that long; `socket.request.read.timeout.ms`
 * one whose started frame does not arrive in time; before authentication on a
 * SASL listener, frames are bounded by `sasl.server.max.receive.size`. Past
 * `queued.max.request.bytes` of requests read and not answered, over all
 * connections, no connection is read (queued-request-bytes.ts).
 *
 * A client over a client quota (quotas/client-quotas.ts) is answered with the
 * throttle time and then not read for that long (KIP-219), as Kafka mutes it.
 *
 * After SaslHandshake v0 the frames that follow are bare SASL tokens, without
 * Kafka headers, answered by bare size-prefixed tokens until the exchange ends
 * (KIP-43); then Kafka requests resume.
 *
 * A SASL session with a lifetime (KIP-368, auth/reauth.ts) that expired closes
 * the connection, unanswered, at its next request other than a SaslHandshake
 * that starts a re-authentication.
 */
import { type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { FrameSplitter, type ParsedRequest, type RequestHeaderFields, parseRequest, writeResponseFrame } from '../protocol/framing.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ApiVersionsResponse } from '../protocol/generated/api-versions-response.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { type MessageCodec } from '../protocol/primitives/message.js';
import { Writer } from '../protocol/primitives/writer.js';
import { type Broker } from './broker.js';
import { errorResponse, requestErrorFor } from './error-responses.js';
import { type Handler, NO_RESPONSE, type RequestContext } from './handlers/handler.js';
import { type SaslTokenResult, evaluateSaslToken } from './handlers/sasl-authenticate.js';
import { type MutableChannel } from './queued-request-bytes.js';
import { type Session } from './session.js';

export class Connection implements MutableChannel {
  readonly #splitter: FrameSplitter;
  readonly #queue: Buffer[] = [];
  readonly #writer = new Writer(64 * 1024);
  #busy = false;
  #closed = false;
  /** Muted by `queued.max.request.bytes`: not read, whatever else holds, until unmuted. */
  #muted = false;
  /** Whether 'data' events flow: false while a request is handled or its answer is not drained. */
  #reading = true;
  /** The deadline of the frame being received, armed only while reading. */
  #frameTimer: NodeJS.Timeout | undefined;
  /**
   * The API key of the request whose handler is running, or null. While one runs the
   * socket is not read, so a client that went away is seen only when it ends (a JoinGroup
   * waits up to its rebalance timeout, a long-poll Fetch up to 30 s).
   */
  handling: number | null = null;

  constructor(
    readonly broker: Broker,
    readonly socket: Socket,
    readonly session: Session,
  ) {
    this.#splitter = new FrameSplitter(this.#frameLimit());
    socket.setNoDelay(true);
    const idleMs = broker.config.connectionLimits.connectionsMaxIdleMs;
    if (idleMs > 0) {
      // Node restarts a socket's timeout on every read and write, as Kafka's idle expiry counts activity.
      socket.setTimeout(idleMs);
      socket.on('timeout', () => this.close(`no activity for connections.max.idle.ms (${idleMs} ms)`, 'info'));
    }
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => broker.logger.debug('connection error', { client: session.clientAddress, error: err.message }));
    socket.on('close', () => {
      this.#closed = true;
      this.#stopFrameDeadline();
      broker.connections.delete(this);
      // Requests read and never to be handled give their bytes back; the one a handler runs gives them in #drain.
      broker.queuedRequests.remove(this);
      for (const frame of this.#queue.splice(0)) broker.queuedRequests.release(frame.length);
    });
    broker.queuedRequests.add(this);
  }

  /** `queued.max.request.bytes` was exceeded: stop reading (Kafka mutes every channel while its memory pool is out of memory). */
  mute(): void {
    this.#muted = true;
    if (this.#reading) this.#pauseReading();
  }

  /** Back under `queued.max.request.bytes`: read again unless a request of ours is still handled or answered. */
  unmute(): void {
    this.#muted = false;
    if (!this.#busy && !this.#closed && !this.#reading) this.#resumeReading();
  }

  /** Close this connection, logging why. */
  close(reason: string, level: 'info' | 'warn' = 'warn'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopFrameDeadline();
    this.broker.logger[level](`closing connection from ${this.session.clientAddress}: ${reason}`);
    this.socket.destroy();
  }

  /** The largest frame this connection may send now: `sasl.server.max.receive.size` until a SASL listener has authenticated it. */
  #frameLimit(): number {
    const { socketRequestMaxBytes, connectionLimits } = this.broker.config;
    return this.session.authenticated ? socketRequestMaxBytes : Math.min(socketRequestMaxBytes, connectionLimits.saslServerMaxReceiveSize);
  }

  #onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.#splitter.push(chunk);
    } catch (e) {
      const preAuthentication = this.session.authenticated ? '' : ' (until SASL authentication completes, frames are bounded by sasl.server.max.receive.size)';
      this.close(`${e instanceof Error ? e.message : String(e)}${preAuthentication}`);
      return;
    }
    // A completed frame ends its deadline; the next one starts its own.
    if (frames.length > 0) this.#stopFrameDeadline();
    for (const frame of frames) {
      this.#queue.push(frame);
      this.broker.queuedRequests.take(frame.length);
    }
    if (frames.length > 0 && !this.#busy) void this.#drain();
    this.#startFrameDeadline();
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    this.#pauseReading();
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const frame = this.#queue.shift()!;
        try {
          await this.#handle(frame);
        } finally {
          this.broker.queuedRequests.release(frame.length);
        }
        // Kafka reads a channel's next request only once the answer is sent: a
        // client that does not read its answers stops being read from.
        if (this.socket.writableNeedDrain && !this.#closed) await this.#writesDrained();
      }
    } catch (e) {
      this.broker.logger.error('connection failed handling a request', { client: this.session.clientAddress, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      this.close('internal error');
    } finally {
      this.#busy = false;
      if (!this.#closed && !this.#muted) this.#resumeReading();
    }
  }

  #writesDrained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  #pauseReading(): void {
    this.#reading = false;
    this.socket.pause();
    // Time the broker itself does not read is not the client's to account for.
    this.#stopFrameDeadline();
  }

  #resumeReading(): void {
    this.#reading = true;
    this.socket.resume();
    this.#startFrameDeadline();
  }

  /** Give the frame being received `socket.request.read.timeout.ms` to arrive whole, from now. */
  #startFrameDeadline(): void {
    if (this.#frameTimer !== undefined || !this.#reading || this.#closed || this.#splitter.buffered === 0) return;
    const ms = this.broker.config.connectionLimits.socketRequestReadTimeoutMs;
    this.#frameTimer = setTimeout(() => {
      this.#frameTimer = undefined;
      this.close(`a request frame was not received whole within socket.request.read.timeout.ms (${ms} ms): ${this.#splitter.buffered} bytes of it arrived`);
    }, ms);
    this.#frameTimer.unref();
  }

  #stopFrameDeadline(): void {
    clearTimeout(this.#frameTimer);
    this.#frameTimer = undefined;
  }

  async #handle(frame: Buffer): Promise<void> {
    if (this.session.expectsRawSaslTokens) {
      await this.#handleRawSaslToken(frame);
      this.#splitter.maxFrameBytes = this.#frameLimit();
      return;
    }
    let parsed: ParsedRequest;
    try {
      parsed = parseRequest(frame);
    } catch (e) {
      this.close(`malformed request header: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const { header, body } = parsed;
    if (this.session.authenticated && this.session.reauthentication.closes(header.apiKey, performance.now())) {
      // KIP-368: Kafka's SocketServer closes an expired session's connection without an answer.
      this.close(`the SASL session of ${this.session.principal} expired without re-authentication (KIP-368)`, 'info');
      return;
    }
    const handler = this.broker.handlers.get(header.apiKey);
    if (!handler) {
      this.close(`API key ${header.apiKey} is not served by this broker`);
      return;
    }
    if (header.apiVersion < handler.minVersion || header.apiVersion > handler.maxVersion) {
      if (header.apiKey === ApiKey.ApiVersions) {
        // KIP-511: answer in v0 with UNSUPPORTED_VERSION and ApiVersions' own range,
        // so the client can retry with a version we speak.
        this.#write(this.#encode(header.apiKey, 0, header.correlationId, ApiVersionsResponse, {
          errorCode: ErrorCode.UNSUPPORTED_VERSION,
          apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: handler.minVersion, maxVersion: handler.maxVersion }],
        }));
        return;
      }
      this.close(`${handler.request.name} v${header.apiVersion} is not supported (this broker serves ${handler.minVersion}-${handler.maxVersion})`);
      return;
    }
    if (!this.session.authenticated && !handler.beforeAuthentication) {
      // Kafka's authenticator takes this as a failed authentication (IllegalSaslStateException).
      await this.#delayFailedAuthentication();
      this.close(`${handler.request.name} before SASL authentication`);
      return;
    }
    let request: unknown;
    try {
      request = handler.request.read(body, header.apiVersion);
      if (body.remaining !== 0) throw new Error(`${body.remaining} bytes left over after ${handler.request.name} v${header.apiVersion}`);
    } catch (e) {
      this.close(`malformed ${handler.request.name} v${header.apiVersion}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    // With no client quota set (the common case) nothing below measures or throttles.
    const quotas = this.broker.clientQuotas;
    // A Fetch under a consumer_byte_rate quota asks for no more than the quota lets through (quotas/client-quotas.ts).
    if (quotas.active) request = quotas.limitRequest(this.session, header, request);
    const ctx: RequestContext = { broker: this.broker, session: this.session, header, size: parsed.size, closeConnection: (reason) => this.close(reason) };
    let response: unknown;
    this.handling = header.apiKey;
    const handlingStarted = quotas.active ? performance.eventLoopUtilization() : null;
    try {
      response = await handler.handle(ctx, request);
    } catch (e) {
      this.handling = null;
      // A handler bug must not take the broker down, nor leave the client guessing:
      // Kafka answers the request with an error and keeps the connection.
      this.broker.logger.error(`${handler.request.name} v${header.apiVersion} handler failed`, { client: this.session.clientAddress, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      this.#answerFailure(handler, header, request, e);
      return;
    }
    this.handling = null;
    // Client quotas (quotas/client-quotas.ts): over one, the answer carries the throttle time and
    // this connection is not read for that long, before the answer (old versions) or after it (KIP-219).
    let afterAnswerMs = 0;
    if (quotas.active) {
      const throttle = quotas.throttle({
        session: this.session, header, request, requestSize: parsed.size, handledMs: handlingStarted === null ? 0 : performance.eventLoopUtilization(handlingStarted).active, response,
        responseSize: (body) => this.#encode(header.apiKey, header.apiVersion, header.correlationId, handler.response, body).length,
      });
      response = throttle.response;
      afterAnswerMs = throttle.afterAnswerMs;
      if (throttle.beforeAnswerMs > 0) await sleep(throttle.beforeAnswerMs, undefined, { ref: false });
    }
    if (response === NO_RESPONSE || this.#closed) {
      if (afterAnswerMs > 0 && !this.#closed) await sleep(afterAnswerMs, undefined, { ref: false });
      return;
    }
    if (this.session.sasl.step === 'failed') {
      await this.#delayFailedAuthentication();
      if (this.#closed) return;
      this.#answer(handler, header, request, response);
      this.#closeAfterWrites(`SASL authentication failed: ${this.session.sasl.reason}`);
      return;
    }
    this.#answer(handler, header, request, response);
    this.#splitter.maxFrameBytes = this.#frameLimit();
    if (afterAnswerMs > 0) await sleep(afterAnswerMs, undefined, { ref: false });
  }

  /** One bare token of a SaslHandshake v0 exchange; a failure is closed without an answer unless the mechanism has one (SCRAM's e=). */
  async #handleRawSaslToken(token: Buffer): Promise<void> {
    let result: SaslTokenResult;
    try {
      result = evaluateSaslToken(this.broker.config, this.session, token);
    } catch (e) {
      this.broker.logger.error('SASL token evaluation failed', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      this.close('internal error evaluating a SASL token');
      return;
    }
    if (result.outcome === 'failed') {
      await this.#delayFailedAuthentication();
      if (this.#closed) return;
    }
    if (result.outcome !== 'failed' || result.token.length > 0) {
      const framed = Buffer.allocUnsafe(4 + result.token.length);
      framed.writeInt32BE(result.token.length, 0);
      result.token.copy(framed, 4);
      this.socket.write(framed);
    }
    if (result.outcome === 'failed') this.#closeAfterWrites(`SASL authentication failed: ${result.message}`);
  }

  /** `connection.failed.authentication.delay.ms` (KIP-306): slows password guessing; the connection stays muted meanwhile. */
  async #delayFailedAuthentication(): Promise<void> {
    const ms = this.broker.config.connectionLimits.failedAuthenticationDelayMs;
    if (ms > 0) await sleep(ms, undefined, { ref: false });
  }

  /** Close once what was written has been flushed, so the client reads why (Kafka's failed-authentication response). */
  #closeAfterWrites(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopFrameDeadline();
    this.broker.logger.warn(`closing connection from ${this.session.clientAddress}: ${reason}`);
    this.socket.end(() => this.socket.destroy());
  }

  /** Write a handler's response; one that does not encode is a handler bug, answered as one. */
  #answer(handler: Handler, header: RequestHeaderFields, request: unknown, response: unknown): void {
    let frame: Buffer;
    try {
      frame = this.#encode(header.apiKey, header.apiVersion, header.correlationId, handler.response, response);
    } catch (e) {
      this.broker.logger.error(`cannot encode ${handler.response.name} v${header.apiVersion}`, { client: this.session.clientAddress, error: e instanceof Error ? e.message : String(e) });
      this.#answerFailure(handler, header, request, e);
      return;
    }
    this.#write(frame);
  }

  /** Answer a request whose handling failed with the API's error response (Kafka's getErrorResponse). */
  #answerFailure(handler: Handler, header: RequestHeaderFields, request: unknown, thrown: unknown): void {
    if (this.#closed) return;
    const name = handler.request.name;
    if (header.apiKey === ApiKey.Produce && (request as { acks?: number }).acks === 0) {
      // No answer will come, so Kafka closes the connection: the producer then knows to refresh and retry.
      this.close(`internal error handling ${name} with acks=0`);
      return;
    }
    let frame: Buffer | undefined;
    try {
      const body = errorResponse(header.apiKey, header.apiVersion, handler.response as MessageCodec<unknown>, request, requestErrorFor(thrown));
      if (body !== undefined) frame = this.#encode(header.apiKey, header.apiVersion, header.correlationId, handler.response, body);
    } catch (e) {
      this.broker.logger.error(`cannot build the error response of ${name} v${header.apiVersion}`, { error: e instanceof Error ? e.message : String(e) });
    }
    if (frame === undefined) {
      this.close(`internal error handling ${name} v${header.apiVersion}, which has no error response to give`);
      return;
    }
    this.#write(frame);
    // Kafka's authenticator ends the connection on any error before authentication completes.
    if (!this.session.authenticated) this.#closeAfterWrites(`internal error handling ${name} before SASL authentication completed`);
  }

  #encode(apiKey: number, version: number, correlationId: number, codec: Parameters<typeof writeResponseFrame>[4], body: unknown): Buffer {
    const w = this.#writer.reset();
    writeResponseFrame(w, apiKey, version, correlationId, codec, body as never);
    return w.toBuffer();
  }

  #write(frame: Buffer): void {
    if (!this.#closed) this.socket.write(frame);
  }
}
