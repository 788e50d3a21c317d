/**
 * AlterConfigs, v0-v2 (the non-incremental form: the given set replaces every
 * override of the topic, or every dynamic config of the broker resource).
 * Topic values are validated with Kafka's rules (INVALID_CONFIG naming the
 * key). Broker resources (this node id, or "" for the cluster-wide default)
 * take the configs Kafka lets change at run time (dynamic-config.ts): a
 * read-only config or a bad value is INVALID_REQUEST naming it, as Kafka
 * answers, a name tskafka does not know INVALID_CONFIG. validateOnly checks
 * without applying.
 * ACLs, per resource before it is looked at ({@link alterRefusal}):
 * ALTER_CONFIGS on the TOPIC, else TOPIC_AUTHORIZATION_FAILED; on the CLUSTER
 * for a broker, else CLUSTER_AUTHORIZATION_FAILED.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { AlterConfigsRequest } from '../../protocol/generated/alter-configs-request.js';
import { AlterConfigsResponse } from '../../protocol/generated/alter-configs-response.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { AclOperation } from '../acl/acl-binding.js';
import { configResourceRefusal } from '../acl/config-resource-authorization.js';
import { type Broker } from '../broker.js';
import { BrokerConfigChangeError } from '../dynamic-config.js';
import { KafkaStorageError } from '../log/log-errors.js';
import { UnknownTopicError } from '../topic-errors.js';
import { type Topic } from '../topics.js';
import { ResourceType, brokerResourceProblem } from './describe-configs.js';
import { type RequestContext, defineHandler } from './handler.js';

/** Find the topic a config change targets, or the error to answer. */
export function alterTarget(broker: Broker, resourceType: number, resourceName: string): Topic | { errorCode: number; errorMessage: string } {
  if (resourceType !== ResourceType.TOPIC) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `resource type ${resourceType} is not supported (topic 2, broker 4)` };
  return broker.topics.get(resourceName) ?? { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic ${resourceName} does not exist` };
}

/** What one resource of AlterConfigs or IncrementalAlterConfigs is answered. */
export interface AlterConfigsResult {
  resourceType: number;
  resourceName: string;
  errorCode: number;
  errorMessage: string | null;
}

/**
 * One resource of AlterConfigs or IncrementalAlterConfigs: find the topic, compute its
 * new overrides (throwing names the bad config), validate them all, apply unless
 * validateOnly, and answer INVALID_CONFIG with the reason when anything is wrong.
 * The change is durable in the topic registry before it applies; a registry that
 * cannot be written is KAFKA_STORAGE_ERROR, with nothing changed.
 */
export async function alterTopicConfigs(
  broker: Broker,
  resource: { resourceType: number; resourceName: string },
  validateOnly: boolean,
  newOverrides: (topic: Topic) => [string, string][],
): Promise<AlterConfigsResult> {
  const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
  const target = alterTarget(broker, resource.resourceType, resource.resourceName);
  if (!('partitions' in target)) return { ...base, ...target };
  try {
    const overrides = broker.topics.validateConfigs(newOverrides(target));
    if (!validateOnly) await broker.topics.alterConfigs(target, overrides);
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (e) {
    if (e instanceof KafkaStorageError || e instanceof UnknownTopicError) return { ...base, errorCode: e.code, errorMessage: e.message };
    return { ...base, errorCode: ErrorCode.INVALID_CONFIG, errorMessage: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * One BROKER resource of AlterConfigs or IncrementalAlterConfigs: the new set
 * of its dynamic configs (throwing names the bad config), checked and, unless
 * validateOnly, made durable and applied (dynamic-config.ts).
 */
export async function alterBrokerConfigs(
  broker: Broker,
  resource: { resourceType: number; resourceName: string },
  validateOnly: boolean,
  newConfigs: (current: ReadonlyMap<string, string>) => Map<string, string>,
): Promise<AlterConfigsResult> {
  const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
  const problem = brokerResourceProblem(resource.resourceName, broker.config.nodeId);
  if (problem !== null) return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem };
  try {
    await broker.dynamicConfig.alter(resource.resourceName, newConfigs(broker.dynamicConfig.dynamicConfigs(resource.resourceName)), validateOnly);
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (e) {
    if (e instanceof BrokerConfigChangeError || e instanceof KafkaStorageError) return { ...base, errorCode: e.code, errorMessage: e.message };
    return { ...base, errorCode: ErrorCode.INVALID_CONFIG, errorMessage: e instanceof Error ? e.message : String(e) };
  }
}

/** Each resource in turn: a request's changes apply in its order. */
export async function alterEach<R>(resources: readonly R[], alter: (resource: R) => Promise<AlterConfigsResult>): Promise<AlterConfigsResult[]> {
  const out: AlterConfigsResult[] = [];
  for (const resource of resources) out.push(await alter(resource));
  return out;
}

/**
 * The answer for a resource the caller may not alter (ALTER_CONFIGS; see
 * acl/config-resource-authorization.ts), or null when it may: AlterConfigs and
 * IncrementalAlterConfigs ask it first for each resource.
 */
export function alterRefusal(ctx: RequestContext, resource: { resourceType: number; resourceName: string }): Promise<AlterConfigsResult> | null {
  const refusal = configResourceRefusal(ctx, AclOperation.ALTER_CONFIGS, resource);
  return refusal === null ? null : Promise.resolve({ resourceType: resource.resourceType, resourceName: resource.resourceName, ...refusal });
}

export const alterConfigsHandler = defineHandler({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  request: AlterConfigsRequest,
  response: AlterConfigsResponse,
  async handle(ctx, request) {
    return {
      responses: await alterEach(request.resources, (res) => {
        const given = res.configs.filter((c) => c.value !== null).map((c): [string, string] => [c.name, c.value!]);
        return (
          alterRefusal(ctx, res) ??
          (res.resourceType === ResourceType.BROKER ? alterBrokerConfigs(ctx.broker, res, request.validateOnly, () => new Map(given)) : alterTopicConfigs(ctx.broker, res, request.validateOnly, () => given))
        );
      }),
    };
  },
});
