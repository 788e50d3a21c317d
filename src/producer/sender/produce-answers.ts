/**
 * What becomes of a batch once it was sent: the sender hands every Produce
 * answer (or a request's failure) here, in the order the requests were written.
 *
 * Per batch, the answer is first told to the TransactionManager (sequences,
 * epochs), then to the batch's send calls, unless they were already settled by
 * the delivery timeout while the batch was in flight:
 * - stored (or DUPLICATE_SEQUENCE_NUMBER: stored before): the calls learn their offsets;
 * - a batch of several records refused as too large: split in halves and resent;
 * - a retriable error, or no answer at all (the broker may have stored it): put
 *   back at its place for a retry, after a backoff, until its delivery timeout
 *   (or, without idempotence, the retry count);
 * - anything else: failed.
 * A leader error or a lost connection asks for fresh metadata; a Produce v10+
 * answer that names the new leader (KIP-951) is applied at once instead.
 */
import { type Cluster } from '../../client/cluster.js';
import { type Logger } from '../../client/logger.js';
import { type LeaderHint } from '../../client/metadata-cache.js';
import { type MetadataRefresher } from '../../client/metadata-refresher.js';
import { KafkaJSDeliveryTimeoutError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } from '../../errors/errors.js';
import { createErrorFromCode } from '../../errors/protocol-errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { type ProduceResponse } from '../../protocol/generated/produce-response.js';
import { decodeRecordBatches } from '../../protocol/records/record-batch.js';
import { isRetriable, retryBackoff } from '../../retry/retrier.js';
import { type ProducerBatch } from '../accumulator/producer-batch.js';
import { type PartitionQueue, type RecordAccumulator } from '../accumulator/record-accumulator.js';
import { type TransactionManager } from '../idempotence/transaction-manager.js';
import { type ProducerMetrics } from '../metrics.js';
import { type ResolvedProducerConfig } from '../producer-config.js';
import { type Sender } from './sender.js';

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

/** The broker says these batches are not stored, but the producer's sequences are off: retried after the TransactionManager has its say. */
const SEQUENCE_ERRORS = new Set<number>([ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, ErrorCode.UNKNOWN_PRODUCER_ID]);

type PartitionResponse = ProduceResponse['responses'][number]['partitionResponses'][number];

export class ProduceAnswers {
  constructor(
    readonly sender: Sender,
    readonly cluster: Cluster,
    readonly accumulator: RecordAccumulator,
    readonly config: ResolvedProducerConfig,
    readonly tm: TransactionManager,
    readonly metadata: MetadataRefresher,
    readonly metrics: ProducerMetrics,
    readonly logger: Logger,
  ) {}

  /** A request's answer (undefined for acks=0, which has none). */
  answered(acks: -1 | 0 | 1, batches: ProducerBatch[], response: ProduceResponse | undefined): void {
    if (acks === 0 || response === undefined) {
      for (const b of batches) if (b.queue.state.returned(b)) this.#stored(b, -1, -1, -1);
      return;
    }
    // Leader errors; and of them, those whose answer named the new leader (KIP-951, Produce v10+).
    let staleLeaders = 0;
    const hints: LeaderHint[] = [];
    const results = new Map<string, PartitionResponse>();
    for (const t of response.responses) for (const p of t.partitionResponses) results.set(`${t.name}\u0000${p.index}`, p);
    for (const b of batches) {
      // Not in flight any more: failed by abort() before its answer came.
      if (!b.queue.state.returned(b)) continue;
      const r = results.get(`${b.topic}\u0000${b.partition}`);
      if (!r) {
        this.#giveUp(b, new KafkaJSNonRetriableError(`the Produce response has no result for ${b.topic}-${b.partition}`));
        continue;
      }
      const code = r.errorCode;
      if (code === ErrorCode.NONE) {
        this.#stored(b, Number(r.baseOffset), Number(r.logAppendTimeMs), Number(r.logStartOffset));
        continue;
      }
      if (code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
        // The broker already has it (Java treats this as success, offsets unknown).
        this.#stored(b, -1, -1, -1);
        continue;
      }
      const error = createErrorFromCode(code, r.errorMessage ?? `${b.topic}-${b.partition}`);
      if (METADATA_ERRORS.has(code)) {
        staleLeaders++;
        const leader = r.currentLeader;
        if (leader !== undefined && leader.leaderId >= 0) hints.push({ topic: b.topic, partition: b.partition, leaderId: leader.leaderId, leaderEpoch: leader.leaderEpoch });
      }
      if (this.tm.fatalProduceError(code, error) !== null) this.#giveUp(b, error);
      else if (TOO_LARGE.has(code) && b.recordCount > 1 && b.bytes !== null && b.state !== 'done') this.#split(b, error);
      else if (SEQUENCE_ERRORS.has(code) && b.identity !== null) {
        this.tm.sequenceError(b);
        this.#retry(b, error);
      } else if (isRetriable(error)) this.#retry(b, error);
      else this.#giveUp(b, error);
    }
    // The leader may have moved: learn where before the retry goes out (Java's metadata.requestUpdate()),
    // unless the answer named every new leader and how to reach it.
    if (staleLeaders > 0) {
      const nodes = response.nodeEndpoints.map((n) => ({ nodeId: n.nodeId, host: n.host, port: n.port, rack: n.rack }));
      if (hints.length < staleLeaders || !this.cluster.applyLeaderHints(hints, nodes)) this.metadata.request();
    }
  }

  /** The whole request failed (connection lost, timeout, encoding): the outcome of every batch is unknown. */
  failedRequest(batches: ProducerBatch[], e: unknown): void {
    const error = e instanceof Error ? e : new Error(String(e));
    for (const b of batches) {
      if (!b.queue.state.returned(b)) continue;
      b.mayBeStored = true;
      this.#retry(b, error);
    }
    // The broker may be gone and its partitions led elsewhere now.
    this.metadata.request();
  }

  /** The broker has `b`: tell the TransactionManager, then its send calls (unless the timeout already did). */
  #stored(b: ProducerBatch, baseOffset: number, logAppendTime: number, logStartOffset: number): void {
    this.tm.acknowledged(b);
    if (b.state === 'done') return;
    this.metrics.batchSent(b);
    b.complete(baseOffset, logAppendTime, logStartOffset, ErrorCode.NONE);
    this.accumulator.release(b);
  }

  /** Fail `b`'s send calls with `error` (once) and give its memory back; bookkeeping stays with the caller. */
  fail(b: ProducerBatch, error: Error): void {
    if (b.state === 'done') return;
    this.metrics.batchFailed(b);
    b.fail(error);
    this.accumulator.release(b);
  }

  /** `b` will never be sent again: fail its calls and tell the TransactionManager what the broker may hold. */
  #giveUp(b: ProducerBatch, error: Error): void {
    this.fail(b, error);
    this.tm.gaveUp(b);
  }

  /**
   * `b` came back without being stored, or without an answer: put it back at its
   * place for another attempt if it still may have one, else give up on it.
   */
  #retry(b: ProducerBatch, error: Error): void {
    b.lastError = error;
    // Its calls were failed by the delivery timeout while it was in flight: it is not sent again.
    if (b.state === 'done') {
      this.tm.gaveUp(b);
      return;
    }
    const now = Date.now();
    if (now >= b.deadline) {
      this.#giveUp(b, deliveryTimeout(b, this.config.deliveryTimeoutMs));
      return;
    }
    // An idempotent batch is retried until its delivery timeout only: giving up earlier
    // on an unknown outcome would cost an epoch bump for nothing.
    if (b.identity === null && b.attempts > this.config.retry.retries) {
      this.#giveUp(b, new KafkaJSNumberOfRetriesExceeded(error, { retryCount: b.attempts - 1, retryTime: 0 }));
      return;
    }
    this.metrics.retried();
    b.queue.requeue(b);
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
        this.sender.wake();
      },
      (e: unknown) => {
        this.logger.error('cannot decode a batch to split it', { topic: b.topic, partition: b.partition, error: e instanceof Error ? e.message : String(e) });
        const i = q.queued.indexOf(b);
        if (i >= 0) q.queued.splice(i, 1);
        this.#giveUp(b, error);
        this.sender.wake();
      },
    );
  }

  /**
   * An in-flight batch's delivery timeout passed: its send calls fail now, and its
   * memory is given back; it stays in flight for the TransactionManager until its
   * answer tells what became of it. Its request is given up on too (its connection
   * is closed, as a request timeout would in Java, where delivery.timeout.ms is at
   * least request.timeout.ms): a broker gone silent, with enforceRequestTimeout
   * false or a request timeout longer than the delivery timeout, would otherwise
   * never answer, and the partition could never go on.
   */
  expireInFlight(b: ProducerBatch): void {
    this.fail(b, deliveryTimeout(b, this.config.deliveryTimeoutMs));
    b.sentOn?.abandon(`a Produce request to ${b.topic}-${b.partition} passed its delivery timeout (${this.config.deliveryTimeoutMs} ms) unanswered`);
  }

  /** Fail the queued batches whose delivery timeout passed (never sent, or waiting to be retried). */
  expireQueued(q: PartitionQueue, now: number): void {
    while (q.queued.length > 0 && q.queued[0]!.deadline <= now) {
      const b = q.queued.shift()!;
      this.#giveUp(b, deliveryTimeout(b, this.config.deliveryTimeoutMs));
    }
    if (q.queued.length > 0) this.sender.wake();
  }

  /** The producer hit a fatal error: fail every queued batch of the partition with it. */
  failQueued(q: PartitionQueue, error: Error): void {
    for (const b of q.queued.splice(0)) this.#giveUp(b, error);
  }
}

/** The delivery timeout error of a batch. */
function deliveryTimeout(b: ProducerBatch, deliveryTimeoutMs: number): KafkaJSDeliveryTimeoutError {
  return new KafkaJSDeliveryTimeoutError({ deliveryTimeoutMs, retryCount: Math.max(0, b.attempts - 1), cause: b.lastError ?? undefined });
}
