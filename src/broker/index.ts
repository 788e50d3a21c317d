/**
 * `tskafka/broker`: the embedded Kafka-compatible broker. `startBroker` runs one
 * in this process (in memory or on disk), configured with Kafka's own property
 * names (server.properties); the `tskafka broker` command is built on it.
 *
 * Apart from the package root so that a client program does not load the broker,
 * and the broker's configuration types are not part of the client API.
 */
export { type RunningBroker, type StartBrokerOptions, startBroker } from './server.js';
export { type BrokerConfig, BrokerConfigError } from './config.js';
export { type BrokerLogger, type LogLevel, type LogLevel as BrokerLogLevel, consoleLogger } from './logger.js';
