/**
 * IncrementalAlterConfigs, v0-v1 (KIP-339).
 *
 * Per config: SET (0), DELETE (1, back to the default), APPEND (2) and
 * SUBTRACT (3) for list configs (cleanup.policy). Topic resources only.
 * All changes to one resource are validated first and applied together.
 * ACLs, per resource before it is looked at: as AlterConfigs ({@link alterRefusal}).
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { IncrementalAlterConfigsRequest } from '../../protocol/generated/incremental-alter-configs-request.js';
import { IncrementalAlterConfigsResponse } from '../../protocol/generated/incremental-alter-configs-response.js';
import { type TopicDefaults } from '../config.js';
import { alterEach, alterRefusal, alterTopicConfigs } from './alter-configs.js';
import { defineHandler } from './handler.js';

const OpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
const LIST_CONFIGS = new Set(['cleanup.policy']);

export const incrementalAlterConfigsHandler = defineHandler({
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  request: IncrementalAlterConfigsRequest,
  response: IncrementalAlterConfigsResponse,
  async handle(ctx, request) {
    return {
      responses: await alterEach(request.resources, (res) =>
        alterRefusal(ctx, res) ??
        alterTopicConfigs(ctx.broker, res, request.validateOnly, (target) => {
          const next = new Map(target.overrides);
          for (const c of res.configs) {
            const current = String(next.get(c.name) ?? target.defaults[c.name as keyof TopicDefaults] ?? '');
            switch (c.configOperation) {
              case OpType.SET:
                next.set(c.name, c.value ?? '');
                break;
              case OpType.DELETE:
                next.delete(c.name);
                break;
              case OpType.APPEND:
              case OpType.SUBTRACT: {
                if (!LIST_CONFIGS.has(c.name)) throw new Error(`config ${c.name} is not a list; APPEND and SUBTRACT apply to list configs only`);
                const items = new Set(current.split(',').filter(Boolean));
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
          return [...next].map(([k, v]) => [k, String(v)]);
        }),
      ),
    };
  },
});
