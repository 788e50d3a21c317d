/**
 * DescribeConfigs, v0-v4.
 *
 * Topic resources (type 2): every Kafka topic config (log-config.ts), its
 * effective value and source, as Kafka's `ConfigHelper` reports them: the
 * topic's override first (TOPIC_CONFIG), then the sources of its broker-level
 * synonym (`retention.ms` -> `log.retention.ms`, `cleanup.policy` ->
 * `log.cleanup.policy`): dynamic for this broker, dynamic cluster default,
 * server.properties, default; the first is the source of the value.
 * Broker resources (type 4): this node id describes every broker config
 * (broker-config-defs.ts) with its sources the same way, read-only unless it
 * can change at run time; "" describes only the cluster-wide dynamic defaults.
 * Null or empty `configurationKeys` mean all configs, as in Kafka.
 * v0 reports `isDefault`; v1+ `configSource` and synonyms (when asked); v3+
 * config types and, when asked, each config's one-line documentation (else null).
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
import { BROKER_CONFIGS, BROKER_CONFIG_NAMES } from '../broker-config-defs.js';
import { type TopicDefaults } from '../config.js';
import { brokerConfigDoc, topicConfigDoc } from '../config-docs.js';
import { ConfigSource, type ConfigSynonym, type DynamicBrokerConfig } from '../dynamic-config.js';
import { type TopicConfigType, TOPIC_CONFIGS, TOPIC_CONFIG_NAMES, topicConfigText } from '../log/log-config.js';
import { type Topic } from '../topics.js';
import { defineHandler } from './handler.js';

export { type ConfigSynonym } from '../dynamic-config.js';

/** Kafka's ConfigResource.Type codes. */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

/** Kafka's ConfigType codes (DescribeConfigs v3+). */
const ConfigType: Record<TopicConfigType, number> = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 };

/** One config of a described resource, before the version decides which fields go on the wire. */
export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  configType: number;
  /** Where the value may come from, the one in force first. */
  synonyms: ConfigSynonym[];
  documentation: string | null;
}

/** The names asked for: null or empty means every one (Kafka's rule). */
function wanted(all: readonly string[], keys: readonly string[] | null): readonly string[] {
  return keys === null || keys.length === 0 ? all : all.filter((k) => keys.includes(k));
}

/**
 * A topic's configs as DescribeConfigs and CreateTopics v5+ report them.
 *
 * @param keys - the names asked for, or null (or empty) for all
 * @param dynamic - the broker's configs, dynamic ones over server.properties: the topic configs' broker-level sources
 */
export function describeTopicConfigs(topic: Topic, keys: readonly string[] | null, dynamic: DynamicBrokerConfig): DescribedConfig[] {
  return wanted(TOPIC_CONFIG_NAMES, keys).map((name) => {
    const def = TOPIC_CONFIGS[name]!;
    const override = topic.overrides.get(name);
    const synonyms: ConfigSynonym[] = def.brokerSynonym === null ? [] : dynamic.synonyms(def.brokerSynonym);
    if (override !== undefined) synonyms.unshift({ name, value: topicConfigText(name, override), source: ConfigSource.TOPIC_CONFIG });
    // The value in force: the override, else the broker's (TopicDefaults holds the ones the log uses, `.hours` forms resolved).
    const brokerValue = name in topic.defaults ? topicConfigText(name, topic.defaults[name as keyof TopicDefaults]) : synonyms[0]?.value;
    const value = override !== undefined ? topicConfigText(name, override) : (brokerValue ?? def.default);
    const configSource = synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG;
    return { name, value, readOnly: false, configSource, configType: ConfigType[def.type], synonyms, documentation: topicConfigDoc(name) };
  });
}

/**
 * The broker's configs: for its node id every config, for "" (the cluster
 * default) only those set there, with only that source (Kafka's rule).
 */
function describeBrokerConfigs(dynamic: DynamicBrokerConfig, resourceName: string, keys: readonly string[] | null): DescribedConfig[] {
  const clusterDefault = resourceName === '';
  const names = clusterDefault ? BROKER_CONFIG_NAMES.filter((n) => dynamic.dynamicConfigs('').has(n)) : BROKER_CONFIG_NAMES;
  return wanted(names, keys).map((name) => {
    const def = BROKER_CONFIGS[name]!;
    const synonyms = dynamic.synonyms(name).filter((s) => !clusterDefault || s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    const own = synonyms.find((s) => s.name === name);
    return {
      name,
      value: own?.value ?? def.default,
      readOnly: !def.dynamic,
      configSource: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
      configType: ConfigType[def.type],
      synonyms,
      documentation: brokerConfigDoc(name, def.topicConfig),
    };
  });
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
        configs = describeTopicConfigs(topic, res.configurationKeys, broker.dynamicConfig);
      } else if (res.resourceType === ResourceType.BROKER) {
        const problem = brokerResourceProblem(res.resourceName, broker.config.nodeId);
        if (problem !== null) return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, configs: [] };
        configs = describeBrokerConfigs(broker.dynamicConfig, res.resourceName, res.configurationKeys);
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
          documentation: version >= 3 && request.includeDocumentation ? c.documentation : null,
        })),
      };
    });
    return { results };
  },
});

/**
 * Why a BROKER resource name is refused (INVALID_REQUEST), or null: it must
 * be this broker's node id, or "" for the cluster-wide default.
 */
export function brokerResourceProblem(resourceName: string, nodeId: number): string | null {
  if (resourceName === '') return null;
  if (!/^-?\d+$/.test(resourceName)) return `Broker id must be an integer, but it is: ${resourceName}`;
  return Number(resourceName) === nodeId ? null : `Unexpected broker id, expected ${nodeId} or empty string, but received ${resourceName}`;
}
