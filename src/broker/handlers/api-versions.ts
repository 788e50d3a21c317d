/**
 * ApiVersions, v0-v4 (KIP-35, KIP-511).
 *
 * Lists every API this broker serves with the versions it serves: the handler
 * registry, so what is advertised is what is answered, with one exception
 * Kafka 4.0 makes too (KAFKA-18659): Produce is advertised from v0 although
 * v0-v2 are refused (the connection closes). librdkafka releases before the
 * fix for its issue 4956 (kcat 1.7.1 bundles 2.0.2) decide whether a broker
 * "supports" gzip, snappy and lz4 by looking for Produce v0 in the advertised
 * range, and silently send uncompressed batches when it is missing; clients
 * pick the highest common version, so none sends v0-v2 because of it.
 * An ApiVersions version above ours is answered by the connection
 * (UNSUPPORTED_VERSION in v0). v3+ carries the client's software name and
 * version; we accept any.
 */
import { ApiVersionsRequest } from '../../protocol/generated/api-versions-request.js';
import { ApiVersionsResponse } from '../../protocol/generated/api-versions-response.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { defineHandler } from './handler.js';

export const apiVersionsHandler = defineHandler({
  apiKey: ApiKey.ApiVersions,
  minVersion: 0,
  maxVersion: 4,
  request: ApiVersionsRequest,
  response: ApiVersionsResponse,
  beforeAuthentication: true,
  handle(ctx, request) {
    // KIP-511: v3+ names must match Kafka's pattern [a-zA-Z0-9](?:[a-zA-Z0-9-.]*[a-zA-Z0-9])?, else INVALID_REQUEST.
    const valid = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?$/;
    const bad = ctx.header.apiVersion >= 3 && (!valid.test(request.clientSoftwareName) || !valid.test(request.clientSoftwareVersion));
    return {
      errorCode: bad ? ErrorCode.INVALID_REQUEST : ErrorCode.NONE,
      apiKeys: [...ctx.broker.handlers.values()]
        .sort((a, b) => a.apiKey - b.apiKey)
        .map((h) => ({ apiKey: h.apiKey, minVersion: h.apiKey === ApiKey.Produce ? 0 : h.minVersion, maxVersion: h.maxVersion })),
    };
  },
});
