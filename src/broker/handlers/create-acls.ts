/**
 * CreateAcls, v0-v3 (KIP-140; v1 adds the pattern type, KIP-290; v2 flexible;
 * v3 the same). KafkaJS 2.2.4's admin sends v0-v1, librdkafka v0-v2. v0 can
 * only carry LITERAL patterns (the field is absent and defaults to LITERAL).
 *
 * - No authorizer (`authorizer.class.name` empty): every binding
 *   SECURITY_DISABLED, "No Authorizer is configured.", as Kafka.
 * - The caller needs ALTER on the CLUSTER resource, else every binding
 *   CLUSTER_AUTHORIZATION_FAILED.
 * - Each binding is checked alone: INVALID_REQUEST with Kafka's message for a
 *   CLUSTER resource not named `kafka-cluster`, an empty name, an UNKNOWN or
 *   ANY type/operation/permission, a pattern other than LITERAL/PREFIXED, or a
 *   principal without `Type:`. (Kafka fails the whole request on some of these
 *   while parsing it; one answer per binding tells the client which one.)
 * - The valid ones are stored together and durably before the answer; an ACL
 *   already stored is a success. A write failure answers UNKNOWN_SERVER_ERROR
 *   for each of them, and none is in force.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { CreateAclsRequest } from '../../protocol/generated/create-acls-request.js';
import { CreateAclsResponse, type CreateAclsResponseAclCreationResult } from '../../protocol/generated/create-acls-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { type AclBinding, AclOperation, describeAcl, newAclProblem, operationFromCode, patternTypeFromCode, permissionTypeFromCode, resourceTypeFromCode } from '../acl/acl-binding.js';
import { authorizeCluster, principalOf } from '../acl/request-authorization.js';
import { defineHandler } from './handler.js';

/** Kafka's answer to the ACL APIs on a broker without an authorizer (`SecurityDisabledException`). */
export const NO_AUTHORIZER_MESSAGE = 'No Authorizer is configured.';

export const createAclsHandler = defineHandler({
  apiKey: ApiKey.CreateAcls,
  minVersion: 0,
  maxVersion: 3,
  request: CreateAclsRequest,
  response: CreateAclsResponse,
  async handle(ctx, request) {
    const authorizer = ctx.broker.authorizer;
    const all = (errorCode: number, errorMessage: string): Input<CreateAclsResponse> => ({
      throttleTimeMs: 0,
      results: request.creations.map(() => ({ errorCode, errorMessage })),
    });
    if (authorizer === null) return all(ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER_MESSAGE);
    if (!authorizeCluster(ctx, AclOperation.ALTER)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'CreateAcls needs ALTER on the CLUSTER resource kafka-cluster');

    const results: Input<CreateAclsResponseAclCreationResult>[] = [];
    const valid: AclBinding[] = [];
    const validAt: number[] = [];
    for (const c of request.creations) {
      const binding: AclBinding = {
        resourceType: resourceTypeFromCode(c.resourceType),
        resourceName: c.resourceName,
        patternType: patternTypeFromCode(c.resourcePatternType),
        principal: c.principal,
        host: c.host,
        operation: operationFromCode(c.operation),
        permissionType: permissionTypeFromCode(c.permissionType),
      };
      const problem = newAclProblem(binding);
      if (problem !== null) {
        results.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem });
        continue;
      }
      validAt.push(results.length);
      results.push({ errorCode: ErrorCode.NONE, errorMessage: null });
      valid.push(binding);
    }
    if (valid.length > 0) {
      try {
        await authorizer.acls.create(valid);
        ctx.broker.logger.info('ACLs created', { by: principalOf(ctx.session), acls: valid.map(describeAcl) });
      } catch (e) {
        ctx.broker.logger.error('ACLs could not be stored', { error: e instanceof Error ? e.message : String(e) });
        for (const i of validAt) results[i] = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: null };
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
