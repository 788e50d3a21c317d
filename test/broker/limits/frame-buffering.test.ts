/**
 * Incoming frames are held compactly, and bounded before authentication.
 *
 * The frame splitter kept every socket read of an unfinished frame as a Buffer
 * of its own: a peer sending one byte per TCP segment cost the broker ~200 bytes
 * of memory per byte, and 16 connections dribbling into 100 MB frames ran a 1 GB
 * heap out of memory. A frame spanning reads is now gathered in one buffer,
 * grown as its bytes arrive. And as Kafka, a SASL listener reads no frame larger
 * than `sasl.server.max.receive.size` (512 KiB) until the client has
 * authenticated, so an unauthenticated peer cannot make it hold 100 MB frames.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type Socket, connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { FrameSplitter } from '../../../src/protocol/framing.js';
import { MetadataRequest, MetadataResponse, ProduceRequest, ProduceResponse, SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse } from '../../../src/protocol/generated/index.js';
import { encodeRecordBatch } from '../../../src/protocol/records/record-batch.js';
import { type BrokerChild, startBrokerChild } from '../../support/broker-child.js';
import { canMeasurePeakRss, peakRssBytes, rssBytes } from '../../support/peak-rss.js';
import { WireClient, recordingLogger, sizePrefix } from '../../support/wire-client.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** The aim for every attack with default limits: the broker's own ~100-150 MB, and room to spare. */
const PEAK_RSS_LIMIT = 512 * MiB;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap and Buffer memory in use after a full collection. */
function liveBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe('FrameSplitter', () => {
  it('holds a frame arriving one byte per read in about its own size, not a Buffer per byte', { timeout: 120_000 }, () => {
    const size = 1 * MiB;
    const frame = Buffer.alloc(size);
    for (let i = 0; i < size; i++) frame[i] = i * 31;
    const dribbled = 400_000;
    const splitter = new FrameSplitter();
    const before = liveBytes();
    assert.equal(splitter.push(sizePrefix(size)).length, 0);
    for (let i = 0; i < dribbled; i++) {
      // What a socket hands over per read: a Buffer over an ArrayBuffer of its own.
      const read = Buffer.from(new ArrayBuffer(1));
      read[0] = frame[i]!;
      assert.equal(splitter.push(read).length, 0);
    }
    const held = liveBytes() - before;
    assert.equal(splitter.buffered, 4 + dribbled);
    assert.ok(held < 4 * MiB, `${(held / MiB).toFixed(1)} MiB held for ${(dribbled / KiB).toFixed(0)} KiB received`);
    const [whole] = splitter.push(frame.subarray(dribbled));
    assert.ok(whole?.equals(frame), 'the frame arrives intact');
    assert.equal(splitter.buffered, 0);
  });
});

describe('frames before authentication', () => {
  let broker: RunningBroker | undefined;
  const clients: WireClient[] = [];
  after(async () => {
    for (const c of clients) c.destroy();
    await broker?.close();
  });

  it('are bounded by sasl.server.max.receive.size on a SASL listener, by socket.request.max.bytes after it and on other listeners', async () => {
    const { lines, logger } = recordingLogger();
    broker = await startBroker({ inMemory: true, logger, properties: { listeners: 'SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0', 'sasl.users': 'alice:secret' } });
    const [sasl, plain] = broker.listeners;
    await broker.broker.topics.create('large', 1, new Map());
    const connect = async (port: number): Promise<WireClient> => {
      const c = await WireClient.connect(port);
      clients.push(c);
      return c;
    };

    // A size prefix alone: the broker refuses the frame before any of it arrives.
    const announcer = await connect(sasl!.port);
    announcer.socket.write(sizePrefix(512 * KiB + 1));
    assert.equal(await announcer.closesWithin(20_000), true, 'a frame announcing more than 512 KiB before authentication closes the connection');
    assert.ok(announcer.closedByBroker);
    assert.ok(lines.some((l) => l.includes('frame size 524289') && l.includes('sasl.server.max.receive.size')), lines.join('\n'));

    // Up to the limit, a frame is read: a 500 KiB PLAIN token is answered (wrong password).
    const guesser = await connect(sasl!.port);
    assert.equal((await guesser.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' })).errorCode, ErrorCode.NONE);
    const failed = await guesser.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 2, { authBytes: Buffer.from(`\0alice\0${'x'.repeat(500 * KiB)}`) });
    assert.equal(failed.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);

    // Once authenticated, a 900 KiB Produce is read.
    const records = await encodeRecordBatch({ records: [{ key: 'k', value: Buffer.alloc(900 * KiB, 2) }] });
    const produce = { acks: -1, timeoutMs: 10_000, topicData: [{ name: 'large', partitionData: [{ index: 0, records }] }] };
    const alice = await connect(sasl!.port);
    assert.equal((await alice.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' })).errorCode, ErrorCode.NONE);
    assert.equal((await alice.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 2, { authBytes: Buffer.from('\0alice\0secret') })).errorCode, ErrorCode.NONE);
    assert.equal((await alice.request(ProduceRequest, ProduceResponse, 9, produce)).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);

    // A listener without SASL has no authentication to wait for.
    const anyone = await connect(plain!.port);
    assert.equal((await anyone.request(ProduceRequest, ProduceResponse, 9, produce)).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  });
});

describe('a dribbling attack', { skip: !canMeasurePeakRss && 'needs /proc (Linux) to read the peak RSS' }, () => {
  let child: BrokerChild | undefined;
  const sockets: Socket[] = [];
  after(async () => {
    for (const s of sockets) s.destroy();
    await child?.stop('SIGKILL');
  });

  const CONNECTIONS = 16;
  const BYTES_EACH = 128 * KiB;
  it(`${CONNECTIONS} connections dribbling into 100 MB frames, one byte per write, ${BYTES_EACH / KiB} KiB each: the broker holds about what it received (peak RSS under ${PEAK_RSS_LIMIT / MiB} MB)`, async (t) => {
    child = await startBrokerChild(['--in-memory', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--log-level', 'error'], 60_000);
    const pid = child.child.pid!;
    const admin = await WireClient.connect(child.port);
    const settle = async (): Promise<void> => void (await admin.request(MetadataRequest, MetadataResponse, 9, { topics: [] }));
    await settle();
    const before = rssBytes(pid);
    for (let i = 0; i < CONNECTIONS; i++) {
      const s = connect(child.port, '127.0.0.1');
      s.setNoDelay(true);
      s.on('error', () => undefined);
      await once(s, 'connect');
      s.write(sizePrefix(100 * 1000 * 1000));
      sockets.push(s);
    }
    const one = Buffer.from([7]);
    for (let n = 0; n < BYTES_EACH; n++) {
      for (const s of sockets) s.write(one);
      // Let the bytes leave as separate segments, as a dribbling peer sends them.
      if (n % 64 === 63) await turn();
    }
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.write(Buffer.alloc(0), () => resolve()))));
    await settle();
    await settle();
    const after = rssBytes(pid);
    const peak = peakRssBytes(pid);
    const received = CONNECTIONS * BYTES_EACH;
    t.diagnostic(`${(received / MiB).toFixed(0)} MiB dribbled; broker RSS before ${(before / MiB).toFixed(0)} MB, after ${(after / MiB).toFixed(0)} MB, peak ${(peak / MiB).toFixed(0)} MB`);
    admin.destroy();
    assert.ok(peak < PEAK_RSS_LIMIT, `the broker's RSS reached ${(peak / MiB).toFixed(0)} MB`);
    // Two copies at most while a frame's buffer doubles, plus the garbage of the reads not yet
    // collected (~15 MB); it was ~100-200 bytes per byte, depending on how many bytes each read got.
    assert.ok(after - before < 24 * received, `the broker grew by ${((after - before) / MiB).toFixed(0)} MB for ${(received / MiB).toFixed(0)} MiB received`);
  });
});
