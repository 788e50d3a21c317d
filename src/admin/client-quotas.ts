/**
 * Client quotas (KIP-546): `describeClientQuotas` and `alterClientQuotas`, sent
 * to any broker as Java's admin does. Entities are lists of parts (`user`,
 * `client-id`), a null name being the default; keys are Kafka's
 * (`producer_byte_rate`, `consumer_byte_rate`, `request_percentage`).
 * Per-entity errors reject together in a `KafkaJSAggregateError`.
 */
import { KafkaJSAggregateError } from '../errors/errors.js';
import { createErrorFromCode } from '../errors/protocol-errors.js';
import { type RequestVersions } from '../network/api-versions.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { AlterClientQuotasRequest } from '../protocol/generated/alter-client-quotas-request.js';
import { AlterClientQuotasResponse } from '../protocol/generated/alter-client-quotas-response.js';
import { DescribeClientQuotasRequest } from '../protocol/generated/describe-client-quotas-request.js';
import { DescribeClientQuotasResponse } from '../protocol/generated/describe-client-quotas-response.js';
import { type AdminContext, invalidArgument, isRoutingError, requireArray, requireName } from './admin-context.js';
import {
  type ClientQuotaAlteration,
  type ClientQuotaEntityPart,
  type ClientQuotaFilterComponent,
  ClientQuotaMatchTypes,
  type DescribeClientQuotasResult,
} from './admin-types.js';

/** v0 since Kafka 2.6; v1 flexible. */
const CLIENT_QUOTAS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 1 });

function describeEntity(entity: readonly ClientQuotaEntityPart[]): string {
  return entity.map((p) => `${p.entityType}=${p.entityName ?? '<default>'}`).join(',');
}

/** The entities a filter selects, with their quota values; `strict` leaves out entities with other parts. */
export async function describeClientQuotas(ctx: AdminContext, options: { components: ClientQuotaFilterComponent[]; strict?: boolean }): Promise<DescribeClientQuotasResult> {
  const components = requireArray(options?.components, 'components').map((c) => {
    const entityType = requireName(c?.entityType, 'entityType');
    const matchType = c.matchType ?? (c.match === undefined ? ClientQuotaMatchTypes.ANY : c.match === null ? ClientQuotaMatchTypes.DEFAULT : ClientQuotaMatchTypes.EXACT);
    if (!(Object.values(ClientQuotaMatchTypes) as number[]).includes(matchType)) throw invalidArgument(`Invalid matchType ${String(matchType)}: one of ClientQuotaMatchTypes`);
    if (matchType === ClientQuotaMatchTypes.EXACT && typeof c.match !== 'string') throw invalidArgument(`Invalid match ${String(c.match)} for entity type ${entityType}: an exact match needs a name`);
    return { entityType, matchType, match: matchType === ClientQuotaMatchTypes.EXACT ? c.match! : null };
  });
  return ctx.retry(
    'describeClientQuotas',
    async () => {
      const connection = await ctx.cluster.anyConnection();
      const response = await connection.send(DescribeClientQuotasRequest, DescribeClientQuotasResponse, { components, strict: options.strict ?? false }, { versions: CLIENT_QUOTAS_VERSIONS });
      if (response.errorCode !== ErrorCode.NONE) throw createErrorFromCode(response.errorCode, response.errorMessage ?? 'DescribeClientQuotas');
      return (response.entries ?? []).map((e) => ({
        entity: e.entity.map((p) => ({ entityType: p.entityType, entityName: p.entityName })),
        values: Object.fromEntries(e.values.map((v) => [v.key, v.value])),
      }));
    },
    { retryOn: isRoutingError },
  );
}

/** Set and remove quota values; each entity's change applies or fails on its own. `validateOnly` changes nothing. */
export async function alterClientQuotas(ctx: AdminContext, options: { entries: ClientQuotaAlteration[]; validateOnly?: boolean }): Promise<void> {
  const entries = requireArray(options?.entries, 'entries').map((e) => ({
    entity: requireArray(e?.entity, 'entity').map((p) => {
      if (p?.entityName !== null && typeof p?.entityName !== 'string') throw invalidArgument(`Invalid entityName ${String(p?.entityName)}: a string, or null for the default`);
      return { entityType: requireName(p.entityType, 'entityType'), entityName: p.entityName };
    }),
    ops: requireArray(e.ops, 'ops').map((op) => {
      const remove = op?.remove === true;
      if (!remove && typeof op?.value !== 'number') throw invalidArgument(`Invalid value ${String(op?.value)} for quota ${String(op?.key)}: a number, or remove: true`);
      return { key: requireName(op.key, 'quota key'), value: remove ? 0 : op.value!, remove };
    }),
  }));
  if (entries.length === 0) throw invalidArgument('Empty client quota entries');
  await ctx.retry(
    'alterClientQuotas',
    async () => {
      const connection = await ctx.cluster.anyConnection();
      const response = await connection.send(AlterClientQuotasRequest, AlterClientQuotasResponse, { entries, validateOnly: options.validateOnly ?? false }, { versions: CLIENT_QUOTAS_VERSIONS });
      const errors = response.entries
        .filter((r) => r.errorCode !== ErrorCode.NONE)
        .map((r) => createErrorFromCode(r.errorCode, `${r.errorMessage ?? 'cannot alter quotas'} (entity ${describeEntity(r.entity)})`));
      if (errors.length > 0) throw new KafkaJSAggregateError('Errors altering client quotas', errors);
    },
    { retryOn: isRoutingError },
  );
}
