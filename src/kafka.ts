/**
 * `new Kafka({ clientId, brokers, ... })`: the client entry point, as KafkaJS's.
 * Options are validated once here; each producer, consumer and admin client gets its
 * own cluster view (connections, metadata), as in KafkaJS.
 */
import { type Admin, createAdmin } from './admin/admin.js';
import { type AdminConfig } from './admin/admin-config.js';
import { Cluster } from './client/cluster.js';
import { type KafkaConfig, type ResolvedKafkaConfig, resolveKafkaConfig } from './client/client-options.js';
import { type Logger, createLogger } from './client/logger.js';
import { type NetworkEvent } from './network/instrumentation.js';
import { Consumer } from './consumer/consumer.js';
import { type ConsumerConfig, resolveConsumerConfig } from './consumer/consumer-config.js';
import { Producer } from './producer/producer.js';
import { type ProducerConfig, resolveProducerConfig } from './producer/producer-config.js';

export class Kafka {
  readonly #config: ResolvedKafkaConfig;
  readonly #logger: Logger;

  /** @throws KafkaJSConfigurationError naming an invalid option */
  constructor(config: KafkaConfig) {
    this.#config = resolveKafkaConfig(config);
    this.#logger = createLogger({ level: this.#config.logLevel, logCreator: this.#config.logCreator });
  }

  /** A producer; nothing connects until `producer.connect()`. */
  producer(config: ProducerConfig = {}): Producer {
    const resolved = resolveProducerConfig(config);
    let producer: Producer | undefined;
    const cluster = new Cluster(this.#config, {
      metadataMaxAge: resolved.metadataMaxAge,
      allowAutoTopicCreation: resolved.allowAutoTopicCreation,
      logger: this.#logger,
      instrumentation: Object.assign((event: NetworkEvent) => producer?.onNetworkEvent(event), {
        listening: (type: NetworkEvent['type']) => producer?.listening(`producer.${type}`) ?? false,
      }),
    });
    producer = new Producer(cluster, resolved, this.#logger);
    return producer;
  }

  /**
   * A consumer in group `config.groupId`; nothing connects until `consumer.connect()` or `run()`.
   *
   * @throws KafkaJSConfigurationError naming an invalid option (KafkaJSNonRetriableError without a groupId)
   */
  consumer(config: ConsumerConfig): Consumer {
    const resolved = resolveConsumerConfig(config);
    let consumer: Consumer | undefined;
    const cluster = new Cluster(this.#config, {
      metadataMaxAge: resolved.metadataMaxAge,
      allowAutoTopicCreation: resolved.allowAutoTopicCreation,
      maxInFlightRequests: resolved.maxInFlightRequests,
      logger: this.#logger,
      instrumentation: Object.assign((event: NetworkEvent) => consumer?.onNetworkEvent(event), {
        listening: (type: NetworkEvent['type']) => consumer?.listening(`consumer.${type}`) ?? false,
      }),
    });
    consumer = new Consumer(cluster, resolved, this.#logger);
    return consumer;
  }

  /** An admin client; nothing connects until `admin.connect()`. */
  admin(config: AdminConfig = {}): Admin {
    return createAdmin(this.#config, config, this.#logger);
  }

  /** The client's logger (KafkaJS's `kafka.logger()`). */
  logger(): Logger {
    return this.#logger;
  }
}
