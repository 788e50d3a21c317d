/**
 * A multi-broker cluster as a client sees it, in front of one real broker: what only
 * a cluster does to a producer (partitions led by different brokers, a leader that
 * moves) without a second broker process.
 *
 * N listeners, nodes 1..N, each forward every connection to the one broker behind.
 * Metadata answers are rewritten on the way back: the broker list becomes the N
 * listeners, and each partition's leader is the node the test says (by default
 * partition p is led by node p % N + 1), with every node a replica in the ISR and a
 * leader epoch that grows each time the test moves the leader (clients keep the
 * newest epoch they have seen, as KIP-320 asks). A Produce request that reaches a
 * node leading none of its partitions never reaches the broker: the node answers
 * NOT_LEADER_OR_FOLLOWER for each partition, as a follower does; one that mixes
 * goes on with only the partitions led here, and the answer gets
 * NOT_LEADER_OR_FOLLOWER for the others. Every other request is forwarded as is.
 *
 * `setDown(node)` takes a node off the network (connections cut, new ones refused),
 * as a crashed broker.
 *
 * Options: `leaderHints` makes the NOT_LEADER_OR_FOLLOWER answers carry KIP-951's
 * hints when the Produce version has them (v10+): each refused partition's
 * `currentLeader` (leader id and epoch, the same Metadata would report) and, at the
 * top level, `nodeEndpoints` for the nodes they name, as Kafka 3.7+ brokers answer.
 * `unlisted` leaves nodes out of Metadata's broker list (brokers that join later)
 * until `setListed(node, true)`; such a node still serves connections.
 * `readReplica` makes leaders name a preferred read replica (KIP-392), as a
 * Kafka leader with a rack-aware `replica.selector.class` does for a Fetch that
 * carries a rack id: that partition's answer has no records and
 * `preferredReadReplica` set. Fetches reach every node (a follower serves them
 * from the same broker behind). `fetchError` answers chosen partitions of a
 * node's Fetch with an error code (a follower behind the leader answers
 * OFFSET_OUT_OF_RANGE, say).
 *
 * Only the topology is simulated: every record still goes through the real
 * broker's Produce path and lands in its log, where the test reads it back.
 */
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { FrameSplitter, parseRequest, parseResponse, writeRequestFrame, writeResponseFrame } from '../../src/protocol/framing.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { MetadataResponse } from '../../src/protocol/generated/metadata-response.js';
import { ProduceRequest } from '../../src/protocol/generated/produce-request.js';
import { ProduceResponse } from '../../src/protocol/generated/produce-response.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { FetchRequest } from '../../src/protocol/generated/fetch-request.js';
import { FetchResponse } from '../../src/protocol/generated/fetch-response.js';
import { Writer } from '../../src/protocol/primitives/writer.js';

export interface ClusterNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  /** `host:port`. */
  readonly address: string;
}

/** Options of {@link startClusterProxy}. */
export interface ClusterProxyOptions {
  /** Put KIP-951 leader hints (`currentLeader`, `nodeEndpoints`) in NOT_LEADER_OR_FOLLOWER answers of Produce v10+. Default false. */
  readonly leaderHints?: boolean;
  /** Nodes left out of Metadata's broker list until `setListed(node, true)`. Default none. */
  readonly unlisted?: readonly number[];
  /**
   * KIP-392: the node a partition's leader names as preferred read replica when a Fetch (v11+)
   * with rack id `rackId` reaches it; -1 (or the leader itself) to answer as the broker did. Default: never.
   */
  readonly readReplica?: (topic: string, partition: number, rackId: string) => number;
  /** An error code to answer a partition of a Fetch at `nodeId` with (no records), instead of the broker's answer; undefined to leave it. */
  readonly fetchError?: (nodeId: number, topic: string, partition: number) => number | undefined;
}

export interface ClusterProxy {
  readonly nodes: readonly ClusterNode[];
  /** Node 1's address, for a client's `brokers`. */
  readonly bootstrap: string;
  /** Make `nodeId` the leader of a partition from now on (its leader epoch grows). */
  setLeader(topic: string, partition: number, nodeId: number): void;
  leaderOf(topic: string, partition: number): number;
  /** Take a node down (its connections cut, new ones refused), or bring it back. */
  setDown(nodeId: number, down: boolean): void;
  /** List a node in Metadata answers from now on (a broker that joined), or leave it out. */
  setListed(nodeId: number, listed: boolean): void;
  /** Produce requests each node received, forwarded or refused. */
  readonly produceRequests: ReadonlyMap<number, number>;
  /** Requests received by API key, over every node (e.g. `requests.get(ApiKey.Metadata)`). */
  readonly requests: ReadonlyMap<number, number>;
  /** Requests each node received, by API key (e.g. `requestsByNode.get(2)?.get(ApiKey.ListOffsets)`): where a client sent what. */
  readonly requestsByNode: ReadonlyMap<number, ReadonlyMap<number, number>>;
  /** Partitions answered NOT_LEADER_OR_FOLLOWER by a node that does not lead them. */
  readonly notLeaderAnswers: number;
  /** Of those, the ones answered with a KIP-951 leader hint (`leaderHints` on, Produce v10+). */
  readonly leaderHintsGiven: number;
  /** Fetch answers that carried records, by node then `topic:partition`: which node served a partition's records. */
  readonly fetchedRecords: ReadonlyMap<number, ReadonlyMap<string, number>>;
  /** Partitions a leader answered with a preferred read replica (`readReplica`). */
  readonly readReplicaAnswers: number;
  /** Partitions answered with a `fetchError` code. */
  readonly fetchErrorAnswers: number;
  close(): Promise<void>;
}

/** Records of a partition answered here: empty, not null, as Kafka sends them (librdkafka refuses a null record set). */
const EMPTY = Buffer.alloc(0);

/** How a Fetch's answer is changed on its way back: partitions (`topic:partition`) sent to a read replica, or answered with an error. */
interface FetchRewrite {
  readonly readReplicas: Map<string, number>;
  readonly errors: Map<string, number>;
}

/** One answer owed to the client, in request order: forwarded (filled by the broker) or made here. */
interface Slot {
  bytes: Buffer | null;
}

/** A partition of a Produce request sent to a node that does not lead it. */
interface Refused {
  readonly name: string;
  readonly index: number;
}

/** KIP-951 hints for the refused partitions: who leads each (with its epoch), and where those nodes are. */
interface LeaderHints {
  readonly leaderOf: (topic: string, partition: number) => { leaderId: number; leaderEpoch: number };
  readonly endpoint: (nodeId: number) => ClusterNode | undefined;
  /** Told each time a refused partition is answered with a hint. */
  readonly given: () => void;
}

/**
 * A Produce answer: the broker's (or none), plus NOT_LEADER_OR_FOLLOWER for each refused
 * partition, with KIP-951 hints when given and the version carries them (v10+).
 */
function produceAnswer(apiVersion: number, correlationId: number, answered: ProduceResponse, refused: readonly Refused[], hints?: LeaderHints): Buffer {
  const responses = answered.responses.map((t) => ({ ...t, partitionResponses: [...t.partitionResponses] }));
  const withHints = hints !== undefined && apiVersion >= 10;
  const nodeEndpoints = [...answered.nodeEndpoints];
  for (const r of refused) {
    let topic = responses.find((t) => t.name === r.name);
    if (!topic) responses.push((topic = { name: r.name, partitionResponses: [] }));
    topic.partitionResponses.push({
      index: r.index,
      errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
      baseOffset: -1n,
      logAppendTimeMs: -1n,
      logStartOffset: -1n,
      errorMessage: `not the leader of ${r.name}-${r.index}`,
      recordErrors: [],
      currentLeader: withHints ? hints.leaderOf(r.name, r.index) : { leaderId: -1, leaderEpoch: -1 },
    });
    if (!withHints) continue;
    hints.given();
    const { leaderId } = hints.leaderOf(r.name, r.index);
    const node = hints.endpoint(leaderId);
    if (node && !nodeEndpoints.some((e) => e.nodeId === leaderId)) nodeEndpoints.push({ nodeId: leaderId, host: node.host, port: node.port, rack: null });
  }
  const w = new Writer(256);
  writeResponseFrame(w, ApiKey.Produce, apiVersion, correlationId, ProduceResponse, { ...answered, responses, nodeEndpoints });
  return Buffer.from(w.finish());
}

function framed(frame: Buffer): Buffer {
  const out = Buffer.allocUnsafe(frame.length + 4);
  out.writeInt32BE(frame.length, 0);
  frame.copy(out, 4);
  return out;
}

/**
 * Start `nodeCount` listeners in front of the broker at `target()` (`host:port`).
 */
export async function startClusterProxy(target: () => string, nodeCount: number, options: ClusterProxyOptions = {}): Promise<ClusterProxy> {
  const leaders = new Map<string, { nodeId: number; moves: number }>();
  const leader = (topic: string, partition: number) => leaders.get(`${topic}\u0000${partition}`) ?? { nodeId: (partition % nodeCount) + 1, moves: 0 };
  /** The leader epoch the broker behind last reported per partition; ours adds the moves to it. */
  const brokerEpochs = new Map<string, number>();
  const leaderEpoch = (topic: string, partition: number): number => (brokerEpochs.get(`${topic}\u0000${partition}`) ?? 0) + leader(topic, partition).moves;
  const unlisted = new Set(options.unlisted ?? []);
  let leaderHintsGiven = 0;
  const hints: LeaderHints | undefined = options.leaderHints
    ? {
        leaderOf: (topic, partition) => ({ leaderId: leader(topic, partition).nodeId, leaderEpoch: leaderEpoch(topic, partition) }),
        endpoint: (nodeId) => nodes.find((n) => n.nodeId === nodeId),
        given: () => void leaderHintsGiven++,
      }
    : undefined;
  const produceRequests = new Map<number, number>();
  const requestsByApi = new Map<number, number>();
  const requestsByNode = new Map<number, Map<number, number>>();
  let notLeaderAnswers = 0;
  const fetchedRecords = new Map<number, Map<string, number>>();
  let readReplicaAnswers = 0;
  let fetchErrorAnswers = 0;
  /** Topic names by id, from Metadata answers (Fetch v13+ names topics by id). */
  const topicNames = new Map<string, string>();
  const sockets = new Set<Socket>();
  /** Client connections by node, to cut a node's when it goes down. */
  const clients = new Map<number, Set<Socket>>();
  const down = new Set<number>();
  const servers: Server[] = [];
  const nodes: ClusterNode[] = [];

  const rewriteMetadata = (body: MetadataResponse): MetadataResponse => {
    const listed = nodes.filter((n) => !unlisted.has(n.nodeId));
    const ids = listed.map((n) => n.nodeId);
    return {
      ...body,
      brokers: listed.map((n) => ({ nodeId: n.nodeId, host: n.host, port: n.port, rack: null })),
      controllerId: 1,
      topics: body.topics.map((t) => {
        if (t.name !== null) topicNames.set(t.topicId, t.name);
        return {
          ...t,
          partitions: t.partitions.map((p) => {
            const name = t.name ?? '';
            brokerEpochs.set(`${name}\u0000${p.partitionIndex}`, Math.max(0, p.leaderEpoch));
            return { ...p, leaderId: leader(name, p.partitionIndex).nodeId, leaderEpoch: leaderEpoch(name, p.partitionIndex), replicaNodes: ids, isrNodes: ids, offlineReplicas: [] };
          }),
        };
      }),
    };
  };

  const serve = (nodeId: number, client: Socket): void => {
    if (down.has(nodeId)) {
      client.on('error', () => undefined);
      client.destroy();
      return;
    }
    const address = target();
    const broker = connect(Number(address.slice(address.lastIndexOf(':') + 1)), address.slice(0, address.lastIndexOf(':')));
    sockets.add(client).add(broker);
    if (!clients.has(nodeId)) clients.set(nodeId, new Set());
    clients.get(nodeId)!.add(client);
    client.setNoDelay(true);
    broker.setNoDelay(true);
    const slots: Slot[] = [];
    /** What each forwarded request is, by correlation id, to decode its answer. */
    const forwarded = new Map<number, { apiKey: number; apiVersion: number; slot: Slot; refused: Refused[]; fetch?: FetchRewrite }>();
    const flush = (): void => {
      while (slots.length > 0 && slots[0]!.bytes !== null) client.write(slots.shift()!.bytes!);
    };
    const close = (): void => {
      client.destroy();
      broker.destroy();
      sockets.delete(client);
      sockets.delete(broker);
      clients.get(nodeId)?.delete(client);
    };
    const nameOf = (topic: { topic: string; topicId: string }, apiVersion: number): string => (apiVersion >= 13 ? (topicNames.get(topic.topicId) ?? topic.topicId) : topic.topic);
    const fetchRewrite = (request: FetchRequest, apiVersion: number): FetchRewrite => {
      const rewrite: FetchRewrite = { readReplicas: new Map(), errors: new Map() };
      for (const t of request.topics) {
        const name = nameOf(t, apiVersion);
        for (const p of t.partitions) {
          const key = `${name}:${p.partition}`;
          const error = options.fetchError?.(nodeId, name, p.partition);
          if (error !== undefined) rewrite.errors.set(key, error);
          else if (options.readReplica && apiVersion >= 11 && request.rackId !== '' && leader(name, p.partition).nodeId === nodeId) {
            const replica = options.readReplica(name, p.partition, request.rackId);
            if (replica >= 0 && replica !== nodeId) rewrite.readReplicas.set(key, replica);
          }
        }
      }
      return rewrite;
    };
    /** Count the partitions answered with records here, and apply the request's rewrite: the answer to send on. */
    const fetchAnswer = (frame: Buffer, apiVersion: number, correlationId: number, rewrite: FetchRewrite): Buffer => {
      const { body } = parseResponse(frame, ApiKey.Fetch, apiVersion, FetchResponse);
      let counts = fetchedRecords.get(nodeId);
      if (!counts) fetchedRecords.set(nodeId, (counts = new Map()));
      let changed = false;
      const responses = body.responses.map((t) => ({
        ...t,
        partitions: t.partitions.map((p) => {
          const key = `${nameOf(t, apiVersion)}:${p.partitionIndex}`;
          const error = rewrite.errors.get(key);
          const replica = rewrite.readReplicas.get(key);
          if (error !== undefined) {
            changed = true;
            fetchErrorAnswers++;
            return { ...p, errorCode: error, records: EMPTY, abortedTransactions: null };
          }
          if (replica !== undefined) {
            changed = true;
            readReplicaAnswers++;
            return { ...p, preferredReadReplica: replica, records: EMPTY, abortedTransactions: null };
          }
          if ((p.records?.length ?? 0) > 0) counts.set(key, (counts.get(key) ?? 0) + 1);
          return p;
        }),
      }));
      if (!changed) return framed(frame);
      const w = new Writer(frame.length + 64);
      writeResponseFrame(w, ApiKey.Fetch, apiVersion, correlationId, FetchResponse, { ...body, responses });
      return Buffer.from(w.finish());
    };
    const requests = new FrameSplitter();
    const responses = new FrameSplitter();
    client.on('data', (chunk: Buffer) => {
      for (const frame of requests.push(chunk)) {
        const parsed = parseRequest(frame);
        const { apiKey, apiVersion, correlationId } = parsed.header;
        requestsByApi.set(apiKey, (requestsByApi.get(apiKey) ?? 0) + 1);
        let byApi = requestsByNode.get(nodeId);
        if (!byApi) requestsByNode.set(nodeId, (byApi = new Map()));
        byApi.set(apiKey, (byApi.get(apiKey) ?? 0) + 1);
        if (apiKey === ApiKey.Produce) {
          produceRequests.set(nodeId, (produceRequests.get(nodeId) ?? 0) + 1);
          const request = ProduceRequest.read(parsed.body, apiVersion);
          const isHere = (topic: string, index: number) => leader(topic, index).nodeId === nodeId;
          const refused = request.topicData.flatMap((t) => t.partitionData.filter((p) => !isHere(t.name, p.index)).map((p) => ({ name: t.name, index: p.index })));
          notLeaderAnswers += refused.length;
          const total = request.topicData.reduce((n, t) => n + t.partitionData.length, 0);
          if (refused.length > 0 && request.acks === 0) {
            close(); // how a broker tells an acks=0 producer that something failed
            return;
          }
          if (refused.length === total) {
            slots.push({ bytes: produceAnswer(apiVersion, correlationId, { responses: [], throttleTimeMs: 0, nodeEndpoints: [] }, refused, hints) });
            flush();
            continue;
          }
          if (request.acks !== 0) {
            const slot: Slot = { bytes: null };
            slots.push(slot);
            forwarded.set(correlationId, { apiKey, apiVersion, slot, refused });
          }
          if (refused.length > 0) {
            // Only the partitions led here go on to the broker; the others are answered NOT_LEADER_OR_FOLLOWER.
            const kept = { ...request, topicData: request.topicData.map((t) => ({ ...t, partitionData: t.partitionData.filter((p) => isHere(t.name, p.index)) })).filter((t) => t.partitionData.length > 0) };
            const w = new Writer(frame.length + 64);
            writeRequestFrame(w, parsed.header, ProduceRequest, kept);
            broker.write(Buffer.from(w.finish()));
            continue;
          }
        } else {
          const slot: Slot = { bytes: null };
          slots.push(slot);
          const fetch = apiKey === ApiKey.Fetch ? fetchRewrite(FetchRequest.read(parsed.body, apiVersion), apiVersion) : undefined;
          forwarded.set(correlationId, { apiKey, apiVersion, slot, refused: [], ...(fetch ? { fetch } : {}) });
        }
        broker.write(framed(frame));
      }
    });
    broker.on('data', (chunk: Buffer) => {
      for (const frame of responses.push(chunk)) {
        const correlationId = frame.readInt32BE(0);
        const request = forwarded.get(correlationId);
        if (!request) {
          close();
          return;
        }
        forwarded.delete(correlationId);
        if (request.apiKey === ApiKey.Produce && request.refused.length > 0) {
          const { body } = parseResponse(frame, ApiKey.Produce, request.apiVersion, ProduceResponse);
          request.slot.bytes = produceAnswer(request.apiVersion, correlationId, body, request.refused, hints);
        } else if (request.fetch) {
          request.slot.bytes = fetchAnswer(frame, request.apiVersion, correlationId, request.fetch);
        } else if (request.apiKey === ApiKey.Metadata) {
          const { body } = parseResponse(frame, ApiKey.Metadata, request.apiVersion, MetadataResponse);
          const w = new Writer(1024);
          writeResponseFrame(w, ApiKey.Metadata, request.apiVersion, correlationId, MetadataResponse, rewriteMetadata(body));
          request.slot.bytes = Buffer.from(w.finish());
        } else {
          request.slot.bytes = framed(frame);
        }
        flush();
      }
    });
    client.on('close', close);
    broker.on('close', close);
    client.on('error', close);
    broker.on('error', close);
  };

  for (let nodeId = 1; nodeId <= nodeCount; nodeId++) {
    const server = createServer((client) => serve(nodeId, client));
    server.listen(0, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    const { port } = server.address() as AddressInfo;
    servers.push(server);
    nodes.push({ nodeId, host: '127.0.0.1', port, address: `127.0.0.1:${port}` });
  }

  return {
    nodes,
    bootstrap: nodes[0]!.address,
    setLeader(topic, partition, nodeId) {
      leaders.set(`${topic}\u0000${partition}`, { nodeId, moves: leader(topic, partition).moves + 1 });
    },
    leaderOf: (topic, partition) => leader(topic, partition).nodeId,
    setDown(nodeId, isDown) {
      if (!isDown) {
        down.delete(nodeId);
        return;
      }
      down.add(nodeId);
      for (const c of clients.get(nodeId) ?? []) c.destroy();
    },
    setListed(nodeId, listed) {
      if (listed) unlisted.delete(nodeId);
      else unlisted.add(nodeId);
    },
    produceRequests,
    requests: requestsByApi,
    requestsByNode,
    get notLeaderAnswers() {
      return notLeaderAnswers;
    },
    get leaderHintsGiven() {
      return leaderHintsGiven;
    },
    fetchedRecords,
    get readReplicaAnswers() {
      return readReplicaAnswers;
    },
    get fetchErrorAnswers() {
      return fetchErrorAnswers;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
