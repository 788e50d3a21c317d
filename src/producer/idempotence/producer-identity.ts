/**
 * The idempotent producer's identity: producer id, epoch, and sequence
 * assignment (KIP-98), with the epoch bump of KIP-360.
 *
 * Limits, as Kafka's: idempotence holds per partition and per producer
 * session. A restarted producer gets a new producer id, so a record it resends
 * after a restart can be stored twice; transactions (a stable transactional id)
 * lift that limit.
 */
import { type Cluster } from '../../client/cluster.js';
import { createErrorFromCode } from '../../errors/protocol-errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { InitProducerIdRequest } from '../../protocol/generated/init-producer-id-request.js';
import { InitProducerIdResponse } from '../../protocol/generated/init-producer-id-response.js';
import { type ProducerBatch } from '../accumulator/producer-batch.js';
import { type PartitionQueue, type RecordAccumulator } from '../accumulator/record-accumulator.js';

const MAX_EPOCH = 0x7fff;

export class ProducerIdentity {
  producerId = -1;
  producerEpoch = -1;
  /** Set when the epoch is exhausted: the sender fetches a new id (epoch 0) before sending anything idempotent. */
  needsNewId = false;

  constructor(readonly enabled: boolean) {}

  /** Ask the cluster for a producer id (InitProducerId without a transactional id). */
  async init(cluster: Cluster): Promise<void> {
    if (!this.enabled) return;
    const connection = await cluster.anyConnection();
    const response = await connection.send(InitProducerIdRequest, InitProducerIdResponse, { transactionalId: null, transactionTimeoutMs: 60_000 });
    if (response.errorCode !== ErrorCode.NONE) throw createErrorFromCode(response.errorCode, 'InitProducerId failed');
    this.producerId = Number(response.producerId);
    this.producerEpoch = response.producerEpoch;
    this.needsNewId = false;
  }

  /** Give a batch its producer fields and, at first drain or after an epoch bump, its base sequence. */
  assignSequence(b: ProducerBatch, q: PartitionQueue): void {
    if (b.baseSequence >= 0 && b.producerEpoch === this.producerEpoch && b.producerId === this.producerId) return;
    b.producerId = this.producerId;
    b.producerEpoch = this.producerEpoch;
    b.baseSequence = q.nextSequence;
    // Sequences wrap at Int32 max, as Java's DefaultRecordBatch.incrementSequence.
    q.nextSequence = (q.nextSequence + b.recordCount) % 0x8000_0000;
  }

  /** Whether the broker has acknowledged a batch of this partition sent with the current producer id and epoch. */
  acknowledgedOn(q: PartitionQueue): boolean {
    return q.ackedProducerId === this.producerId && q.ackedEpoch === this.producerEpoch;
  }

  /** An idempotent batch was acknowledged: the broker now holds this producer's state for its partition. */
  acknowledged(b: ProducerBatch): void {
    if (b.producerId < 0) return;
    b.queue.ackedProducerId = b.producerId;
    b.queue.ackedEpoch = b.producerEpoch;
  }

  /**
   * KIP-360: after an unknown outcome or lost broker state, move to the next
   * epoch; every partition's sequences restart at 0 and batches not yet
   * acknowledged get new sequences when next sent.
   */
  bumpEpoch(accumulator: RecordAccumulator): void {
    if (this.producerEpoch >= MAX_EPOCH) {
      this.needsNewId = true;
    } else {
      this.producerEpoch++;
    }
    for (const q of accumulator.partitions.values()) {
      q.nextSequence = 0;
      for (const b of q.queued) b.baseSequence = -1;
    }
  }
}
