/**
 * AlterUserScramCredentials, v0 (KIP-554; flexible). Installs or removes SCRAM
 * credentials at run time. An upsertion carries the salt and the SaltedPassword
 * the client computed (the password never travels); the broker keeps the
 * StoredKey and ServerKey derived from it (scram-credential-store.ts). New
 * authentications use the change at once; sessions already authenticated stay.
 *
 * One result per user named; a user's alterations all apply or none does:
 * - No ALTER on the CLUSTER resource: CLUSTER_AUTHORIZATION_FAILED for every user.
 * - An empty user name, iterations outside 4096..16384, an empty salt or
 *   SaltedPassword: UNACCEPTABLE_CREDENTIAL.
 * - A mechanism other than SCRAM-SHA-256 (1) or SCRAM-SHA-512 (2): UNSUPPORTED_SASL_MECHANISM.
 * - The same user and mechanism twice in the request: DUPLICATE_RESOURCE.
 * - Deleting a credential that does not exist: RESOURCE_NOT_FOUND.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { AlterUserScramCredentialsRequest } from '../../protocol/generated/alter-user-scram-credentials-request.js';
import { AlterUserScramCredentialsResponse } from '../../protocol/generated/alter-user-scram-credentials-response.js';
import { AclOperation } from '../acl/acl-binding.js';
import { authorizeCluster } from '../acl/request-authorization.js';
import { SCRAM_ITERATIONS, SCRAM_MAX_ITERATIONS, scramCredentialFromSaltedPassword, scramMechanismFromCode } from '../auth/scram.js';
import { type ScramAlteration, scramCredentialStore } from '../scram-credential-store.js';
import { defineHandler } from './handler.js';

type Failure = { readonly errorCode: number; readonly errorMessage: string };

export const alterUserScramCredentialsHandler = defineHandler({
  apiKey: ApiKey.AlterUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  request: AlterUserScramCredentialsRequest,
  response: AlterUserScramCredentialsResponse,
  async handle(ctx, request) {
    const named = [...new Set([...request.deletions.map((d) => d.name), ...request.upsertions.map((u) => u.name)])];
    if (!authorizeCluster(ctx, AclOperation.ALTER)) {
      return { throttleTimeMs: 0, results: named.map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'AlterUserScramCredentials needs ALTER on the CLUSTER resource kafka-cluster' })) };
    }
    const store = scramCredentialStore(ctx.broker.config);
    const failures = new Map<string, Failure>();
    const fail = (user: string, errorCode: number, errorMessage: string): void => {
      if (!failures.has(user)) failures.set(user, { errorCode, errorMessage });
    };
    const seen = new Map<string, number>();
    for (const a of [...request.deletions, ...request.upsertions]) seen.set(`${a.mechanism} ${a.name}`, (seen.get(`${a.mechanism} ${a.name}`) ?? 0) + 1);
    const alterations: ScramAlteration[] = [];
    const check = (name: string, code: number): ReturnType<typeof scramMechanismFromCode> => {
      const mechanism = scramMechanismFromCode(code);
      if (name === '') fail(name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
      else if (mechanism === undefined) fail(name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, `Unknown SCRAM mechanism ${code}`);
      else if (seen.get(`${code} ${name}`)! > 1) fail(name, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');
      return mechanism;
    };
    for (const d of request.deletions) {
      const mechanism = check(d.name, d.mechanism);
      if (mechanism === undefined || failures.has(d.name)) continue;
      if (store.get(d.name, mechanism) === undefined) fail(d.name, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
      else alterations.push({ kind: 'delete', user: d.name, mechanism });
    }
    for (const u of request.upsertions) {
      const mechanism = check(u.name, u.mechanism);
      if (mechanism === undefined || failures.has(u.name)) continue;
      if (u.iterations < SCRAM_ITERATIONS) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too few iterations: ${u.iterations} (the minimum for ${mechanism} is ${SCRAM_ITERATIONS})`);
      else if (u.iterations > SCRAM_MAX_ITERATIONS) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too many iterations: ${u.iterations} (the maximum is ${SCRAM_MAX_ITERATIONS})`);
      else if (u.salt.length === 0 || u.saltedPassword.length === 0) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt and SaltedPassword must not be empty');
      else alterations.push({ kind: 'upsert', user: u.name, mechanism, credential: scramCredentialFromSaltedPassword(mechanism, Buffer.from(u.salt), Buffer.from(u.saltedPassword), u.iterations) });
    }
    const accepted = alterations.filter((a) => !failures.has(a.user));
    let written: Failure | undefined;
    try {
      if (accepted.length > 0) await store.alter(accepted);
    } catch (e) {
      ctx.broker.logger.error('cannot store SCRAM credentials', { error: e instanceof Error ? e.message : String(e) });
      written = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'The SCRAM credentials could not be stored; see the broker log' };
    }
    return { throttleTimeMs: 0, results: named.map((user) => ({ user, ...(failures.get(user) ?? written ?? { errorCode: ErrorCode.NONE, errorMessage: null }) })) };
  },
});
