/**
 * The sender: drains ready batches, one Produce request per leader broker, and
 * handles the answers.
 *
 * A partition's head batch is ready when it is full, when a newer batch is
 * queued behind it, when `lingerMs` has passed since its first record, or when
 * the producer flushes or closes. When one partition of a broker is ready,
 * every partition of that broker with records rides in the same request,
 * lingering or not, as in Java and franz-go (one batch per partition, up to
 * `maxRequestSize`). At most `maxInFlightRequests`
 * requests are outstanding per broker; requests to one broker are written in
 * the order they were drained, so per-partition order holds on the wire, and
 * their answers are handled in that order too.
 *
 * Idempotence (KIP-98, KIP-360): sequences are assigned when a batch is first
 * drained and kept across retries. A batch that fails with a retriable error
 * goes back into its queue in sequence order, and the partition sends nothing
 * new until its in-flight batches have all come back and every retried batch
 * is acknowledged, one at a time, so retries reach the broker in order and
 * within its memory of the last 5 batches per partition; the broker answers a
 * batch it already has with its original offset. Until the broker has
 * acknowledged one batch of a partition from the current producer id and epoch,
 * that partition has one batch in flight (see #drain). A batch whose outcome is
 * unknown is retried until its delivery timeout, never failed before; when one
 * does fail with an unknown outcome, the epoch is bumped and sequences restart
 * at 0.
 */
import { type Cluster } from '../../client/cluster.js';
import { KafkaJSDeliveryTimeoutError, KafkaJSNumberOfRetriesExceeded, KafkaJSNonRetriableError } from '../../errors/errors.js';
import { createErrorFromCode } from '../../errors/protocol-errors.js';
import { type Logger } from '../../client/logger.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ProduceRequest } from '../../protocol/generated/produce-request.js';
import { ProduceResponse } from '../../protocol/generated/produce-response.js';
import { decodeRecordBatches } from '../../protocol/records/record-batch.js';
import { type Connection } from '../../network/connection.js';
import { isRetriable, retryBackoff } from '../../retry/retrier.js';
import { type ProducerBatch } from '../accumulator/producer-batch.js';
import { type PartitionQueue, type RecordAccumulator } from '../accumulator/record-accumulator.js';
import { type ResolvedProducerConfig } from '../producer-config.js';
import { type ProducerIdentity } from '../idempotence/producer-identity.js';
import { type ProducerMetrics } from '../metrics.js';

const ignore = (): void => undefined;

/** Kafka errors after which the leader may have moved: refresh metadata before retrying. */
const METADATA_ERRORS = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
]);

/** Errors for a batch too large for the topic: a batch of several records is split and resent, not failed. */
const TOO_LARGE = new Set<number>([ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.RECORD_LIST_TOO_LARGE]);

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
  /** >0 while flush() or close() wants everything sent without waiting for linger. */
  #urgent = 0;
  #metadataRefresh: Promise<unknown> | undefined;

  constructor(
    readonly cluster: Cluster,
    readonly accumulator: RecordAccumulator,
    readonly config: ResolvedProducerConfig,
    readonly identity: ProducerIdentity,
    readonly metrics: ProducerMetrics,
    readonly logger: Logger,
  ) {}

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
  }

  /** Set once the producer gave up on what is pending (disconnect timed out): nothing is sent again until `resume()`. */
  #aborted: Error | null = null;

  /** Leave the aborted state (the producer connects again). */
  resume(): void {
    this.#aborted = null;
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
      for (const b of [...q.inFlight, ...q.queued]) this.#fail(b, error);
    }
  }

  #wakeAt(at: number): void {
    if (at >= this.#timerAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#drain();
    }, Math.max(0, at - Date.now()));
  }

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
    for (const q of this.accumulator.partitions.values()) {
      const head = q.queued[0];
      if (!head) continue;
      if (now >= head.deadline) {
        this.#expire(q, now);
        continue;
      }
      if (q.retrying && q.inFlight.length > 0) continue;
      if (head.acks === -1 && this.identity.needsNewId) {
        // The epoch is exhausted: nothing idempotent goes out until a new producer id comes.
        this.#renewProducerId();
        continue;
      }
      // A broker holding no state for this producer id on a partition (nothing stored yet, or
      // lost) takes any sequence as the first there (KIP-360). So, until it has acknowledged a
      // batch of the partition in this epoch, one at a time: were a batch behind the first
      // stored before it (the first refused as too large and split, say), the first could
      // never be stored in this epoch.
      if (q.inFlight.length > 0 && head.acks === -1 && this.identity.enabled && !this.identity.acknowledgedOn(q)) continue;
      if (head.retryAt > now) {
        this.#wakeAt(head.retryAt);
        continue;
      }
      const full = head.state === 'closed' || q.queued.length > 1;
      const ready = full || this.#urgent > 0 || now - head.createdAt >= this.config.lingerMs;
      if (!ready) this.#wakeAt(head.createdAt + this.config.lingerMs);
      const leader = metadata?.partition(q.topic, q.partition)?.leaderId ?? -1;
      if (leader < 0) {
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
    if (fullOnly) {
      // Only brokers whose heads are all full, and only when it can be written now.
      for (const nodeId of notReady) byNode.delete(nodeId);
      for (const [nodeId, heads] of byNode) if (!this.#writableNow(nodeId, heads)) byNode.delete(nodeId);
    }
    if (needMetadata) this.#refreshMetadata();
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

  #sink(nodeId: number): Sink {
    let sink = this.#sinks.get(nodeId);
    if (!sink) this.#sinks.set(nodeId, (sink = { inFlight: 0, writing: 0, chain: Promise.resolve(), answers: Promise.resolve() }));
    return sink;
  }

  #renewingProducerId: Promise<void> | undefined;

  /**
   * Ask for a new producer id (epoch 0) once the epoch is exhausted, as Java's
   * `resetIdempotentProducerId`; a failed attempt is retried by the next drain.
   */
  #renewProducerId(): void {
    if (this.#renewingProducerId || this.#aborted) return;
    this.logger.info('producer epoch exhausted: asking for a new producer id', { producerId: this.identity.producerId, producerEpoch: this.identity.producerEpoch });
    this.#renewingProducerId = this.identity
      .init(this.cluster)
      .catch((e: unknown) => this.logger.warn('InitProducerId failed', { error: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        this.#renewingProducerId = undefined;
        this.#wakeAt(Date.now() + (this.identity.needsNewId ? this.config.retry.initialRetryTime : 0));
      });
  }

  #refreshMetadata(): void {
    if (this.#metadataRefresh || this.#aborted) return;
    const topics = [...new Set([...this.accumulator.partitions.values()].filter((q) => q.queued.length > 0).map((q) => q.topic))];
    this.cluster.markStale();
    this.#metadataRefresh = this.cluster
      .refreshMetadataIfNeeded(topics)
      .catch((e: unknown) => this.logger.warn('metadata refresh failed', { error: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        this.#metadataRefresh = undefined;
        // Retry soon, with a little backoff so an unavailable cluster is not hammered.
        this.#wakeAt(Date.now() + Math.min(this.config.retry.initialRetryTime, 100));
      });
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
        q.inFlight.push(b);
        b.state = 'in-flight';
        b.attempts++;
        // Only acks=-1 batches carry the producer id: a per-send acks 0/1 on a producer that is
        // idempotent by default goes without it (Java's KIP-679: conflicting acks disable idempotence).
        if (this.identity.enabled && b.acks === -1) this.identity.assignSequence(b, q);
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
          (response) => this.#answered(sink, acks as -1 | 0 | 1, taken, now, response),
          (e: unknown) => {
            sink.inFlight--;
            this.#failedRequest(taken, e);
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
      let list = topics.get(b.topic);
      if (!list) topics.set(b.topic, (list = []));
      list.push({ index: b.partition, records: encoded[i]! });
    }
    const body = { transactionalId: null, acks, timeoutMs: this.config.timeout, topicData: [...topics].map(([name, partitionData]) => ({ name, partitionData })) };
    const answer = connection.send(ProduceRequest, ProduceResponse, body, { expectResponse: acks !== 0 });
    // Handled in order by the answers chain; until then a rejection must not count as unhandled.
    answer.catch(ignore);
    return answer;
  }

  #answered(sink: Sink, acks: -1 | 0 | 1, batches: ProducerBatch[], drainedAt: number, response: unknown): void {
    sink.inFlight--;
    this.metrics.requestLatency(Date.now() - drainedAt);
    if (acks === 0) {
      for (const b of batches) this.#succeed(b, -1, -1, -1);
    } else {
      this.#handleResponse(batches, response as ProduceResponse);
    }
    this.wake();
  }

  #handleResponse(batches: ProducerBatch[], response: ProduceResponse): void {
    let staleLeaders = false;
    const results = new Map<string, ProduceResponse['responses'][number]['partitionResponses'][number]>();
    for (const t of response.responses) for (const p of t.partitionResponses) results.set(`${t.name}\u0000${p.index}`, p);
    for (const b of batches) {
      const r = results.get(`${b.topic}\u0000${b.partition}`);
      if (!r) {
        this.#retryOrFail(b, new KafkaJSNonRetriableError(`the Produce response has no result for ${b.topic}-${b.partition}`), false);
        continue;
      }
      if (r.errorCode === ErrorCode.NONE) {
        this.#succeed(b, Number(r.baseOffset), Number(r.logAppendTimeMs), Number(r.logStartOffset));
      } else if (r.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
        // The broker already has it (Java treats this as success, offsets unknown).
        this.#succeed(b, -1, -1, -1);
      } else {
        const error = createErrorFromCode(r.errorCode, r.errorMessage ?? `${b.topic}-${b.partition}`);
        if (TOO_LARGE.has(r.errorCode) && b.recordCount > 1 && b.bytes !== null) this.#split(b, error);
        else this.#retryOrFail(b, error, true);
        // The leader may have moved: learn where before the retry goes out (Java's metadata.requestUpdate()).
        if (METADATA_ERRORS.has(r.errorCode)) staleLeaders = true;
      }
    }
    if (staleLeaders) this.#refreshMetadata();
  }

  /** The whole request failed (connection lost, timeout, encoding): the outcome of every batch is unknown. */
  #failedRequest(batches: ProducerBatch[], e: unknown): void {
    const error = e instanceof Error ? e : new Error(String(e));
    for (const b of batches) this.#retryOrFail(b, error, true);
    // The broker may be gone and its partitions led elsewhere now.
    this.#refreshMetadata();
  }

  #succeed(b: ProducerBatch, baseOffset: number, logAppendTime: number, logStartOffset: number): void {
    if (b.state === 'done') return; // failed by abort() before its answer came
    const q = b.queue;
    const i = q.inFlight.indexOf(b);
    if (i >= 0) q.inFlight.splice(i, 1);
    this.#endRetryingIfSettled(q);
    this.identity.acknowledged(b);
    this.metrics.batchSent(b);
    b.complete(baseOffset, logAppendTime, logStartOffset, ErrorCode.NONE);
    this.accumulator.release(b);
  }

  #fail(b: ProducerBatch, error: Error): void {
    if (b.state === 'done') return;
    const q = b.queue;
    const i = q.inFlight.indexOf(b);
    if (i >= 0) q.inFlight.splice(i, 1);
    const j = q.queued.indexOf(b);
    if (j >= 0) q.queued.splice(j, 1);
    this.#endRetryingIfSettled(q);
    this.metrics.batchFailed(b);
    b.fail(error);
    this.accumulator.release(b);
  }

  /**
   * Let the partition send new batches again once nothing sent before is
   * unresolved: no batch in flight, and no retried batch at the head of the
   * queue. Were it cleared as soon as the in-flight list empties, new batches
   * would follow a retry out while it is in flight; if that retry's answer is
   * lost too, they push it out of the broker's memory of the last 5 batches of
   * the partition, and its next retry fails with OUT_OF_ORDER_SEQUENCE_NUMBER
   * although the broker stored it.
   */
  #endRetryingIfSettled(q: PartitionQueue): void {
    if (q.inFlight.length === 0 && !(q.queued[0] && q.queued[0].attempts > 0)) q.retrying = false;
  }

  /**
   * A batch came back with an error. Retry it if the error is retriable and the
   * batch still has time (and, without idempotence, retries left); else fail it.
   * `outcomeUnknown`: the broker may have stored it (network error, timeout).
   */
  #retryOrFail(b: ProducerBatch, error: Error, outcomeUnknown: boolean): void {
    if (b.state === 'done') return; // failed by abort() before its answer came
    const q = b.queue;
    const now = Date.now();
    const code = (error as { code?: number }).code;
    const sequenceTrouble = code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || code === ErrorCode.UNKNOWN_PRODUCER_ID;
    if (b.producerId >= 0 && sequenceTrouble && !q.retrying) {
      // No earlier batch of this partition is being retried, so the broker lost our
      // state (or never had it): bump the epoch and resend with fresh sequences (KIP-360).
      this.identity.bumpEpoch(this.accumulator);
    }
    const retriable = isRetriable(error) || sequenceTrouble;
    if (!retriable) {
      this.#fail(b, error);
      return;
    }
    const unknownOutcome = outcomeUnknown && !sequenceTrouble;
    b.lastError = error;
    if (now >= b.deadline) {
      this.#fail(b, new KafkaJSDeliveryTimeoutError({ deliveryTimeoutMs: this.config.deliveryTimeoutMs, retryCount: b.attempts - 1, cause: error }));
      // The broker may hold that batch: the sequences after it can no longer be trusted.
      if (b.producerId >= 0 && unknownOutcome) this.identity.bumpEpoch(this.accumulator);
      return;
    }
    if (b.producerId < 0 && b.attempts > this.config.retry.retries) {
      this.#fail(b, new KafkaJSNumberOfRetriesExceeded(error, { retryCount: b.attempts - 1, retryTime: 0 }));
      return;
    }
    this.metrics.retried();
    q.requeue(b);
    q.retrying = true;
    b.retryAt = now + retryBackoff(this.config.retry, b.attempts);
    this.logger.debug('retrying batch', { topic: b.topic, partition: b.partition, attempt: b.attempts, error: error.message });
  }

  /**
   * The broker refused a batch of several records as too large: put it back at its
   * place, held (the partition sends nothing new meanwhile, as for a retry), decode
   * its records, and replace it by its two halves (ProducerBatch.split), which keep
   * its sequences. Only a single record too large for the topic fails. Batches
   * in flight behind it come back OUT_OF_ORDER_SEQUENCE_NUMBER and are retried
   * after the halves, in sequence order.
   */
  #split(b: ProducerBatch, error: Error): void {
    const q = b.queue;
    q.requeue(b);
    q.retrying = true;
    b.lastError = error;
    b.retryAt = Infinity;
    this.metrics.split();
    this.logger.info('splitting a batch the broker refused as too large', { topic: b.topic, partition: b.partition, records: b.recordCount, bytes: b.bytes!.length, error: error.message });
    decodeRecordBatches(b.bytes!).then(
      ([decoded]) => {
        // Expired or aborted while decoding: already failed.
        if (b.state === 'done') return;
        const halves = b.split(decoded!.records);
        q.queued.splice(q.queued.indexOf(b), 1, ...halves);
        this.accumulator.unfinished++;
        this.wake();
      },
      (e: unknown) => {
        this.logger.error('cannot decode a batch to split it', { topic: b.topic, partition: b.partition, error: e instanceof Error ? e.message : String(e) });
        this.#fail(b, error);
        this.wake();
      },
    );
  }

  /** Fail batches whose delivery timeout passed while queued (never sent, or waiting to be retried). */
  #expire(q: PartitionQueue, now: number): void {
    while (q.queued.length > 0 && q.queued[0]!.deadline <= now) {
      const b = q.queued[0]!;
      this.#fail(b, new KafkaJSDeliveryTimeoutError({ deliveryTimeoutMs: this.config.deliveryTimeoutMs, retryCount: Math.max(0, b.attempts - 1), cause: b.lastError ?? undefined }));
      // A batch sent before may be stored: sequences after it can no longer be trusted.
      if (b.producerId >= 0 && b.attempts > 0) this.identity.bumpEpoch(this.accumulator);
    }
    if (q.queued.length > 0) this.wake();
  }
}
