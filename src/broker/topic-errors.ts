/**
 * The errors the topic registry raises, each carrying the Kafka error code the
 * admin handlers answer with. A registry that cannot write its file raises the
 * log's `KafkaStorageError` (KAFKA_STORAGE_ERROR) instead.
 */

/**
 * The name is taken: Kafka's TOPIC_ALREADY_EXISTS (36). Also while another
 * creation of the name is under way, and while the topic is being deleted (it
 * exists until its deletion is durable).
 */
export class TopicExistsError extends Error {
  override readonly name = 'TopicExistsError';
  readonly retriable = false;
  readonly code = 36;
  readonly type = 'TOPIC_ALREADY_EXISTS';

  /**
   * @param topic - the name
   * @param state - why it is taken, for the message
   */
  constructor(
    readonly topic: string,
    state = 'already exists',
  ) {
    super(`Topic '${topic}' ${state}.`);
  }
}

/** A name Kafka would refuse: INVALID_TOPIC_EXCEPTION (17). */
export class InvalidTopicError extends Error {
  override readonly name = 'InvalidTopicError';
  readonly retriable = false;
  readonly code = 17;
  readonly type = 'INVALID_TOPIC_EXCEPTION';
}

/** The topic was deleted before a change to it ran: UNKNOWN_TOPIC_OR_PARTITION (3), retriable as in Kafka. */
export class UnknownTopicError extends Error {
  override readonly name = 'UnknownTopicError';
  readonly retriable = true;
  readonly code = 3;
  readonly type = 'UNKNOWN_TOPIC_OR_PARTITION';

  /** @param topic - the name */
  constructor(readonly topic: string) {
    super(`topic ${topic} does not exist`);
  }
}

/** A partition count that would not grow the topic: INVALID_PARTITIONS (37). */
export class InvalidPartitionsError extends Error {
  override readonly name = 'InvalidPartitionsError';
  readonly retriable = false;
  readonly code = 37;
  readonly type = 'INVALID_PARTITIONS';
}
