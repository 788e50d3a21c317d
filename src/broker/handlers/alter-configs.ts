/**
 * AlterConfigs, v0-v2 (the non-incremental form: the given set replaces every
 * override of the topic). Topic resources only: broker settings are static
 * here (INVALID_REQUEST). Values are validated with Kafka's rules
 * (INVALID_CONFIG naming the key); validateOnly checks without applying.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { AlterConfigsRequest } from '../../protocol/generated/alter-configs-request.js';
import { AlterConfigsResponse } from '../../protocol/generated/alter-configs-response.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { type Broker } from '../broker.js';
import { type Topic } from '../topics.js';
import { ResourceType } from './describe-configs.js';
import { defineHandler } from './handler.js';

/** Find the topic a config change targets, or the error to answer. */
export function alterTarget(broker: Broker, resourceType: number, resourceName: string): Topic | { errorCode: number; errorMessage: string } {
  if (resourceType === ResourceType.BROKER) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'broker configs are static in tskafka: set them in server.properties or --override' };
  if (resourceType !== ResourceType.TOPIC) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `resource type ${resourceType} is not supported (topic 2)` };
  return broker.topics.get(resourceName) ?? { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic ${resourceName} does not exist` };
}

/**
 * One resource of AlterConfigs or IncrementalAlterConfigs: find the topic, compute its
 * new overrides (throwing names the bad config), validate them all, apply unless
 * validateOnly, and answer INVALID_CONFIG with the reason when anything is wrong.
 */
export function alterTopicConfigs(
  broker: Broker,
  resource: { resourceType: number; resourceName: string },
  validateOnly: boolean,
  newOverrides: (topic: Topic) => [string, string][],
): { resourceType: number; resourceName: string; errorCode: number; errorMessage: string | null } {
  const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
  const target = alterTarget(broker, resource.resourceType, resource.resourceName);
  if (!('partitions' in target)) return { ...base, ...target };
  try {
    const overrides = broker.topics.validateConfigs(newOverrides(target));
    if (!validateOnly) broker.topics.alterConfigs(target, overrides);
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (e) {
    return { ...base, errorCode: ErrorCode.INVALID_CONFIG, errorMessage: e instanceof Error ? e.message : String(e) };
  }
}

export const alterConfigsHandler = defineHandler({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  request: AlterConfigsRequest,
  response: AlterConfigsResponse,
  handle(ctx, request) {
    return {
      responses: request.resources.map((res) =>
        alterTopicConfigs(ctx.broker, res, request.validateOnly, () => res.configs.filter((c) => c.value !== null).map((c) => [c.name, c.value!])),
      ),
    };
  },
});
