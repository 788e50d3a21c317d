/**
 * The idempotent producer's epoch (KIP-360) against a capture broker that answers
 * what the test says: when the broker says it lost the producer's state
 * (UNKNOWN_PRODUCER_ID) or refuses a sequence with no retry pending
 * (OUT_OF_ORDER_SEQUENCE_NUMBER), the producer bumps its epoch and resends with
 * sequences from 0; once the epoch is exhausted (32767), it asks for a new
 * producer id instead, as Java's producer does. Checked on the wire: the
 * producer id, epoch and base sequence of every batch the broker received.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ApiKey, type ProduceRequest } from '../../src/protocol/generated/index.js';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.js';
import { type CaptureBroker, type CaptureBrokerOptions, decodeRequest, startCaptureBroker } from '../support/capture-broker.js';

describe('producer: epoch bumps and producer id renewal (KIP-360)', () => {
  const brokers: CaptureBroker[] = [];
  after(async () => {
    await Promise.all(brokers.map((b) => b.close()));
  });

  /** What the broker received: per Produce request, each batch's producer fields and record values. */
  const batchesSeen = async (broker: CaptureBroker) => {
    const seen: { producerId: number; epoch: number; sequence: number; values: string[] }[] = [];
    for (const f of broker.frames.filter((f) => f.header.apiKey === ApiKey.Produce)) {
      const request = decodeRequest(f.bytes).body as ProduceRequest;
      for (const t of request.topicData) {
        for (const p of t.partitionData) {
          for (const b of await decodeRecordBatches(p.records!)) {
            seen.push({ producerId: Number(b.producerId), epoch: b.producerEpoch, sequence: b.baseSequence, values: b.records.map((r) => r.value!.toString()) });
          }
        }
      }
    }
    return seen;
  };

  /** Produce two sends (two records, then one) to partition 0; returns their offsets and what the broker saw. */
  const produceTwice = async (options: Omit<CaptureBrokerOptions, 'partitions'>) => {
    const broker = await startCaptureBroker({ partitions: 1, ...options });
    brokers.push(broker);
    const kafka = new Kafka({ clientId: 'epoch-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, lingerMs: 0, retry: { initialRetryTime: 10 } });
    await producer.connect();
    try {
      const first = await producer.send({ topic: 'epochs', messages: [{ partition: 0, value: 'a' }, { partition: 0, value: 'b' }] });
      const second = await producer.send({ topic: 'epochs', messages: [{ partition: 0, value: 'c' }] });
      assert.deepEqual(broker.errors, []);
      return { offsets: [...first, ...second].flatMap((m) => m.offsets), seen: await batchesSeen(broker), inits: broker.frames.filter((f) => f.header.apiKey === ApiKey.InitProducerId).length };
    } finally {
      await producer.disconnect();
    }
  };

  for (const [name, code] of [
    ['UNKNOWN_PRODUCER_ID', ErrorCode.UNKNOWN_PRODUCER_ID],
    ['OUT_OF_ORDER_SEQUENCE_NUMBER', ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER],
  ] as const) {
    it(`${name} with no retry pending: the epoch is bumped and the batch resent from sequence 0`, async () => {
      const { offsets, seen, inits } = await produceTwice({
        initProducerId: () => ({ producerId: 4000n, producerEpoch: 5 }),
        // The second batch received (the send of 'c') is refused once.
        produceError: (_topic, _partition, n) => (n === 1 ? code : 0),
      });
      assert.deepEqual(seen, [
        { producerId: 4000, epoch: 5, sequence: 0, values: ['a', 'b'] },
        { producerId: 4000, epoch: 5, sequence: 2, values: ['c'] },
        { producerId: 4000, epoch: 6, sequence: 0, values: ['c'] },
      ]);
      assert.deepEqual(offsets, ['0', '1', '2']);
      assert.equal(inits, 1, 'the bump is the client\'s own: no new InitProducerId');
    });
  }

  it('at epoch 32767 the epoch cannot be bumped: a new producer id is asked for, and the batch resent with it from epoch 0 and sequence 0', async () => {
    const { offsets, seen, inits } = await produceTwice({
      initProducerId: (n) => (n === 0 ? { producerId: 4000n, producerEpoch: 32767 } : { producerId: 4001n, producerEpoch: 0 }),
      produceError: (_topic, _partition, n) => (n === 1 ? ErrorCode.UNKNOWN_PRODUCER_ID : 0),
    });
    assert.equal(inits, 2);
    assert.deepEqual(seen, [
      { producerId: 4000, epoch: 32767, sequence: 0, values: ['a', 'b'] },
      { producerId: 4000, epoch: 32767, sequence: 2, values: ['c'] },
      { producerId: 4001, epoch: 0, sequence: 0, values: ['c'] },
    ]);
    assert.deepEqual(offsets, ['0', '1', '2']);
  });
});
