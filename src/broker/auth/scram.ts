/**
 * SCRAM-SHA-256 and SCRAM-SHA-512, server side (RFC 5802, RFC 7677), as
 * Kafka's ScramSaslServer runs them (KIP-84):
 *
 * ```
 * client-first   n,[a=authzid],n=username,r=c-nonce[,extensions]
 * server-first   r=c-nonce s-nonce,s=base64(salt),i=4096
 * client-final   c=base64(gs2-header),r=c-nonce s-nonce[,extensions],p=base64(ClientProof)
 * server-final   v=base64(ServerSignature)        or   e=server-error-value
 * ```
 *
 * The server keeps no passwords, only each user's salt, StoredKey and ServerKey
 * (RFC 5802 section 3), derived once per broker from the configured passwords
 * or, for credentials set at run time (KIP-554), from the SaltedPassword the
 * admin client computed (../scram-credential-store.ts).
 * A client proves it knows the password by sending ClientKey XOR
 * ClientSignature; the server recovers ClientKey, hashes it and compares with
 * StoredKey, then proves itself with ServerSignature.
 *
 * Departures from the RFC, all shared with Kafka and its clients: usernames and
 * passwords are used as given, without SASLprep; channel binding is not offered
 * (no -PLUS mechanisms), so the gs2 flag must be `n` or `y`. Unlike Kafka, an
 * unknown user is not refused at client-first: the exchange goes on with a mock
 * salt (RFC 5802 section 5.1) and fails at the proof, like a wrong password, so
 * the answers do not reveal which usernames exist.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** The SCRAM mechanisms Kafka offers, with their hash (RFC 7677 for SHA-256; SHA-512 by the same rules). */
export const SCRAM_MECHANISMS = {
  'SCRAM-SHA-256': { hash: 'sha256', length: 32 },
  'SCRAM-SHA-512': { hash: 'sha512', length: 64 },
} as const;

export type ScramMechanism = keyof typeof SCRAM_MECHANISMS;

/** Kafka's minimum (and its clients' default) iteration count for SCRAM credentials. */
export const SCRAM_ITERATIONS = 4096;

/** Kafka's maximum iteration count for a SCRAM credential set at run time (KIP-554). */
export const SCRAM_MAX_ITERATIONS = 16384;

/** KIP-554's wire codes for the mechanisms (0 is UNKNOWN). */
export const SCRAM_MECHANISM_CODES: { readonly [M in ScramMechanism]: number } = { 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 };

/** The mechanism a KIP-554 code names, or undefined for UNKNOWN and codes this broker does not know. */
export function scramMechanismFromCode(code: number): ScramMechanism | undefined {
  return (Object.keys(SCRAM_MECHANISM_CODES) as ScramMechanism[]).find((m) => SCRAM_MECHANISM_CODES[m] === code);
}

/** True for a mechanism name this module serves. */
export function isScramMechanism(mechanism: string): mechanism is ScramMechanism {
  return Object.hasOwn(SCRAM_MECHANISMS, mechanism);
}

/** What the server stores for one user (RFC 5802 section 3): never the password. */
export interface ScramCredential {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

/** Derive a user's credential: SaltedPassword = Hi(password, salt, i), then StoredKey and ServerKey. */
export function deriveScramCredential(mechanism: ScramMechanism, password: string, salt: Buffer = randomBytes(24), iterations = SCRAM_ITERATIONS): ScramCredential {
  const { hash, length } = SCRAM_MECHANISMS[mechanism];
  // Hi() is PBKDF2 with HMAC-H and dkLen = the hash's length (RFC 5802 section 2.2).
  const saltedPassword = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, length, hash);
  return scramCredentialFromSaltedPassword(mechanism, salt, saltedPassword, iterations);
}

/**
 * A credential from a SaltedPassword computed elsewhere: what AlterUserScramCredentials
 * carries (KIP-554), so that the password itself never reaches the broker.
 */
export function scramCredentialFromSaltedPassword(mechanism: ScramMechanism, salt: Buffer, saltedPassword: Buffer, iterations: number): ScramCredential {
  const { hash } = SCRAM_MECHANISMS[mechanism];
  const clientKey = hmac(hash, saltedPassword, 'Client Key');
  return {
    salt,
    iterations,
    storedKey: createHash(hash).update(clientKey).digest(),
    serverKey: hmac(hash, saltedPassword, 'Server Key'),
  };
}

/**
 * The credentials of every user for one mechanism: the configured ones, changed
 * at run time by AlterUserScramCredentials. An exchange holds the credential it
 * looked up at client-first, so a change affects new authentications only.
 */
export class ScramCredentials {
  readonly #byUser: Map<string, ScramCredential>;
  /** Keys the mock credentials of unknown users: stable per username, unguessable by clients. */
  readonly #mockSecret = randomBytes(32);

  private constructor(
    readonly mechanism: ScramMechanism,
    byUser: Map<string, ScramCredential>,
  ) {
    this.#byUser = byUser;
  }

  /** Salt and hash each user's password once; a later entry for the same user wins. */
  static derive(mechanism: ScramMechanism, users: Iterable<{ readonly username: string; readonly password: string }>, iterations = SCRAM_ITERATIONS): ScramCredentials {
    const passwords = new Map<string, string>();
    for (const u of users) passwords.set(u.username, u.password);
    const byUser = new Map<string, ScramCredential>();
    for (const [username, password] of passwords) byUser.set(username, deriveScramCredential(mechanism, password, randomBytes(24), iterations));
    return new ScramCredentials(mechanism, byUser);
  }

  /** The user's credential, undefined when the user has none for this mechanism. */
  get(username: string): ScramCredential | undefined {
    return this.#byUser.get(username);
  }

  /** Install (or replace) a user's credential. */
  set(username: string, credential: ScramCredential): void {
    this.#byUser.set(username, credential);
  }

  /** Remove a user's credential; false when there was none. */
  delete(username: string): boolean {
    return this.#byUser.delete(username);
  }

  /** Every user with a credential for this mechanism. */
  users(): string[] {
    return [...this.#byUser.keys()];
  }

  /**
   * The user's credential; for an unknown user a mock one whose salt is the
   * same on every attempt and whose StoredKey no proof can match.
   */
  lookup(username: string): ScramCredential {
    const known = this.#byUser.get(username);
    if (known) return known;
    const { hash } = SCRAM_MECHANISMS[this.mechanism];
    return {
      salt: hmac(hash, this.#mockSecret, `salt:${username}`).subarray(0, 24),
      iterations: SCRAM_ITERATIONS,
      storedKey: hmac(hash, this.#mockSecret, `stored-key:${username}`),
      serverKey: hmac(hash, this.#mockSecret, `server-key:${username}`),
    };
  }
}

/** The exchange between server-first and client-final: all the server must remember. */
export interface ScramExchange {
  readonly mechanism: ScramMechanism;
  readonly username: string;
  /** `n,,` or `n,a=...,`: the client must echo it, base64, as its channel binding. */
  readonly gs2Header: string;
  readonly clientFirstBare: string;
  readonly serverFirst: string;
  /** The client's nonce alone (c-nonce). */
  readonly clientNonce: string;
  /** c-nonce followed by s-nonce. */
  readonly nonce: string;
  readonly credential: ScramCredential;
}

/** The server-error-value names of RFC 5802 section 7 that this server sends. */
export type ScramServerError =
  | 'invalid-encoding'
  | 'extensions-not-supported'
  | 'invalid-proof'
  | 'channel-bindings-dont-match'
  | 'channel-binding-not-supported'
  | 'invalid-username-encoding'
  | 'other-error';

/** A failed step: the `e=` server message and the error message Kafka sends the client. */
export interface ScramFailure {
  readonly ok: false;
  readonly error: ScramServerError;
  readonly message: string;
  /** `e=<error>`, the RFC's server-final message for a failure. */
  readonly serverMessage: Buffer;
}

/** Server-first, or why the client-first message was refused. */
export type ScramFirstResult = { readonly ok: true; readonly exchange: ScramExchange; readonly serverFirst: Buffer } | ScramFailure;

/** The authenticated user and server-final, or why the client-final message was refused. */
export type ScramFinalResult = { readonly ok: true; readonly username: string; readonly serverFinal: Buffer } | ScramFailure;

/** Answer a client-first message with server-first (RFC 5802 section 5.1). */
export function scramServerFirst(credentials: ScramCredentials, clientFirst: Uint8Array): ScramFirstResult {
  const text = decodeUtf8(clientFirst);
  if (text === undefined) return failure('invalid-encoding', 'client-first message is not UTF-8');
  const attrs = text.split(',');
  const [cbindFlag, authzidAttr] = attrs;
  if (cbindFlag === undefined || authzidAttr === undefined || attrs.length < 4) return failure('other-error', `invalid client-first message "${text}"`);
  // gs2-cbind-flag: `n` (client cannot bind) or `y` (client can, believes we cannot: true).
  if (cbindFlag.startsWith('p=')) return failure('channel-binding-not-supported', `channel binding ${cbindFlag.slice(2)} requested; no -PLUS mechanism is offered`);
  if (cbindFlag !== 'n' && cbindFlag !== 'y') return failure('other-error', `invalid gs2 channel binding flag "${cbindFlag}"`);

  let authzid = '';
  if (authzidAttr !== '') {
    if (!authzidAttr.startsWith('a=')) return failure('other-error', `invalid gs2 authzid "${authzidAttr}"`);
    const decoded = decodeSaslName(authzidAttr.slice(2));
    if (decoded === undefined) return failure('invalid-username-encoding', 'authzid has an "=" not followed by 2C or 3D');
    authzid = decoded;
  }

  const bare = attrs.slice(2);
  // `m=` marks a mandatory extension; none is defined, so it cannot be honoured.
  if (bare[0]?.startsWith('m=')) return failure('extensions-not-supported', 'mandatory extension "m=" is not supported');
  const [userAttr, nonceAttr, ...extensions] = bare as [string, string, ...string[]];
  if (!userAttr.startsWith('n=')) return failure('other-error', 'client-first message has no username');
  const username = decodeSaslName(userAttr.slice(2));
  if (username === undefined || username === '') return failure('invalid-username-encoding', 'username is empty or has an "=" not followed by 2C or 3D');
  if (!nonceAttr.startsWith('r=') || !isNonce(nonceAttr.slice(2))) return failure('other-error', 'client-first message has no valid nonce');
  // Kafka's own extension (KIP-48): tokenauth=true authenticates with a delegation
  // token, which this broker does not issue. Other extensions are ignored (RFC 5802 section 5.1).
  if (extensions.includes('tokenauth=true')) return failure('extensions-not-supported', 'delegation token authentication (tokenauth) is not supported');
  if (authzid !== '' && authzid !== username) return failure('other-error', 'Client requested an authorization id that is different from username');

  const credential = credentials.lookup(username);
  const clientNonce = nonceAttr.slice(2);
  const nonce = clientNonce + randomBytes(24).toString('base64url');
  const serverFirst = `r=${nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
  return {
    ok: true,
    exchange: {
      mechanism: credentials.mechanism,
      username,
      gs2Header: `${cbindFlag},${authzidAttr},`,
      clientFirstBare: bare.join(','),
      serverFirst,
      clientNonce,
      nonce,
      credential,
    },
    serverFirst: Buffer.from(serverFirst, 'utf8'),
  };
}

/** Verify a client-final message's proof and answer with server-final (RFC 5802 section 5.1). */
export function scramServerFinal(exchange: ScramExchange, clientFinal: Uint8Array): ScramFinalResult {
  const text = decodeUtf8(clientFinal);
  if (text === undefined) return failure('invalid-encoding', 'client-final message is not UTF-8');
  const attrs = text.split(',');
  const channelBinding = attrs[0];
  const nonceAttr = attrs[1];
  const proofAttr = attrs[attrs.length - 1];
  if (channelBinding === undefined || nonceAttr === undefined || proofAttr === undefined || attrs.length < 3) {
    return failure('other-error', 'invalid client-final message: expected c=, r= and p= attributes');
  }
  // Without channel binding, c= is the gs2 header the client sent, base64: `biws` for `n,,`.
  if (channelBinding !== `c=${Buffer.from(exchange.gs2Header, 'utf8').toString('base64')}`) {
    return failure('channel-bindings-dont-match', 'channel binding does not match the gs2 header of client-first');
  }
  // RFC 5802: r= must be the server-first nonce. librdkafka before 2.6.1 sends the
  // client nonce once more in front of it (librdkafka#4895); Kafka 3.8.1+ accepts
  // that form (its CVE-2024-56128 fix compares with endsWith), so do we, and only
  // that form: the whole server nonce is still required, so replays still fail.
  if (nonceAttr !== `r=${exchange.nonce}` && nonceAttr !== `r=${exchange.clientNonce}${exchange.nonce}`) {
    return failure('other-error', 'Invalid client nonce in the final client message.');
  }
  if (!proofAttr.startsWith('p=')) return failure('other-error', 'client-final message does not end with a proof');

  const { hash, length } = SCRAM_MECHANISMS[exchange.mechanism];
  const proof = decodeBase64(proofAttr.slice(2));
  const withoutProof = attrs.slice(0, -1).join(',');
  const authMessage = `${exchange.clientFirstBare},${exchange.serverFirst},${withoutProof}`;
  if (proof === undefined || proof.length !== length) return invalidCredentials(exchange.mechanism);
  const { storedKey, serverKey } = exchange.credential;
  // ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); the proof holds iff H(ClientKey) = StoredKey.
  const clientSignature = hmac(hash, storedKey, authMessage);
  const clientKey = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
  if (!timingSafeEqual(createHash(hash).update(clientKey).digest(), storedKey)) return invalidCredentials(exchange.mechanism);

  const serverSignature = hmac(hash, serverKey, authMessage);
  return { ok: true, username: exchange.username, serverFinal: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8') };
}

/** A wrong password and an unknown user get Kafka's same words. */
function invalidCredentials(mechanism: ScramMechanism): ScramFailure {
  return { ok: false, error: 'invalid-proof', message: `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`, serverMessage: Buffer.from('e=invalid-proof') };
}

function failure(error: ScramServerError, reason: string): ScramFailure {
  return { ok: false, error, message: `Authentication failed: ${reason}`, serverMessage: Buffer.from(`e=${error}`) };
}

function hmac(hash: string, key: Buffer, data: string): Buffer {
  return createHmac(hash, key).update(data, 'utf8').digest();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** saslname: `,` and `=` travel as `=2C` and `=3D`; any other `=` fails (RFC 5802 section 5.1). */
function decodeSaslName(value: string): string | undefined {
  if (/=(?!2C|3D)/.test(value)) return undefined;
  return value.replace(/=2C|=3D/g, (escape) => (escape === '=2C' ? ',' : '='));
}

/** A nonce is printable ASCII except `,` (RFC 5802 section 7). */
function isNonce(value: string): boolean {
  return /^[\x21-\x2B\x2D-\x7E]+$/.test(value);
}

/** Strict base64: Buffer.from would silently skip invalid characters. */
function decodeBase64(value: string): Buffer | undefined {
  if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return undefined;
  return Buffer.from(value, 'base64');
}
