/**
 * Configs: `describeConfigs`, `alterConfigs` (KafkaJS's) and
 * `incrementalAlterConfigs` (KIP-339, not in KafkaJS). A BROKER or
 * BROKER_LOGGER resource goes to the broker it names (only it can answer for
 * its own configs, as Java's `KafkaAdminClient` routes them); every other
 * resource to the controller. A resource in error rejects with its protocol
 * error (the first), as KafkaJS.
 */
import { type Connection } from '../network/connection.js';
import { type RequestVersions } from '../network/api-versions.js';
import { AlterConfigsRequest } from '../protocol/generated/alter-configs-request.js';
import { AlterConfigsResponse } from '../protocol/generated/alter-configs-response.js';
import { DescribeConfigsRequest } from '../protocol/generated/describe-configs-request.js';
import { DescribeConfigsResponse } from '../protocol/generated/describe-configs-response.js';
import { IncrementalAlterConfigsRequest } from '../protocol/generated/incremental-alter-configs-request.js';
import { IncrementalAlterConfigsResponse } from '../protocol/generated/incremental-alter-configs-response.js';
import { AdminContext, invalidArgument, isRoutingError, requireArray } from './admin-context.js';
import {
  type AlterConfigsResult,
  AlterConfigOpTypes,
  type ConfigResourceTypes as ConfigResourceType,
  ConfigResourceTypes,
  ConfigSource,
  type DescribeConfigResponse,
  type IncrementalResourceConfig,
  type IResourceConfig,
  type ResourceConfigQuery,
} from './admin-types.js';

/** Min 1: v0 has isDefault instead of configSource and synonyms (KIP-226); v3 config types, v4 flexible. */
const DESCRIBE_CONFIGS_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 4 });

/** With documentation asked: v3 added it (KIP-569, Kafka 2.6). */
const DESCRIBE_CONFIGS_DOCUMENTATION_VERSIONS: RequestVersions = Object.freeze({ min: 3, max: 4 });

/** v0 has every field; v2 flexible. */
const ALTER_CONFIGS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 2 });

/** v0 has every field (Kafka 2.3+); v1 flexible. */
const INCREMENTAL_ALTER_CONFIGS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 1 });

const RESOURCE_TYPES: ReadonlySet<number> = new Set(Object.values(ConfigResourceTypes));
const OPERATIONS: ReadonlySet<number> = new Set(Object.values(AlterConfigOpTypes));

function checkResources(resources: readonly { type: number; name: string }[]): void {
  if (resources.length === 0) throw invalidArgument('Resources array cannot be empty');
  const invalidType = resources.find((r) => !RESOURCE_TYPES.has(r?.type));
  if (invalidType) throw invalidArgument(`Invalid resource type ${String(invalidType?.type)}: ${JSON.stringify(invalidType)}`);
  // "" names the cluster-wide default of a BROKER resource (Kafka's form); every other resource needs a name.
  const invalidName = resources.find((r) => typeof r.name !== 'string' || (r.name === '' && r.type !== ConfigResourceTypes.BROKER));
  if (invalidName) throw invalidArgument(`Invalid resource name ${String(invalidName.name)}: ${JSON.stringify(invalidName)}`);
}

const isBrokerResource = (type: number): boolean => type === ConfigResourceTypes.BROKER || type === ConfigResourceTypes.BROKER_LOGGER;

/** `resources` by the connection that must answer for them. */
async function route<R extends { type: number; name: string }>(ctx: AdminContext, resources: readonly R[]): Promise<[Connection, R[]][]> {
  const groups = new Map<number | 'controller', R[]>();
  for (const r of resources) {
    // A broker resource named '' means "the broker that answers" (Kafka's default-config form): any will do, the controller too.
    const key = isBrokerResource(r.type) && r.name !== '' && /^\d+$/.test(r.name) ? Number(r.name) : 'controller';
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  return Promise.all(
    [...groups].map(async ([key, list]): Promise<[Connection, R[]]> => [key === 'controller' ? await ctx.cluster.connectionForController() : await ctx.cluster.connectionFor(key), list]),
  );
}

/**
 * Configs of topics and brokers, with their sources and, when asked, their
 * synonyms and (not in KafkaJS; brokers from Kafka 2.6) their documentation.
 */
export function describeConfigs(ctx: AdminContext, options: { resources: ResourceConfigQuery[]; includeSynonyms?: boolean; includeDocumentation?: boolean }): Promise<DescribeConfigResponse> {
  const resources = requireArray(options?.resources, 'resources');
  checkResources(resources);
  const invalidConfigs = resources.find((r) => !Array.isArray(r.configNames) && r.configNames != null);
  if (invalidConfigs) throw invalidArgument(`Invalid resource configNames ${String(invalidConfigs.configNames)}: ${JSON.stringify(invalidConfigs)}`);
  const includeDocumentation = options.includeDocumentation === true;
  return ctx.retry('describeConfigs', async () => {
    const answers = await Promise.all(
      (await route(ctx, resources)).map(([connection, list]) =>
        connection.send(
          DescribeConfigsRequest,
          DescribeConfigsResponse,
          {
            // Empty names mean all configs, as KafkaJS documents; on the wire that is null.
            resources: list.map((r) => ({ resourceType: r.type, resourceName: r.name, configurationKeys: r.configNames && r.configNames.length > 0 ? r.configNames : null })),
            includeSynonyms: options.includeSynonyms ?? false,
            includeDocumentation,
          },
          { versions: includeDocumentation ? DESCRIBE_CONFIGS_DOCUMENTATION_VERSIONS : DESCRIBE_CONFIGS_VERSIONS },
        ),
      ),
    );
    const results = answers.flatMap((a) => a.results);
    for (const r of results) AdminContext.check(r.errorCode, `resource "${r.resourceName}" of type ${r.resourceType}`, r.errorMessage);
    return {
      throttleTime: Math.max(0, ...answers.map((a) => a.throttleTimeMs)),
      resources: results.map((r) => ({
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        resourceType: r.resourceType as ConfigResourceType,
        resourceName: r.resourceName,
        configEntries: r.configs.map((c) => ({
          configName: c.name,
          configValue: c.value,
          readOnly: c.readOnly,
          isDefault: c.configSource === ConfigSource.DEFAULT_CONFIG,
          configSource: c.configSource as ConfigSource,
          isSensitive: c.isSensitive,
          configSynonyms: c.synonyms.map((s) => ({ configName: s.name, configValue: s.value, configSource: s.source as ConfigSource })),
          ...(includeDocumentation ? { documentation: c.documentation } : {}),
        })),
      })),
    };
  }, { retryOn: isRoutingError });
}

/** Replace the configs of each resource with the given set (configs not given go back to their defaults: Kafka's non-incremental AlterConfigs). */
export function alterConfigs(ctx: AdminContext, options: { resources: IResourceConfig[]; validateOnly?: boolean }): Promise<AlterConfigsResult> {
  const resources = requireArray(options?.resources, 'resources');
  checkResources(resources);
  const invalidConfigs = resources.find((r) => !Array.isArray(r.configEntries));
  if (invalidConfigs) throw invalidArgument(`Invalid resource configEntries ${String(invalidConfigs.configEntries)}: ${JSON.stringify(invalidConfigs)}`);
  const invalidValue = resources.find((r) => r.configEntries.some((e) => typeof e?.name !== 'string' || typeof e.value !== 'string'));
  if (invalidValue) throw invalidArgument(`Invalid resource config value: ${JSON.stringify(invalidValue)}`);
  return ctx.retry('alterConfigs', async () => {
    const answers = await Promise.all(
      (await route(ctx, resources)).map(([connection, list]) =>
        connection.send(
          AlterConfigsRequest,
          AlterConfigsResponse,
          { resources: list.map((r) => ({ resourceType: r.type, resourceName: r.name, configs: r.configEntries.map((e) => ({ name: e.name, value: e.value })) })), validateOnly: options.validateOnly ?? false },
          { versions: ALTER_CONFIGS_VERSIONS },
        ),
      ),
    );
    return alterResult(answers.map((a) => ({ throttleTimeMs: a.throttleTimeMs, responses: a.responses })));
  }, { retryOn: isRoutingError });
}

/**
 * Change individual configs of each resource (KIP-339): SET a value, DELETE an
 * override (back to the default), APPEND to or SUBTRACT from a list config;
 * the configs not named keep their values.
 */
export function incrementalAlterConfigs(ctx: AdminContext, options: { resources: IncrementalResourceConfig[]; validateOnly?: boolean }): Promise<AlterConfigsResult> {
  const resources = requireArray(options?.resources, 'resources');
  checkResources(resources);
  for (const r of resources) {
    if (!Array.isArray(r.configEntries)) throw invalidArgument(`Invalid resource configEntries ${String(r.configEntries)}: ${JSON.stringify(r)}`);
    for (const e of r.configEntries) {
      const operation = e?.operation ?? AlterConfigOpTypes.SET;
      if (typeof e?.name !== 'string' || !OPERATIONS.has(operation)) throw invalidArgument(`Invalid config entry ${JSON.stringify(e)}: a name and an operation of AlterConfigOpTypes`);
      if (operation !== AlterConfigOpTypes.DELETE && typeof e.value !== 'string') throw invalidArgument(`Invalid config entry ${JSON.stringify(e)}: a string value is required`);
    }
  }
  return ctx.retry('incrementalAlterConfigs', async () => {
    const answers = await Promise.all(
      (await route(ctx, resources)).map(([connection, list]) =>
        connection.send(
          IncrementalAlterConfigsRequest,
          IncrementalAlterConfigsResponse,
          {
            resources: list.map((r) => ({
              resourceType: r.type,
              resourceName: r.name,
              configs: r.configEntries.map((e) => {
                const operation = e.operation ?? AlterConfigOpTypes.SET;
                return { name: e.name, configOperation: operation, value: operation === AlterConfigOpTypes.DELETE ? null : (e.value ?? null) };
              }),
            })),
            validateOnly: options.validateOnly ?? false,
          },
          { versions: INCREMENTAL_ALTER_CONFIGS_VERSIONS },
        ),
      ),
    );
    return alterResult(answers);
  }, { retryOn: isRoutingError });
}

function alterResult(answers: readonly { throttleTimeMs: number; responses: readonly { errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }[] }[]): AlterConfigsResult {
  const responses = answers.flatMap((a) => a.responses);
  for (const r of responses) AdminContext.check(r.errorCode, `resource "${r.resourceName}" of type ${r.resourceType}`, r.errorMessage);
  return {
    throttleTime: Math.max(0, ...answers.map((a) => a.throttleTimeMs)),
    resources: responses.map((r) => ({ errorCode: r.errorCode, errorMessage: r.errorMessage, resourceType: r.resourceType as ConfigResourceType, resourceName: r.resourceName })),
  };
}
