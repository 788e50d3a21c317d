/**
 * IncrementalAlterConfigs, v0-v1 (KIP-339).
 *
 * Per config: SET (0), DELETE (1, back to the default), APPEND (2) and
 * SUBTRACT (3) for list configs (`cleanup.policy`, `log.cleanup.policy`).
 * Topic resources change the topic's overrides; broker resources (this node
 * id, or "" for the cluster-wide default) its dynamic configs, as AlterConfigs
 * does ({@link alterBrokerConfigs}). All changes to one resource are
 * validated first and applied together.
 * ACLs, per resource before it is looked at: as AlterConfigs ({@link alterRefusal}).
 */
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { IncrementalAlterConfigsRequest } from '../../protocol/generated/incremental-alter-configs-request.js';
import { IncrementalAlterConfigsResponse } from '../../protocol/generated/incremental-alter-configs-response.js';
import { BROKER_CONFIGS } from '../broker-config-defs.js';
import { type TopicDefaults } from '../config.js';
import { TOPIC_CONFIGS } from '../log/log-config.js';
import { alterBrokerConfigs, alterEach, alterRefusal, alterTopicConfigs } from './alter-configs.js';
import { ResourceType } from './describe-configs.js';
import { defineHandler } from './handler.js';

const OpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

/** One config change of the request. */
interface ConfigChange {
  name: string;
  configOperation: number;
  value: string | null;
}

/**
 * The configs after `changes`, in order, from `current` (the overrides or the
 * dynamic configs); `inForce` gives a list config's value when `current` lacks it.
 *
 * @throws Error naming the config, for APPEND or SUBTRACT on a config that is not a list, or an unknown operation
 */
function applyChanges(current: ReadonlyMap<string, string>, changes: readonly ConfigChange[], isList: (name: string) => boolean, inForce: (name: string) => string): Map<string, string> {
  const next = new Map(current);
  for (const c of changes) {
    switch (c.configOperation) {
      case OpType.SET:
        next.set(c.name, c.value ?? '');
        break;
      case OpType.DELETE:
        next.delete(c.name);
        break;
      case OpType.APPEND:
      case OpType.SUBTRACT: {
        if (!isList(c.name)) throw new Error(`config ${c.name} is not a list; APPEND and SUBTRACT apply to list configs only`);
        const items = new Set((next.get(c.name) ?? inForce(c.name)).split(',').filter(Boolean));
        for (const v of (c.value ?? '').split(',').filter(Boolean)) {
          if (c.configOperation === OpType.APPEND) items.add(v);
          else items.delete(v);
        }
        next.set(c.name, [...items].join(','));
        break;
      }
      default:
        throw new Error(`unknown config operation ${c.configOperation} for ${c.name}`);
    }
  }
  return next;
}

export const incrementalAlterConfigsHandler = defineHandler({
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  request: IncrementalAlterConfigsRequest,
  response: IncrementalAlterConfigsResponse,
  async handle(ctx, request) {
    const { broker } = ctx;
    return {
      responses: await alterEach(request.resources, (res) => {
        const refusal = alterRefusal(ctx, res);
        if (refusal !== null) return refusal;
        if (res.resourceType === ResourceType.BROKER) {
          return alterBrokerConfigs(broker, res, request.validateOnly, (current) =>
            applyChanges(current, res.configs, (name) => BROKER_CONFIGS[name]?.type === 'LIST', (name) => broker.dynamicConfig.synonyms(name)[0]?.value ?? ''),
          );
        }
        return alterTopicConfigs(broker, res, request.validateOnly, (target) => {
          const current = new Map([...target.overrides].map(([k, v]) => [k, String(v)]));
          return [...applyChanges(current, res.configs, (name) => TOPIC_CONFIGS[name]?.type === 'LIST', (name) => String(target.defaults[name as keyof TopicDefaults] ?? ''))];
        });
      }),
    };
  },
});
