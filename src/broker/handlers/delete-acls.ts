/**
 * DeleteAcls, v0-v3 (KIP-140; v1 adds pattern types, KIP-290; v2 flexible; v3
 * the same). KafkaJS 2.2.4's admin sends v0-v1, librdkafka v0-v2. At v0 the
 * filters are LITERAL (the field's default), so only LITERAL bindings go.
 *
 * - No authorizer: every filter SECURITY_DISABLED, "No Authorizer is configured.".
 * - The caller needs ALTER on the CLUSTER resource, else every filter
 *   CLUSTER_AUTHORIZATION_FAILED.
 * - Each filter alone: one with an UNKNOWN part is INVALID_REQUEST; the others
 *   remove every binding they select (MATCH included: a named MATCH filter
 *   removes the literal, `*` and prefixed patterns that apply to that name, as
 *   Kafka does) and answer them. A binding two filters select is answered under
 *   the first. A filter that selects nothing is a success with no ACLs.
 * - The removal is durable before the answer; a write failure answers
 *   UNKNOWN_SERVER_ERROR for each valid filter, and nothing is removed.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DeleteAclsRequest } from '../../protocol/generated/delete-acls-request.js';
import { DeleteAclsResponse, type DeleteAclsResponseDeleteAclsFilterResult } from '../../protocol/generated/delete-acls-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { type AclBindingFilter, AclOperation, describeAcl, filterProblem } from '../acl/acl-binding.js';
import { authorizeCluster, principalOf } from '../acl/request-authorization.js';
import { NO_AUTHORIZER_MESSAGE } from './create-acls.js';
import { aclFilterFromWire } from './describe-acls.js';
import { defineHandler } from './handler.js';

export const deleteAclsHandler = defineHandler({
  apiKey: ApiKey.DeleteAcls,
  minVersion: 0,
  maxVersion: 3,
  request: DeleteAclsRequest,
  response: DeleteAclsResponse,
  async handle(ctx, request) {
    const authorizer = ctx.broker.authorizer;
    const all = (errorCode: number, errorMessage: string): Input<DeleteAclsResponse> => ({
      throttleTimeMs: 0,
      filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
    });
    if (authorizer === null) return all(ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER_MESSAGE);
    if (!authorizeCluster(ctx, AclOperation.ALTER)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'DeleteAcls needs ALTER on the CLUSTER resource kafka-cluster');

    const results: Input<DeleteAclsResponseDeleteAclsFilterResult>[] = [];
    const valid: AclBindingFilter[] = [];
    const validAt: number[] = [];
    for (const wire of request.filters) {
      const filter = aclFilterFromWire(wire);
      const problem = filterProblem(filter);
      if (problem !== null) {
        results.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, matchingAcls: [] });
        continue;
      }
      validAt.push(results.length);
      results.push({ errorCode: ErrorCode.NONE, errorMessage: null, matchingAcls: [] });
      valid.push(filter);
    }
    if (valid.length > 0) {
      try {
        const removed = await authorizer.acls.delete(valid);
        removed.forEach((bindings, i) => {
          results[validAt[i]!] = {
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            matchingAcls: bindings.map((b) => ({ errorCode: ErrorCode.NONE, errorMessage: null, ...b })),
          };
        });
        const gone = removed.flat();
        if (gone.length > 0) ctx.broker.logger.info('ACLs deleted', { by: principalOf(ctx.session), acls: gone.map(describeAcl) });
      } catch (e) {
        ctx.broker.logger.error('ACL deletion could not be stored', { error: e instanceof Error ? e.message : String(e) });
        for (const i of validAt) results[i] = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: null, matchingAcls: [] };
      }
    }
    return { throttleTimeMs: 0, filterResults: results };
  },
});
