/**
 * The errors a partition log raises, each carrying the Kafka error code the
 * broker answers with. Malformed batches raise the protocol layer's
 * `CorruptRecordError` (CORRUPT_MESSAGE) instead.
 */

/**
 * A fetch, ListOffsets or DeleteRecords offset outside what the log holds:
 * Kafka's OFFSET_OUT_OF_RANGE (1). Not retriable: the consumer resets its
 * position by `auto.offset.reset`.
 */
export class OffsetOutOfRangeError extends Error {
  override readonly name = 'OffsetOutOfRangeError';
  readonly retriable = false;
  /** Kafka's error code for OFFSET_OUT_OF_RANGE. */
  readonly code = 1;
  readonly type = 'OFFSET_OUT_OF_RANGE';

  /**
   * @param offset - the offset asked for
   * @param logStartOffset - the first offset the log holds
   * @param limit - the bound that was exceeded (log end offset, or high watermark for DeleteRecords)
   * @param limitName - what `limit` is, for the message
   */
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly limit: number,
    limitName = 'log end offset',
  ) {
    super(`OFFSET_OUT_OF_RANGE: offset ${offset} is outside [${logStartOffset}, ${limit}] (log start offset, ${limitName})`);
  }
}

/**
 * A batch larger than the topic's `max.message.bytes`: Kafka's MESSAGE_TOO_LARGE
 * (10), raised by the log as Java's `UnifiedLog.analyzeAndValidateRecords` does.
 */
export class RecordTooLargeError extends Error {
  override readonly name = 'RecordTooLargeError';
  readonly retriable = false;
  /** Kafka's error code for MESSAGE_TOO_LARGE. */
  readonly code = 10;
  readonly type = 'MESSAGE_TOO_LARGE';

  /**
   * @param batchBytes - the batch's size
   * @param maxMessageBytes - the topic's `max.message.bytes`
   */
  constructor(
    readonly batchBytes: number,
    readonly maxMessageBytes: number,
  ) {
    super(`MESSAGE_TOO_LARGE: a record batch of ${batchBytes} bytes exceeds max.message.bytes=${maxMessageBytes}`);
  }
}

/**
 * A batch the log cannot store although its bytes are intact (an empty batch, an
 * offset range that does not fit): Kafka's INVALID_RECORD (87).
 */
export class InvalidRecordError extends Error {
  override readonly name = 'InvalidRecordError';
  readonly retriable = false;
  /** Kafka's error code for INVALID_RECORD. */
  readonly code = 87;
  readonly type = 'INVALID_RECORD';

  /** @param reason - what is wrong with the batch */
  constructor(reason: string) {
    super(`INVALID_RECORD: ${reason}`);
  }
}

/**
 * The log cannot be read or written: an I/O error (disk full, fsync failure), or
 * the log is closed. Kafka's KAFKA_STORAGE_ERROR (56), retriable as in Java
 * (the client refreshes metadata and retries). After an I/O error the log is
 * offline, as Kafka takes a failed log directory offline rather than guess what
 * reached the disk, until it is reopened from its files (log-health.ts).
 */
export class KafkaStorageError extends Error {
  override readonly name = 'KafkaStorageError';
  readonly retriable = true;
  /** Kafka's error code for KAFKA_STORAGE_ERROR. */
  readonly code = 56;
  readonly type = 'KAFKA_STORAGE_ERROR';

  /**
   * @param message - what failed
   * @param options - `cause`: the underlying I/O error
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(`KAFKA_STORAGE_ERROR: ${message}`, options);
  }
}

/**
 * A partition directory whose `partition.metadata` names another topic id than
 * the topic opening it: Kafka's INCONSISTENT_TOPIC_ID (103). The directory holds
 * another topic's records (an older topic of the same name, or a registry that
 * lost track), which must never be served as this topic's.
 */
export class InconsistentTopicIdError extends Error {
  override readonly name = 'InconsistentTopicIdError';
  readonly retriable = false;
  /** Kafka's error code for INCONSISTENT_TOPIC_ID. */
  readonly code = 103;
  readonly type = 'INCONSISTENT_TOPIC_ID';

  /**
   * @param path - the partition directory
   * @param stored - the topic id in its partition.metadata
   * @param expected - the id of the topic opening it
   */
  constructor(
    readonly path: string,
    readonly stored: string,
    readonly expected: string,
  ) {
    super(`INCONSISTENT_TOPIC_ID: partition directory ${path} holds topic id ${stored}, not ${expected}`);
  }
}
