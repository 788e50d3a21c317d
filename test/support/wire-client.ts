/**
 * A raw client for broker tests: one socket, frames in order, and the
 * moment the broker closes it. It writes whatever it is given (whole requests,
 * size prefixes alone, single bytes), which is what an attacker does.
 */
import { once } from 'node:events';
import { type Socket, connect } from 'node:net';
import { type BrokerLogger } from '../../src/broker/logger.js';
import { FrameSplitter, parseResponse, writeRequestFrame } from '../../src/protocol/framing.js';
import { type Input, type MessageCodec } from '../../src/protocol/primitives/message.js';
import { Writer } from '../../src/protocol/primitives/writer.js';

export class WireClient {
  readonly #splitter = new FrameSplitter();
  readonly #frames: Buffer[] = [];
  #waiting: ((frame: Buffer | null) => void) | null = null;
  #correlationId = 0;
  /** Resolves once the socket is closed, by either side. */
  readonly closed: Promise<void>;
  /** Set once the broker ended the connection (EOF or reset). */
  closedByBroker = false;

  private constructor(
    readonly socket: Socket,
    readonly clientId: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.#splitter.push(chunk)) this.#deliver(Buffer.from(frame));
    });
    socket.on('end', () => (this.closedByBroker = true));
    socket.on('error', () => (this.closedByBroker = true));
    socket.on('end', () => socket.destroy());
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    void this.closed.then(() => this.#waiting?.(null));
  }

  static async connect(port: number, clientId = 'limits-test'): Promise<WireClient> {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await once(socket, 'connect');
    return new WireClient(socket, clientId);
  }

  #deliver(frame: Buffer): void {
    const waiting = this.#waiting;
    this.#waiting = null;
    if (waiting) waiting(frame);
    else this.#frames.push(frame);
  }

  /** The next frame, or null once the connection is closed. */
  next(timeoutMs = 15_000): Promise<Buffer | null> {
    const queued = this.#frames.shift();
    if (queued) return Promise.resolve(queued);
    if (this.socket.destroyed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame within ${timeoutMs} ms`)), timeoutMs);
      this.#waiting = (frame) => {
        clearTimeout(timer);
        resolve(frame);
      };
    });
  }

  /** Write one request frame; returns its correlation id. */
  send<T>(codec: MessageCodec<T>, version: number, body: Input<T>): number {
    const correlationId = ++this.#correlationId;
    const w = new Writer();
    writeRequestFrame(w, { apiKey: codec.apiKey, apiVersion: version, correlationId, clientId: this.clientId }, codec, body);
    this.socket.write(w.toBuffer());
    return correlationId;
  }

  /** Send a request and read its answer; throws if the broker closes the connection instead. */
  async request<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, version: number, body: Input<Req>): Promise<Res> {
    const correlationId = this.send(request, version, body);
    const frame = await this.next();
    if (!frame) throw new Error(`the broker closed the connection instead of answering ${request.name} v${version}`);
    const parsed = parseResponse(frame, request.apiKey, version, response);
    if (parsed.correlationId !== correlationId) throw new Error(`answer to correlation id ${parsed.correlationId}, expected ${correlationId}`);
    return parsed.body;
  }

  /** Resolves true if the connection is closed within `ms`. */
  async closesWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([this.closed.then(() => true as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A 4-byte big-endian size prefix. */
export function sizePrefix(size: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(size);
  return b;
}

/** A logger that keeps every line, for tests that check what the broker said. */
export function recordingLogger(): { lines: string[]; logger: BrokerLogger } {
  const lines: string[] = [];
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push(`${level} ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
  return { lines, logger: { debug: line('DEBUG'), info: line('INFO'), warn: line('WARN'), error: line('ERROR') } };
}
