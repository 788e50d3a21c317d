/**
 * The broker configs DescribeConfigs reports for a BROKER resource, and which
 * of them AlterConfigs and IncrementalAlterConfigs may change at run time.
 *
 * As Kafka's `DynamicBrokerConfig`: every broker-level default of a topic
 * config (`log.retention.ms`, `log.cleanup.policy`, `message.max.bytes`...,
 * Kafka's `ServerTopicConfigSynonyms`) is dynamic, and so are the connection
 * limits (`max.connections`, `max.connections.per.ip`, and its overrides).
 * The rest is read-only: set in server.properties, read at startup. Kafka
 * lets a few more change at run time (`log.cleaner.backoff.ms`,
 * `producer.id.expiration.ms`, thread pools); tskafka reads those once, so it
 * reports them read-only rather than take a change it would not apply.
 */
import { type TopicConfigType, TOPIC_CONFIGS } from './log/log-config.js';

/** One broker config as DescribeConfigs reports it. */
export interface BrokerConfigDef {
  readonly type: TopicConfigType;
  /** The value in force when nothing sets it (tskafka's default), or null when it has none of its own (`log.retention.ms`: a synonym decides). */
  readonly default: string | null;
  /** Whether AlterConfigs and IncrementalAlterConfigs may change it. */
  readonly dynamic: boolean;
  /** The topic config this is the broker-level default of, if any. */
  readonly topicConfig?: string;
  /** A run-time value checked: undefined when refused. */
  readonly parse: (value: string) => string | number | undefined;
  /** What is accepted, for the refusal. */
  readonly accepted: string;
}

const INT_MAX = 2_147_483_647;

function count(dflt: string | null, dynamic: boolean, type: TopicConfigType = 'INT'): BrokerConfigDef {
  const parse = (v: string): number | undefined => (/^\s*\d{1,16}\s*$/.test(v) && Number(v) <= (type === 'INT' ? INT_MAX : Number.MAX_SAFE_INTEGER) ? Number(v) : undefined);
  return { type, default: dflt, dynamic, parse, accepted: 'a count >= 0' };
}

function fixed(type: TopicConfigType, dflt: string | null): BrokerConfigDef {
  return { type, default: dflt, dynamic: false, parse: () => undefined, accepted: 'nothing at run time (set it in server.properties)' };
}

/** Kafka's broker configs with no default of their own: the synonym after them decides (`log.retention.hours`). */
const NO_DEFAULT = new Set(['log.retention.ms', 'log.roll.ms', 'log.roll.jitter.ms', 'log.flush.interval.ms']);

function topicSynonyms(): Record<string, BrokerConfigDef> {
  const out: Record<string, BrokerConfigDef> = {};
  for (const [topicConfig, def] of Object.entries(TOPIC_CONFIGS)) {
    if (def.brokerSynonym === null) continue;
    out[def.brokerSynonym] = { type: def.type, default: NO_DEFAULT.has(def.brokerSynonym) ? null : def.default, dynamic: true, topicConfig, parse: def.parse, accepted: def.accepted };
  }
  return out;
}

/** Every broker config described, by name. */
export const BROKER_CONFIGS: Readonly<Record<string, BrokerConfigDef>> = Object.freeze({
  ...topicSynonyms(),
  // tskafka's own default differs from Kafka's (Long.MAX_VALUE, never): see config.ts.
  'log.flush.scheduler.interval.ms': fixed('LONG', '1000'),
  'log.retention.minutes': fixed('INT', null),
  'log.retention.hours': fixed('INT', '168'),
  'log.roll.hours': fixed('INT', '168'),
  'log.roll.jitter.hours': fixed('INT', '0'),
  'log.retention.check.interval.ms': fixed('LONG', '300000'),
  'log.cleaner.backoff.ms': fixed('LONG', '15000'),
  'node.id': fixed('INT', '1'),
  'broker.id': fixed('INT', '1'),
  'num.partitions': fixed('INT', '1'),
  'auto.create.topics.enable': fixed('BOOLEAN', 'true'),
  'log.dirs': fixed('STRING', null),
  listeners: fixed('STRING', 'PLAINTEXT://127.0.0.1:9092'),
  'advertised.listeners': fixed('STRING', null),
  'socket.request.max.bytes': fixed('INT', '104857600'),
  'queued.max.request.bytes': fixed('LONG', '-1'),
  'max.connections': count(String(INT_MAX), true),
  'max.connections.per.ip': count(String(INT_MAX), true),
  'max.connections.per.ip.overrides': { type: 'STRING', default: '', dynamic: true, parse: (v) => v, accepted: 'ip:count[,ip:count...]' },
  'connections.max.idle.ms': fixed('LONG', '600000'),
  'connection.failed.authentication.delay.ms': fixed('INT', '100'),
  'sasl.enabled.mechanisms': fixed('LIST', 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512'),
  'sasl.server.max.receive.size': fixed('INT', '524288'),
  'group.initial.rebalance.delay.ms': fixed('INT', '0'),
  'group.min.session.timeout.ms': fixed('INT', '6000'),
  'group.max.session.timeout.ms': fixed('INT', '1800000'),
  'offsets.retention.minutes': fixed('INT', '10080'),
  'producer.id.expiration.ms': fixed('INT', '86400000'),
  'producer.id.expiration.check.interval.ms': fixed('INT', '600000'),
  'authorizer.class.name': fixed('STRING', ''),
  'super.users': fixed('STRING', null),
  'allow.everyone.if.no.acl.found': fixed('BOOLEAN', 'false'),
} satisfies Record<string, BrokerConfigDef>);

/** The broker config names, sorted (DescribeConfigs' order). */
export const BROKER_CONFIG_NAMES: readonly string[] = Object.freeze(Object.keys(BROKER_CONFIGS).sort());

/**
 * The names that set one broker config, the most specific first (Kafka's
 * `brokerConfigSynonyms`): `log.retention.ms`, then `.minutes`, then `.hours`;
 * `log.roll.ms` then `log.roll.hours`; `log.flush.interval.ms` then the
 * scheduler interval it defaults to; any other config is its own only synonym.
 */
export function brokerConfigSynonyms(name: string): readonly string[] {
  switch (name) {
    case 'log.retention.ms':
    case 'log.retention.minutes':
    case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
    case 'log.roll.ms':
    case 'log.roll.hours':
      return ['log.roll.ms', 'log.roll.hours'];
    case 'log.roll.jitter.ms':
    case 'log.roll.jitter.hours':
      return ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
    case 'log.flush.interval.ms':
      return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
    default:
      return [name];
  }
}
