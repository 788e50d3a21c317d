/**
 * InitProducerId, v0-v5.
 *
 * For an idempotent producer (no transactional id) Kafka always hands out a
 * fresh producer id with epoch 0, whatever id and epoch the request carries
 * (KIP-360: idempotent producers bump their epoch themselves). A transactional
 * id is refused with INVALID_REQUEST until transactions arrive; the
 * transaction APIs are not advertised in ApiVersions either.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { InitProducerIdRequest } from '../../protocol/generated/init-producer-id-request.js';
import { InitProducerIdResponse } from '../../protocol/generated/init-producer-id-response.js';
import { defineHandler } from './handler.js';

export const initProducerIdHandler = defineHandler({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  request: InitProducerIdRequest,
  response: InitProducerIdResponse,
  handle(ctx, request) {
    if (request.transactionalId !== null) {
      return { errorCode: ErrorCode.INVALID_REQUEST, producerId: -1n, producerEpoch: -1 };
    }
    return { errorCode: ErrorCode.NONE, producerId: ctx.broker.producers.allocateProducerId(), producerEpoch: 0 };
  },
});
