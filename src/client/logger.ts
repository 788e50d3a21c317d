/**
 * The client's logger, in KafkaJS's shape so existing `logCreator`s plug in
 * unchanged: `logLevel` numbers (NOTHING 0, ERROR 1, WARN 2, INFO 4, DEBUG 5),
 * `logCreator(level)` returning a function that receives
 * `{ namespace, level, label, log }`, and loggers with `namespace()` children.
 *
 * A message below the current level costs one comparison: no entry object, no
 * timestamp string.
 */

/** Log levels, KafkaJS's numbers (3 is unused there too). */
export const logLevel = Object.freeze({
  NOTHING: 0,
  ERROR: 1,
  WARN: 2,
  INFO: 4,
  DEBUG: 5,
} as const);

/** One of {@link logLevel}'s values. */
export type LogLevel = (typeof logLevel)[keyof typeof logLevel];

/** The `log` part of an entry: a timestamp, the logger name, the message, and any extra fields. */
export interface LogEntryContent {
  readonly timestamp: string;
  readonly logger: string;
  readonly message: string;
  readonly [extra: string]: unknown;
}

/** What a log function receives (KafkaJS's `LogEntry`). */
export interface LogEntry {
  readonly namespace: string;
  readonly level: LogLevel;
  readonly label: 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';
  readonly log: LogEntryContent;
}

/** Builds the function that writes entries, given the client's level (KafkaJS's `logCreator`). */
export type LogCreator = (level: LogLevel) => (entry: LogEntry) => void;

/** Extra fields of one message. */
export type LogExtra = Readonly<Record<string, unknown>>;

/** A logger for one namespace. */
export interface Logger {
  error(message: string, extra?: LogExtra): void;
  warn(message: string, extra?: LogExtra): void;
  info(message: string, extra?: LogExtra): void;
  debug(message: string, extra?: LogExtra): void;
  /** A child logger whose entries carry `namespace`, optionally with its own level. */
  namespace(namespace: string, level?: LogLevel): Logger;
  /** Change the level of this logger and of every child without its own level. */
  setLogLevel(level: LogLevel): void;
}

/**
 * KafkaJS's default console log creator: one JSON line per entry, the
 * namespace as a `[Namespace] ` prefix of the message.
 */
export const consoleLogCreator: LogCreator = () => (entry) => {
  const prefix = entry.namespace ? `[${entry.namespace}] ` : '';
  const line = JSON.stringify({ level: entry.label, ...entry.log, message: `${prefix}${entry.log.message}` });
  switch (entry.level) {
    case logLevel.ERROR:
      console.error(line);
      break;
    case logLevel.WARN:
      console.warn(line);
      break;
    case logLevel.INFO:
      console.info(line);
      break;
    default:
      console.log(line);
  }
};

/** The name in every entry's `log.logger` field. */
const LOGGER_NAME = 'tskafka';

/** Create the root logger of a client. */
export function createLogger(options: { level: LogLevel; logCreator: LogCreator }): Logger {
  const shared = { level: options.level };
  const write = options.logCreator(options.level);

  const make = (namespace: string, ownLevel: LogLevel | undefined): Logger => {
    const current = (): LogLevel => ownLevel ?? shared.level;
    const at =
      (level: LogLevel, label: LogEntry['label']) =>
      (message: string, extra?: LogExtra): void => {
        if (level > current()) return;
        write({ namespace, level, label, log: { timestamp: new Date().toISOString(), logger: LOGGER_NAME, message, ...extra } });
      };
    return {
      error: at(logLevel.ERROR, 'ERROR'),
      warn: at(logLevel.WARN, 'WARN'),
      info: at(logLevel.INFO, 'INFO'),
      debug: at(logLevel.DEBUG, 'DEBUG'),
      namespace: (child, level) => make(child, level),
      setLogLevel: (level) => {
        // As in KafkaJS, the level is shared by the root and every namespace created without one.
        if (ownLevel === undefined) shared.level = level;
        else ownLevel = level;
      },
    };
  };
  return make('', undefined);
}

/** A logger that drops everything (the default of lower layers given none). */
export const silentLogger: Logger = Object.freeze({
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  namespace: () => silentLogger,
  setLogLevel: () => {},
});
