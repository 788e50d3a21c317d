/**
 * A dead-letter queue for the producer (seed 001): send messages, and route
 * each one that finally fails to a dead-letter topic instead of losing it,
 * with headers saying why.
 *
 * ```ts
 * const outcomes = await sendWithDeadLetter(producer, { topic: 'orders', messages }, {
 *   deadLetterTopic: 'orders.DLQ',
 *   onDeadLetter: ({ error, message }) => alert(`order ${message.key} dead-lettered: ${error.message}`),
 * });
 * ```
 *
 * Each message is sent with its own `send` call, all in the same tick, so
 * they still share batches and keep their per-partition order, and each one's
 * fate is known: when a multi-partition send fails in one partition, only that
 * partition's messages are dead-lettered, not the ones already delivered.
 *
 * Every failure `send` reports is final: the producer has already retried it
 * (until `deliveryTimeoutMs`, or `retry.retries` without idempotence). By
 * default a message is dead-lettered when the failure is about delivering it:
 * the delivery timeout, retries exhausted, an error code from the broker
 * (MESSAGE_TOO_LARGE, INVALID_RECORD, TOPIC_AUTHORIZATION_FAILED, ...) or the
 * client's own size check. Other failures (an invalid configuration, a value
 * that is not a string or Buffer, a producer that is not connected, a full
 * buffer) are the caller's to fix and are thrown unchanged; `shouldDeadLetter`
 * replaces that rule.
 *
 * The dead-lettered record keeps the original key, value, timestamp and
 * headers, plus:
 *
 * | header | value |
 * | --- | --- |
 * | `dlq.error.class` | the error's class name, e.g. `KafkaJSProtocolError` |
 * | `dlq.error.message` | its message |
 * | `dlq.error.code` | the Kafka error code, when there is one (also from the cause) |
 * | `dlq.error.type` | the Kafka error name, e.g. `MESSAGE_TOO_LARGE`, when there is one |
 * | `dlq.error.cause.class`, `dlq.error.cause.message` | the last attempt's error, for a delivery timeout or retries exhausted |
 * | `dlq.original.topic` | the topic it was sent to |
 * | `dlq.original.partition` | the partition, when the message named one |
 * | `dlq.failed.at` | when it was dead-lettered, ms since the epoch |
 *
 * Dead-lettering is at least once: a message whose delivery timed out may
 * still have been stored by the broker (its outcome was unknown).
 */
import { KafkaJSConfigurationError, KafkaJSDeliveryTimeoutError, KafkaJSMessageTooLargeError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } from '../errors/errors.js';
import { KafkaJSProtocolError } from '../errors/protocol-errors.js';
import { type RecordMetadata } from './accumulator/producer-batch.js';
import { type IHeaders, type Message } from './message.js';
import { type Producer, type ProducerRecord } from './producer.js';

/** The header names written on dead-lettered records. */
export const DeadLetterHeaders = Object.freeze({
  ERROR_CLASS: 'dlq.error.class',
  ERROR_MESSAGE: 'dlq.error.message',
  ERROR_CODE: 'dlq.error.code',
  ERROR_TYPE: 'dlq.error.type',
  ERROR_CAUSE_CLASS: 'dlq.error.cause.class',
  ERROR_CAUSE_MESSAGE: 'dlq.error.cause.message',
  ORIGINAL_TOPIC: 'dlq.original.topic',
  ORIGINAL_PARTITION: 'dlq.original.partition',
  FAILED_AT: 'dlq.failed.at',
} as const);

/** What {@link DeadLetterOptions.onDeadLetter} is told about each dead-lettered message. */
export interface DeadLetterEvent {
  readonly originalTopic: string;
  readonly deadLetterTopic: string;
  /** The message as it was given to `send`. */
  readonly message: Message;
  /** Its index in the record's `messages`. */
  readonly index: number;
  /** Why it was dead-lettered. */
  readonly error: Error;
  /** Where it landed in the dead-letter topic. */
  readonly partition: number;
  readonly offset: string;
}

/** Options of {@link sendWithDeadLetter}. */
export interface DeadLetterOptions {
  /** The topic failed messages go to; it must differ from the record's topic. */
  readonly deadLetterTopic: string;
  /** Which final failures are dead-lettered; default {@link isDeadLetterError}. Others are thrown. */
  readonly shouldDeadLetter?: ((error: Error) => boolean) | undefined;
  /** Called once per message, after it is written to the dead-letter topic (alerts, metrics). An error it throws rejects the call. */
  readonly onDeadLetter?: ((event: DeadLetterEvent) => void | Promise<void>) | undefined;
  /** The producer that writes to the dead-letter topic; default the one that sends (its own limits, acks...). */
  readonly deadLetterProducer?: Pick<Producer, 'send'> | undefined;
}

/** What became of one message, in the order the messages were given. */
export type DeadLetterOutcome =
  | { readonly status: 'delivered'; readonly partition: number; readonly offset: string }
  | { readonly status: 'dead-lettered'; readonly error: Error; readonly deadLetterPartition: number; readonly deadLetterOffset: string };

/**
 * A message finally failed and could not be written to the dead-letter topic
 * either. `originalError` is why it failed; `cause` is why the dead-letter
 * write failed. Not retriable: both sends already retried.
 */
export class KafkaJSDeadLetterError extends KafkaJSNonRetriableError {
  override readonly name: string = 'KafkaJSDeadLetterError';
  /** Why the message failed in the first place. */
  readonly originalError: Error;
  readonly originalTopic: string;
  readonly deadLetterTopic: string;

  /**
   * @param details - the two errors and the two topics
   */
  constructor({ originalError, deadLetterError, originalTopic, deadLetterTopic }: { originalError: Error; deadLetterError: Error; originalTopic: string; deadLetterTopic: string }) {
    super(`A message to "${originalTopic}" failed (${originalError.message}) and could not be written to the dead-letter topic "${deadLetterTopic}": ${deadLetterError.message}`, {
      cause: deadLetterError,
    });
    this.originalError = originalError;
    this.originalTopic = originalTopic;
    this.deadLetterTopic = deadLetterTopic;
  }
}

/**
 * The default rule: a failure to deliver the message (delivery timeout,
 * retries exhausted, a broker error code, the client's size check), as
 * opposed to a mistake of the caller's.
 */
export function isDeadLetterError(error: Error): boolean {
  return error instanceof KafkaJSDeliveryTimeoutError || error instanceof KafkaJSNumberOfRetriesExceeded || error instanceof KafkaJSProtocolError || error instanceof KafkaJSMessageTooLargeError;
}

/** The headers describing `error`, for a message that was sent to `topic`. */
export function deadLetterHeaders(error: Error, topic: string, partition: number | undefined, failedAt: number): Record<string, string> {
  const headers: Record<string, string> = {
    [DeadLetterHeaders.ERROR_CLASS]: error.name || error.constructor.name,
    [DeadLetterHeaders.ERROR_MESSAGE]: error.message,
  };
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const coded = [error, cause].find((e): e is KafkaJSProtocolError => e instanceof KafkaJSProtocolError);
  if (coded) {
    headers[DeadLetterHeaders.ERROR_CODE] = String(coded.code);
    headers[DeadLetterHeaders.ERROR_TYPE] = coded.type;
  }
  if (cause) {
    headers[DeadLetterHeaders.ERROR_CAUSE_CLASS] = cause.name || cause.constructor.name;
    headers[DeadLetterHeaders.ERROR_CAUSE_MESSAGE] = cause.message;
  }
  headers[DeadLetterHeaders.ORIGINAL_TOPIC] = topic;
  if (partition !== undefined) headers[DeadLetterHeaders.ORIGINAL_PARTITION] = String(partition);
  headers[DeadLetterHeaders.FAILED_AT] = String(failedAt);
  return headers;
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Send `record`'s messages; write each one that finally fails to
 * `options.deadLetterTopic`, with headers naming the error. Resolves with each
 * message's outcome, in order. Rejects with a failure that is not to be
 * dead-lettered (the first, once every message is settled), or with
 * {@link KafkaJSDeadLetterError} when a dead-letter write fails too.
 *
 * @throws KafkaJSConfigurationError when the dead-letter topic is missing or is the record's topic
 */
export async function sendWithDeadLetter(producer: Pick<Producer, 'send'>, record: ProducerRecord, options: DeadLetterOptions): Promise<DeadLetterOutcome[]> {
  const { deadLetterTopic } = options;
  if (typeof deadLetterTopic !== 'string' || deadLetterTopic === '' || deadLetterTopic === record.topic) {
    throw new KafkaJSConfigurationError({ option: 'deadLetterTopic', value: deadLetterTopic, accepted: 'a topic name other than the record topic' });
  }
  const shouldDeadLetter = options.shouldDeadLetter ?? isDeadLetterError;
  const deadLetterProducer = options.deadLetterProducer ?? producer;
  const { messages, ...rest } = record;
  // One send per message, all issued in this tick: they share batches as one send would.
  const sends = messages.map((message) => producer.send({ ...rest, messages: [message] }));
  const settled = await Promise.allSettled(sends);

  const outcomes: DeadLetterOutcome[] = new Array(messages.length);
  const tasks: Promise<void>[] = [];
  let thrown: Error | undefined;
  for (let index = 0; index < settled.length; index++) {
    const result = settled[index]!;
    const message = messages[index]!;
    if (result.status === 'fulfilled') {
      outcomes[index] = delivered(result.value);
      continue;
    }
    const error = toError(result.reason);
    if (!shouldDeadLetter(error)) {
      thrown ??= error;
      continue;
    }
    const headers: IHeaders = { ...message.headers, ...deadLetterHeaders(error, record.topic, message.partition, Date.now()) };
    const deadLetter: Message = { key: message.key ?? null, value: message.value, headers };
    if (message.timestamp !== undefined) deadLetter.timestamp = message.timestamp;
    tasks.push(
      deadLetterProducer.send({ topic: deadLetterTopic, messages: [deadLetter], compression: record.compression }).then(
        async (metadata) => {
          const { partition, offset } = delivered(metadata);
          outcomes[index] = { status: 'dead-lettered', error, deadLetterPartition: partition, deadLetterOffset: offset };
          await options.onDeadLetter?.({ originalTopic: record.topic, deadLetterTopic, message, index, error, partition, offset });
        },
        (e: unknown) => {
          throw new KafkaJSDeadLetterError({ originalError: error, deadLetterError: toError(e), originalTopic: record.topic, deadLetterTopic });
        },
      ),
    );
  }
  const written = await Promise.allSettled(tasks);
  const failed = written.find((w): w is PromiseRejectedResult => w.status === 'rejected');
  if (failed) throw toError(failed.reason);
  if (thrown) throw thrown;
  return outcomes;
}

/** The partition and offset of the one record a single-message send wrote. */
function delivered(metadata: RecordMetadata[]): { status: 'delivered'; partition: number; offset: string } {
  const [m] = metadata;
  return { status: 'delivered', partition: m?.partition ?? -1, offset: m?.offsets[0] ?? m?.baseOffset ?? '-1' };
}
