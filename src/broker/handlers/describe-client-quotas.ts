/**
 * DescribeClientQuotas, v0-v1 (KIP-546; v1 flexible). The quotas set with
 * AlterClientQuotas, selected by a filter: one component per entity type
 * (`user`, `client-id`, `ip`), each matching an exact name (match type 0), the
 * default (1), or any name or the default (2); with `strict`, an entity must
 * have no other parts than the filter names.
 *
 * - The caller needs DESCRIBE_CONFIGS on the CLUSTER resource, else
 *   CLUSTER_AUTHORIZATION_FAILED for the request.
 * - An entity type named twice, an unknown entity type or match type, an exact
 *   match without a name, or `ip` together with another type: INVALID_REQUEST.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DescribeClientQuotasRequest, type DescribeClientQuotasRequestComponentData } from '../../protocol/generated/describe-client-quotas-request.js';
import { DescribeClientQuotasResponse } from '../../protocol/generated/describe-client-quotas-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { AclOperation } from '../acl/acl-binding.js';
import { authorizeCluster } from '../acl/request-authorization.js';
import { QUOTA_ENTITY_TYPES, type QuotaEntity, type QuotaEntry } from '../quotas/quota-config.js';
import { defineHandler } from './handler.js';

const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_ANY = 2;

/** An entity's parts as KIP-546 names them (`ip` never occurs: not served). */
export function entityParts(e: QuotaEntity): Array<{ entityType: string; entityName: string | null }> {
  const parts: Array<{ entityType: string; entityName: string | null }> = [];
  if (e.user !== undefined) parts.push({ entityType: 'user', entityName: e.user });
  if (e.clientId !== undefined) parts.push({ entityType: 'client-id', entityName: e.clientId });
  return parts;
}

export const describeClientQuotasHandler = defineHandler({
  apiKey: ApiKey.DescribeClientQuotas,
  minVersion: 0,
  maxVersion: 1,
  request: DescribeClientQuotasRequest,
  response: DescribeClientQuotasResponse,
  handle(ctx, request) {
    const failed = (errorCode: number, errorMessage: string): Input<DescribeClientQuotasResponse> => ({ throttleTimeMs: 0, errorCode, errorMessage, entries: null });
    if (!authorizeCluster(ctx, AclOperation.DESCRIBE_CONFIGS)) return failed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'DescribeClientQuotas needs DESCRIBE_CONFIGS on the CLUSTER resource kafka-cluster');
    const problem = filterProblem(request.components);
    if (problem !== null) return failed(ErrorCode.INVALID_REQUEST, problem);
    const entries = ctx.broker.clientQuotas.config
      .entries()
      .filter((e) => matches(e, request.components, request.strict))
      .map((e) => ({ entity: entityParts(e.entity), values: [...e.values].map(([key, value]) => ({ key, value })) }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries };
  },
});

function filterProblem(components: readonly DescribeClientQuotasRequestComponentData[]): string | null {
  const types = new Set<string>();
  for (const c of components) {
    if (!(QUOTA_ENTITY_TYPES as readonly string[]).includes(c.entityType)) return `Custom entity type '${c.entityType}' is not supported`;
    if (types.has(c.entityType)) return `Duplicate filter component entity type '${c.entityType}'`;
    types.add(c.entityType);
    if (c.matchType !== MATCH_EXACT && c.matchType !== MATCH_DEFAULT && c.matchType !== MATCH_ANY) return `Unknown match type ${c.matchType}`;
    if (c.matchType === MATCH_EXACT && c.match === null) return `An exact match for entity type '${c.entityType}' needs a name`;
  }
  if (types.has('ip') && types.size > 1) return 'Invalid entity filter component combination: ip with user or client-id';
  return null;
}

function matches(entry: QuotaEntry, components: readonly DescribeClientQuotasRequestComponentData[], strict: boolean): boolean {
  const parts = new Map(entityParts(entry.entity).map((p) => [p.entityType, p.entityName]));
  if (strict && parts.size !== components.length) return false;
  return components.every((c) => {
    if (!parts.has(c.entityType)) return false;
    const name = parts.get(c.entityType);
    if (c.matchType === MATCH_EXACT) return name === c.match;
    if (c.matchType === MATCH_DEFAULT) return name === null;
    return true;
  });
}
