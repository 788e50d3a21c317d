/**
 * A bare Kafka client for the group tests: one socket, our generated codecs
 * and framing, requests answered by correlation id. Each group member needs
 * its own connection, because the broker answers a connection's requests in
 * order and JoinGroup/SyncGroup answers wait for the whole group.
 */
import { once } from 'node:events';
import { type Socket, connect } from 'node:net';
import { FrameSplitter, parseResponse, writeRequestFrame } from '../../../src/protocol/framing.js';
import { type Input, type MessageCodec } from '../../../src/protocol/primitives/message.js';
import { Writer } from '../../../src/protocol/primitives/writer.js';

export class RawClient {
  readonly #splitter = new FrameSplitter();
  readonly #pending = new Map<number, { resolve: (frame: Buffer) => void; reject: (e: Error) => void }>();
  #correlationId = 0;

  private constructor(
    readonly socket: Socket,
    readonly clientId: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.#splitter.push(chunk)) {
        const id = frame.readInt32BE(0);
        const waiter = this.#pending.get(id);
        this.#pending.delete(id);
        waiter?.resolve(frame);
      }
    });
    socket.on('close', () => {
      for (const [id, waiter] of this.#pending) waiter.reject(new Error(`connection closed before the answer to correlation id ${id}`));
      this.#pending.clear();
    });
  }

  static async connect(port: number, clientId = 'raw-client'): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawClient(socket, clientId);
  }

  /** Send one request and resolve with the decoded response body. */
  send<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, version: number, body: Input<Req>): Promise<Res> {
    const correlationId = ++this.#correlationId;
    const w = new Writer(256);
    writeRequestFrame(w, { apiKey: request.apiKey, apiVersion: version, correlationId, clientId: this.clientId }, request, body);
    const answered = new Promise<Res>((resolve, reject) => {
      const onFrame = (frame: Buffer): void => {
        try {
          resolve(parseResponse(frame, request.apiKey, version, response).body);
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      };
      this.#pending.set(correlationId, { resolve: onFrame, reject });
    });
    this.socket.write(w.toBuffer());
    return answered;
  }

  close(): void {
    this.socket.destroy();
  }
}
