/**
 * A capture broker for golden-bytes tests: a raw TCP listener that records every
 * request frame a real third-party client sends (verbatim, size prefix removed)
 * and answers just enough for that client to reach a successful Produce.
 *
 * Every answer is built with our generated codecs and framing, so a client that
 * accepts them also tests our encoders. It stores nothing: Produce answers
 * success with increasing base offsets, and the records stay in the captured
 * frames for the test to decode. A test may choose the producer ids (or the
 * errors) InitProducerId answers, the errors Produce answers, which partitions
 * have no leader (changeable while it runs), and the address it advertises (to
 * keep a client behind a proxy).
 *
 * Served: ApiVersions, Metadata, Produce, InitProducerId, FindCoordinator. Any
 * other API is recorded, reported in `errors`, and its connection closed, which
 * is how a broker treats a request it cannot parse.
 */
import { randomBytes } from 'node:crypto';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { FrameSplitter, type ParsedRequest, type RequestHeaderFields, parseRequest, writeRequestFrame, writeResponseFrame } from '../../src/protocol/framing.js';
import {
  ApiKey,
  ApiVersionsResponse,
  type FindCoordinatorRequest,
  FindCoordinatorResponse,
  InitProducerIdResponse,
  type MetadataRequest,
  MetadataResponse,
  type ProduceRequest,
  ProduceResponse,
  apis,
} from '../../src/protocol/generated/index.js';
import { type Input, type MessageCodec } from '../../src/protocol/primitives/message.js';
import { Writer } from '../../src/protocol/primitives/writer.js';

/** Kafka's UNSUPPORTED_VERSION error code. */
const UNSUPPORTED_VERSION = 35;
/** Kafka's LEADER_NOT_AVAILABLE error code: what Metadata reports for a partition without a leader. */
const LEADER_NOT_AVAILABLE = 5;
/** Kafka's NOT_LEADER_OR_FOLLOWER error code: what Produce answers for a partition this broker does not lead. */
const NOT_LEADER_OR_FOLLOWER = 6;

/** The producer id every InitProducerId answer hands out (epoch 0). */
export const CAPTURE_PRODUCER_ID = 1000n;

/**
 * The version ranges an Apache Kafka 3.7 broker (KRaft) advertises, for the APIs
 * a producer or a metadata tool may ask about. A real range, not our codecs'
 * (3.9) range: clients must negotiate down from what they support, e.g. to
 * ApiVersions v3 and Produce v10, as they do against brokers in the field.
 */
export const ADVERTISED_API_VERSIONS: readonly ApiVersionRange[] = Object.freeze([
  { apiKey: ApiKey.Produce, minVersion: 0, maxVersion: 10 },
  { apiKey: ApiKey.Fetch, minVersion: 0, maxVersion: 16 },
  { apiKey: ApiKey.ListOffsets, minVersion: 0, maxVersion: 8 },
  { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 12 },
  { apiKey: ApiKey.OffsetCommit, minVersion: 0, maxVersion: 9 },
  { apiKey: ApiKey.OffsetFetch, minVersion: 0, maxVersion: 9 },
  { apiKey: ApiKey.FindCoordinator, minVersion: 0, maxVersion: 4 },
  { apiKey: ApiKey.JoinGroup, minVersion: 0, maxVersion: 9 },
  { apiKey: ApiKey.Heartbeat, minVersion: 0, maxVersion: 4 },
  { apiKey: ApiKey.LeaveGroup, minVersion: 0, maxVersion: 5 },
  { apiKey: ApiKey.SyncGroup, minVersion: 0, maxVersion: 5 },
  { apiKey: ApiKey.DescribeGroups, minVersion: 0, maxVersion: 5 },
  { apiKey: ApiKey.ListGroups, minVersion: 0, maxVersion: 4 },
  { apiKey: ApiKey.SaslHandshake, minVersion: 0, maxVersion: 1 },
  { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 3 },
  { apiKey: ApiKey.CreateTopics, minVersion: 0, maxVersion: 7 },
  { apiKey: ApiKey.DeleteTopics, minVersion: 0, maxVersion: 6 },
  { apiKey: ApiKey.DeleteRecords, minVersion: 0, maxVersion: 2 },
  { apiKey: ApiKey.InitProducerId, minVersion: 0, maxVersion: 4 },
  { apiKey: ApiKey.OffsetForLeaderEpoch, minVersion: 0, maxVersion: 4 },
  { apiKey: ApiKey.AddPartitionsToTxn, minVersion: 0, maxVersion: 4 },
  { apiKey: ApiKey.AddOffsetsToTxn, minVersion: 0, maxVersion: 3 },
  { apiKey: ApiKey.EndTxn, minVersion: 0, maxVersion: 3 },
  { apiKey: ApiKey.TxnOffsetCommit, minVersion: 0, maxVersion: 3 },
  { apiKey: ApiKey.DescribeConfigs, minVersion: 0, maxVersion: 4 },
  { apiKey: ApiKey.AlterConfigs, minVersion: 0, maxVersion: 2 },
  { apiKey: ApiKey.SaslAuthenticate, minVersion: 0, maxVersion: 2 },
  { apiKey: ApiKey.CreatePartitions, minVersion: 0, maxVersion: 3 },
  { apiKey: ApiKey.DeleteGroups, minVersion: 0, maxVersion: 2 },
  { apiKey: ApiKey.DescribeCluster, minVersion: 0, maxVersion: 1 },
]);

/** One API's supported versions, as an ApiVersions response lists them. */
export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** One request as the client sent it. */
export interface CapturedFrame {
  /** Header + body exactly as received, size prefix removed (a copy). */
  bytes: Buffer;
  header: RequestHeaderFields;
  /** Which connection carried it, numbered from 0 in accept order. */
  connection: number;
  /** When it arrived (Date.now()). */
  at: number;
}

/** Options of {@link startCaptureBroker}. */
export interface CaptureBrokerOptions {
  /** Partitions of every topic the broker reports. */
  partitions: number;
  /** Topics that exist from the start (listed in all-topics Metadata answers); any topic asked for by name is created. */
  topics?: readonly string[];
  /** Cluster id reported in Metadata v2+. */
  clusterId?: string;
  /**
   * What ApiVersions answers; {@link ADVERTISED_API_VERSIONS} unless given.
   * Lower a range to steer a client to an older version of an API. ApiVersions
   * must be listed: requests above its range get UNSUPPORTED_VERSION.
   */
  advertised?: readonly ApiVersionRange[];
  /**
   * The n-th InitProducerId answer (from 0): a producer id and epoch, or an error code
   * (answered with producer id -1, epoch -1); default {@link CAPTURE_PRODUCER_ID}, epoch 0.
   */
  initProducerId?: (n: number) => InitProducerIdAnswer;
  /** The error code a Produce answers for a partition, the n-th batch (from 0) the broker receives; default 0 (stored). */
  produceError?: (topic: string, partition: number, n: number) => number;
  /** The quota throttle the n-th Produce answer (from 0) carries, ms; default 0. */
  produceThrottleMs?: (n: number) => number;
  /**
   * Partitions (of every topic) without a leader at the start: Metadata reports them
   * with LEADER_NOT_AVAILABLE and leader -1, Produce answers NOT_LEADER_OR_FOLLOWER
   * for them. {@link CaptureBroker.setLeaderless} changes the set later.
   */
  leaderless?: readonly number[];
  /**
   * `host:port` this broker names in Metadata and FindCoordinator answers instead of its
   * own: a proxy in front of it, so that a client following Metadata stays behind the proxy.
   */
  advertisedAddress?: string;
}

/** One InitProducerId answer: an id and epoch, or an error. */
export type InitProducerIdAnswer = { producerId: bigint; producerEpoch: number } | { errorCode: number };

/** A running capture broker. */
export interface CaptureBroker {
  host: string;
  port: number;
  /** `host:port`, for a client's bootstrap list. */
  bootstrap: string;
  /** Every request received, in arrival order. */
  frames: CapturedFrame[];
  /** What the broker could not answer (unknown API, undecodable body, encode failure); empty when all went well. */
  errors: Error[];
  /**
   * From now on, exactly these partitions (of every topic) have no leader. A partition
   * that gets its leader back gets a new leader epoch, as after an election.
   */
  setLeaderless(partitions: readonly number[]): void;
  /** Stop listening and destroy every open connection. */
  close(): Promise<void>;
}

/** Start a capture broker on 127.0.0.1 at a free port. */
export async function startCaptureBroker(options: CaptureBrokerOptions): Promise<CaptureBroker> {
  const host = '127.0.0.1';
  const clusterId = options.clusterId ?? 'tskafka-capture';
  const advertisedVersions = options.advertised ?? ADVERTISED_API_VERSIONS;
  const apiVersionsRange = advertisedVersions.find((a) => a.apiKey === ApiKey.ApiVersions);
  if (!apiVersionsRange) throw new TypeError('options.advertised must list ApiVersions (API key 18)');
  const topicIds = new Map<string, string>();
  const nextOffset = new Map<string, bigint>();
  const frames: CapturedFrame[] = [];
  const errors: Error[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let port = 0;
  let producerIdsGiven = 0;
  let batchesReceived = 0;
  let producesAnswered = 0;
  let leaderless = new Set(options.leaderless ?? []);
  /** Leader epoch per partition index: grows each time a leaderless partition gets its leader back. */
  const leaderEpochs = new Map<number, number>();
  /** What Metadata and FindCoordinator name as this broker's address. */
  const advertisedAddress = (): { host: string; port: number } => {
    const address = options.advertisedAddress;
    if (address === undefined) return { host, port };
    const colon = address.lastIndexOf(':');
    return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
  };

  const ensureTopic = (name: string): string => {
    let id = topicIds.get(name);
    if (id === undefined) {
      // A random non-zero id, as a KRaft broker assigns (KIP-516); clients may cache it.
      id = randomBytes(16).toString('base64url');
      topicIds.set(name, id);
    }
    return id;
  };
  for (const t of options.topics ?? []) ensureTopic(t);

  const metadata = (version: number, request: MetadataRequest): Input<MetadataResponse> => {
    // All topics: null from v1; v0 has no null and uses an empty list, which
    // from v1 means "no topics" (librdkafka asks that way for brokers only).
    const all = request.topics === null || (version === 0 && request.topics.length === 0);
    const names = all ? [...topicIds.keys()] : request.topics!.map((t) => t.name ?? '');
    return {
      brokers: [{ nodeId: 0, ...advertisedAddress(), rack: null }],
      clusterId,
      controllerId: 0,
      topics: names.map((name) => ({
        errorCode: 0,
        name,
        topicId: ensureTopic(name),
        isInternal: false,
        partitions: Array.from({ length: options.partitions }, (_, i) => {
          const led = !leaderless.has(i);
          // A partition between leaders, as Kafka reports it: no leader, its replica out of the ISR.
          return {
            errorCode: led ? 0 : LEADER_NOT_AVAILABLE,
            partitionIndex: i,
            leaderId: led ? 0 : -1,
            leaderEpoch: leaderEpochs.get(i) ?? 0,
            replicaNodes: [0],
            isrNodes: led ? [0] : [],
            offlineReplicas: [],
          };
        }),
      })),
    };
  };

  const produce = (request: ProduceRequest): Input<ProduceResponse> => ({
    throttleTimeMs: options.produceThrottleMs?.(producesAnswered++) ?? 0,
    responses: request.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((p) => {
        if (leaderless.has(p.index)) return { index: p.index, errorCode: NOT_LEADER_OR_FOLLOWER, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n };
        const errorCode = options.produceError?.(topic.name, p.index, batchesReceived++) ?? 0;
        if (errorCode !== 0) return { index: p.index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n };
        const key = `${topic.name}/${p.index}`;
        const baseOffset = nextOffset.get(key) ?? 0n;
        nextOffset.set(key, baseOffset + BigInt(countRecords(p.records)));
        return { index: p.index, errorCode: 0, baseOffset, logAppendTimeMs: -1n, logStartOffset: 0n };
      }),
    })),
  });

  /** Builds the answer frame for one request, or null for "no answer" (acks=0). */
  const answer = ({ header, body }: ParsedRequest): Buffer | null => {
    const { apiKey, apiVersion, correlationId } = header;
    const w = new Writer(1024);
    const respond = <T>(codec: MessageCodec<T>, version: number, data: Input<T>): Buffer => {
      writeResponseFrame(w, apiKey, version, correlationId, codec, data);
      return w.toBuffer();
    };
    const api = apis.get(apiKey)!;
    if (apiKey === ApiKey.ApiVersions) {
      if (apiVersion > apiVersionsRange.maxVersion) {
        // Kafka's answer to an ApiVersions version it does not know: a v0 body
        // (the only layout every client can read) with UNSUPPORTED_VERSION and
        // ApiVersions' own range, so the client retries with a version from it.
        return respond(ApiVersionsResponse, 0, { errorCode: UNSUPPORTED_VERSION, apiKeys: [apiVersionsRange] });
      }
      // Read even though nothing in it matters: a body our codec cannot read is reported.
      api.request.read(body, apiVersion);
      return respond(ApiVersionsResponse, apiVersion, { errorCode: 0, apiKeys: advertisedVersions, throttleTimeMs: 0 });
    }
    const advertised = advertisedVersions.find((a) => a.apiKey === apiKey);
    if (!advertised || apiVersion < advertised.minVersion || apiVersion > advertised.maxVersion) {
      throw new Error(`request for ${api.name} v${apiVersion}, outside what this broker advertises`);
    }
    const request: unknown = api.request.read(body, apiVersion);
    switch (apiKey) {
      case ApiKey.Metadata:
        return respond(MetadataResponse, apiVersion, metadata(apiVersion, request as MetadataRequest));
      case ApiKey.Produce: {
        const data = produce(request as ProduceRequest);
        return (request as ProduceRequest).acks === 0 ? null : respond(ProduceResponse, apiVersion, data);
      }
      case ApiKey.InitProducerId: {
        const given = options.initProducerId?.(producerIdsGiven++) ?? { producerId: CAPTURE_PRODUCER_ID, producerEpoch: 0 };
        return respond(InitProducerIdResponse, apiVersion, 'errorCode' in given ? { errorCode: given.errorCode, producerId: -1n, producerEpoch: -1 } : { errorCode: 0, ...given });
      }
      case ApiKey.FindCoordinator: {
        // v0-v3 ask for one key and get one answer; v4+ batch keys (KIP-699).
        const keys = (request as FindCoordinatorRequest).coordinatorKeys;
        const self = advertisedAddress();
        return respond(FindCoordinatorResponse, apiVersion, {
          ...(apiVersion < 4 ? { errorCode: 0, nodeId: 0, ...self } : {}),
          // Java sends a null message on success (v1+), not the spec's "" default.
          ...(apiVersion >= 1 && apiVersion < 4 ? { errorMessage: null } : {}),
          coordinators: apiVersion < 4 ? [] : keys.map((key) => ({ key, nodeId: 0, ...self, errorCode: 0, errorMessage: null })),
        });
      }
      default:
        throw new Error(`no answer for ${api.name} v${apiVersion}`);
    }
  };

  const server: Server = createServer((socket) => {
    const connection = connections++;
    sockets.add(socket);
    const splitter = new FrameSplitter();
    socket.on('close', () => sockets.delete(socket));
    // A client closing abruptly (kcat exiting) is normal here, not a failure.
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const view of splitter.push(chunk)) {
          const bytes = Buffer.from(view);
          const parsed = parseRequest(bytes);
          frames.push({ bytes, header: parsed.header, connection, at: Date.now() });
          const out = answer(parsed);
          if (out) socket.write(out);
        }
      } catch (e) {
        errors.push(e instanceof Error ? e : new Error(String(e)));
        socket.destroy();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    host,
    port,
    bootstrap: `${host}:${port}`,
    frames,
    errors,
    setLeaderless(partitions) {
      const next = new Set(partitions);
      for (const i of leaderless) if (!next.has(i)) leaderEpochs.set(i, (leaderEpochs.get(i) ?? 0) + 1);
      leaderless = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const s of sockets) s.destroy();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** A captured request decoded with our codecs. */
export interface DecodedRequest {
  header: RequestHeaderFields;
  /** The body as our generated codec for that API and version reads it. */
  body: unknown;
}

/**
 * Decode a request frame (header and body) with our codecs; bytes left over
 * after the body are an error, so nothing the client sent goes unread.
 */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const { header, body: r } = parseRequest(frame);
  const api = apis.get(header.apiKey)!;
  const body: unknown = api.request.read(r, header.apiVersion);
  if (r.remaining !== 0) throw new Error(`${api.name} v${header.apiVersion}: ${r.remaining} bytes left over after the body`);
  return { header, body };
}

/** Encode a decoded request again with our codecs: header and body, size prefix removed. */
export function encodeRequest({ header, body }: DecodedRequest): Buffer {
  const w = new Writer(1024);
  writeRequestFrame(w, header, apis.get(header.apiKey)!.request, body);
  return w.toBuffer().subarray(4);
}

/**
 * Decode a captured frame with our codecs and encode it again: null when the
 * bytes are identical, else a description of the first difference (offset,
 * the bytes around it on both sides) for the assertion message.
 */
export function reencodeMismatch(frame: Buffer): string | null {
  const decoded = decodeRequest(frame);
  const again = encodeRequest(decoded);
  if (again.equals(frame)) return null;
  let at = 0;
  while (at < frame.length && at < again.length && frame[at] === again[at]) at++;
  const around = (b: Buffer): string => b.subarray(Math.max(0, at - 8), at + 8).toString('hex');
  const { apiKey, apiVersion } = decoded.header;
  return (
    `${apis.get(apiKey)!.name} v${apiVersion}: re-encoded ${again.length} bytes vs ${frame.length} captured, ` +
    `first difference at byte ${at}: captured ...${around(frame)}..., ours ...${around(again)}...`
  );
}

/**
 * Records in a Produce partition's payload: the sum of each batch's recordCount
 * (magic 2: batchLength at byte 8, recordCount at byte 57). Read here, not with
 * the record batch decoder, so the broker does not depend on what it tests.
 */
function countRecords(records: Buffer | null): number {
  if (records === null) return 0;
  let count = 0;
  for (let at = 0; at + 61 <= records.length; at += 12 + records.readInt32BE(at + 8)) {
    count += records.readInt32BE(at + 57);
  }
  return count;
}
