/**
 * `tskafka broker [server.properties] [--override key=value ...] [--in-memory] [--log-level LEVEL]`
 *
 * Starts the embedded broker the way Kafka's kafka-server-start.sh does: an
 * optional properties file with Kafka's config names, then overrides. Runs
 * until SIGINT or SIGTERM, then closes cleanly (flushing every log).
 */
import { type LogLevel, consoleLogger } from '../broker/logger.js';
import { startBroker } from '../broker/server.js';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'nothing'];

export const BROKER_USAGE = `usage: tskafka broker [server.properties] [--override key=value ...] [--in-memory] [--log-level debug|info|warn|error]

  With no file: listeners=PLAINTEXT://127.0.0.1:9092, log.dirs=./.tskafka-data.
  Config names are Kafka's: listeners, advertised.listeners, log.dirs, num.partitions,
  auto.create.topics.enable, log.retention.ms, log.retention.bytes, log.segment.bytes,
  log.cleanup.policy, log.flush.interval.messages (1 = fsync every write),
  log.flush.interval.ms, message.max.bytes, socket.request.max.bytes, sasl.enabled.mechanisms,
  sasl.users (user:password,...), ssl.keystore.key / ssl.keystore.certificate.chain (PEM), ...
`;

/** Parse the command line and run the broker until a signal; resolves to an exit code. */
export async function brokerCommand(argv: readonly string[], out: (line: string) => void): Promise<number> {
  let configFile: string | undefined;
  let inMemory = false;
  let logLevel: LogLevel = 'info';
  const properties: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--override') {
      const kv = argv[++i];
      const eq = kv?.indexOf('=') ?? -1;
      if (!kv || eq <= 0) throw new Error(`--override needs key=value, got ${kv === undefined ? 'nothing' : JSON.stringify(kv)}`);
      properties[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (arg === '--in-memory') {
      inMemory = true;
    } else if (arg === '--log-level') {
      const level = argv[++i] as LogLevel | undefined;
      if (!level || !LEVELS.includes(level)) throw new Error(`--log-level must be one of ${LEVELS.join(', ')}`);
      logLevel = level;
    } else if (arg === '--help' || arg === '-h') {
      out(BROKER_USAGE);
      return 0;
    } else if (!arg.startsWith('-') && configFile === undefined) {
      configFile = arg;
    } else {
      throw new Error(`unknown argument ${JSON.stringify(arg)}\n\n${BROKER_USAGE}`);
    }
  }
  const started = Date.now();
  const running = await startBroker({ configFile, properties, inMemory, logger: consoleLogger(logLevel) });
  out(`tskafka broker ${running.config.nodeId} started in ${Date.now() - started} ms, listening on ${running.listeners.map((l) => `${l.name}://${l.advertisedHost}:${l.advertisedPort}`).join(', ')} (data: ${running.config.logDir ?? 'in memory'})`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  out('shutting down');
  await running.close();
  return 0;
}
