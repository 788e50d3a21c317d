/**
 * One partition's Fetch records turned into messages, on bytes built with our
 * batch encoder: what read_committed drops (aborted transactions, records past
 * the last stable offset), control batches, a start mid-batch, LogAppendTime,
 * header edge cases, corrupt and partial batches. Our broker has no
 * transactions yet, so aborted-transaction lists are exercised here, as a
 * Kafka broker would send them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePartitionRecords, type PartitionRecordsInput } from '../../../src/consumer/fetcher/partition-records.js';
import { CompressionCodec } from '../../../src/protocol/records/compression.js';
import { encodeControlBatch } from '../../../src/protocol/records/control-record.js';
import { type RecordBatchInput, encodeRecordBatch, encodeRecordBatchSync } from '../../../src/protocol/records/record-batch.js';

const values = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ value: `${prefix}${i}`, timestamp: 1_000 + i }));

function batch(baseOffset: number, records: RecordBatchInput['records'], extra: Partial<RecordBatchInput> = {}): Buffer {
  return encodeRecordBatchSync({ baseOffset, records, ...extra });
}

function txn(baseOffset: number, producerId: number, n: number, prefix: string): Buffer {
  return batch(baseOffset, values(n, prefix), { producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true });
}

function marker(baseOffset: number, producerId: number, type: 'COMMIT' | 'ABORT'): Buffer {
  return encodeControlBatch({ type, coordinatorEpoch: 0, producerId, producerEpoch: 0, baseOffset });
}

const input = (over: Partial<PartitionRecordsInput> = {}): PartitionRecordsInput => ({ fetchOffset: 0, isolationLevel: 0, lastStableOffset: -1, abortedTransactions: null, ...over });

describe('Decoding one partition of a Fetch response', () => {
  it('read_committed drops the batches of aborted transactions, keeps committed ones, skips the markers, and moves past all of them', async () => {
    // Offsets: 0-1 p7 (aborted), 2-3 p8 (committed), 4 abort p7, 5 commit p8, 6-7 plain, 8-9 p7 again (committed this time), 10 commit p7.
    const records = Buffer.concat([
      txn(0, 7, 2, 'aborted-'),
      txn(2, 8, 2, 'committed-'),
      marker(4, 7, 'ABORT'),
      marker(5, 8, 'COMMIT'),
      batch(6, values(2, 'plain-')),
      txn(8, 7, 2, 'later-'),
      marker(10, 7, 'COMMIT'),
    ]);
    const aborted = [{ producerId: 7n, firstOffset: 0n }];
    const committed = await decodePartitionRecords(records, input({ isolationLevel: 1, lastStableOffset: 11, abortedTransactions: aborted }));
    assert.deepEqual(
      committed.messages.map((m) => [m.offset, m.value?.toString()]),
      [
        ['2', 'committed-0'],
        ['3', 'committed-1'],
        ['6', 'plain-0'],
        ['7', 'plain-1'],
        ['8', 'later-0'],
        ['9', 'later-1'],
      ],
    );
    assert.equal(committed.nextOffset, 11);
    // read_uncommitted sees the aborted records too, never the markers.
    const all = await decodePartitionRecords(records, input({ abortedTransactions: aborted }));
    assert.deepEqual(
      all.messages.map((m) => m.offset),
      ['0', '1', '2', '3', '6', '7', '8', '9'],
    );
    assert.equal(all.nextOffset, 11);
  });

  it('read_committed returns nothing at or past the last stable offset, and stops the position there', async () => {
    const records = Buffer.concat([batch(0, values(3, 'a')), batch(3, values(3, 'b'))]);
    const out = await decodePartitionRecords(records, input({ isolationLevel: 1, lastStableOffset: 4 }));
    assert.deepEqual(
      out.messages.map((m) => m.offset),
      ['0', '1', '2', '3'],
    );
    assert.equal(out.nextOffset, 4);
  });

  it('a response of control batches only yields no messages and a next offset past them', async () => {
    const out = await decodePartitionRecords(Buffer.concat([marker(5, 1, 'COMMIT'), marker(6, 2, 'ABORT')]), input({ fetchOffset: 5 }));
    assert.deepEqual(out.messages, []);
    assert.equal(out.nextOffset, 7);
    assert.equal(out.partial, false);
  });

  it('skips records before the fetch offset in a compressed batch, and batches wholly before it', async () => {
    const records = Buffer.concat([batch(0, values(5, 'a')), await encodeRecordBatch({ baseOffset: 5, compression: CompressionCodec.ZSTD, records: values(10, 'b') })]);
    const out = await decodePartitionRecords(records, input({ fetchOffset: 12 }));
    assert.deepEqual(
      out.messages.map((m) => [m.offset, m.value?.toString(), m.timestamp]),
      [
        ['12', 'b7', '1007'],
        ['13', 'b8', '1008'],
        ['14', 'b9', '1009'],
      ],
    );
    assert.equal(out.nextOffset, 15);
  });

  it('gives LogAppendTime batches the broker timestamp, and keeps the leader epoch of the last batch', async () => {
    const records = batch(0, values(2, 'a'), { timestampType: 'LogAppendTime', maxTimestamp: 99_999, partitionLeaderEpoch: 3 });
    const out = await decodePartitionRecords(records, input());
    assert.deepEqual(
      out.messages.map((m) => m.timestamp),
      ['99999', '99999'],
    );
    assert.equal(out.lastLeaderEpoch, 3);
  });

  it('builds headers as KafkaJS: repeated keys in wire order as arrays, null values as null, "__proto__" as an own key', async () => {
    const records = batch(0, [
      {
        key: null,
        value: null,
        headers: [
          { key: 'a', value: '1' },
          { key: 'b', value: null },
          { key: 'a', value: '2' },
          { key: '__proto__', value: 'p' },
          { key: 'a', value: '3' },
          { key: 'toString', value: 't' },
        ],
      },
    ]);
    const [m] = (await decodePartitionRecords(records, input())).messages;
    assert.equal(m!.key, null);
    assert.equal(m!.value, null);
    assert.deepEqual(Object.keys(m!.headers), ['a', 'b', '__proto__', 'toString']);
    assert.equal(String(m!.headers.toString), 't');
    assert.deepEqual((m!.headers.a as Buffer[]).map(String), ['1', '2', '3']);
    assert.equal(m!.headers.b, null);
    assert.equal(Object.getPrototypeOf(m!.headers), Object.prototype);
    assert.equal(String(Object.getOwnPropertyDescriptor(m!.headers, '__proto__')!.value), 'p');
  });

  it('reports a CRC mismatch with the batch offset, after returning the batches before it', async () => {
    const good = batch(0, values(2, 'a'));
    const bad = batch(2, values(2, 'b'));
    bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 0xff, bad.length - 1);
    const out = await decodePartitionRecords(Buffer.concat([good, bad]), input());
    assert.deepEqual(
      out.messages.map((m) => m.offset),
      ['0', '1'],
    );
    assert.equal(out.nextOffset, 2);
    assert.equal(out.corrupt?.offset, 2);
    assert.match(out.corrupt!.reason, /CRC-32C mismatch/);
  });

  it('marks a response holding only part of a batch as partial, and ignores a trailing partial batch otherwise', async () => {
    const whole = batch(0, values(3, 'a'));
    const next = batch(3, values(3, 'b'));
    const partialOnly = await decodePartitionRecords(next.subarray(0, next.length - 5), input({ fetchOffset: 3 }));
    assert.equal(partialOnly.partial, true);
    assert.deepEqual(partialOnly.messages, []);
    assert.equal(partialOnly.nextOffset, 3);
    const trailing = await decodePartitionRecords(Buffer.concat([whole, next.subarray(0, 30)]), input());
    assert.equal(trailing.partial, false);
    assert.equal(trailing.messages.length, 3);
    assert.equal(trailing.nextOffset, 3);
  });
});
