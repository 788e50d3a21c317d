/**
 * `startBroker`: run a Kafka-compatible broker in this Node process.
 *
 * ```ts
 * const broker = await startBroker({ inMemory: true, port: 0 });
 * const kafka = new Kafka({ clientId: 'app', brokers: [broker.bootstrap] });
 * // ...
 * await broker.close();
 * ```
 */
import { once } from 'node:events';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Broker, type BoundListener } from './broker.js';
import { type BrokerConfig, parseBrokerConfig, readPropertiesFile } from './config.js';
import { Connection } from './connection.js';
import { ConnectionQuotas } from './connection-quotas.js';
import { BROKER_CONFIGS } from './broker-config-defs.js';
import { type BrokerLogger, type LogLevel, consoleLogger } from './logger.js';
import { Session } from './session.js';

export interface StartBrokerOptions {
  /** A server.properties file to read first. */
  configFile?: string;
  /** Kafka config names and values; applied after the file (like --override). */
  properties?: Readonly<Record<string, string | number | boolean>>;
  /** Shorthand for `listeners=PLAINTEXT://127.0.0.1:<port>`; 0 picks a free port. */
  port?: number;
  /** Keep every log in memory: nothing touches the disk (tests). */
  inMemory?: boolean;
  logger?: BrokerLogger;
  /** Level for the default logger (default 'warn'). */
  logLevel?: LogLevel;
}

export interface RunningBroker {
  /** `host:port` of the first listener, for a client's `brokers` list. */
  readonly bootstrap: string;
  readonly port: number;
  readonly listeners: readonly BoundListener[];
  readonly config: BrokerConfig;
  /** The broker itself, for tests and tools in this process. */
  readonly broker: Broker;
  /** Stop listening, close connections, flush and close every log. */
  close(): Promise<void>;
}

/** Start a broker; resolves once every listener is accepting connections. */
export async function startBroker(options: StartBrokerOptions = {}): Promise<RunningBroker> {
  const props = new Map<string, string>(options.configFile ? readPropertiesFile(options.configFile) : []);
  if (options.port !== undefined) props.set('listeners', `PLAINTEXT://127.0.0.1:${options.port}`);
  for (const [k, v] of Object.entries(options.properties ?? {})) props.set(k, String(v));
  const config = parseBrokerConfig(props, { inMemory: options.inMemory ?? false });
  const logger = options.logger ?? consoleLogger(options.logLevel ?? 'warn');
  // A broker-level default of a topic config (log.cleaner.min.cleanable.ratio...) is read by the
  // dynamic config layer, not by parseBrokerConfig: it is used, not ignored.
  for (const key of config.unknownKeys) if (BROKER_CONFIGS[key]?.topicConfig === undefined) logger.info(`ignoring config ${key}: not used by tskafka`);

  const broker = await Broker.open(config, logger);
  // The dynamic config's limits object: max.connections changed at run time applies to the next accept.
  const quotas = new ConnectionQuotas(broker.dynamicConfig.connectionLimits, logger);
  const servers: Server[] = [];
  try {
    for (const listener of config.listeners) {
      const tls = listener.securityProtocol === 'SSL' || listener.securityProtocol === 'SASL_SSL';
      const serve = (socket: Socket): void => {
        const session = new Session(listener, `${socket.remoteAddress}:${socket.remotePort}`);
        broker.connections.add(new Connection(broker, socket, session));
      };
      // Limits count TCP connections, TLS handshakes included: those hold a descriptor too.
      const server = tls ? createTlsServer({ key: config.ssl!.key, cert: config.ssl!.cert }, serve) : createServer();
      server.on('connection', (socket: Socket) => {
        if (quotas.admit(socket, listener.name) && !tls) serve(socket);
      });
      server.on('error', (e) => logger.error(`listener ${listener.name} failed`, { error: e.message }));
      server.listen(listener.port, listener.host);
      await once(server, 'listening');
      servers.push(server);
      const address = server.address() as AddressInfo;
      const advertised = config.advertisedListeners.get(listener.name);
      const host = listener.host === '0.0.0.0' || listener.host === '::' ? '127.0.0.1' : listener.host;
      broker.listeners.push({
        name: listener.name,
        securityProtocol: listener.securityProtocol,
        host: listener.host,
        port: address.port,
        advertisedHost: advertised?.host || host,
        advertisedPort: advertised && advertised.port !== 0 ? advertised.port : address.port,
      });
    }
  } catch (e) {
    for (const s of servers) s.close();
    await broker.close();
    throw e;
  }
  const first = broker.listeners[0]!;
  logger.info(`broker ${config.nodeId} listening`, { listeners: broker.listeners.map((l) => `${l.name}://${l.advertisedHost}:${l.advertisedPort}`), logDir: config.logDir ?? '(in memory)' });

  let closing: Promise<void> | undefined;
  return {
    bootstrap: `${first.advertisedHost}:${first.advertisedPort}`,
    port: first.port,
    listeners: broker.listeners,
    config,
    broker,
    close: () =>
      (closing ??= (async () => {
        const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
        await broker.close();
        await Promise.all(closed);
      })()),
  };
}
