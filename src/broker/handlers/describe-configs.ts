/**
 * DescribeConfigs, v0-v4.
 *
 * Topic resources (type 2): every Kafka topic config (log-config.ts), its
 * effective value and source, as Kafka reports them: DYNAMIC_TOPIC_CONFIG for an
 * override, STATIC_BROKER_CONFIG when the broker's own setting (its synonym,
 * e.g. `log.retention.ms` for `retention.ms`) differs from Kafka's default, else
 * DEFAULT_CONFIG; optionally filtered by name. Synonyms (v1+, when asked) list
 * those sources most specific first, as Kafka's `ConfigHelper` does.
 * Broker resources (type 4, name = this node id or ""): the static settings.
 * v0 reports `isDefault`; v1+ `configSource` and synonyms; v3+ config types.
 * ACLs, per resource before anything else about it: DESCRIBE_CONFIGS on the
 * TOPIC (else TOPIC_AUTHORIZATION_FAILED) or on the CLUSTER for a broker
 * (else CLUSTER_AUTHORIZATION_FAILED); see acl/config-resource-authorization.ts.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DescribeConfigsRequest } from '../../protocol/generated/describe-configs-request.js';
import { DescribeConfigsResponse, type DescribeConfigsResponseDescribeConfigsResult } from '../../protocol/generated/describe-configs-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { AclOperation } from '../acl/acl-binding.js';
import { configResourceRefusal } from '../acl/config-resource-authorization.js';
import { type BrokerConfig, type FlushPolicy, type TopicDefaults } from '../config.js';
import { TOPIC_CONFIGS, TOPIC_CONFIG_NAMES, topicConfigText } from '../log/log-config.js';
import { type Topic } from '../topics.js';
import { defineHandler } from './handler.js';

/** Kafka's ConfigResource.Type codes. */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

/** Kafka's DescribeConfigs ConfigSource codes. */
const ConfigSource = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;
/** Kafka's ConfigType codes (DescribeConfigs v3+). */
const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

/** One source of a config's value (DescribeConfigs' synonyms). */
export interface ConfigSynonym {
  name: string;
  value: string;
  source: number;
}

export interface DescribedConfig {
  name: string;
  value: string;
  readOnly: boolean;
  configSource: number;
  configType: number;
  /** Where the value may come from, the one in force first. */
  synonyms: ConfigSynonym[];
}

/**
 * The value the broker's settings give a topic config when they differ from
 * Kafka's default: then set in server.properties, which Kafka reports as
 * STATIC_BROKER_CONFIG.
 */
function brokerValue(topic: Topic, name: string, brokerFlush: FlushPolicy | undefined): string | undefined {
  let value: string | undefined;
  if (name in topic.defaults) value = topicConfigText(name, topic.defaults[name as keyof TopicDefaults]);
  else if (name === 'flush.messages' && brokerFlush?.kind === 'every-write') value = '1';
  else if (name === 'flush.ms' && brokerFlush?.kind === 'interval') value = String(brokerFlush.ms);
  return value === TOPIC_CONFIGS[name]?.default ? undefined : value;
}

/**
 * A topic's configs as DescribeConfigs and CreateTopics v5+ report them.
 *
 * @param keys - the names asked for, or null for all
 * @param brokerFlush - the broker's flush policy, the default of `flush.messages` and `flush.ms`
 */
export function describeTopicConfigs(topic: Topic, keys: readonly string[] | null, brokerFlush?: FlushPolicy): DescribedConfig[] {
  return TOPIC_CONFIG_NAMES.filter((k) => keys === null || keys.includes(k)).map((name) => {
    const def = TOPIC_CONFIGS[name]!;
    const override = topic.overrides.get(name);
    const fromBroker = brokerValue(topic, name, brokerFlush);
    const synonyms: ConfigSynonym[] = [];
    if (override !== undefined) synonyms.push({ name, value: topicConfigText(name, override), source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    if (def.brokerSynonym !== null) {
      if (fromBroker !== undefined) synonyms.push({ name: def.brokerSynonym, value: fromBroker, source: ConfigSource.STATIC_BROKER_CONFIG });
      synonyms.push({ name: def.brokerSynonym, value: def.default, source: ConfigSource.DEFAULT_CONFIG });
    }
    const inForce = synonyms[0] ?? { value: def.default, source: ConfigSource.DEFAULT_CONFIG };
    return { name, value: inForce.value, readOnly: false, configSource: inForce.source, configType: ConfigType[def.type], synonyms };
  });
}

function describeBrokerConfigs(config: BrokerConfig, keys: readonly string[] | null): DescribedConfig[] {
  const all: [string, string, number][] = [
    ['node.id', String(config.nodeId), ConfigType.INT],
    ['broker.id', String(config.nodeId), ConfigType.INT],
    ['num.partitions', String(config.numPartitions), ConfigType.INT],
    ['auto.create.topics.enable', String(config.autoCreateTopics), ConfigType.BOOLEAN],
    ['log.dirs', config.logDir ?? '', ConfigType.STRING],
    ['log.retention.ms', String(config.topicDefaults['retention.ms']), ConfigType.LONG],
    ['log.retention.bytes', String(config.topicDefaults['retention.bytes']), ConfigType.LONG],
    ['log.segment.bytes', String(config.topicDefaults['segment.bytes']), ConfigType.INT],
    ['log.cleanup.policy', config.topicDefaults['cleanup.policy'], ConfigType.LIST],
    ['message.max.bytes', String(config.topicDefaults['max.message.bytes']), ConfigType.INT],
    ['min.insync.replicas', String(config.topicDefaults['min.insync.replicas']), ConfigType.INT],
    ['socket.request.max.bytes', String(config.socketRequestMaxBytes), ConfigType.INT],
    ['sasl.enabled.mechanisms', config.saslEnabledMechanisms.join(','), ConfigType.LIST],
  ];
  return all
    .filter(([k]) => keys === null || keys.includes(k))
    .map(([name, value, configType]) => ({ name, value, readOnly: true, configSource: ConfigSource.STATIC_BROKER_CONFIG, configType, synonyms: [{ name, value, source: ConfigSource.STATIC_BROKER_CONFIG }] }));
}

export const describeConfigsHandler = defineHandler({
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  request: DescribeConfigsRequest,
  response: DescribeConfigsResponse,
  handle(ctx, request) {
    const { broker } = ctx;
    const version = ctx.header.apiVersion;
    const results: Input<DescribeConfigsResponseDescribeConfigsResult>[] = request.resources.map((res) => {
      const base = { resourceType: res.resourceType, resourceName: res.resourceName };
      const refusal = configResourceRefusal(ctx, AclOperation.DESCRIBE_CONFIGS, res);
      if (refusal !== null) return { ...base, ...refusal, configs: [] };
      let configs: DescribedConfig[];
      if (res.resourceType === ResourceType.TOPIC) {
        const topic = broker.topics.get(res.resourceName);
        if (!topic) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic ${res.resourceName} does not exist`, configs: [] };
        configs = describeTopicConfigs(topic, res.configurationKeys, broker.config.flush);
      } else if (res.resourceType === ResourceType.BROKER) {
        if (res.resourceName !== '' && res.resourceName !== String(broker.config.nodeId)) {
          return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unexpected broker id ${res.resourceName}, this is broker ${broker.config.nodeId}`, configs: [] };
        }
        configs = describeBrokerConfigs(broker.config, res.configurationKeys);
      } else {
        return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `resource type ${res.resourceType} is not supported (topic 2, broker 4)`, configs: [] };
      }
      return {
        ...base,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        configs: configs.map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          isDefault: version === 0 ? c.configSource === ConfigSource.DEFAULT_CONFIG : undefined,
          configSource: version >= 1 ? c.configSource : undefined,
          isSensitive: false,
          synonyms: version >= 1 && request.includeSynonyms ? c.synonyms : [],
          configType: version >= 3 ? c.configType : undefined,
        })),
      };
    });
    return { results };
  },
});
