/**
 * `new Kafka({ clientId, brokers, ... })`: the client entry point, as KafkaJS's.
 * Options are validated once here; each producer, consumer and admin client gets its
 * own cluster view (connections, metadata), as in KafkaJS.
 */
import { type Admin, createAdmin } from './admin/admin.js';
import { type AdminConfig } from './admin/admin-config.js';
import { Cluster } from './client/cluster.js';
import { type KafkaConfig, type ResolvedKafkaConfig, kafkaConfigFromEnv, resolveKafkaConfig } from './client/client-options.js';
import { type Logger, createLogger } from './client/logger.js';
import { type NetworkEvent } from './network/instrumentation.js';
import { Consumer } from './consumer/consumer.js';
import { type ConsumerConfig, resolveConsumerConfig } from './consumer/consumer-config.js';
import { Producer } from './producer/producer.js';
import { type ProducerConfig, resolveProducerConfig } from './producer/producer-config.js';

export class Kafka {
  readonly #config: ResolvedKafkaConfig;
  readonly #logger: Logger;

  /**
   * Reads nothing from the environment but `KAFKA_BROKERS`, when `brokers` is absent;
   * credentials come from the config or from {@link Kafka.fromEnv}, never in silence.
   *
   * @throws KafkaJSConfigurationError naming an invalid or unknown option
   */
  constructor(config: KafkaConfig) {
    this.#config = resolveKafkaConfig(config);
    this.#logger = createLogger({ level: this.#config.logLevel, logCreator: this.#config.logCreator });
  }

  /**
   * A client configured by the environment, on request: `KAFKA_BROKERS`, `KAFKA_CLIENT_ID`,
   * `KAFKA_SSL`, `KAFKA_USERNAME` + `KAFKA_PASSWORD` and `KAFKA_SASL_MECHANISM` (see
   * `KAFKA_ENV`). Options in `overrides` win over the environment; SASL PLAIN without TLS
   * still needs `allowPlainTextSasl: true` (in `overrides`).
   *
   * @param env - the environment to read; default `process.env`
   * @throws KafkaJSConfigurationError naming the invalid variable or option
   */
  static fromEnv(overrides: KafkaConfig = {}, env: NodeJS.ProcessEnv = process.env): Kafka {
    const given = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
    return new Kafka({ ...kafkaConfigFromEnv(env), ...given });
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
