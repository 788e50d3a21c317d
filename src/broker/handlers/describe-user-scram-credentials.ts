/**
 * DescribeUserScramCredentials, v0 (KIP-554; flexible). Which users have SCRAM
 * credentials, with each credential's mechanism and iterations (never a salt or
 * key): the configured users (`sasl.users`, JAAS) and those altered at run time.
 *
 * - The caller needs DESCRIBE on the CLUSTER resource, else the whole request
 *   is answered CLUSTER_AUTHORIZATION_FAILED.
 * - `users` null or empty: every user with a credential.
 * - A user named twice: DUPLICATE_RESOURCE for it; a user without any
 *   credential: RESOURCE_NOT_FOUND, each in its own result.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DescribeUserScramCredentialsRequest } from '../../protocol/generated/describe-user-scram-credentials-request.js';
import { DescribeUserScramCredentialsResponse } from '../../protocol/generated/describe-user-scram-credentials-response.js';
import { AclOperation } from '../acl/acl-binding.js';
import { authorizeCluster } from '../acl/request-authorization.js';
import { SCRAM_MECHANISM_CODES } from '../auth/scram.js';
import { scramCredentialStore } from '../scram-credential-store.js';
import { defineHandler } from './handler.js';

export const describeUserScramCredentialsHandler = defineHandler({
  apiKey: ApiKey.DescribeUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  request: DescribeUserScramCredentialsRequest,
  response: DescribeUserScramCredentialsResponse,
  handle(ctx, request) {
    if (!authorizeCluster(ctx, AclOperation.DESCRIBE)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'DescribeUserScramCredentials needs DESCRIBE on the CLUSTER resource kafka-cluster', results: [] };
    }
    const described = scramCredentialStore(ctx.broker.config).describe();
    const infos = (user: string) => (described.get(user) ?? []).map((c) => ({ mechanism: SCRAM_MECHANISM_CODES[c.mechanism], iterations: c.iterations }));
    const asked = request.users?.map((u) => u.name) ?? [];
    if (asked.length === 0) {
      const results = [...described.keys()].sort().map((user) => ({ user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: infos(user) }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
    }
    const counts = new Map<string, number>();
    for (const user of asked) counts.set(user, (counts.get(user) ?? 0) + 1);
    const results = [...counts].map(([user, count]) => {
      if (count > 1) return { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request', credentialInfos: [] };
      if (!described.has(user)) return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] };
      return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: infos(user) };
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
  },
});
