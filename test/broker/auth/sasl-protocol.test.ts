/**
 * The broker's SASL state machine on the wire, spoken with raw sockets and our
 * own codecs: what is served before authentication, SaslHandshake and
 * SaslAuthenticate in every version, Kafka's answers to requests out of order,
 * and the bare-token mode of SaslHandshake v0 (KIP-43).
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type BrokerLogger } from '../../../src/broker/logger.js';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  ApiKey,
  ApiVersionsRequest,
  ApiVersionsResponse,
  DescribeClusterRequest,
  DescribeClusterResponse,
  MetadataRequest,
  MetadataResponse,
  SaslAuthenticateRequest,
  SaslAuthenticateResponse,
  SaslHandshakeRequest,
  SaslHandshakeResponse,
} from '../../../src/protocol/generated/index.js';
import { type Input, type MessageCodec } from '../../../src/protocol/primitives/message.js';
import { WireClient } from '../../support/wire-client.js';

/** A client that writes requests and bare frames, and reads frames, on one socket (a WireClient with SASL steps). */
class RawClient {
  private constructor(readonly wire: WireClient) {}

  static async connect(port: number): Promise<RawClient> {
    return new RawClient(await WireClient.connect(port, 'sasl-test'));
  }

  get socket(): Socket {
    return this.wire.socket;
  }

  get closed(): Promise<void> {
    return this.wire.closed;
  }

  /** The next frame, or null once the broker has closed the connection. */
  next(timeoutMs = 15_000): Promise<Buffer | null> {
    return this.wire.next(timeoutMs);
  }

  send<T>(_apiKey: number, version: number, codec: MessageCodec<T>, body: Input<T>): void {
    this.wire.send(codec, version, body);
  }

  request<Req, Res>(_apiKey: number, version: number, request: MessageCodec<Req>, response: MessageCodec<Res>, body: Input<Req>): Promise<Res> {
    return this.wire.request(request, response, version, body);
  }

  /** A bare SASL token, as after SaslHandshake v0: int32 size, no Kafka header. */
  async token(token: Buffer | string): Promise<Buffer | null> {
    const bytes = Buffer.from(token);
    const framed = Buffer.alloc(4 + bytes.length);
    framed.writeInt32BE(bytes.length, 0);
    bytes.copy(framed, 4);
    this.socket.write(framed);
    return this.next();
  }

  /** Resolves true if the broker closes the connection within `ms`. */
  closesWithin(ms = 15_000): Promise<boolean> {
    return this.wire.closesWithin(ms);
  }

  handshake(version: number, mechanism: string): Promise<SaslHandshakeResponse> {
    return this.request(ApiKey.SaslHandshake, version, SaslHandshakeRequest, SaslHandshakeResponse, { mechanism });
  }

  authenticate(version: number, authBytes: Buffer | string): Promise<SaslAuthenticateResponse> {
    return this.request(ApiKey.SaslAuthenticate, version, SaslAuthenticateRequest, SaslAuthenticateResponse, { authBytes: Buffer.from(authBytes) });
  }

  describeCluster(): Promise<DescribeClusterResponse> {
    return this.request(ApiKey.DescribeCluster, 0, DescribeClusterRequest, DescribeClusterResponse, {});
  }

  destroy(): void {
    this.wire.destroy();
  }
}

/** The client half of SCRAM (RFC 5802 section 3), independent of the broker's code. */
class ScramClient {
  readonly nonce = randomBytes(18).toString('base64');
  readonly clientFirstBare: string;
  #serverSignature = '';

  constructor(
    readonly hash: 'sha256' | 'sha512',
    username: string,
    readonly password: string,
  ) {
    this.clientFirstBare = `n=${username.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${this.nonce}`;
  }

  get clientFirst(): string {
    return `n,,${this.clientFirstBare}`;
  }

  clientFinal(serverFirst: string): string {
    const attrs = Object.fromEntries(serverFirst.split(',').map((a) => [a.slice(0, 1), a.slice(2)]));
    assert.ok(attrs['r']?.startsWith(this.nonce), 'the server nonce extends ours');
    const salted = pbkdf2Sync(this.password, Buffer.from(attrs['s']!, 'base64'), Number(attrs['i']), this.hash === 'sha256' ? 32 : 64, this.hash);
    const clientKey = createHmac(this.hash, salted).update('Client Key').digest();
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const withoutProof = `c=biws,r=${attrs['r']}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const signature = createHmac(this.hash, storedKey).update(authMessage).digest();
    const serverKey = createHmac(this.hash, salted).update('Server Key').digest();
    this.#serverSignature = createHmac(this.hash, serverKey).update(authMessage).digest('base64');
    return `${withoutProof},p=${Buffer.from(clientKey.map((b, i) => b ^ signature[i]!)).toString('base64')}`;
  }

  /** True when server-final proves the server knows our credential. */
  verifies(serverFinal: string): boolean {
    return serverFinal === `v=${this.#serverSignature}`;
  }
}

/** Collects the broker's warnings, where it says why it closed a connection. */
function recordingLogger(): BrokerLogger & { readonly warnings: string[] } {
  const warnings: string[] = [];
  const ignore = (): void => {};
  return { warnings, debug: ignore, info: ignore, warn: (m) => warnings.push(m), error: (m) => warnings.push(`ERROR ${m}`) };
}

describe('SASL on the wire', () => {
  let running: RunningBroker;
  const logger = recordingLogger();
  let saslPort = 0;
  let plaintextPort = 0;
  const clients: RawClient[] = [];
  const client = async (port = saslPort): Promise<RawClient> => {
    const c = await RawClient.connect(port);
    clients.push(c);
    return c;
  };

  before(async () => {
    running = await startBroker({
      inMemory: true,
      logger,
      properties: { listeners: 'SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0', 'sasl.users': 'alice:alice-secret' },
    });
    saslPort = running.listeners.find((l) => l.name === 'SASL_PLAINTEXT')!.port;
    plaintextPort = running.listeners.find((l) => l.name === 'PLAINTEXT')!.port;
  });

  after(async () => {
    for (const c of clients) c.destroy();
    await running.close();
  });

  it('answers ApiVersions before authentication, listing SaslHandshake v0-1 and SaslAuthenticate v0-2', async () => {
    const c = await client();
    const r = await c.request(ApiKey.ApiVersions, 3, ApiVersionsRequest, ApiVersionsResponse, { clientSoftwareName: 'sasl-test', clientSoftwareVersion: '1' });
    assert.equal(r.errorCode, ErrorCode.NONE);
    const range = (key: number): [number, number] | undefined => {
      const k = r.apiKeys.find((a) => a.apiKey === key);
      return k && [k.minVersion, k.maxVersion];
    };
    assert.deepEqual(range(ApiKey.SaslHandshake), [0, 1]);
    assert.deepEqual(range(ApiKey.SaslAuthenticate), [0, 2]);
  });

  it('closes the connection on a Metadata request before authentication', async () => {
    const c = await client();
    c.send(ApiKey.Metadata, 1, MetadataRequest, { topics: null });
    assert.equal(await c.next(), null, 'no response, the connection is closed');
    assert.ok(logger.warnings.some((w) => /MetadataRequest before SASL authentication/.test(w)), logger.warnings.join('\n'));
  });

  it('closes the connection on a request between SaslHandshake and the end of authentication', async () => {
    const c = await client();
    assert.equal((await c.handshake(1, 'SCRAM-SHA-256')).errorCode, ErrorCode.NONE);
    const first = await c.authenticate(1, new ScramClient('sha256', 'alice', 'alice-secret').clientFirst);
    assert.equal(first.errorCode, ErrorCode.NONE);
    c.send(ApiKey.DescribeCluster, 0, DescribeClusterRequest, {});
    assert.equal(await c.next(), null);
  });

  it('answers SaslHandshake with the enabled mechanisms', async () => {
    const c = await client();
    const r = await c.handshake(1, 'PLAIN');
    assert.deepEqual(r, { errorCode: ErrorCode.NONE, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] });
  });

  it('answers an unknown mechanism UNSUPPORTED_SASL_MECHANISM, then closes the connection', async () => {
    for (const mechanism of ['GSSAPI', 'plain']) {
      const c = await client();
      const r = await c.handshake(1, mechanism);
      assert.deepEqual(r, { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] });
      assert.ok(await c.closesWithin(), `closed after ${mechanism}`);
    }
  });

  for (const version of [0, 1, 2]) {
    it(`authenticates PLAIN through SaslAuthenticate v${version}, then serves other requests as alice`, async () => {
      const c = await client();
      await c.handshake(1, 'PLAIN');
      const r = await c.authenticate(version, '\0alice\0alice-secret');
      assert.deepEqual(r, { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n });
      assert.equal((await c.describeCluster()).errorCode, ErrorCode.NONE);
      const session = [...running.broker.connections].find((conn) => conn.socket.remotePort === c.socket.localPort)?.session;
      assert.equal(session?.principal, 'alice');
    });

    it(`answers a wrong password through SaslAuthenticate v${version} with SASL_AUTHENTICATION_FAILED and a message, then closes`, async () => {
      const c = await client();
      await c.handshake(1, 'PLAIN');
      const r = await c.authenticate(version, '\0alice\0wrong');
      assert.equal(r.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
      assert.equal(r.errorMessage, 'Authentication failed: Invalid username or password');
      assert.ok(await c.closesWithin());
    });
  }

  for (const [mechanism, hash] of [
    ['SCRAM-SHA-256', 'sha256'],
    ['SCRAM-SHA-512', 'sha512'],
  ] as const) {
    it(`runs ${mechanism} in two SaslAuthenticate rounds and proves the server with server-final`, async () => {
      const c = await client();
      await c.handshake(1, mechanism);
      const scram = new ScramClient(hash, 'alice', 'alice-secret');
      const first = await c.authenticate(2, scram.clientFirst);
      assert.equal(first.errorCode, ErrorCode.NONE);
      const final = await c.authenticate(2, scram.clientFinal(first.authBytes.toString()));
      assert.equal(final.errorCode, ErrorCode.NONE);
      assert.ok(scram.verifies(final.authBytes.toString()), `server-final ${final.authBytes.toString()}`);
      assert.equal((await c.describeCluster()).errorCode, ErrorCode.NONE);
    });
  }

  it('answers SaslHandshake v0 and then speaks bare PLAIN tokens: an empty answer, then Kafka requests again', async () => {
    const c = await client();
    assert.equal((await c.handshake(0, 'PLAIN')).errorCode, ErrorCode.NONE);
    const answer = await c.token('\0alice\0alice-secret');
    assert.deepEqual(answer, Buffer.alloc(0));
    assert.equal((await c.describeCluster()).errorCode, ErrorCode.NONE);
  });

  it('runs SCRAM-SHA-512 over bare tokens after SaslHandshake v0', async () => {
    const c = await client();
    await c.handshake(0, 'SCRAM-SHA-512');
    const scram = new ScramClient('sha512', 'alice', 'alice-secret');
    const serverFirst = await c.token(scram.clientFirst);
    assert.ok(serverFirst);
    const serverFinal = await c.token(scram.clientFinal(serverFirst.toString()));
    assert.ok(serverFinal && scram.verifies(serverFinal.toString()));
    assert.equal((await c.describeCluster()).errorCode, ErrorCode.NONE);
  });

  it('answers a wrong SCRAM password over bare tokens with e=invalid-proof, then closes; a wrong PLAIN one just closes', async () => {
    const scramClient = await client();
    await scramClient.handshake(0, 'SCRAM-SHA-256');
    const scram = new ScramClient('sha256', 'alice', 'not-her-password');
    const serverFirst = await scramClient.token(scram.clientFirst);
    assert.equal((await scramClient.token(scram.clientFinal(serverFirst!.toString())))?.toString(), 'e=invalid-proof');
    assert.ok(await scramClient.closesWithin());

    const plainClient = await client();
    await plainClient.handshake(0, 'PLAIN');
    assert.equal(await plainClient.token('\0alice\0wrong'), null);
  });

  it('answers SaslAuthenticate before SaslHandshake ILLEGAL_SASL_STATE, then closes', async () => {
    const c = await client();
    const r = await c.authenticate(1, '\0alice\0alice-secret');
    assert.equal(r.errorCode, ErrorCode.ILLEGAL_SASL_STATE);
    assert.ok(await c.closesWithin());
  });

  it('answers SaslHandshake and SaslAuthenticate after authentication ILLEGAL_SASL_STATE and stays open', async () => {
    const c = await client();
    await c.handshake(1, 'PLAIN');
    await c.authenticate(1, '\0alice\0alice-secret');
    assert.equal((await c.handshake(1, 'PLAIN')).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
    assert.equal((await c.authenticate(1, '\0alice\0alice-secret')).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
    assert.equal((await c.describeCluster()).errorCode, ErrorCode.NONE);
  });

  it('serves a PLAINTEXT listener without SASL, answering SaslHandshake ILLEGAL_SASL_STATE', async () => {
    const c = await client(plaintextPort);
    const md = await c.request(ApiKey.Metadata, 1, MetadataRequest, MetadataResponse, { topics: [] });
    assert.deepEqual(
      md.brokers.map((b) => b.port),
      [plaintextPort],
      'advertises the listener the client came in on',
    );
    assert.equal((await c.handshake(1, 'PLAIN')).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  });
});
