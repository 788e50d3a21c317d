/**
 * `tskafka selfcheck`: a real Kafka exchange with the embedded broker over a
 * loopback socket, every byte encoded and decoded by tskafka's protocol layer,
 * each step printed.
 *
 * It starts an in-memory broker on 127.0.0.1 (port 0); a client negotiates
 * versions, learns the partitions, places keyed records with the
 * Java-compatible murmur2 partitioner, writes a record batch per partition
 * with every compression codec, then fetches everything back and checks each
 * record (CRC-32C verified by the broker on append and by the client on read).
 */
import { once } from 'node:events';
import { type Socket, createConnection } from 'node:net';
import { startBroker } from '../broker/server.js';
import { FrameSplitter, parseResponse, writeRequestFrame } from '../protocol/framing.js';
import {
  ApiKey,
  ApiVersionsRequest,
  ApiVersionsResponse,
  FetchRequest,
  FetchResponse,
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
const CODECS = [CompressionCodec.None, CompressionCodec.GZIP, CompressionCodec.Snappy, CompressionCodec.LZ4, CompressionCodec.ZSTD];

/** Run the self-check; resolves to an exit code (0 when every step checked out). */
export async function selfCheck(_argv: readonly string[], print: (line: string) => void): Promise<number> {
  const broker = await startBroker({ inMemory: true, port: 0, properties: { 'num.partitions': 3 } });
  const client = await Client.connect(broker.port);
  try {
    print(`embedded broker (in memory) listening on ${broker.bootstrap}`);

    const versions = await client.call(ApiVersionsRequest, ApiVersionsResponse, 3, { clientSoftwareName: 'tskafka', clientSoftwareVersion: '0.1.0' });
    print(`ApiVersions v3 -> ${versions.body.apiKeys.length} APIs, error ${versions.body.errorCode} (${versions.requestBytes} bytes out, ${versions.responseBytes} back)`);
    const pick = (key: number): number => {
      const theirs = versions.body.apiKeys.find((k) => k.apiKey === key);
      const ours = apis.get(key)!;
      if (!theirs) throw new Error(`broker lacks API ${ours.name}`);
      return Math.min(theirs.maxVersion, ours.maxVersion);
    };

    const metadataVersion = pick(ApiKey.Metadata);
    const metadata = await client.call(MetadataRequest, MetadataResponse, metadataVersion, { topics: [{ name: TOPIC }], allowAutoTopicCreation: true });
    const topic = metadata.body.topics[0]!;
    print(`Metadata v${metadataVersion} -> broker ${metadata.body.brokers[0]?.host}:${metadata.body.brokers[0]?.port}, topic ${topic.name} with ${topic.partitions.length} partitions`);

    const produceVersion = pick(ApiKey.Produce);
    const sent: string[] = [];
    for (const codec of CODECS) {
      const byPartition = new Map<number, { key: string; value: string; headers: Record<string, string> }[]>();
      for (let i = 0; i < 300; i++) {
        const key = `user-${i % 37}`;
        const p = murmur2Partition(Buffer.from(key), topic.partitions.length);
        const list = byPartition.get(p) ?? [];
        list.push({ key, value: JSON.stringify({ orderId: `o-${i}`, codec: compressionCodecName(codec), userId: key, amount: (i * 7) % 100 }), headers: { source: 'selfcheck' } });
        byPartition.set(p, list);
      }
      const partitionData = [];
      for (const [index, records] of byPartition) {
        partitionData.push({ index, records: await encodeRecordBatch({ compression: codec, records }) });
        for (const r of records) sent.push(`${index}/${r.key}/${r.value}`);
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
    const fetchVersion = pick(ApiKey.Fetch);
    const fetched = await client.call(FetchRequest, FetchResponse, fetchVersion, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 64 * 1024 * 1024,
      topics: [{ topic: TOPIC, topicId: topic.topicId, partitions: topic.partitions.map((p) => ({ partition: p.partitionIndex, fetchOffset: 0, partitionMaxBytes: 16 * 1024 * 1024 })) }],
    });
    const received: string[] = [];
    let batches = 0;
    for (const p of fetched.body.responses[0]!.partitions) {
      for (const b of await decodeRecordBatches(p.records ?? Buffer.alloc(0))) {
        batches++;
        for (const r of b.records) received.push(`${p.partitionIndex}/${r.key?.toString()}/${r.value?.toString()}`);
      }
    }
    const missing = sent.filter((x) => !received.includes(x)).length;
    print(`Fetch v${fetchVersion} -> ${received.length} records in ${batches} batches back, ${missing} missing, ${received.length - sent.length + missing} unexpected`);
    if (missing !== 0 || received.length !== sent.length) throw new Error(`fetched ${received.length} records, sent ${sent.length}, ${missing} missing`);
    print('selfcheck ok');
    return 0;
  } finally {
    client.close();
    await broker.close();
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
