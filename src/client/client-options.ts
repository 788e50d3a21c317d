/**
 * The options of `new Kafka({...})`, KafkaJS's names and defaults, validated
 * once into a frozen {@link ResolvedKafkaConfig}. Every error names the
 * option, the value given and what is accepted; the user's object is read,
 * never changed or kept (nested objects such as `ssl` are referenced as given
 * and never written to).
 */
import { KafkaJSConfigurationError } from '../errors/errors.js';
import { type OauthbearerSaslOptions, type PasswordSaslOptions, type SaslOptions, SASL_MECHANISMS } from '../network/sasl/mechanism.js';
import { type SslOptions } from '../network/socket.js';
import { type ResolvedRetryOptions, type RetryOptions, resolveRetryOptions } from '../retry/retrier.js';
import { refuseUnknownOptions } from './unknown-options.js';
import { type LogCreator, type LogLevel, consoleLogCreator, logLevel } from './logger.js';

/** A function returning the bootstrap brokers, called on each (re)bootstrap (KafkaJS's `BrokersFunction`). */
export type BrokersFunction = () => readonly string[] | Promise<readonly string[]>;

/** The options of `new Kafka({...})`, as KafkaJS's `KafkaConfig`. */
export interface KafkaConfig {
  /** Sent with every request; brokers log it and use it for quotas. Default `tskafka`. */
  readonly clientId?: string | undefined;
  /**
   * Bootstrap brokers as `host:port`, or a function returning them. When absent,
   * the environment variable `KAFKA_BROKERS` (comma-separated) is used.
   */
  readonly brokers?: readonly string[] | BrokersFunction | undefined;
  /** TLS: `true`, or Node's `tls.connect` options (ca, cert, key, servername, rejectUnauthorized...). */
  readonly ssl?: SslOptions | undefined;
  /** SASL credentials. */
  readonly sasl?: SaslOptions | undefined;
  /**
   * Allow SASL PLAIN without `ssl`: PLAIN sends the password as it is, so over a
   * plaintext connection anyone on the path reads it. Refused unless this is true
   * (for a broker on localhost or a trusted network). Default false.
   */
  readonly allowPlainTextSasl?: boolean | undefined;
  /** Milliseconds to establish a TCP (and TLS) connection. Default 1000. */
  readonly connectionTimeout?: number | undefined;
  /** Milliseconds for each SASL request. Default 10000. */
  readonly authenticationTimeout?: number | undefined;
  /**
   * When the broker bounds SASL sessions (KIP-368, `connections.max.reauth.ms` or an
   * expiring OAUTHBEARER token), re-authenticate when this many ms are left. Default 10000, as KafkaJS.
   */
  readonly reauthenticationThreshold?: number | undefined;
  /** Milliseconds to wait for a response. Default 30000. */
  readonly requestTimeout?: number | undefined;
  /** False turns request timeouts off. Default true. */
  readonly enforceRequestTimeout?: boolean | undefined;
  /** Backoff for retried operations. */
  readonly retry?: RetryOptions | undefined;
  /** Default INFO. */
  readonly logLevel?: LogLevel | undefined;
  /** Builds the log function; default one JSON line per entry on the console. */
  readonly logCreator?: LogCreator | undefined;
}

/** A bootstrap address. */
export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

/** Where bootstrap brokers come from, after validation. */
export type BootstrapSource =
  | { readonly kind: 'list'; readonly addresses: readonly BrokerAddress[] }
  | { readonly kind: 'function'; readonly brokers: BrokersFunction };

/** {@link KafkaConfig} validated, defaults filled in, frozen. */
export interface ResolvedKafkaConfig {
  readonly clientId: string;
  readonly bootstrap: BootstrapSource;
  readonly ssl: SslOptions | undefined;
  readonly sasl: SaslOptions | undefined;
  readonly connectionTimeout: number;
  readonly authenticationTimeout: number;
  readonly reauthenticationThreshold: number;
  readonly requestTimeout: number;
  readonly enforceRequestTimeout: boolean;
  readonly retry: ResolvedRetryOptions;
  readonly logLevel: LogLevel;
  readonly logCreator: LogCreator;
}

/** The defaults, KafkaJS's except the client id. */
export const KAFKA_CONFIG_DEFAULTS = Object.freeze({
  clientId: 'tskafka',
  connectionTimeout: 1000,
  authenticationTimeout: 10_000,
  reauthenticationThreshold: 10_000,
  requestTimeout: 30_000,
  enforceRequestTimeout: true,
  logLevel: logLevel.INFO,
} as const);

/** Every option of {@link KafkaConfig}; any other is refused (a misspelt option would be ignored in silence). */
export const KAFKA_CONFIG_OPTIONS: readonly string[] = Object.freeze([
  'clientId',
  'brokers',
  'ssl',
  'sasl',
  'allowPlainTextSasl',
  'connectionTimeout',
  'authenticationTimeout',
  'reauthenticationThreshold',
  'requestTimeout',
  'enforceRequestTimeout',
  'retry',
  'logLevel',
  'logCreator',
]);

/** The environment variable read when `brokers` is not given. */
export const BROKERS_ENV = 'KAFKA_BROKERS';

/**
 * Environment variables read by `Kafka.fromEnv()` ({@link kafkaConfigFromEnv}), so one
 * build runs against a laptop broker and a managed cluster with only the environment
 * changed. `new Kafka({...})` reads `KAFKA_BROKERS` alone (when `brokers` is absent),
 * never credentials:
 *
 * | variable | option |
 * | --- | --- |
 * | `KAFKA_BROKERS` | `brokers`: `host:port[,host:port...]` |
 * | `KAFKA_CLIENT_ID` | `clientId` |
 * | `KAFKA_SSL` | `ssl`: `true` or `false` (also `1`/`0`) |
 * | `KAFKA_USERNAME`, `KAFKA_PASSWORD` | `sasl` username and password (both or neither) |
 * | `KAFKA_SASL_MECHANISM` | `sasl.mechanism`: `plain` (default), `scram-sha-256`, `scram-sha-512` |
 */
export const KAFKA_ENV = Object.freeze({
  BROKERS: BROKERS_ENV,
  CLIENT_ID: 'KAFKA_CLIENT_ID',
  SSL: 'KAFKA_SSL',
  USERNAME: 'KAFKA_USERNAME',
  PASSWORD: 'KAFKA_PASSWORD',
  SASL_MECHANISM: 'KAFKA_SASL_MECHANISM',
} as const);

/** A set environment variable's value, or undefined when unset or blank. */
function fromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function sslFromEnv(env: NodeJS.ProcessEnv): boolean | undefined {
  const value = fromEnv(env, KAFKA_ENV.SSL);
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw invalid(KAFKA_ENV.SSL, value, 'true or false (or 1 / 0)');
}

function saslFromEnv(env: NodeJS.ProcessEnv): { mechanism: string; username: string; password: string } | undefined {
  const username = fromEnv(env, KAFKA_ENV.USERNAME);
  const password = env[KAFKA_ENV.PASSWORD];
  const mechanism = fromEnv(env, KAFKA_ENV.SASL_MECHANISM);
  if (username === undefined && password === undefined && mechanism === undefined) return undefined;
  if (username === undefined || password === undefined) {
    const missing = username === undefined ? KAFKA_ENV.USERNAME : KAFKA_ENV.PASSWORD;
    throw invalid(missing, undefined, `set together with ${username === undefined ? KAFKA_ENV.PASSWORD : KAFKA_ENV.USERNAME}`, `${missing} is not set`);
  }
  return { mechanism: mechanism ?? 'plain', username, password };
}

/**
 * The options {@link KAFKA_ENV}'s variables set, for `Kafka.fromEnv()`; variables unset
 * or blank leave their option out.
 *
 * @throws KafkaJSConfigurationError naming the variable (KAFKA_SSL not a boolean,
 *   KAFKA_USERNAME without KAFKA_PASSWORD or the reverse)
 */
export function kafkaConfigFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaConfig {
  const brokers = fromEnv(env, KAFKA_ENV.BROKERS)?.split(',').map((s) => s.trim()).filter(Boolean);
  const config: Record<string, unknown> = {
    brokers,
    clientId: fromEnv(env, KAFKA_ENV.CLIENT_ID),
    ssl: sslFromEnv(env),
    sasl: saslFromEnv(env),
  };
  for (const key of Object.keys(config)) if (config[key] === undefined) delete config[key];
  return config as KafkaConfig;
}

const resolvedConfigs = new WeakSet<object>();

/** Whether `config` came from {@link resolveKafkaConfig} (so it need not be validated again). */
export function isResolvedKafkaConfig(config: KafkaConfig | ResolvedKafkaConfig): config is ResolvedKafkaConfig {
  return resolvedConfigs.has(config);
}

function invalid(option: string, value: unknown, accepted: string, reason?: string): KafkaJSConfigurationError {
  return new KafkaJSConfigurationError({ option, value, accepted, reason });
}

function positiveMs(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(option, value, 'a finite number of milliseconds > 0');
  return value;
}

function nonNegativeMs(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(option, value, 'a finite number of milliseconds >= 0');
  return value;
}

/**
 * Parse `host:port` (`[v6 address]:port` for IPv6). `option` names the option
 * in errors, e.g. `brokers[2]`.
 */
export function parseBrokerAddress(value: unknown, option = 'brokers'): BrokerAddress {
  const accepted = "'host:port', e.g. 'localhost:9092' or '[::1]:9092'";
  if (typeof value !== 'string') throw invalid(option, value, accepted);
  const m = /^\s*(?:\[([^\]]+)\]|([^:\s[\]]+)):(\d{1,5})\s*$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) throw invalid(option, value, accepted, m ? 'the port must be 1-65535' : undefined);
  return Object.freeze({ host: (m[1] ?? m[2])!, port });
}

/** Validate a list of `host:port` strings; `option` names its source in errors. */
export function parseBrokerList(value: unknown, option = 'brokers'): readonly BrokerAddress[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid(option, value, "a non-empty array of 'host:port' strings");
  return Object.freeze(value.map((v: unknown, i) => parseBrokerAddress(v, `${option}[${i}]`)));
}

function resolveBootstrap(brokers: KafkaConfig['brokers'], env: NodeJS.ProcessEnv): BootstrapSource {
  if (typeof brokers === 'function') return Object.freeze({ kind: 'function', brokers });
  if (brokers !== undefined) return Object.freeze({ kind: 'list', addresses: parseBrokerList(brokers) });
  const fromEnv = env[BROKERS_ENV];
  if (fromEnv === undefined || fromEnv.trim() === '') {
    throw invalid('brokers', brokers, `an array of 'host:port' strings, a function returning one, or the environment variable ${BROKERS_ENV}=host:port[,host:port...]`, 'no brokers given');
  }
  return Object.freeze({ kind: 'list', addresses: parseBrokerList(fromEnv.split(',').map((s) => s.trim()).filter(Boolean), BROKERS_ENV) });
}

function resolveSsl(ssl: unknown): SslOptions | undefined {
  if (ssl === undefined || ssl === false) return undefined;
  if (ssl === true || (typeof ssl === 'object' && ssl !== null && !Array.isArray(ssl))) return ssl as SslOptions;
  throw invalid('ssl', ssl, 'true, false, or tls.connect options ({ ca, cert, key, servername, rejectUnauthorized, ... })');
}

function resolveSasl(sasl: unknown): SaslOptions | undefined {
  if (sasl === undefined) return undefined;
  if (typeof sasl !== 'object' || sasl === null) throw invalid('sasl', sasl, "{ mechanism, username, password } or { mechanism: 'oauthbearer', oauthBearerProvider }");
  const { mechanism, username, password, oauthBearerProvider } = sasl as Record<string, unknown>;
  // KafkaJS compares mechanisms in lower case.
  const normalized = typeof mechanism === 'string' ? mechanism.toLowerCase() : mechanism;
  if (!SASL_MECHANISMS.includes(normalized as SaslOptions['mechanism'])) {
    throw invalid('sasl.mechanism', mechanism, SASL_MECHANISMS.map((m) => `'${m}'`).join(', '));
  }
  if (normalized === 'oauthbearer') {
    if (typeof oauthBearerProvider !== 'function') throw invalid('sasl.oauthBearerProvider', oauthBearerProvider, 'an async function returning { value: token }');
    return Object.freeze({ mechanism: normalized, oauthBearerProvider: oauthBearerProvider as OauthbearerSaslOptions['oauthBearerProvider'] });
  }
  if (typeof username !== 'string' || username === '') throw invalid('sasl.username', username, 'a non-empty string');
  if (typeof password !== 'string') throw invalid('sasl.password', '(hidden)', 'a string');
  return Object.freeze({ mechanism: normalized as PasswordSaslOptions['mechanism'], username, password });
}

/**
 * SASL PLAIN sends the password in clear: over a connection without TLS it is
 * refused unless `allowPlainTextSasl` says the network is trusted. SCRAM never
 * sends the password, so it is allowed either way.
 */
function refusePlainOverPlaintext(sasl: SaslOptions | undefined, ssl: SslOptions | undefined, allow: unknown): void {
  if (allow !== undefined && typeof allow !== 'boolean') throw invalid('allowPlainTextSasl', allow, 'true or false');
  if (sasl?.mechanism !== 'plain' || ssl !== undefined || allow === true) return;
  throw invalid(
    'sasl.mechanism',
    sasl.mechanism,
    "'plain' with ssl, 'scram-sha-256' or 'scram-sha-512', or 'plain' without ssl only with allowPlainTextSasl: true",
    'SASL PLAIN over a connection without TLS sends the password in clear; set ssl, or allowPlainTextSasl: true for a trusted network',
  );
}

/**
 * Validate `config` and fill in defaults. Reads `KAFKA_BROKERS` from `env`
 * when `brokers` is absent, and nothing else from the environment (see
 * {@link kafkaConfigFromEnv}).
 *
 * @throws KafkaJSConfigurationError naming the first invalid option
 */
export function resolveKafkaConfig(config: KafkaConfig, env: NodeJS.ProcessEnv = process.env): ResolvedKafkaConfig {
  if (isResolvedKafkaConfig(config)) return config;
  if (typeof config !== 'object' || config === null) throw invalid('config', config, 'an object of client options');
  refuseUnknownOptions(config, KAFKA_CONFIG_OPTIONS, 'client');
  const d = KAFKA_CONFIG_DEFAULTS;
  const clientId = config.clientId ?? d.clientId;
  if (typeof clientId !== 'string' || clientId === '') throw invalid('clientId', clientId, 'a non-empty string');
  const levels: readonly number[] = Object.values(logLevel);
  const level = config.logLevel ?? d.logLevel;
  if (!levels.includes(level)) throw invalid('logLevel', level, 'logLevel.NOTHING (0), ERROR (1), WARN (2), INFO (4) or DEBUG (5)');
  const logCreator = config.logCreator ?? consoleLogCreator;
  if (typeof logCreator !== 'function') throw invalid('logCreator', logCreator, 'a function (logLevel) => ({ namespace, level, label, log }) => void');
  const enforceRequestTimeout = config.enforceRequestTimeout ?? d.enforceRequestTimeout;
  if (typeof enforceRequestTimeout !== 'boolean') throw invalid('enforceRequestTimeout', enforceRequestTimeout, 'true or false');
  if (config.retry !== undefined && (typeof config.retry !== 'object' || config.retry === null)) throw invalid('retry', config.retry, '{ retries, initialRetryTime, maxRetryTime, factor, multiplier }');
  const retry: ResolvedRetryOptions = Object.freeze(resolveRetryOptions(config.retry));
  const ssl = resolveSsl(config.ssl);
  const sasl = resolveSasl(config.sasl);
  refusePlainOverPlaintext(sasl, ssl, config.allowPlainTextSasl);

  const resolved: ResolvedKafkaConfig = Object.freeze({
    clientId,
    bootstrap: resolveBootstrap(config.brokers, env),
    ssl,
    sasl,
    connectionTimeout: positiveMs('connectionTimeout', config.connectionTimeout, d.connectionTimeout),
    authenticationTimeout: positiveMs('authenticationTimeout', config.authenticationTimeout, d.authenticationTimeout),
    reauthenticationThreshold: nonNegativeMs('reauthenticationThreshold', config.reauthenticationThreshold, d.reauthenticationThreshold),
    requestTimeout: positiveMs('requestTimeout', config.requestTimeout, d.requestTimeout),
    enforceRequestTimeout,
    retry,
    logLevel: level,
    logCreator,
  });
  resolvedConfigs.add(resolved);
  return resolved;
}
