/**
 * SCRAM-SHA-256 and SCRAM-SHA-512, client side (RFC 5802, RFC 7677), as
 * Kafka's ScramSaslServer runs them (KIP-84):
 *
 * ```
 * client-first   n,,n=username,r=c-nonce
 * server-first   r=c-nonce s-nonce,s=base64(salt),i=iterations
 * client-final   c=biws,r=c-nonce s-nonce,p=base64(ClientKey XOR ClientSignature)
 * server-final   v=base64(ServerSignature)        or   e=server-error-value
 * ```
 *
 * The client proves it knows the password without sending it, and checks the
 * server's signature: a server that does not know the password cannot forge
 * it, so a successful exchange authenticates both sides.
 *
 * As Kafka and its clients do, the username and password are used without
 * SASLprep, and no channel binding is offered (gs2 header `n,,`).
 */
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { KafkaJSSASLAuthenticationError } from '../../errors/errors.js';
import { type SaslMechanismClient } from './mechanism.js';

const pbkdf2Async = promisify(pbkdf2);

/** The hash behind each SCRAM mechanism and its output length. */
const HASHES = {
  'SCRAM-SHA-256': { hash: 'sha256', length: 32 },
  'SCRAM-SHA-512': { hash: 'sha512', length: 64 },
} as const;

/** The SCRAM mechanisms Kafka offers. */
export type ScramMechanismName = keyof typeof HASHES;

/**
 * Kafka refuses credentials with fewer iterations (ScramMechanism.minIterations);
 * a server asking for fewer is either misconfigured or trying to make the
 * proof cheap to brute-force, so the client refuses too (as Java's ScramSaslClient).
 */
const MIN_ITERATIONS = 4096;

/** The gs2 header: no channel binding, no authorization identity. */
const GS2_HEADER = 'n,,';

/** RFC 5802 section 5.1: `=` and `,` in a username travel as `=3D` and `=2C`. */
export function escapeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** The attributes of a SCRAM message (`k=v,k=v`); a value may itself hold `=`. */
function parseAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0]!, part.slice(2));
  }
  return out;
}

function hmac(hash: string, key: Buffer, data: string): Buffer {
  return createHmac(hash, key).update(data, 'utf8').digest();
}

/** A client-side SCRAM exchange; `nonce` is for tests (RFC 5802's examples), random otherwise. */
export function scramMechanism(mechanism: ScramMechanismName, username: string, password: string, nonce: string = randomBytes(24).toString('base64')): SaslMechanismClient {
  const { hash, length } = HASHES[mechanism];
  const clientFirstBare = `n=${escapeSaslName(username)},r=${nonce}`;
  let step: 'initial' | 'first-sent' | 'final-sent' | 'done' = 'initial';
  let expectedServerSignature: Buffer | undefined;

  const fail = (reason: string): never => {
    step = 'done';
    throw new KafkaJSSASLAuthenticationError(`SASL ${mechanism} authentication failed: ${reason}`);
  };

  const clientFinal = async (serverFirst: string): Promise<Buffer> => {
    const attributes = parseAttributes(serverFirst);
    const serverError = attributes.get('e');
    if (serverError !== undefined) return fail(`the server refused the first message: ${serverError}`);
    const combinedNonce = attributes.get('r');
    const salt = attributes.get('s');
    const iterations = Number(attributes.get('i'));
    if (combinedNonce === undefined || salt === undefined || !Number.isInteger(iterations)) return fail(`malformed server-first message ${JSON.stringify(serverFirst)}`);
    // The server's nonce must extend ours, or the answer belongs to another exchange (RFC 5802 section 5.1).
    if (!combinedNonce.startsWith(nonce) || combinedNonce.length === nonce.length) return fail('the server nonce does not extend the client nonce');
    if (iterations < MIN_ITERATIONS) return fail(`the server asked for ${iterations} iterations, fewer than the minimum ${MIN_ITERATIONS}`);

    // SaltedPassword = Hi(password, salt, i): PBKDF2 with HMAC-H (RFC 5802 section 2.2), off the event loop.
    const saltedPassword = await pbkdf2Async(Buffer.from(password, 'utf8'), Buffer.from(salt, 'base64'), iterations, length, hash);
    const clientKey = hmac(hash, saltedPassword, 'Client Key');
    const storedKey = createHash(hash).update(clientKey).digest();
    const clientFinalWithoutProof = `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${combinedNonce}`;
    const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
    const clientSignature = hmac(hash, storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    expectedServerSignature = hmac(hash, hmac(hash, saltedPassword, 'Server Key'), authMessage);
    return Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`, 'utf8');
  };

  const verifyServerFinal = (serverFinal: string): null => {
    const attributes = parseAttributes(serverFinal);
    const serverError = attributes.get('e');
    if (serverError !== undefined) return fail(`the server refused the proof: ${serverError}`);
    const signature = Buffer.from(attributes.get('v') ?? '', 'base64');
    const expected = expectedServerSignature!;
    // A server that cannot prove it knows the password is not the server we trust.
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return fail('the server signature does not match: the server does not know this password');
    step = 'done';
    return null;
  };

  return {
    name: mechanism,
    async start() {
      if (step !== 'initial') throw new KafkaJSSASLAuthenticationError(`SASL ${mechanism}: the exchange was already started`);
      step = 'first-sent';
      return Buffer.from(`${GS2_HEADER}${clientFirstBare}`, 'utf8');
    },
    async next(serverToken) {
      const message = serverToken.toString('utf8');
      switch (step) {
        case 'first-sent': {
          const token = await clientFinal(message);
          step = 'final-sent';
          return token;
        }
        case 'final-sent':
          return verifyServerFinal(message);
        default:
          return fail(`unexpected server message in step ${step}`);
      }
    },
  };
}
