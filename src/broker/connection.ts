/**
 * One client connection to the embedded broker.
 *
 * Requests on a connection are handled one at a time, in arrival order, and
 * answered in that order: Kafka mutes a channel while a request is in flight,
 * and clients rely on responses coming back in request order. Anything that is
 * not a well-formed request this broker serves (bad frame size, unknown API
 * key, unsupported version, a body that does not decode, a request before SASL
 * authentication) closes this connection only, with the reason logged; the
 * broker keeps serving everyone else. A failed SASL exchange is answered first
 * and closed after (KIP-152).
 *
 * After SaslHandshake v0 the frames that follow are bare SASL tokens, without
 * Kafka headers, answered by bare size-prefixed tokens until the exchange ends
 * (KIP-43); then Kafka requests resume.
 */
import { type Socket } from 'node:net';
import { FrameSplitter, type ParsedRequest, parseRequest, writeResponseFrame } from '../protocol/framing.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ApiVersionsResponse } from '../protocol/generated/api-versions-response.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/primitives/writer.js';
import { type Broker } from './broker.js';
import { NO_RESPONSE, type RequestContext } from './handlers/handler.js';
import { type SaslTokenResult, evaluateSaslToken } from './handlers/sasl-authenticate.js';
import { type Session } from './session.js';

export class Connection {
  readonly #splitter: FrameSplitter;
  readonly #queue: Buffer[] = [];
  readonly #writer = new Writer(64 * 1024);
  #busy = false;
  #closed = false;

  constructor(
    readonly broker: Broker,
    readonly socket: Socket,
    readonly session: Session,
  ) {
    this.#splitter = new FrameSplitter(broker.config.socketRequestMaxBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => broker.logger.debug('connection error', { client: session.clientAddress, error: err.message }));
    socket.on('close', () => {
      this.#closed = true;
      broker.connections.delete(this);
    });
  }

  /** Close this connection, logging why. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.broker.logger.warn(`closing connection from ${this.session.clientAddress}: ${reason}`);
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.#splitter.push(chunk);
    } catch (e) {
      this.close(e instanceof Error ? e.message : String(e));
      return;
    }
    if (frames.length === 0) return;
    this.#queue.push(...frames);
    if (!this.#busy) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    // Stop reading while requests are queued, so a client that pipelines
    // faster than we answer cannot grow the queue without bound.
    this.socket.pause();
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const frame = this.#queue.shift()!;
        await this.#handle(frame);
      }
    } finally {
      this.#busy = false;
      if (!this.#closed) this.socket.resume();
    }
  }

  async #handle(frame: Buffer): Promise<void> {
    if (this.session.expectsRawSaslTokens) {
      this.#handleRawSaslToken(frame);
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
    const handler = this.broker.handlers.get(header.apiKey);
    if (!handler) {
      this.close(`API key ${header.apiKey} is not served by this broker`);
      return;
    }
    if (header.apiVersion < handler.minVersion || header.apiVersion > handler.maxVersion) {
      if (header.apiKey === ApiKey.ApiVersions) {
        // KIP-511: answer in v0 with UNSUPPORTED_VERSION and ApiVersions' own range,
        // so the client can retry with a version we speak.
        this.#respond(header.apiKey, 0, header.correlationId, ApiVersionsResponse, {
          errorCode: ErrorCode.UNSUPPORTED_VERSION,
          apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: handler.minVersion, maxVersion: handler.maxVersion }],
        });
        return;
      }
      this.close(`${handler.request.name} v${header.apiVersion} is not supported (this broker serves ${handler.minVersion}-${handler.maxVersion})`);
      return;
    }
    if (!this.session.authenticated && !handler.beforeAuthentication) {
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
    const ctx: RequestContext = { broker: this.broker, session: this.session, header, size: parsed.size, closeConnection: (reason) => this.close(reason) };
    let response: unknown;
    try {
      response = await handler.handle(ctx, request);
    } catch (e) {
      // A handler bug must not take the broker down; Kafka answers
      // UNKNOWN_SERVER_ERROR where it can, we close this connection and log loudly.
      this.broker.logger.error(`${handler.request.name} handler failed`, { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      this.close(`internal error handling ${handler.request.name}`);
      return;
    }
    if (response === NO_RESPONSE || this.#closed) return;
    this.#respond(header.apiKey, header.apiVersion, header.correlationId, handler.response, response);
    if (this.session.sasl.step === 'failed') this.#closeAfterWrites(`SASL authentication failed: ${this.session.sasl.reason}`);
  }

  /** One bare token of a SaslHandshake v0 exchange; a failure is closed without an answer unless the mechanism has one (SCRAM's e=). */
  #handleRawSaslToken(token: Buffer): void {
    let result: SaslTokenResult;
    try {
      result = evaluateSaslToken(this.broker.config, this.session, token);
    } catch (e) {
      this.broker.logger.error('SASL token evaluation failed', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      this.close('internal error evaluating a SASL token');
      return;
    }
    if (result.outcome !== 'failed' || result.token.length > 0) {
      const framed = Buffer.allocUnsafe(4 + result.token.length);
      framed.writeInt32BE(result.token.length, 0);
      result.token.copy(framed, 4);
      this.socket.write(framed);
    }
    if (result.outcome === 'failed') this.#closeAfterWrites(`SASL authentication failed: ${result.message}`);
  }

  /** Close once what was written has been flushed, so the client reads why (Kafka's failed-authentication response). */
  #closeAfterWrites(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.broker.logger.warn(`closing connection from ${this.session.clientAddress}: ${reason}`);
    this.socket.end(() => this.socket.destroy());
  }

  #respond(apiKey: number, version: number, correlationId: number, codec: Parameters<typeof writeResponseFrame>[4], body: unknown): void {
    const w = this.#writer.reset();
    try {
      writeResponseFrame(w, apiKey, version, correlationId, codec, body as never);
    } catch (e) {
      this.broker.logger.error(`cannot encode ${codec.name} v${version}`, { error: e instanceof Error ? e.message : String(e) });
      this.close(`internal error encoding ${codec.name}`);
      return;
    }
    this.socket.write(w.toBuffer());
  }
}
