/**
 * Broker configuration, with Kafka's own config names (server.properties).
 *
 * `parseBrokerConfig` takes the key/value pairs of a properties file plus
 * `--override key=value` pairs, validates each value, and returns one frozen,
 * typed config. Unknown keys are kept (and logged by the caller) rather than
 * refused, as Kafka does, so a real server.properties loads unchanged.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

/** One listener: `NAME://host:port`, with Kafka's security protocols. */
export interface ListenerConfig {
  readonly name: string;
  readonly securityProtocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

/** How appends reach the disk before they are acknowledged. */
export type FlushPolicy = { readonly kind: 'every-write' } | { readonly kind: 'interval'; readonly ms: number } | { readonly kind: 'os' };

/** Defaults for topic-level configs (each overridable per topic). */
export interface TopicDefaults {
  readonly 'cleanup.policy': string;
  readonly 'retention.ms': number;
  readonly 'retention.bytes': number;
  readonly 'segment.bytes': number;
  readonly 'segment.ms': number;
  readonly 'segment.index.bytes': number;
  readonly 'index.interval.bytes': number;
  readonly 'delete.retention.ms': number;
  readonly 'min.compaction.lag.ms': number;
  readonly 'max.message.bytes': number;
  readonly 'message.timestamp.type': string;
  readonly 'min.insync.replicas': number;
  readonly 'compression.type': string;
}

export interface SaslUser {
  readonly username: string;
  readonly password: string;
}

/** OAUTHBEARER's unsecured-token validator: Kafka's `unsecuredValidator*` JAAS options (see auth/oauthbearer.ts). */
export interface OAuthBearerValidatorOptions {
  /** `unsecuredValidatorPrincipalClaimName` (`sub`): the claim naming the principal. */
  readonly principalClaimName: string;
  /** `unsecuredValidatorScopeClaimName` (`scope`). */
  readonly scopeClaimName: string;
  /** `unsecuredValidatorRequiredScope` (none): space-separated scopes every token must carry. */
  readonly requiredScope: readonly string[];
  /** `unsecuredValidatorAllowableClockSkewMs` (0): slack for `iat` and `exp`. */
  readonly allowableClockSkewMs: number;
}

export interface BrokerConfig {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly listeners: readonly ListenerConfig[];
  /** Host/port clients are told to use, per listener name; defaults to the bound address. */
  readonly advertisedListeners: ReadonlyMap<string, { host: string; port: number }>;
  /** null = in memory (nothing on disk). */
  readonly logDir: string | null;
  readonly numPartitions: number;
  readonly autoCreateTopics: boolean;
  readonly flush: FlushPolicy;
  /**
   * `log.flush.scheduler.interval.ms` (here 1 s; Kafka's default never checks): how
   * often the flush check runs, flushing each log whose `flush.ms` (the topic's, or
   * `log.flush.interval.ms`) elapsed since its last flush.
   */
  readonly logFlushSchedulerIntervalMs: number;
  readonly socketRequestMaxBytes: number;
  /** `queued.max.request.bytes` (-1, unlimited): past this many bytes of requests read and not answered, no connection is read. */
  readonly queuedMaxRequestBytes: number;
  /** Connection limits and timeouts: see {@link ConnectionLimitsConfig}. */
  readonly connectionLimits: ConnectionLimitsConfig;
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly offsetsRetentionMs: number;
  readonly logRetentionCheckIntervalMs: number;
  readonly logCleanerBackoffMs: number;
  /** `producer.id.expiration.ms` (1 day): an idempotent producer's state is dropped this long after its last write. */
  readonly producerIdExpirationMs: number;
  /** `producer.id.expiration.check.interval.ms` (10 min): how often expired producer ids are removed. */
  readonly producerIdExpirationCheckIntervalMs: number;
  readonly saslEnabledMechanisms: readonly string[];
  readonly saslUsers: readonly SaslUser[];
  /**
   * `connections.max.reauth.ms` (0: sessions do not expire) keyed `''`, and Kafka's
   * `listener.name.<listener>[.<mechanism>].connections.max.reauth.ms` keyed `LISTENER`
   * or `LISTENER/MECHANISM` (KIP-368; looked up by auth/reauth.ts).
   */
  readonly connectionsMaxReauthMs: ReadonlyMap<string, number>;
  /** OAUTHBEARER's unsecured-token validator options. */
  readonly oauthBearer: OAuthBearerValidatorOptions;
  /** The ACL authorizer (`authorizer.class.name`), or null when none is configured: every request is then allowed. */
  readonly authorizer: AuthorizerConfig | null;
  /** PEM key and certificate for SSL/SASL_SSL listeners. */
  readonly ssl: { readonly key: string; readonly cert: string } | null;
  readonly topicDefaults: TopicDefaults;
  /** Client quotas' measuring window (see src/broker/quotas/): `quota.window.num` (11) samples of `quota.window.size.seconds` (1) each. */
  readonly quotaWindow: { readonly samples: number; readonly sizeMs: number };
  /** Keys given but not known to tskafka (kept, reported). */
  readonly unknownKeys: readonly string[];
  /** Every key and value given (file and overrides merged): what DescribeConfigs reports as STATIC_BROKER_CONFIG, and what dynamic broker configs are layered over. */
  readonly staticProperties: ReadonlyMap<string, string>;
}

/** How many connections the broker takes, and how long it lets them idle, dribble or fail to authenticate. */
export interface ConnectionLimitsConfig {
  /** `connections.max.idle.ms` (600000): close a connection with no read or write for this long; -1 never. */
  readonly connectionsMaxIdleMs: number;
  /** `max.connections` (2147483647): connections across all listeners; past it a new connection is closed, logged. */
  readonly maxConnections: number;
  /** `listener.name.<listener>.max.connections` (unset: no limit of its own): connections on that listener, by listener name; past it a new one is closed, logged. */
  readonly maxConnectionsPerListener: ReadonlyMap<string, number>;
  /** `max.connections.per.ip` (2147483647): connections from one address; past it a new one is closed, logged. */
  readonly maxConnectionsPerIp: number;
  /** `max.connections.per.ip.overrides` (`ip:count,...`): per-address exceptions to `max.connections.per.ip`. */
  readonly maxConnectionsPerIpOverrides: ReadonlyMap<string, number>;
  /** `sasl.server.max.receive.size` (524288): the largest frame a SASL listener reads before authentication completes. */
  readonly saslServerMaxReceiveSize: number;
  /** `connection.failed.authentication.delay.ms` (100): how long the answer to a failed authentication, and the close, wait (KIP-306). */
  readonly failedAuthenticationDelayMs: number;
  /**
   * `socket.request.read.timeout.ms` (30000), tskafka's own: a request frame begun must be
   * read whole within this long (time the broker itself stops reading is not counted), or the
   * connection is closed. Kafka has no such bound (only `connections.max.idle.ms`, which a peer
   * sending a byte every few minutes never reaches); 30 s is the clients' default
   * `request.timeout.ms`, past which the client that sent the request has given up on it.
   */
  readonly socketRequestReadTimeoutMs: number;
}

/** Kafka's ACL authorizer settings; see src/broker/acl/authorizer.ts for the rules. */
export interface AuthorizerConfig {
  /** `authorizer.class.name`: one of {@link ACL_AUTHORIZER_CLASSES}; both mean the same ACL rules here. */
  readonly className: string;
  /** `super.users` (`User:admin;User:ops`): principals every check allows. */
  readonly superUsers: readonly string[];
  /** `allow.everyone.if.no.acl.found` (false): whether an operation on a resource no ACL names is allowed. */
  readonly allowEveryoneIfNoAclFound: boolean;
}

/** The `authorizer.class.name` values that turn ACLs on (ZooKeeper's AclAuthorizer, KRaft's StandardAuthorizer). */
export const ACL_AUTHORIZER_CLASSES: readonly string[] = ['kafka.security.authorizer.AclAuthorizer', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'];

const SECURITY_PROTOCOLS = new Set(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']);
const SASL_MECHANISMS = new Set(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']);

/** A config value that cannot be used; names the key, the value and what is accepted. */
export class BrokerConfigError extends Error {
  override readonly name = 'BrokerConfigError';
  constructor(
    readonly key: string,
    readonly value: string,
    accepted: string,
  ) {
    super(`broker config ${key}=${JSON.stringify(value)} is invalid: expected ${accepted}`);
  }
}

/** Parse Java properties text (key=value or key: value, # and ! comments, \ continuations). */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.trim();
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
    else out.set(line, '');
  }
  return out;
}

/** Read a server.properties file. */
export function readPropertiesFile(path: string): Map<string, string> {
  return parseProperties(readFileSync(path, 'utf8'));
}

/** Parse `listeners`: comma-separated `NAME://host:port`. */
export function parseListeners(value: string, key = 'listeners'): ListenerConfig[] {
  const listeners = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^([A-Za-z_][A-Za-z0-9_]*):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(s);
      if (!m) throw new BrokerConfigError(key, value, 'NAME://host:port[,...], e.g. PLAINTEXT://127.0.0.1:9092');
      const name = m[1]!.toUpperCase();
      if (!SECURITY_PROTOCOLS.has(name)) {
        throw new BrokerConfigError(key, value, `a listener name among ${[...SECURITY_PROTOCOLS].join(', ')} (custom names with listener.security.protocol.map are not supported)`);
      }
      const host = m[2]!.replace(/^\[|\]$/g, '') || '0.0.0.0';
      return { name, securityProtocol: name as ListenerConfig['securityProtocol'], host, port: Number(m[3]) };
    });
  if (listeners.length === 0) throw new BrokerConfigError(key, value, 'at least one listener');
  return listeners;
}

/**
 * Users from a JAAS line as Kafka's PlainLoginModule takes them:
 * `... PlainLoginModule required username="admin" password="x" user_admin="x" user_alice="y";`
 */
export function parseJaasUsers(jaas: string): SaslUser[] {
  const users: SaslUser[] = [];
  for (const m of jaas.matchAll(/user_([^=\s]+)\s*=\s*"([^"]*)"/g)) users.push({ username: m[1]!, password: m[2]! });
  return users;
}

class Props {
  readonly used = new Set<string>();
  constructor(readonly map: ReadonlyMap<string, string>) {}

  raw(key: string): string | undefined {
    this.used.add(key);
    return this.map.get(key);
  }

  string(key: string, dflt: string): string {
    return this.raw(key) ?? dflt;
  }

  int(key: string, dflt: number, min = -Infinity): number {
    const v = this.raw(key);
    if (v === undefined) return dflt;
    const n = Number(v.trim());
    if (!Number.isSafeInteger(n) || n < min) throw new BrokerConfigError(key, v, `an integer${min > -Infinity ? ` >= ${min}` : ''}`);
    return n;
  }

  bool(key: string, dflt: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return dflt;
    const t = v.trim().toLowerCase();
    if (t !== 'true' && t !== 'false') throw new BrokerConfigError(key, v, 'true or false');
    return t === 'true';
  }
}

const DAY = 24 * 60 * 60 * 1000;

/** Validate a topic-level config value by Kafka's rules; returns the normalized value. */
export function validateTopicConfig(key: string, value: string): string | number {
  switch (key) {
    case 'cleanup.policy': {
      const parts = value.split(',').map((s) => s.trim().toLowerCase());
      if (parts.length === 0 || parts.some((p) => p !== 'delete' && p !== 'compact')) throw new BrokerConfigError(key, value, 'delete, compact, or compact,delete');
      return [...new Set(parts)].sort().join(',');
    }
    case 'message.timestamp.type':
      if (value !== 'CreateTime' && value !== 'LogAppendTime') throw new BrokerConfigError(key, value, 'CreateTime or LogAppendTime');
      return value;
    case 'compression.type': {
      const v = value.toLowerCase();
      if (!['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'].includes(v)) throw new BrokerConfigError(key, value, 'producer, uncompressed, gzip, snappy, lz4 or zstd');
      return v;
    }
    case 'retention.ms':
    case 'retention.bytes':
    case 'segment.bytes':
    case 'segment.ms':
    case 'segment.index.bytes':
    case 'index.interval.bytes':
    case 'delete.retention.ms':
    case 'min.compaction.lag.ms':
    case 'max.message.bytes':
    case 'min.insync.replicas': {
      const n = Number(value);
      const min = key === 'retention.ms' || key === 'retention.bytes' ? -1 : key === 'segment.bytes' ? 14 : key === 'min.insync.replicas' ? 1 : 0;
      if (!Number.isSafeInteger(n) || n < min) throw new BrokerConfigError(key, value, `an integer >= ${min}`);
      return n;
    }
    default:
      throw new BrokerConfigError(key, value, `a known topic config (${TOPIC_CONFIG_KEYS.join(', ')})`);
  }
}

/** Topic configs this broker understands. */
export const TOPIC_CONFIG_KEYS: readonly string[] = [
  'cleanup.policy',
  'compression.type',
  'delete.retention.ms',
  'index.interval.bytes',
  'max.message.bytes',
  'message.timestamp.type',
  'min.compaction.lag.ms',
  'min.insync.replicas',
  'retention.bytes',
  'retention.ms',
  'segment.bytes',
  'segment.index.bytes',
  'segment.ms',
];

/**
 * Build the broker config from properties (file contents and overrides merged,
 * overrides last). With nothing given: one PLAINTEXT listener on
 * 127.0.0.1:9092 and a data directory `.tskafka-data` under the current one.
 */
export function parseBrokerConfig(properties: ReadonlyMap<string, string>, opts: { inMemory?: boolean } = {}): BrokerConfig {
  const p = new Props(properties);
  const listeners = parseListeners(p.string('listeners', 'PLAINTEXT://127.0.0.1:9092'));
  const advertisedListeners = new Map<string, { host: string; port: number }>();
  const adv = p.raw('advertised.listeners');
  if (adv) for (const l of parseListeners(adv, 'advertised.listeners')) advertisedListeners.set(l.name, { host: l.host, port: l.port });

  const retentionMs = (): number => {
    const ms = p.raw('log.retention.ms');
    if (ms !== undefined) return p.int('log.retention.ms', 0, -1);
    const minutes = p.raw('log.retention.minutes');
    if (minutes !== undefined) return p.int('log.retention.minutes', 0, -1) * 60_000;
    return p.int('log.retention.hours', 168, -1) * 3_600_000;
  };

  // Kafka's flush settings: log.flush.interval.messages=1 flushes every write;
  // log.flush.interval.ms=N flushes on a timer; neither leaves it to the OS (Kafka's default).
  const flushMessages = p.int('log.flush.interval.messages', Number.MAX_SAFE_INTEGER, 1);
  const flushMs = p.raw('log.flush.interval.ms');
  const flush: FlushPolicy =
    flushMessages === 1 ? { kind: 'every-write' } : flushMs !== undefined ? { kind: 'interval', ms: p.int('log.flush.interval.ms', 0, 1) } : { kind: 'os' };

  const mechanisms = p
    .string('sasl.enabled.mechanisms', 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512')
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  for (const m of mechanisms) if (!SASL_MECHANISMS.has(m)) throw new BrokerConfigError('sasl.enabled.mechanisms', m, [...SASL_MECHANISMS].join(', '));

  const users: SaslUser[] = [];
  for (const [key, value] of properties) {
    if (/(^|\.)sasl\.jaas\.config$/.test(key)) {
      p.used.add(key);
      users.push(...parseJaasUsers(value));
    }
  }
  // tskafka shorthand: sasl.users=alice:secret,bob:pw
  for (const pair of (p.raw('sasl.users') ?? '').split(',').filter(Boolean)) {
    const i = pair.indexOf(':');
    if (i <= 0) throw new BrokerConfigError('sasl.users', pair, 'user:password[,user:password...]');
    users.push({ username: pair.slice(0, i).trim(), password: pair.slice(i + 1) });
  }

  const keyPem = p.raw('ssl.keystore.key') ?? readOptional(p.raw('ssl.key.location'), 'ssl.key.location');
  const certPem = p.raw('ssl.keystore.certificate.chain') ?? readOptional(p.raw('ssl.certificate.location'), 'ssl.certificate.location');
  const needsTls = listeners.some((l) => l.securityProtocol === 'SSL' || l.securityProtocol === 'SASL_SSL');
  if (needsTls && (!keyPem || !certPem)) {
    throw new BrokerConfigError('listeners', listeners.map((l) => l.name).join(','), 'ssl.keystore.key and ssl.keystore.certificate.chain (PEM), or ssl.key.location and ssl.certificate.location, for an SSL listener');
  }

  const topicDefaults: TopicDefaults = {
    'cleanup.policy': validateTopicConfig('cleanup.policy', p.string('log.cleanup.policy', 'delete')) as string,
    'retention.ms': retentionMs(),
    'retention.bytes': p.int('log.retention.bytes', -1, -1),
    'segment.bytes': p.int('log.segment.bytes', 1024 * 1024 * 1024, 14),
    'segment.ms': p.int('log.roll.ms', p.int('log.roll.hours', 168, 1) * 3_600_000, 1),
    'segment.index.bytes': p.int('log.index.size.max.bytes', 10 * 1024 * 1024, 4),
    'index.interval.bytes': p.int('log.index.interval.bytes', 4096, 0),
    'delete.retention.ms': p.int('log.cleaner.delete.retention.ms', DAY, 0),
    'min.compaction.lag.ms': p.int('log.cleaner.min.compaction.lag.ms', 0, 0),
    'max.message.bytes': p.int('message.max.bytes', 1024 * 1024 + 12, 0),
    'message.timestamp.type': validateTopicConfig('message.timestamp.type', p.string('log.message.timestamp.type', 'CreateTime')) as string,
    'min.insync.replicas': p.int('min.insync.replicas', 1, 1),
    'compression.type': validateTopicConfig('compression.type', p.string('compression.type', 'producer')) as string,
  };

  const logDirs = p.raw('log.dirs') ?? p.raw('log.dir');
  const config: BrokerConfig = {
    nodeId: p.int('node.id', p.int('broker.id', 1, 0), 0),
    clusterId: p.string('cluster.id', 'tskafka-cluster'),
    listeners,
    advertisedListeners,
    logDir: opts.inMemory ? null : (logDirs ?? '.tskafka-data').split(',')[0]!.trim(),
    numPartitions: p.int('num.partitions', 1, 1),
    autoCreateTopics: p.bool('auto.create.topics.enable', true),
    flush,
    // Kafka's default (Long.MAX_VALUE) never runs the check, so a topic's flush.ms does
    // nothing there unless this is set; here an accepted flush.ms override always acts.
    logFlushSchedulerIntervalMs: p.int('log.flush.scheduler.interval.ms', 1_000, 1),
    socketRequestMaxBytes: p.int('socket.request.max.bytes', 100 * 1024 * 1024, 1),
    queuedMaxRequestBytes: p.int('queued.max.request.bytes', -1, -1),
    connectionLimits: parseConnectionLimits(p, listeners),
    // Kafka's default is 3000 ms, which makes every first consumer-group join on a
    // laptop wait 3 s; Kafka's docs advise 0 for development, which is this broker's job.
    groupInitialRebalanceDelayMs: p.int('group.initial.rebalance.delay.ms', 0, 0),
    groupMinSessionTimeoutMs: p.int('group.min.session.timeout.ms', 6000, 0),
    groupMaxSessionTimeoutMs: p.int('group.max.session.timeout.ms', 1_800_000, 0),
    offsetsRetentionMs: p.int('offsets.retention.minutes', 7 * 24 * 60, 1) * 60_000,
    logRetentionCheckIntervalMs: p.int('log.retention.check.interval.ms', 300_000, 1),
    logCleanerBackoffMs: p.int('log.cleaner.backoff.ms', 15_000, 1),
    producerIdExpirationMs: p.int('producer.id.expiration.ms', DAY, 1),
    producerIdExpirationCheckIntervalMs: p.int('producer.id.expiration.check.interval.ms', 600_000, 1),
    saslEnabledMechanisms: mechanisms,
    saslUsers: users,
    connectionsMaxReauthMs: parseConnectionsMaxReauthMs(p, listeners),
    oauthBearer: parseOAuthBearerOptions(properties),
    authorizer: parseAuthorizer(p),
    ssl: keyPem && certPem ? { key: keyPem, cert: certPem } : null,
    topicDefaults,
    quotaWindow: { samples: p.int('quota.window.num', 11, 1), sizeMs: p.int('quota.window.size.seconds', 1, 1) * 1000 },
    unknownKeys: [],
    staticProperties: new Map(properties),
  };
  const unknown = [...properties.keys()].filter((k) => !p.used.has(k));
  return Object.freeze({ ...config, unknownKeys: unknown });
}

const INT_MAX = 2_147_483_647;

function parseConnectionLimits(p: Props, listeners: readonly ListenerConfig[]): ConnectionLimitsConfig {
  const idleMs = p.int('connections.max.idle.ms', 600_000, -1);
  // Kafka takes a negative value as "never"; 0 would close every connection at once.
  if (idleMs === 0) throw new BrokerConfigError('connections.max.idle.ms', '0', 'a positive number of milliseconds, or -1 for never');
  const perIp = p.int('max.connections.per.ip', INT_MAX, 0);
  const overrides = new Map<string, number>();
  const overridesText = p.string('max.connections.per.ip.overrides', '');
  for (const entry of overridesText.split(',').map((s) => s.trim()).filter(Boolean)) {
    // ip:count; an IPv6 address has colons of its own, so the count follows the last one.
    const at = entry.lastIndexOf(':');
    const address = entry.slice(0, at).trim().replace(/^\[|\]$/g, '');
    const count = entry.slice(at + 1).trim();
    if (at <= 0 || isIP(address) === 0 || !/^\d{1,10}$/.test(count)) {
      throw new BrokerConfigError('max.connections.per.ip.overrides', overridesText, 'ip:count[,ip:count...] with IP addresses (host names are not resolved) and counts >= 0');
    }
    overrides.set(normalizeIp(address), Number(count));
  }
  // Kafka's rule: a default of 0 refuses everyone not listed, so the list must not be empty.
  if (perIp === 0 && overrides.size === 0) throw new BrokerConfigError('max.connections.per.ip', '0', 'a positive count (0 only with max.connections.per.ip.overrides set)');
  const delayMs = p.int('connection.failed.authentication.delay.ms', 100, 0);
  // Kafka's rule: the delayed answer must come before the connection would be closed as idle.
  if (idleMs > 0 && delayMs >= idleMs) throw new BrokerConfigError('connection.failed.authentication.delay.ms', String(delayMs), `less than connections.max.idle.ms (${idleMs})`);
  // Kafka's per-listener override of max.connections: listener.name.<name, lower case>.max.connections.
  const perListener = new Map<string, number>();
  for (const l of listeners) {
    const key = `listener.name.${l.name.toLowerCase()}.max.connections`;
    if (p.raw(key) !== undefined) perListener.set(l.name, p.int(key, INT_MAX, 0));
  }
  return {
    connectionsMaxIdleMs: idleMs,
    maxConnections: p.int('max.connections', INT_MAX, 0),
    maxConnectionsPerListener: perListener,
    maxConnectionsPerIp: perIp,
    maxConnectionsPerIpOverrides: overrides,
    saslServerMaxReceiveSize: p.int('sasl.server.max.receive.size', 524_288, 1),
    failedAuthenticationDelayMs: delayMs,
    socketRequestReadTimeoutMs: p.int('socket.request.read.timeout.ms', 30_000, 1),
  };
}

/** `connections.max.reauth.ms` and its per-listener, per-mechanism overrides (Kafka's lookup order is in auth/reauth.ts). */
function parseConnectionsMaxReauthMs(p: Props, listeners: readonly ListenerConfig[]): ReadonlyMap<string, number> {
  const byKey = new Map<string, number>([['', p.int('connections.max.reauth.ms', 0, 0)]]);
  for (const key of p.map.keys()) {
    const m = /^listener\.name\.([^.]+)\.(?:([^.]+)\.)?connections\.max\.reauth\.ms$/.exec(key);
    const listener = m && listeners.find((l) => l.name.toLowerCase() === m[1]);
    if (!m || !listener) continue;
    byKey.set(m[2] === undefined ? listener.name : `${listener.name}/${m[2].toUpperCase()}`, p.int(key, 0, 0));
  }
  return byKey;
}

/** Kafka's `unsecuredValidator*` options, from the JAAS line of OAuthBearerLoginModule (`name="value"` or `name=value`). */
function parseOAuthBearerOptions(properties: ReadonlyMap<string, string>): OAuthBearerValidatorOptions {
  const options = new Map<string, string>();
  for (const [key, value] of properties) {
    if (!/(^|\.)sasl\.jaas\.config$/.test(key) || !value.includes('OAuthBearerLoginModule')) continue;
    for (const m of value.matchAll(/\bunsecuredValidator(\w+)\s*=\s*(?:"([^"]*)"|([^\s;"]+))/g)) options.set(m[1]!, (m[2] ?? m[3]!).trim());
  }
  const skew = options.get('AllowableClockSkewMs') || '0';
  if (!/^\d{1,9}$/.test(skew)) throw new BrokerConfigError('sasl.jaas.config', `unsecuredValidatorAllowableClockSkewMs=${skew}`, 'a number of milliseconds >= 0');
  return {
    principalClaimName: options.get('PrincipalClaimName') || 'sub',
    scopeClaimName: options.get('ScopeClaimName') || 'scope',
    requiredScope: (options.get('RequiredScope') ?? '').split(' ').filter(Boolean),
    allowableClockSkewMs: Number(skew),
  };
}

/** An address as connection limits count it: an IPv4-mapped IPv6 address (a dual-stack listener's view of an IPv4 client) as plain IPv4. */
export function normalizeIp(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}

function readOptional(path: string | undefined, key: string): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new BrokerConfigError(key, path, `a readable PEM file (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** `authorizer.class.name` (empty: none), `super.users`, `allow.everyone.if.no.acl.found`. */
function parseAuthorizer(p: Props): AuthorizerConfig | null {
  const className = p.string('authorizer.class.name', '').trim();
  const superUsersValue = p.string('super.users', '');
  const superUsers = superUsersValue
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const principal of superUsers) {
    const colon = principal.indexOf(':');
    if (colon <= 0 || colon === principal.length - 1) throw new BrokerConfigError('super.users', superUsersValue, 'principals separated by ";", each TYPE:name, e.g. User:admin;User:ops');
  }
  const allowEveryoneIfNoAclFound = p.bool('allow.everyone.if.no.acl.found', false);
  if (className === '') return null;
  if (!ACL_AUTHORIZER_CLASSES.includes(className)) throw new BrokerConfigError('authorizer.class.name', className, `empty (no authorizer) or one of ${ACL_AUTHORIZER_CLASSES.join(', ')}`);
  return { className, superUsers, allowEveryoneIfNoAclFound };
}
