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
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { FindCoordinatorRequest } from '../../protocol/generated/find-coordinator-request.js';
import { FindCoordinatorResponse } from '../../protocol/generated/find-coordinator-response.js';
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
    const answer = known
      ? { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: ctx.broker.config.nodeId, host: listener.advertisedHost, port: listener.advertisedPort }
      : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown coordinator key type ${keyType}`, nodeId: -1, host: '', port: -1 };
    if (version >= 4) return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map((key) => ({ key, ...answer })) };
    return { throttleTimeMs: 0, ...answer };
  },
});
