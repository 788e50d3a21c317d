/**
 * SCRAM credentials (KIP-554): `describeUserScramCredentials` and
 * `alterUserScramCredentials`, sent to the controller as Java's admin does.
 * The admin salts and hashes each password itself (SaltedPassword =
 * PBKDF2 with HMAC-SHA-256 or -512, the hash's length, as Kafka's
 * ScramFormatter), so only the salt and SaltedPassword travel. Per-user errors
 * reject together in a `KafkaJSAggregateError` of protocol errors.
 */
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { KafkaJSAggregateError } from '../errors/errors.js';
import { createErrorFromCode } from '../errors/protocol-errors.js';
import { type RequestVersions } from '../network/api-versions.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { AlterUserScramCredentialsRequest } from '../protocol/generated/alter-user-scram-credentials-request.js';
import { AlterUserScramCredentialsResponse } from '../protocol/generated/alter-user-scram-credentials-response.js';
import { DescribeUserScramCredentialsRequest } from '../protocol/generated/describe-user-scram-credentials-request.js';
import { DescribeUserScramCredentialsResponse } from '../protocol/generated/describe-user-scram-credentials-response.js';
import { type AdminContext, invalidArgument, isRoutingError, requireArray, requireName } from './admin-context.js';
import { type ScramCredentialDeletion, type ScramCredentialUpsertion, type ScramMechanism, type UserScramCredentialsDescription } from './admin-types.js';

/** Both APIs have only v0 (Kafka 2.7+). */
const SCRAM_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 0 });

/** KIP-554's mechanism codes and each mechanism's hash. */
const MECHANISMS: { readonly [M in ScramMechanism]: { readonly code: number; readonly hash: string; readonly length: number } } = {
  'SCRAM-SHA-256': { code: 1, hash: 'sha256', length: 32 },
  'SCRAM-SHA-512': { code: 2, hash: 'sha512', length: 64 },
};

const DEFAULT_ITERATIONS = 4096;

function mechanismOf(value: unknown): (typeof MECHANISMS)[ScramMechanism] {
  if (typeof value === 'string' && Object.hasOwn(MECHANISMS, value)) return MECHANISMS[value as ScramMechanism];
  throw invalidArgument(`Invalid SCRAM mechanism ${String(value)}: ${Object.keys(MECHANISMS).join(' or ')}`);
}

/** The users asked for (all when absent or empty) and the mechanisms each has a credential for. */
export async function describeUserScramCredentials(ctx: AdminContext, options: { users?: string[] } = {}): Promise<UserScramCredentialsDescription> {
  const users = options?.users === undefined ? [] : requireArray(options.users, 'users').map((u) => requireName(u, 'user'));
  return ctx.retry(
    'describeUserScramCredentials',
    async () => {
      const connection = await ctx.cluster.connectionForController();
      const response = await connection.send(
        DescribeUserScramCredentialsRequest,
        DescribeUserScramCredentialsResponse,
        { users: users.length === 0 ? null : users.map((name) => ({ name })) },
        { versions: SCRAM_VERSIONS },
      );
      if (response.errorCode !== ErrorCode.NONE) throw createErrorFromCode(response.errorCode, response.errorMessage ?? 'DescribeUserScramCredentials');
      const errors = response.results.filter((r) => r.errorCode !== ErrorCode.NONE).map((r) => createErrorFromCode(r.errorCode, `${r.errorMessage ?? 'cannot describe'} (user "${r.user}")`));
      if (errors.length > 0) throw new KafkaJSAggregateError('Errors describing SCRAM credentials', errors);
      const byCode = new Map(Object.entries(MECHANISMS).map(([name, m]) => [m.code, name as ScramMechanism]));
      return response.results.map((r) => ({
        user: r.user,
        credentials: r.credentialInfos.filter((c) => byCode.has(c.mechanism)).map((c) => ({ mechanism: byCode.get(c.mechanism)!, iterations: c.iterations })),
      }));
    },
    { retryOn: isRoutingError },
  );
}

/** Install and remove credentials; a user's changes all apply or none does. */
export async function alterUserScramCredentials(ctx: AdminContext, options: { upsertions?: ScramCredentialUpsertion[]; deletions?: ScramCredentialDeletion[] }): Promise<void> {
  const upsertions = requireArray(options?.upsertions ?? [], 'upsertions').map((u) => {
    const mechanism = mechanismOf(u?.mechanism);
    const iterations = u.iterations ?? DEFAULT_ITERATIONS;
    if (!Number.isInteger(iterations) || iterations <= 0) throw invalidArgument(`Invalid iterations ${String(u.iterations)} for user ${String(u.user)}: a positive integer (the broker wants 4096 to 16384)`);
    if (typeof u.password !== 'string' || u.password === '') throw invalidArgument(`Invalid password for user ${String(u.user)}: a non-empty string`);
    const salt = u.salt ?? randomBytes(32);
    // Hi(password, salt, i) of RFC 5802: PBKDF2 with HMAC-H, as long as the hash.
    const saltedPassword = pbkdf2Sync(Buffer.from(u.password, 'utf8'), salt, iterations, mechanism.length, mechanism.hash);
    return { name: typeof u.user === 'string' ? u.user : requireName(u.user, 'user'), mechanism: mechanism.code, iterations, salt, saltedPassword };
  });
  const deletions = requireArray(options?.deletions ?? [], 'deletions').map((d) => ({ name: typeof d?.user === 'string' ? d.user : requireName(d?.user, 'user'), mechanism: mechanismOf(d.mechanism).code }));
  if (upsertions.length === 0 && deletions.length === 0) throw invalidArgument('Empty SCRAM credential alterations: give upsertions and/or deletions');
  await ctx.retry(
    'alterUserScramCredentials',
    async () => {
      const connection = await ctx.cluster.connectionForController();
      const response = await connection.send(AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse, { deletions, upsertions }, { versions: SCRAM_VERSIONS });
      const routing = response.results.find((r) => r.errorCode === ErrorCode.NOT_CONTROLLER);
      if (routing) throw createErrorFromCode(routing.errorCode, 'AlterUserScramCredentials');
      const errors = response.results.filter((r) => r.errorCode !== ErrorCode.NONE).map((r) => createErrorFromCode(r.errorCode, `${r.errorMessage ?? 'cannot alter'} (user "${r.user}")`));
      if (errors.length > 0) throw new KafkaJSAggregateError('Errors altering SCRAM credentials', errors);
    },
    { retryOn: isRoutingError },
  );
}
