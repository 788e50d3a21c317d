/**
 * The consumer's instrumentation events: KafkaJS's names and payloads
 * (`kafkajs/src/consumer/instrumentationEvents.js`, `types/index.d.ts`), so
 * listeners written for KafkaJS work unchanged, and the emitter that delivers them.
 */
import { type Logger } from '../client/logger.js';
import { KafkaJSNonRetriableError } from '../errors/errors.js';
import { type InstrumentationEvent, type NetworkRequestEvent, type NetworkRequestQueueSizeEvent, type NetworkRequestTimeoutEvent } from '../network/instrumentation.js';

export { type InstrumentationEvent };

/** Event names, KafkaJS's. */
export const ConsumerEvents = Object.freeze({
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH_START: 'consumer.fetch_start',
  FETCH: 'consumer.fetch',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
  REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size',
} as const);

/** One of {@link ConsumerEvents}' values. */
export type ConsumerEventName = (typeof ConsumerEvents)[keyof typeof ConsumerEvents];

/** Offsets by topic, as KafkaJS's `TopicOffsets` (offsets are decimal strings). */
export interface TopicOffsets {
  topic: string;
  /** `metadata` is committed with the offset (KafkaJS's commitOffsets takes it). */
  partitions: { partition: number; offset: string; metadata?: string | null }[];
}

/** `consumer.heartbeat`'s payload. */
export interface ConsumerHeartbeatPayload {
  groupId: string;
  memberId: string;
  groupGenerationId: number;
}

/** `consumer.commit_offsets`'s payload. */
export interface ConsumerCommitOffsetsPayload extends ConsumerHeartbeatPayload {
  topics: TopicOffsets[];
}

/** `consumer.start_batch_process`'s payload (KafkaJS's IBatchProcessEvent). */
export interface ConsumerBatchProcessPayload {
  topic: string;
  partition: number;
  highWatermark: string;
  offsetLag: string;
  offsetLagLow: string;
  batchSize: number;
  firstOffset: string | null;
  lastOffset: string;
}

/** `consumer.end_batch_process`'s payload. */
export interface ConsumerEndBatchProcessPayload extends ConsumerBatchProcessPayload {
  duration: number;
}

/** `consumer.crash`'s payload. */
export interface ConsumerCrashPayload {
  error: Error;
  groupId: string;
  /** Whether the consumer restarts itself after a backoff. */
  restart: boolean;
}

/** `consumer.fetch`'s payload. */
export interface ConsumerFetchPayload {
  numberOfBatches: number;
  duration: number;
  nodeId: number;
}

/** `consumer.group_join`'s payload. */
export interface ConsumerGroupJoinPayload {
  duration: number;
  groupId: string;
  isLeader: boolean;
  leaderId: string;
  groupProtocol: string;
  memberId: string;
  /** Partitions by topic (KafkaJS's IMemberAssignment). */
  memberAssignment: { [topic: string]: number[] };
}

/** `consumer.rebalancing`'s payload. */
export interface ConsumerRebalancingPayload {
  groupId: string;
  memberId: string;
}

/** `consumer.received_unsubscribed_topics`'s payload. */
export interface ConsumerReceivedUnsubscribedTopicsPayload {
  groupId: string;
  generationId: number;
  memberId: string;
  assignedTopics: string[];
  topicsSubscribed: string[];
  topicsNotSubscribed: string[];
}

/** Each event's payload, as KafkaJS's `on` overloads type them. */
export interface ConsumerEventPayloads {
  'consumer.heartbeat': ConsumerHeartbeatPayload;
  'consumer.commit_offsets': ConsumerCommitOffsetsPayload;
  'consumer.group_join': ConsumerGroupJoinPayload;
  'consumer.fetch_start': { nodeId: number };
  'consumer.fetch': ConsumerFetchPayload;
  'consumer.start_batch_process': ConsumerBatchProcessPayload;
  'consumer.end_batch_process': ConsumerEndBatchProcessPayload;
  'consumer.connect': null;
  'consumer.disconnect': null;
  'consumer.stop': null;
  'consumer.crash': ConsumerCrashPayload;
  'consumer.rebalancing': ConsumerRebalancingPayload;
  'consumer.received_unsubscribed_topics': ConsumerReceivedUnsubscribedTopicsPayload;
  'consumer.network.request': NetworkRequestEvent['payload'];
  'consumer.network.request_timeout': NetworkRequestTimeoutEvent['payload'];
  'consumer.network.request_queue_size': NetworkRequestQueueSizeEvent['payload'];
}

let eventId = 0;
const NAMES: ReadonlySet<string> = new Set(Object.values(ConsumerEvents));

/** Delivers events to listeners; a listener that throws (or rejects) is logged, never propagated. */
export class ConsumerEventEmitter {
  readonly #listeners = new Map<string, Set<(event: InstrumentationEvent) => unknown>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Whether `type` has a listener (events nobody listens to are not even built). */
  listening(type: string): boolean {
    const set = this.#listeners.get(type);
    return set !== undefined && set.size > 0;
  }

  /**
   * Add a listener; returns the function that removes it (KafkaJS's `on`).
   *
   * @throws KafkaJSNonRetriableError for an unknown event name, as KafkaJS
   */
  on(type: string, listener: (event: InstrumentationEvent) => unknown): () => void {
    if (!NAMES.has(type)) {
      throw new KafkaJSNonRetriableError(`Event name should be one of ${Object.keys(ConsumerEvents).map((k) => `consumer.events.${k}`).join(', ')}`);
    }
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    // A listener added twice gets its own entry, so each remove function removes one.
    const entry = (event: InstrumentationEvent): unknown => listener(event);
    set.add(entry);
    return () => set.delete(entry);
  }

  /** Deliver `payload` as an event of `type` to its listeners. */
  emit(type: string, payload: unknown): void {
    const set = this.#listeners.get(type);
    if (!set || set.size === 0) return;
    const event: InstrumentationEvent = { id: ++eventId, type, timestamp: Date.now(), payload };
    for (const l of set) {
      try {
        const result = l(event);
        if (result instanceof Promise) result.catch((e: unknown) => this.#failed(type, e));
      } catch (e) {
        this.#failed(type, e);
      }
    }
  }

  #failed(type: string, e: unknown): void {
    this.#logger.error(`Failed to execute listener: ${e instanceof Error ? e.message : String(e)}`, { eventName: type });
  }
}
