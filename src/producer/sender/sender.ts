/**
 * The sender: drains ready batches, one Produce request per leader broker, and
 * hands the answers to the TransactionManager and the batches' send calls.
 *
 * A partition's head batch is ready when it is full, when a newer batch is
 * queued behind it, when `lingerMs` has passed since its first record, or when
 * the producer flushes or closes. When one partition of a broker is ready,
 * every partition of that broker with records rides in the same request,
 * lingering or not, as in Java and franz-go (one batch per partition, up to
 * `maxRequestSize`). At most `maxInFlightRequests` requests are outstanding per
 * broker; requests to one broker are written in the order they were drained, so
 * per-partition order holds on the wire, and their answers are handled in that
 * order too.
 *
 * Whether a head batch may go is decided per partition: a batch that came back
 * for a retry goes alone, once nothing of its partition is in flight, and new
 * batches do not follow a retry out; for an idempotent batch the
 * TransactionManager decides the rest (producer id, epoch, sequences: see
 * idempotence/transaction-manager.ts). Every batch, queued or in flight, is
 * bounded by its delivery timeout: one in flight past it fails its sends at
 * once and stays in its partition's bookkeeping until its answer comes.
 */
import { type Cluster } from '../../client/cluster.js';
import { type Logger } from '../../client/logger.js';
import { type MetadataRefresher } from '../../client/metadata-refresher.js';
import { type RequestVersions } from '../../network/api-versions.js';
import { type Connection } from '../../network/connection.js';
import { ProduceRequest } from '../../protocol/generated/produce-request.js';
import { ProduceResponse } from '../../protocol/generated/produce-response.js';
import { type ProducerBatch } from '../accumulator/producer-batch.js';
import { type PartitionQueue, type RecordAccumulator } from '../accumulator/record-accumulator.js';
import { type TransactionManager } from '../idempotence/transaction-manager.js';
import { type ProducerMetrics } from '../metrics.js';
import { type ResolvedProducerConfig } from '../producer-config.js';
import { ProduceAnswers } from './produce-answers.js';

const ignore = (): void => undefined;

/**
 * Produce as #write speaks it. Min 3: record batch v2 and transactionalId start at v3;
 * max 10: currentLeader and nodeEndpoints (KIP-951) are read from v10; v11 adds only
 * TRANSACTION_ABORTABLE (KIP-890), which nothing here handles yet.
 */
const PRODUCE_VERSIONS: RequestVersions = Object.freeze({ min: 3, max: 10 });

/** Per broker: requests outstanding, and the chains that keep their writes and their answers in drain order. */
interface Sink {
  inFlight: number;
  /** Requests drained and not yet written (waiting for compression or a connection). */
  writing: number;
  chain: Promise<void>;
  answers: Promise<void>;
}

export class Sender {
  readonly #sinks = new Map<number, Sink>();
  #scheduled = false;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  /** >0 while disconnect() wants everything sent without waiting for linger. */
  #urgent = 0;
  readonly #answers: ProduceAnswers;

  constructor(
    readonly cluster: Cluster,
    readonly accumulator: RecordAccumulator,
    readonly config: ResolvedProducerConfig,
    readonly tm: TransactionManager,
    readonly metadata: MetadataRefresher,
    readonly metrics: ProducerMetrics,
    readonly logger: Logger,
  ) {
    this.#answers = new ProduceAnswers(this, cluster, accumulator, config, tm, metadata, metrics, logger);
  }

  /** Produce requests drained and not yet answered, over every broker. */
  get requestsInFlight(): number {
    let n = 0;
    for (const sink of this.#sinks.values()) n += sink.inFlight;
    return n;
  }

  /** Look for ready batches soon (coalesced: many appends in one tick cause one drain). */
  wake(): void {
    if (this.#scheduled || this.#aborted) return;
    this.#scheduled = true;
    setImmediate(this.#woken);
  }

  // Created once: an arrow inside wake() would cost a context allocation on every call, scheduled or not.
  readonly #woken = (): void => {
    this.#scheduled = false;
    this.#drain();
  };

  /** Send everything now, ignoring linger, until `until` settles. */
  async urgently<T>(until: () => Promise<T>): Promise<T> {
    this.#urgent++;
    this.wake();
    try {
      return await until();
    } finally {
      this.#urgent--;
    }
  }

  /** Stop timers (the producer is closed; nothing is pending). */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.metadata.stop();
  }

  /** Set once the producer gave up on what is pending (disconnect timed out): nothing is sent again until `resume()`. */
  #aborted: Error | null = null;

  /** Leave the aborted state (the producer connects again). */
  resume(): void {
    this.#aborted = null;
    this.metadata.resume();
  }

  /**
   * Terminal: fail every batch still queued or in flight with `error`, send
   * nothing more, and ignore answers that arrive later. Used when disconnect()
   * gives up waiting; an in-flight batch may still have been stored.
   */
  abort(error: Error): void {
    this.#aborted = error;
    this.stop();
    for (const q of this.accumulator.partitions.values()) {
      for (const b of [...q.state.inFlight, ...q.queued]) this.#answers.fail(b, error);
      q.state.inFlight.length = 0;
      q.queued.length = 0;
    }
  }

  /** Wake at `at` (a linger, backoff or delivery deadline) unless a wake-up is due sooner. */
  wakeAt(at: number): void {
    if (at >= this.#timerAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(this.#timerFired, Math.max(0, at - Date.now()));
  }

  readonly #timerFired = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#drain();
  };

  /**
   * Called by `send` when it filled a batch: send full batches now, within the
   * caller's synchronous run of sends, so the broker works on them while the caller
   * is still appending (a Node producer has no sender thread). Only a broker whose
   * every partition with records has a full batch at its head is drained here (one
   * request then carries a full batch per partition, not one full batch and the
   * slivers of the rest); anything else is left to the scheduled drain.
   */
  drainFull(): void {
    if (this.#aborted || this.#urgent > 0) return;
    this.#drain(true);
  }

  #drain(fullOnly = false): void {
    if (this.#aborted) return;
    const now = Date.now();
    const metadata = this.cluster.metadata;
    const byNode = new Map<number, ProducerBatch[]>();
    const readyNodes = new Set<number>();
    const notReady = new Set<number>();
    let needMetadata = false;
    let nextDeadline = Infinity;
    const fatal = this.tm.fatalError;
    for (const q of this.accumulator.partitions.values()) {
      const inFlight = q.state.inFlight;
      for (let i = 0; i < inFlight.length; i++) {
        const b = inFlight[i]!;
        if (b.state === 'done') continue;
        if (b.deadline <= now) this.#answers.expireInFlight(b);
        else if (b.deadline < nextDeadline) nextDeadline = b.deadline;
      }
      const head = q.queued[0];
      if (!head) continue;
      if (now >= head.deadline) {
        this.#answers.expireQueued(q, now);
        continue;
      }
      if (head.deadline < nextDeadline) nextDeadline = head.deadline;
      if (fatal !== null && this.#idempotent(head)) {
        this.#answers.failQueued(q, fatal);
        continue;
      }
      if (!this.#mayDrain(q, head, now)) continue;
      const full = head.state === 'closed' || q.queued.length > 1;
      const ready = full || this.#urgent > 0 || now - head.createdAt >= this.config.lingerMs;
      if (!ready) this.wakeAt(head.createdAt + this.config.lingerMs);
      const leader = metadata?.partition(q.topic, q.partition)?.leaderId ?? -1;
      if (leader < 0) {
        // Its records wait here until a leader is known; the others go on.
        if (ready) needMetadata = true;
        continue;
      }
      const sink = this.#sink(leader);
      if (sink.inFlight >= this.config.maxInFlightRequests) continue;
      let list = byNode.get(leader);
      if (!list) byNode.set(leader, (list = []));
      list.push(head);
      if (fullOnly ? !full : !ready) notReady.add(leader);
      else readyNodes.add(leader);
    }
    if (nextDeadline < Infinity) this.wakeAt(nextDeadline);
    if (fullOnly) {
      // Only brokers whose heads are all full, and only when it can be written now.
      for (const nodeId of notReady) byNode.delete(nodeId);
      for (const [nodeId, heads] of byNode) if (!this.#writableNow(nodeId, heads)) byNode.delete(nodeId);
    } else if (needMetadata) {
      this.metadata.request();
    } else {
      this.metadata.satisfied();
      this.metadata.maybeExpired(now);
    }
    // A broker with one ready partition takes the head batch of every partition it
    // leads, lingering or not (Java's RecordAccumulator.drain, franz-go's sink):
    // partitions whose lingers end a millisecond apart share one request.
    let sent = false;
    for (const [nodeId, heads] of byNode) {
      if (!readyNodes.has(nodeId)) continue;
      this.#sendTo(nodeId, heads, now);
      sent = true;
    }
    // A request takes one batch per partition: the batches queued behind them (a
    // partition with several full batches, or past maxRequestSize) go in the next
    // requests at once, up to maxInFlightRequests, not when some answer comes back.
    if (sent) this.wake();
  }

  #idempotent(b: ProducerBatch): boolean {
    // Only acks=-1 batches carry the producer id: a per-send acks 0/1 on a producer that is
    // idempotent by default goes without it (Java's KIP-679: conflicting acks disable idempotence).
    return b.acks === -1 && this.tm.enabled;
  }

  /**
   * Whether a partition's head batch may go now. A retry goes alone, once nothing of
   * its partition is in flight, so retries reach the broker in order (and, when
   * idempotent, within its memory of the last 5 batches per partition); new batches
   * do not follow a retry out while it is in flight: were its answer lost again,
   * they could push it out of that memory, and its next retry would be refused
   * although the broker stored it.
   */
  #mayDrain(q: PartitionQueue, head: ProducerBatch, now: number): boolean {
    if (head.retryAt > now) {
      if (head.retryAt < Infinity) this.wakeAt(head.retryAt);
      return false;
    }
    if (head.attempts > 0 ? q.state.inFlight.length > 0 : q.state.retryInFlight) return false;
    return !this.#idempotent(head) || this.tm.mayDrain(q, head);
  }

  #sink(nodeId: number): Sink {
    let sink = this.#sinks.get(nodeId);
    if (!sink) this.#sinks.set(nodeId, (sink = { inFlight: 0, writing: 0, chain: Promise.resolve(), answers: Promise.resolve() }));
    return sink;
  }

  /** Take the ready heads for one broker into Produce requests (one per acks value), within maxRequestSize. */
  #sendTo(nodeId: number, heads: ProducerBatch[], now: number): void {
    const sink = this.#sink(nodeId);
    const byAcks = new Map<number, ProducerBatch[]>();
    for (const b of heads) {
      let list = byAcks.get(b.acks);
      if (!list) byAcks.set(b.acks, (list = []));
      list.push(b);
    }
    for (const [acks, batches] of byAcks) {
      if (sink.inFlight >= this.config.maxInFlightRequests) break;
      const taken: ProducerBatch[] = [];
      let bytes = 0;
      for (const b of batches) {
        if (taken.length > 0 && bytes + b.sizeInBytes > this.config.maxRequestSize) break;
        bytes += b.sizeInBytes;
        taken.push(b);
        const q = b.queue;
        q.queued.shift();
        q.state.sent(b);
        b.state = 'in-flight';
        b.sentOn = null;
        b.attempts++;
        if (this.#idempotent(b)) this.tm.assign(b);
      }
      sink.inFlight++;
      // Writes to one broker happen in drain order even when compression makes encoding
      // async: a request is written at once only when no earlier one is still waiting.
      let written: Promise<{ answer: Promise<unknown> }>;
      const connection = this.#writableNow(nodeId, taken);
      if (connection) {
        const answer = this.#write(connection, acks as -1 | 0 | 1, taken, taken.map((b) => b.encodeNow()!));
        written = Promise.resolve({ answer });
      } else {
        sink.writing++;
        written = sink.chain.then(() => this.#produce(nodeId, acks as -1 | 0 | 1, taken));
        sink.chain = written.then(
          () => void sink.writing--,
          () => void sink.writing--,
        );
      }
      // Answers are handled in the order the requests were written (Java's NetworkClient and
      // franz-go do the same), and a request keeps its in-flight slot until then. So when one
      // answer is lost (its request times out while later ones are answered), at most
      // maxInFlightRequests - 1 later batches reach the broker before the lost one is retried,
      // and the retry still falls within the broker's memory of the last 5 batches per
      // partition, which answers it as a duplicate instead of OUT_OF_ORDER_SEQUENCE_NUMBER.
      sink.answers = sink.answers
        .then(() => written.then(({ answer }) => answer))
        .then(
          (response) => {
            sink.inFlight--;
            this.metrics.requestLatency(Date.now() - now);
            this.#answers.answered(acks as -1 | 0 | 1, taken, response as ProduceResponse | undefined);
            this.wake();
          },
          (e: unknown) => {
            sink.inFlight--;
            this.#answers.failedRequest(taken, e);
            this.wake();
          },
        )
        .catch((e: unknown) => this.logger.error('handling a Produce answer failed', { error: e instanceof Error ? e.message : String(e) }));
    }
  }

  /**
   * The connection to write a request of `batches` to `nodeId` on synchronously, or
   * undefined when it cannot be: an earlier request to it is still waiting to be
   * written, its connection is not ready, or a batch is still being compressed.
   */
  #writableNow(nodeId: number, batches: readonly ProducerBatch[]): Connection | undefined {
    if (this.#sink(nodeId).writing > 0) return undefined;
    for (const b of batches) if (b.bytes === null && b.compression !== 0) return undefined;
    return this.cluster.readyConnectionFor(nodeId);
  }

  /**
   * Encode the batches and write one Produce request. Resolves once it is
   * written, with its answer wrapped, so the write chain never waits for answers.
   */
  async #produce(nodeId: number, acks: -1 | 0 | 1, batches: ProducerBatch[]): Promise<{ answer: Promise<unknown> }> {
    // Build every batch of the request at once: compressions run side by side on the thread pool.
    const encoded = await Promise.all(batches.map((b) => b.encode()));
    // Aborted while encoding: do not open a connection the producer just closed.
    if (this.#aborted) throw this.#aborted;
    const connection: Connection = await this.cluster.connectionFor(nodeId);
    if (this.#aborted) throw this.#aborted;
    return { answer: this.#write(connection, acks, batches, encoded) };
  }

  /** Write one Produce request of encoded batches; returns its answer. */
  #write(connection: Connection, acks: -1 | 0 | 1, batches: readonly ProducerBatch[], encoded: readonly Buffer[]): Promise<unknown> {
    const topics = new Map<string, { index: number; records: Buffer }[]>();
    for (let i = 0; i < batches.length; i++) {
      const b = batches[i]!;
      b.sentOn = connection;
      let list = topics.get(b.topic);
      if (!list) topics.set(b.topic, (list = []));
      list.push({ index: b.partition, records: encoded[i]! });
    }
    const body = { transactionalId: null, acks, timeoutMs: this.config.timeout, topicData: [...topics].map(([name, partitionData]) => ({ name, partitionData })) };
    const answer = connection.send(ProduceRequest, ProduceResponse, body, { expectResponse: acks !== 0, versions: PRODUCE_VERSIONS });
    // Handled in order by the answers chain; until then a rejection must not count as unhandled.
    answer.catch(ignore);
    return answer;
  }
}
