/**
 * `new Kafka({ clientId, brokers, ... })`: the client entry point, as KafkaJS's.
 * Options are validated once here; each producer gets its own cluster view
 * (connections, metadata), as in KafkaJS.
 */
import { Cluster } from './client/cluster.js';
import { type KafkaConfig, type ResolvedKafkaConfig, resolveKafkaConfig } from './client/client-options.js';
import { type Logger, createLogger } from './client/logger.js';
import { type NetworkEvent } from './network/instrumentation.js';
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

  /** The client's logger (KafkaJS's `kafka.logger()`). */
  logger(): Logger {
    return this.#logger;
  }
}
