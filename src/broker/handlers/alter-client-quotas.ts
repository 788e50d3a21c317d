/**
 * AlterClientQuotas, v0-v1 (KIP-546; v1 flexible). Sets or removes quota
 * values of entities (a `user`, a `client-id`, or both; a null name is the
 * default); the broker throttles by them at once (quotas/client-quotas.ts).
 * `validateOnly` checks and changes nothing.
 *
 * One result per entry, each applied or refused on its own:
 * - No ALTER_CONFIGS on the CLUSTER resource: CLUSTER_AUTHORIZATION_FAILED.
 * - An empty entity, an entity type named twice, an unknown type, `ip` (not
 *   served by this broker), a key other than producer_byte_rate,
 *   consumer_byte_rate, request_percentage, a key twice, a byte rate that is
 *   not a whole number, a value that is not positive: INVALID_REQUEST.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { AlterClientQuotasRequest, type AlterClientQuotasRequestEntryData } from '../../protocol/generated/alter-client-quotas-request.js';
import { AlterClientQuotasResponse } from '../../protocol/generated/alter-client-quotas-response.js';
import { AclOperation } from '../acl/acl-binding.js';
import { authorizeCluster } from '../acl/request-authorization.js';
import { QUOTA_KEYS, type QuotaEntity, type QuotaKey, type QuotaOp } from '../quotas/quota-config.js';
import { defineHandler } from './handler.js';

type Checked = { readonly entity: QuotaEntity; readonly ops: QuotaOp[] } | { readonly problem: string };

export const alterClientQuotasHandler = defineHandler({
  apiKey: ApiKey.AlterClientQuotas,
  minVersion: 0,
  maxVersion: 1,
  request: AlterClientQuotasRequest,
  response: AlterClientQuotasResponse,
  async handle(ctx, request) {
    const allowed = authorizeCluster(ctx, AclOperation.ALTER_CONFIGS);
    const checked = request.entries.map((e) => (allowed ? checkEntry(e) : { problem: '' }));
    const valid = checked.filter((c): c is Exclude<Checked, { problem: string }> => !('problem' in c));
    let storeError: string | null = null;
    if (!request.validateOnly && valid.length > 0) {
      try {
        await ctx.broker.clientQuotas.config.alter(valid);
      } catch (e) {
        ctx.broker.logger.error('cannot store client quotas', { error: e instanceof Error ? e.message : String(e) });
        storeError = 'The client quotas could not be stored; see the broker log';
      }
    }
    const entries = request.entries.map((e, i) => {
      const c = checked[i]!;
      const entity = e.entity.map((p) => ({ entityType: p.entityType, entityName: p.entityName }));
      if (!allowed) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'AlterClientQuotas needs ALTER_CONFIGS on the CLUSTER resource kafka-cluster', entity };
      if ('problem' in c) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: c.problem, entity };
      if (storeError !== null) return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: storeError, entity };
      return { errorCode: ErrorCode.NONE, errorMessage: null, entity };
    });
    return { throttleTimeMs: 0, entries };
  },
});

function checkEntry(e: AlterClientQuotasRequestEntryData): Checked {
  if (e.entity.length === 0) return { problem: 'Invalid empty client quota entity' };
  const entity: { user?: string | null; clientId?: string | null } = {};
  for (const p of e.entity) {
    if (p.entityType === 'ip') return { problem: 'ip quotas (connection_creation_rate) are not supported by this broker' };
    if (p.entityType !== 'user' && p.entityType !== 'client-id') return { problem: `Unhandled client quota entity type: ${p.entityType}` };
    const field = p.entityType === 'user' ? 'user' : 'clientId';
    if (entity[field] !== undefined) return { problem: `Duplicate entity type ${p.entityType} in the client quota entity` };
    entity[field] = p.entityName;
  }
  const ops: QuotaOp[] = [];
  for (const op of e.ops) {
    if (!Object.hasOwn(QUOTA_KEYS, op.key)) return { problem: `Invalid configuration key ${op.key} (known: ${Object.keys(QUOTA_KEYS).join(', ')})` };
    const key = op.key as QuotaKey;
    if (ops.some((o) => o.key === key)) return { problem: `Duplicate quota key ${key}` };
    if (!op.remove) {
      if (QUOTA_KEYS[key].whole && !Number.isInteger(op.value)) return { problem: `Configuration ${key} must be a Long value` };
      if (!(op.value > 0)) return { problem: `Configuration ${key} must be positive, not ${op.value}` };
    }
    ops.push({ key, value: op.remove ? null : op.value });
  }
  return { entity, ops };
}
