/**
 * Control records: the single record of a control batch (attribute bit 5), written
 * by the transaction coordinator (via WriteTxnMarkers) to end a transaction in each
 * partition it touched (KIP-98), and by KRaft for its own bookkeeping. Consumers
 * use them to skip aborted data and never hand them to the application.
 *
 * Key (Java `ControlRecordType`): version int16 = 0 | type int16.
 * Value of a transaction marker (Java `EndTransactionMarker`): version int16 = 0 |
 * coordinatorEpoch int32.
 */
import { encodeRecordBatchSync } from './record-batch-builder.js';

/**
 * Control record types as Java's `ControlRecordType` numbers them: 0 and 1 end a
 * transaction; 2-6 are KRaft metadata-log records (LeaderChange, SnapshotHeader,
 * SnapshotFooter, KRaftVersion, KRaftVoters).
 */
export const ControlRecordType = {
  ABORT: 0,
  COMMIT: 1,
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
} as const;

/** A decoded control record key. */
export interface ControlRecordKey {
  /** Key schema version; 0 is the only one defined. */
  version: number;
  /** 'ABORT' or 'COMMIT' for transaction markers, else the numeric type (see {@link ControlRecordType}). */
  type: 'ABORT' | 'COMMIT' | number;
}

/** A decoded transaction marker value. */
export interface EndTxnMarker {
  version: number;
  /** The coordinator's epoch, which lets the broker fence markers from a stale coordinator. */
  coordinatorEpoch: number;
}

/** What {@link encodeControlBatch} needs: the marker and the transaction's producer. */
export interface ControlBatchInput {
  type: 'ABORT' | 'COMMIT';
  coordinatorEpoch: number;
  producerId: number;
  producerEpoch: number;
  /** Default 0; the broker assigns the real offset. */
  baseOffset?: number;
  /** Default -1. */
  partitionLeaderEpoch?: number;
  /** Default `Date.now()`. */
  timestamp?: number;
}

const KEY_SIZE = 4;
const END_TXN_MARKER_VALUE_SIZE = 6;
const CURRENT_VERSION = 0;

/**
 * Decodes a control record's key, as Java's `ControlRecordType.parse`: a key shorter
 * than 4 bytes or with a negative version is corrupt; a newer version is read with
 * the version 0 layout, which later versions may only extend.
 *
 * @param key - the record key of a record in a control batch
 * @throws RangeError when the key is too short or its version negative
 */
export function decodeControlRecord(key: Uint8Array): ControlRecordKey {
  if (key.length < KEY_SIZE) throw new RangeError(`control record key has ${key.length} bytes, expected at least ${KEY_SIZE}`);
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  const version = view.getInt16(0);
  if (version < 0) throw new RangeError(`control record key has negative version ${version}: the record is corrupt`);
  const type = view.getInt16(2);
  return { version, type: type === ControlRecordType.ABORT ? 'ABORT' : type === ControlRecordType.COMMIT ? 'COMMIT' : type };
}

/**
 * Encodes a control record key (version 0).
 *
 * @param type - 'ABORT', 'COMMIT' or a {@link ControlRecordType} number
 */
export function encodeControlRecordKey(type: 'ABORT' | 'COMMIT' | number): Buffer {
  const key = Buffer.allocUnsafe(KEY_SIZE);
  key.writeInt16BE(CURRENT_VERSION, 0);
  key.writeInt16BE(type === 'ABORT' ? ControlRecordType.ABORT : type === 'COMMIT' ? ControlRecordType.COMMIT : type, 2);
  return key;
}

/**
 * Decodes a transaction marker's value, as Java's `EndTransactionMarker.deserializeValue`.
 *
 * @param value - the record value of an ABORT or COMMIT control record
 * @throws RangeError when the value is shorter than 6 bytes or its version negative
 */
export function decodeEndTxnMarker(value: Uint8Array): EndTxnMarker {
  if (value.length < END_TXN_MARKER_VALUE_SIZE) {
    throw new RangeError(`transaction marker value has ${value.length} bytes, expected at least ${END_TXN_MARKER_VALUE_SIZE}`);
  }
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const version = view.getInt16(0);
  if (version < 0) throw new RangeError(`transaction marker has negative version ${version}: the record is corrupt`);
  return { version, coordinatorEpoch: view.getInt32(2) };
}

/**
 * Encodes a transaction marker's value (version 0).
 *
 * @param coordinatorEpoch - the transaction coordinator's epoch
 */
export function encodeEndTxnMarker(coordinatorEpoch: number): Buffer {
  const value = Buffer.allocUnsafe(END_TXN_MARKER_VALUE_SIZE);
  value.writeInt16BE(CURRENT_VERSION, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

/**
 * Encodes a control batch holding one transaction marker, as Java's
 * `MemoryRecords.withEndTransactionMarker`: transactional and control bits set,
 * uncompressed, CreateTime, baseSequence -1.
 *
 * @param input - the marker type, coordinator epoch and the producer whose transaction ends
 * @returns the batch bytes
 */
export function encodeControlBatch(input: ControlBatchInput): Buffer {
  return encodeRecordBatchSync({
    baseOffset: input.baseOffset ?? 0,
    partitionLeaderEpoch: input.partitionLeaderEpoch ?? -1,
    isTransactional: true,
    isControlBatch: true,
    producerId: input.producerId,
    producerEpoch: input.producerEpoch,
    baseSequence: -1,
    records: [
      {
        key: encodeControlRecordKey(input.type),
        value: encodeEndTxnMarker(input.coordinatorEpoch),
        timestamp: input.timestamp ?? Date.now(),
      },
    ],
  });
}
