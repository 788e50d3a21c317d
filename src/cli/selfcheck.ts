/**
 * `tskafka selfcheck`: a real Kafka exchange over a loopback socket, every byte
 * encoded and decoded by tskafka's protocol layer, each step printed.
 *
 * A responder on 127.0.0.1 (port 0) plays the broker's part for ApiVersions,
 * Metadata and Produce; a client negotiates versions, learns the partitions,
 * places keyed records with the Java-compatible murmur2 partitioner, writes a
 * record batch per partition with every compression codec, and the responder
 * decodes and checks them (CRC-32C, every record) before answering.
 */
import { once } from 'node:events';
import { type AddressInfo, type Socket, createConnection, createServer } from 'node:net';
import { FrameSplitter, parseRequest, parseResponse, writeRequestFrame, writeResponseFrame } from '../protocol/framing.js';
import {
  ApiKey,
  ApiVersionsRequest,
  ApiVersionsResponse,
  MetadataRequest,
  MetadataResponse,
  ProduceRequest,
  ProduceResponse,
  apis,
} from '../protocol/generated/index.js';
import { type Input, type MessageCodec } from '../protocol/primitives/message.js';
import { Writer } from '../protocol/primitives/writer.js';
import { murmur2Partition } from '../protocol/murmur2.js';
import { CompressionCodec, compressionCodecName } from '../protocol/records/compression.js';
import { decodeRecordBatches, encodeRecordBatch } from '../protocol/records/record-batch.js';

const TOPIC = 'orders';
const PARTITIONS = 3;
const CODECS = [CompressionCodec.None, CompressionCodec.GZIP, CompressionCodec.Snappy, CompressionCodec.LZ4, CompressionCodec.ZSTD];

/** Run the self-check; resolves to an exit code (0 when every step checked out). */
export async function selfCheck(_argv: readonly string[], print: (line: string) => void): Promise<number> {
  const responder = await startResponder();
  const client = await Client.connect(responder.port);
  try {
    print(`responder listening on 127.0.0.1:${responder.port}`);

    const versions = await client.call(ApiVersionsRequest, ApiVersionsResponse, 3, { clientSoftwareName: 'tskafka', clientSoftwareVersion: '0.1.0' });
    print(`ApiVersions v3 -> ${versions.body.apiKeys.length} APIs, error ${versions.body.errorCode} (${versions.requestBytes} bytes out, ${versions.responseBytes} back)`);
    const pick = (key: number): number => {
      const theirs = versions.body.apiKeys.find((k) => k.apiKey === key);
      const ours = apis.get(key)!;
      if (!theirs) throw new Error(`responder lacks API ${ours.name}`);
      return Math.min(theirs.maxVersion, ours.maxVersion);
    };

    const metadataVersion = pick(ApiKey.Metadata);
    const metadata = await client.call(MetadataRequest, MetadataResponse, metadataVersion, { topics: [{ name: TOPIC }], allowAutoTopicCreation: true });
    const topic = metadata.body.topics[0]!;
    print(`Metadata v${metadataVersion} -> broker ${metadata.body.brokers[0]?.host}:${metadata.body.brokers[0]?.port}, topic ${topic.name} with ${topic.partitions.length} partitions`);

    const produceVersion = pick(ApiKey.Produce);
    let sent = 0;
    for (const codec of CODECS) {
      const byPartition = new Map<number, { key: string; value: string; headers: Record<string, string> }[]>();
      for (let i = 0; i < 300; i++) {
        const key = `user-${i % 37}`;
        const p = murmur2Partition(Buffer.from(key), topic.partitions.length);
        const list = byPartition.get(p) ?? [];
        list.push({ key, value: JSON.stringify({ orderId: `o-${i}`, userId: key, amount: (i * 7) % 100 }), headers: { source: 'selfcheck' } });
        byPartition.set(p, list);
      }
      const partitionData = [];
      for (const [index, records] of byPartition) {
        partitionData.push({ index, records: await encodeRecordBatch({ compression: codec, records }) });
        sent += records.length;
      }
      const bytes = partitionData.reduce((n, p) => n + p.records.length, 0);
      const res = await client.call(ProduceRequest, ProduceResponse, produceVersion, { acks: 1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData }] });
      const parts = res.body.responses[0]!.partitionResponses;
      const failed = parts.filter((p) => p.errorCode !== 0);
      if (failed.length > 0) throw new Error(`produce with ${compressionCodecName(codec)} failed: ${JSON.stringify(failed)}`);
      print(
        `Produce v${produceVersion} ${compressionCodecName(codec).padEnd(6)} -> 300 records in ${byPartition.size} batches, ${bytes} record bytes; ` +
          `offsets ${parts.map((p) => `p${p.index}@${p.baseOffset}`).join(' ')}`,
      );
    }
    const expected = sent;
    print(`responder decoded ${responder.stats.records} of ${expected} records, CRC-32C checked on ${responder.stats.batches} batches`);
    if (responder.stats.records !== expected) throw new Error(`responder decoded ${responder.stats.records} records, expected ${expected}`);
    print('selfcheck ok');
    return 0;
  } finally {
    client.close();
    await responder.close();
  }
}

/** A minimal client over one socket: sequential calls with correlation ids. */
class Client {
  #socket: Socket;
  #splitter = new FrameSplitter();
  #frames: Buffer[] = [];
  #waiter: (() => void) | undefined;
  #correlationId = 0;
  #writer = new Writer();

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#frames.push(...this.#splitter.push(chunk));
      this.#waiter?.();
    });
  }

  static async connect(port: number): Promise<Client> {
    const socket = createConnection({ host: '127.0.0.1', port });
    await once(socket, 'connect');
    return new Client(socket);
  }

  async call<Req, Res>(
    codec: MessageCodec<Req>,
    response: MessageCodec<Res>,
    version: number,
    body: Input<Req>,
  ): Promise<{ body: Res; requestBytes: number; responseBytes: number }> {
    const apiKey = codec.apiKey;
    const correlationId = ++this.#correlationId;
    const w = this.#writer.reset();
    writeRequestFrame(w, { apiKey, apiVersion: version, correlationId, clientId: 'tskafka-selfcheck' }, codec, body);
    const requestBytes = w.length;
    this.#socket.write(w.toBuffer());
    while (this.#frames.length === 0) await new Promise<void>((resolve) => (this.#waiter = resolve));
    const frame = this.#frames.shift()!;
    const parsed = parseResponse(frame, apiKey, version, response);
    if (parsed.correlationId !== correlationId) throw new Error(`correlation id ${parsed.correlationId}, expected ${correlationId}`);
    return { body: parsed.body, requestBytes, responseBytes: frame.length + 4 };
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** The broker's side of the exchange, built from the same codecs. */
async function startResponder(): Promise<{ port: number; stats: { records: number; batches: number }; close(): Promise<void> }> {
  const stats = { records: 0, batches: 0 };
  const offsets = new Array<number>(PARTITIONS).fill(0);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const splitter = new FrameSplitter();
    const w = new Writer();
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of splitter.push(chunk)) {
        // Answer in request order, as a Kafka broker does on one connection.
        chain = chain.then(() => answer(frame)).catch((err: unknown) => {
          console.error(`responder: ${err instanceof Error ? err.message : String(err)}`);
          socket.destroy();
        });
      }
    });
    const reply = <T>(apiKey: number, version: number, correlationId: number, codec: MessageCodec<T>, body: Input<T>): void => {
      w.reset();
      writeResponseFrame(w, apiKey, version, correlationId, codec, body);
      socket.write(w.toBuffer());
    };
    const answer = async (frame: Buffer): Promise<void> => {
      const { header, body } = parseRequest(frame);
      const { apiKey, apiVersion: v, correlationId } = header;
      switch (apiKey) {
        case ApiKey.ApiVersions:
          ApiVersionsRequest.read(body, v);
          reply(apiKey, v, correlationId, ApiVersionsResponse, {
            apiKeys: [ApiKey.ApiVersions, ApiKey.Metadata, ApiKey.Produce].map((k) => ({ apiKey: k, minVersion: apis.get(k)!.minVersion, maxVersion: apis.get(k)!.maxVersion })),
          });
          return;
        case ApiKey.Metadata: {
          const req = MetadataRequest.read(body, v);
          const address = server.address() as AddressInfo;
          reply(apiKey, v, correlationId, MetadataResponse, {
            brokers: [{ nodeId: 0, host: '127.0.0.1', port: address.port }],
            clusterId: 'selfcheck',
            controllerId: 0,
            topics: (req.topics ?? []).map((t) => ({
              name: t.name,
              partitions: Array.from({ length: PARTITIONS }, (_, i) => ({ partitionIndex: i, leaderId: 0, replicaNodes: [0], isrNodes: [0] })),
            })),
          });
          return;
        }
        case ApiKey.Produce: {
          const req = ProduceRequest.read(body, v);
          const responses = [];
          for (const t of req.topicData) {
            const partitionResponses = [];
            for (const p of t.partitionData) {
              const batches = await decodeRecordBatches(p.records ?? Buffer.alloc(0));
              const baseOffset = offsets[p.index]!;
              for (const b of batches) {
                stats.batches++;
                stats.records += b.records.length;
                offsets[p.index]! += b.records.length;
              }
              partitionResponses.push({ index: p.index, errorCode: 0, baseOffset });
            }
            responses.push({ name: t.name, partitionResponses });
          }
          reply(apiKey, v, correlationId, ProduceResponse, { responses });
          return;
        }
        default:
          throw new Error(`unexpected API key ${apiKey}`);
      }
    };
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    stats,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
