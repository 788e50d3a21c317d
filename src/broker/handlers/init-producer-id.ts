/**
 * InitProducerId, v0-v5.
 *
 * For an idempotent producer (no transactional id) Kafka always hands out a
 * fresh producer id with epoch 0, whatever id and epoch the request carries
 * (KIP-360: idempotent producers bump their epoch themselves).
 *
 * Transactions are not served yet (their APIs are not advertised in
 * ApiVersions), and a transactional id must fail every client at once rather
 * than leave it retrying: TRANSACTIONAL_ID_AUTHORIZATION_FAILED, the answer a
 * Kafka broker gives a principal that may not use the transactional id, is
 * fatal to all of them (librdkafka's rd_kafka_idemp_check_error, so
 * init_transactions() fails at once; KafkaJS, not retriable; the Java
 * producer's TransactionalIdAuthorizationException). INVALID_REQUEST, answered
 * before, is retried by librdkafka until init_transactions() times out, and so
 * are UNSUPPORTED_VERSION and UNSUPPORTED_FOR_MESSAGE_FORMAT.
 *
 * ACLs (KafkaApis): a transactional id needs WRITE on the TRANSACTIONAL_ID,
 * else TRANSACTIONAL_ID_AUTHORIZATION_FAILED; an idempotent producer needs
 * IDEMPOTENT_WRITE on the CLUSTER or WRITE on some TOPIC (KIP-679), else
 * CLUSTER_AUTHORIZATION_FAILED and no producer id.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { InitProducerIdRequest } from '../../protocol/generated/init-producer-id-request.js';
import { InitProducerIdResponse } from '../../protocol/generated/init-producer-id-response.js';
import { AclOperation, AclResourceType } from '../acl/acl-binding.js';
import { authorize, authorizeByResourceType, authorizeCluster, principalOf } from '../acl/request-authorization.js';
import { defineHandler } from './handler.js';

export const initProducerIdHandler = defineHandler({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  request: InitProducerIdRequest,
  response: InitProducerIdResponse,
  handle(ctx, request) {
    if (request.transactionalId !== null) {
      if (!authorize(ctx, AclOperation.WRITE, AclResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
        return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 };
      }
      ctx.broker.logger.warn('refusing InitProducerId for a transactional producer: transactions are not supported', {
        transactionalId: request.transactionalId,
        client: ctx.header.clientId,
        error: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
      });
      return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 };
    }
    if (!authorizeCluster(ctx, AclOperation.IDEMPOTENT_WRITE, { logIfDenied: false }) && !authorizeByResourceType(ctx, AclOperation.WRITE, AclResourceType.TOPIC)) {
      ctx.broker.logger.info('refusing InitProducerId: an idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE on some topic', { principal: principalOf(ctx.session), client: ctx.header.clientId });
      return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 };
    }
    return { errorCode: ErrorCode.NONE, producerId: ctx.broker.producers.allocateProducerId(), producerEpoch: 0 };
  },
});
