/**
 * The connection options every `tskafka` verb shares (`--brokers`, `--client-id`,
 * TLS and SASL), turned into a {@link Kafka} client. Only what the user gives is used:
 * the brokers come from `--brokers` or `KAFKA_BROKERS`, and a password is read from
 * the environment only when `--password-env VAR` asks for it.
 */
import { readFileSync } from 'node:fs';
import { type KafkaConfig } from '../client/client-options.js';
import { KafkaJSConfigurationError } from '../errors/errors.js';
import { logLevel } from '../client/logger.js';
import { type Admin } from '../admin/admin.js';
import { Kafka } from '../kafka.js';
import { type PasswordSaslOptions, PASSWORD_SASL_MECHANISMS } from '../network/sasl/mechanism.js';
import { type OptionSpec, type ParsedArgs } from './args.js';

/** The options of {@link kafkaFromArgs}, appended to every verb's own. */
export const CONNECTION_OPTIONS: readonly OptionSpec[] = Object.freeze([
  { name: 'brokers', short: 'b', kind: 'value', arg: 'HOST:PORT,...', help: 'bootstrap brokers (default: the environment variable KAFKA_BROKERS)' },
  { name: 'client-id', kind: 'value', arg: 'ID', help: 'client id sent with every request (default tskafka-cli)' },
  { name: 'ssl', kind: 'flag', help: 'connect with TLS' },
  { name: 'ssl-ca', kind: 'value', arg: 'FILE', help: 'PEM file of the certificate authorities to trust (implies --ssl)' },
  { name: 'sasl-mechanism', kind: 'value', arg: 'M', help: `SASL mechanism: ${PASSWORD_SASL_MECHANISMS.join(', ')} (needs --username)` },
  { name: 'username', kind: 'value', arg: 'USER', help: 'SASL username' },
  { name: 'password', kind: 'value', arg: 'PASSWORD', help: 'SASL password (visible in the process list: prefer --password-env)' },
  { name: 'password-env', kind: 'value', arg: 'VAR', help: 'read the SASL password from the environment variable VAR' },
  { name: 'allow-plaintext-sasl', kind: 'flag', help: 'allow SASL PLAIN without --ssl (a trusted network: the password travels in clear)' },
] satisfies OptionSpec[]);

/** The env variable read for brokers when `--brokers` is absent. */
const BROKERS_ENV = 'KAFKA_BROKERS';

function brokersFrom(args: ParsedArgs): string[] {
  const text = args.string('brokers') ?? process.env[BROKERS_ENV];
  const brokers = (text ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0) throw args.usage(`no brokers: give --brokers host:port[,host:port...] or set ${BROKERS_ENV}`);
  for (const b of brokers) {
    if (!/^.+:\d+$/.test(b)) throw args.usage(`--brokers takes host:port, got ${JSON.stringify(b)}`);
  }
  return brokers;
}

function saslFrom(args: ParsedArgs): PasswordSaslOptions | undefined {
  const username = args.string('username');
  const mechanism = args.string('sasl-mechanism');
  const passwordEnv = args.string('password-env');
  let password = args.string('password');
  if (passwordEnv !== undefined) {
    if (password !== undefined) throw args.usage('--password and --password-env cannot be used together');
    password = process.env[passwordEnv];
    if (password === undefined) throw args.usage(`--password-env ${passwordEnv}: the environment variable is not set`);
  }
  if (username === undefined && mechanism === undefined && password === undefined) return undefined;
  if (username === undefined) throw args.usage('SASL needs --username');
  if (password === undefined) throw args.usage('SASL needs --password or --password-env VAR');
  const m = (mechanism ?? 'plain').toLowerCase();
  if (!(PASSWORD_SASL_MECHANISMS as readonly string[]).includes(m)) throw args.usage(`--sasl-mechanism must be one of ${PASSWORD_SASL_MECHANISMS.join(', ')}, got ${JSON.stringify(mechanism)}`);
  return { mechanism: m as PasswordSaslOptions['mechanism'], username, password };
}

/**
 * A client from the connection options. The client's own logging is off: the verbs
 * report outcomes themselves, and a log line on stdout would corrupt piped output.
 * Retries are fewer than a library's default so that an unreachable broker is
 * reported in seconds.
 *
 * @throws UsageError for missing brokers or incomplete SASL options
 */
export function kafkaFromArgs(args: ParsedArgs): Kafka {
  const caFile = args.string('ssl-ca');
  const config: KafkaConfig = {
    clientId: args.string('client-id') ?? 'tskafka-cli',
    brokers: brokersFrom(args),
    ssl: caFile !== undefined ? { ca: [readFileSync(caFile)] } : args.flag('ssl') ? true : undefined,
    sasl: saslFrom(args),
    allowPlainTextSasl: args.flag('allow-plaintext-sasl'),
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
  };
  try {
    return new Kafka(config);
  } catch (e) {
    // Options the client refuses (SASL PLAIN without TLS, say) are the command line's mistake.
    if (e instanceof KafkaJSConfigurationError) throw args.usage(e.message);
    throw e;
  }
}

/** Connect an admin client, run `fn`, and disconnect whatever happened. */
export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Delete a throwaway group a verb consumed in (it committed nothing), so that
 * `consume` and `perf consume` runs leave no empty groups behind. Best effort: a
 * failure here does not fail the verb, whose work is done.
 */
export async function deleteThrowawayGroup(kafka: Kafka, groupId: string): Promise<void> {
  await withAdmin(kafka, (admin) => admin.deleteGroups([groupId])).catch(() => undefined);
}
