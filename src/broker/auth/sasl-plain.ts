/**
 * SASL/PLAIN, server side (RFC 4616), as Kafka's PlainSaslServer does it.
 *
 * The client's single message is `[authzid] NUL authcid NUL passwd`, UTF-8.
 * The password is checked against the configured one in constant time; the
 * server's answer is empty. Like Kafka, an authzid is accepted only when it
 * names the authenticating user (no impersonation), and no length limit is
 * put on the fields (RFC 4616 suggests 255 octets; Kafka does not enforce it).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Looks up a user's configured password; undefined for an unknown user. */
export type PasswordLookup = (username: string) => string | undefined;

/** The outcome of one PLAIN message: the user, or the message Kafka sends the client. */
export type PlainResult = { readonly ok: true; readonly username: string } | { readonly ok: false; readonly message: string };

/** Kafka's answer to a wrong password and to an unknown user alike, so neither can be told apart. */
const INVALID_CREDENTIALS = 'Authentication failed: Invalid username or password';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Verify a client's PLAIN message against the configured passwords. */
export function verifyPlainMessage(message: Uint8Array, passwordOf: PasswordLookup): PlainResult {
  let text: string;
  try {
    text = utf8.decode(message);
  } catch {
    return { ok: false, message: 'Invalid SASL/PLAIN response: not UTF-8' };
  }
  // RFC 4616 section 2: exactly two NULs; the authzid may be empty, the others may not.
  const parts = text.split('\0');
  if (parts.length !== 3) return { ok: false, message: `Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}` };
  const [authzid, username, password] = parts as [string, string, string];
  if (username === '') return { ok: false, message: 'Authentication failed: username not specified' };
  if (password === '') return { ok: false, message: 'Authentication failed: password not specified' };
  if (authzid !== '' && authzid !== username) {
    return { ok: false, message: 'Authentication failed: Client requested an authorization id that is different from username' };
  }
  return passwordMatches(password, passwordOf(username)) ? { ok: true, username } : { ok: false, message: INVALID_CREDENTIALS };
}

/**
 * Constant-time comparison: both sides are hashed first, so the compare sees
 * equal lengths and its time reveals neither the password's length nor how
 * much of it matched. An unknown user costs the same work as a known one.
 */
function passwordMatches(given: string, expected: string | undefined): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected ?? '', 'utf8').digest();
  return timingSafeEqual(a, b) && expected !== undefined;
}
