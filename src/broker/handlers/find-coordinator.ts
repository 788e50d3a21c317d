/**
 * FindCoordinator, v0-v6.
 *
 * This broker coordinates every consumer group and every transactional id, so
 * the answer is always this node, at the advertised address of the listener
 * the client connected through (Kafka's rule: a client keeps to the security
 * protocol it came in on). Key types: 0 group, 1 transaction (v1+; v0 is
 * groups only); any other (2 is a KIP-932 share group, v6) is INVALID_REQUEST.
 *
 * Versions: v0-v3 carry one `key` and answer in the top-level fields (v1+ adds
 * errorMessage and throttle time); v4+ batch keys in `coordinatorKeys` and
 * answer one entry per key in `coordinators` (KIP-699); v5 only adds the
 * TRANSACTION_ABORTABLE error (KIP-890), v6 share groups (KIP-932).
 *
 * ACLs (KafkaApis): a group key needs DESCRIBE on the GROUP, else
 * GROUP_AUTHORIZATION_FAILED; a transaction key DESCRIBE on the
 * TRANSACTIONAL_ID, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED (v4+ per key).
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { FindCoordinatorRequest } from '../../protocol/generated/find-coordinator-request.js';
import { FindCoordinatorResponse } from '../../protocol/generated/find-coordinator-response.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorize } from '../acl/request-authorization.js';
import { defineHandler } from './handler.js';

/** Kafka's CoordinatorType ids this broker answers for. */
const CoordinatorType = { GROUP: 0, TRANSACTION: 1 } as const;

export const findCoordinatorHandler = defineHandler({
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 6,
  request: FindCoordinatorRequest,
  response: FindCoordinatorResponse,
  handle(ctx, request) {
    const version = ctx.header.apiVersion;
    const listener = ctx.broker.listenerNamed(ctx.session.listener.name)!;
    const keyType = version >= 1 ? request.keyType : CoordinatorType.GROUP;
    const known = keyType === CoordinatorType.GROUP || keyType === CoordinatorType.TRANSACTION;
    const found = { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: ctx.broker.config.nodeId, host: listener.advertisedHost, port: listener.advertisedPort };
    const failed = (errorCode: number, errorMessage: string) => ({ errorCode, errorMessage, nodeId: -1, host: '', port: -1 });
    const answer = (key: string) => {
      if (!known) return failed(ErrorCode.INVALID_REQUEST, `unknown coordinator key type ${keyType}`);
      if (keyType === CoordinatorType.GROUP) {
        return authorize(ctx, AclOperation.DESCRIBE, AclResourceType.GROUP, key) ? found : failed(ErrorCode.GROUP_AUTHORIZATION_FAILED, `Not authorized to access group: ${key}`);
      }
      return authorize(ctx, AclOperation.DESCRIBE, AclResourceType.TRANSACTIONAL_ID, key) ? found : failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, `Not authorized to use transactional id: ${key}`);
    };
    if (version >= 4) return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map((key) => ({ key, ...answer(key) })) };
    return { throttleTimeMs: 0, ...answer(request.key) };
  },
});
