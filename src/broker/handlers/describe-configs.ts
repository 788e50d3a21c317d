/**
 * DescribeConfigs, v0-v4.
 *
 * Topic resources (type 2): every topic config this broker knows, its effective
 * value and source (DYNAMIC_TOPIC_CONFIG for an override, else
 * DEFAULT_CONFIG/STATIC_BROKER_CONFIG), optionally filtered by name.
 * Broker resources (type 4, name = this node id or ""): the static settings.
 * v0 reports `isDefault`; v1+ `configSource` and synonyms; v3+ config types.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DescribeConfigsRequest } from '../../protocol/generated/describe-configs-request.js';
import { DescribeConfigsResponse, type DescribeConfigsResponseDescribeConfigsResult } from '../../protocol/generated/describe-configs-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { type BrokerConfig, TOPIC_CONFIG_KEYS, type TopicDefaults } from '../config.js';
import { type Topic } from '../topics.js';
import { defineHandler } from './handler.js';

/** Kafka's ConfigResource.Type codes. */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

/** Kafka's DescribeConfigs ConfigSource codes. */
const ConfigSource = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;
/** Kafka's ConfigType codes (DescribeConfigs v3+). */
const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, LIST: 7 } as const;

const TYPES: Record<string, number> = {
  'cleanup.policy': ConfigType.LIST,
  'compression.type': ConfigType.STRING,
  'message.timestamp.type': ConfigType.STRING,
  'max.message.bytes': ConfigType.INT,
  'min.insync.replicas': ConfigType.INT,
  'segment.bytes': ConfigType.INT,
  'segment.index.bytes': ConfigType.INT,
  'index.interval.bytes': ConfigType.INT,
};

export interface DescribedConfig {
  name: string;
  value: string;
  readOnly: boolean;
  configSource: number;
  configType: number;
}

/** A topic's configs as DescribeConfigs and CreateTopics v5+ report them. */
export function describeTopicConfigs(topic: Topic, keys: readonly string[] | null): DescribedConfig[] {
  return TOPIC_CONFIG_KEYS.filter((k) => keys === null || keys.includes(k)).map((k) => {
    const override = topic.overrides.get(k);
    return {
      name: k,
      value: String(override ?? topic.defaults[k as keyof TopicDefaults]),
      readOnly: false,
      configSource: override !== undefined ? ConfigSource.DYNAMIC_TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG,
      configType: TYPES[k] ?? ConfigType.LONG,
    };
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
    .map(([name, value, configType]) => ({ name, value, readOnly: true, configSource: ConfigSource.STATIC_BROKER_CONFIG, configType }));
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
      let configs: DescribedConfig[];
      if (res.resourceType === ResourceType.TOPIC) {
        const topic = broker.topics.get(res.resourceName);
        if (!topic) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic ${res.resourceName} does not exist`, configs: [] };
        configs = describeTopicConfigs(topic, res.configurationKeys);
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
          synonyms: version >= 1 && request.includeSynonyms ? [{ name: c.name, value: c.value, source: c.configSource }] : [],
          configType: version >= 3 ? c.configType : undefined,
        })),
      };
    });
    return { results };
  },
});
