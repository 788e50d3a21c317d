/**
 * SASL/OAUTHBEARER, server side (RFC 7628, KIP-255), with the token check of
 * Kafka's default OAuthBearerUnsecuredValidatorCallbackHandler: unsecured JWS
 * (RFC 7515 appendix A.5, `alg` "none", no signature). Such tokens prove nothing
 * (anyone can write one naming anyone), so this mechanism is for development
 * and tests, as Kafka's documentation says of its default handler; it is never
 * enabled unless listed in `sasl.enabled.mechanisms`.
 *
 * The exchange, as Kafka's OAuthBearerSaslServer runs it:
 * ```
 * client  n,[a=authzid],\x01auth=Bearer <token>\x01[key=value\x01...]\x01
 * server  (empty)                           the token is good: authenticated
 *    or   {"status":"invalid_token"}        a challenge, not yet a failure
 * client  \x01                              RFC 7628 3.2.3: the client gives up
 * server  SASL_AUTHENTICATION_FAILED with the JSON as the error message
 * ```
 * A first message that does not parse fails at once, with Kafka's generic
 * "invalid credentials" message. The token's `exp` bounds the session (KIP-368,
 * see reauth.ts).
 */
import { type OAuthBearerValidatorOptions } from '../config.js';

/** RFC 7628's key/value separator (Kafka's `OAuthBearerClientInitialResponse.SEPARATOR`). */
const KVSEP = '\u0001';

/** The client's first message, parsed: RFC 7628 section 3.1 with Kafka's grammar for names and values. */
export interface OAuthBearerInitialResponse {
  readonly token: string;
  /** The gs2 authzid (`a=`), empty when the client names none. */
  readonly authorizationId: string;
  /** SASL extensions (KIP-342): every key/value pair but `auth`. */
  readonly extensions: ReadonlyMap<string, string>;
}

// Kafka's grammar: saslname excludes "=" and "," except as =2C and =3D; keys are letters;
// values are printable ASCII, space, tab, CR and LF; a bearer token is RFC 6750's b64token.
const INITIAL_RESPONSE = /^n,(?:a=((?:[\x01-\x2b\x2d-\x3c\x3e-\x7f]|=2C|=3D)+))?,\x01((?:[A-Za-z]+=[\x21-\x7e \t\r\n]+\x01)*)\x01$/;
const AUTH_VALUE = /^(\w+) +([-_~+/.a-zA-Z0-9]+=*)$/;

/** Parse the client's first message; a string says why it is not one. */
export function parseOAuthBearerInitialResponse(message: Buffer): OAuthBearerInitialResponse | string {
  const m = INITIAL_RESPONSE.exec(message.toString('utf8'));
  if (!m) return 'Invalid OAUTHBEARER client first message';
  const extensions = new Map<string, string>();
  for (const pair of m[2]!.split(KVSEP)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    extensions.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const auth = extensions.get('auth');
  if (auth === undefined) return "Invalid OAUTHBEARER client first message: 'auth' not specified";
  extensions.delete('auth');
  const a = AUTH_VALUE.exec(auth);
  if (!a) return "Invalid OAUTHBEARER client first message: invalid 'auth' format";
  if (a[1]!.toLowerCase() !== 'bearer') return `Invalid scheme in OAUTHBEARER client first message: ${a[1]}`;
  return { token: a[2]!, authorizationId: m[1] ?? '', extensions };
}

/** A token that passed: its principal and when it expires (ms since the epoch). */
export interface ValidatedToken {
  readonly ok: true;
  readonly principal: string;
  readonly expiresAtMs: number;
}

/** A token that did not: the RFC 7628 error status sent to the client, and why (for the log only, as Kafka). */
export interface RefusedToken {
  readonly ok: false;
  readonly status: 'invalid_token' | 'insufficient_scope';
  /** The required scope, when that is what was missing. */
  readonly scope?: string;
  readonly reason: string;
}

const BASE64URL = /^[A-Za-z0-9_\-+/]*={0,2}$/;

/** A JWS part's JSON object; a string says why it is not one. */
function decodePart(part: string): Record<string, unknown> | string {
  if (!BASE64URL.test(part)) return 'malformed Base64 URL encoded value';
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return 'malformed JSON';
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : 'malformed JSON';
}

/** The scope claim as a set: a single string is one scope, a list holds several (Kafka's OAuthBearerUnsecuredJws). */
function scopeOf(claim: unknown): Set<string> {
  if (typeof claim === 'string') return new Set(claim.trim() === '' ? [] : [claim.trim()]);
  if (Array.isArray(claim)) return new Set(claim.map(String).map((s) => s.trim()).filter(Boolean));
  return new Set();
}

/**
 * Check an unsecured JWS as Kafka's default validator does, in its order: three
 * dot-separated parts, `alg` "none" and no signature, an `exp`, the principal claim
 * (`sub` unless configured) a non-blank string, `iat` (optional) not after now plus
 * the allowed skew, `exp` after now minus the skew, `exp` after `iat`, and every
 * required scope present.
 */
export function validateUnsecuredJws(token: string, options: OAuthBearerValidatorOptions, nowMs: number): ValidatedToken | RefusedToken {
  const refuse = (reason: string): RefusedToken => ({ ok: false, status: 'invalid_token', reason });
  if (token.includes('..')) return refuse("Malformed compact serialization contains '..'");
  const parts = token.split('.');
  if (parts.length !== 3) return refuse('Unsecured JWS compact serializations must have 3 dot-separated Base64URL-encoded values');
  const header = decodePart(parts[0]!);
  if (typeof header === 'string') return refuse(header);
  const claims = decodePart(parts[1]!);
  if (typeof claims === 'string') return refuse(claims);
  if (header['alg'] !== 'none') return refuse("Unsecured JWS must have 'none' for an algorithm");
  if (parts[2] !== '') return refuse('Unsecured JWS must not contain a digital signature');
  const { exp, iat } = claims;
  if (exp === undefined || exp === null) return refuse('No expiration time in JWT');
  if (typeof exp !== 'number') return refuse("The 'exp' claim was not of type Number");
  if (iat !== undefined && iat !== null && typeof iat !== 'number') return refuse("The 'iat' claim was not of type Number");
  const principal = claims[options.principalClaimName];
  if (typeof principal !== 'string' || principal.trim() === '') return refuse(`No principal name in JWT claim: ${options.principalClaimName}`);
  const skew = options.allowableClockSkewMs;
  if (typeof iat === 'number' && iat * 1000 > nowMs + skew) return refuse(`The Issued At value (${iat} seconds) was after the indicated time (${nowMs} ms) plus allowable clock skew (${skew} ms)`);
  if (nowMs - skew >= exp * 1000) return refuse(`The indicated time (${nowMs} ms) minus allowable clock skew (${skew} ms) was on or after the Expiration Time value (${exp} seconds)`);
  if (typeof iat === 'number' && exp <= iat) return refuse(`The Expiration Time time (${exp} seconds) was not after the Issued At time (${iat} seconds)`);
  const scope = scopeOf(claims[options.scopeClaimName]);
  const missing = options.requiredScope.find((s) => !scope.has(s));
  if (missing !== undefined) {
    return { ok: false, status: 'insufficient_scope', scope: `[${options.requiredScope.join(', ')}]`, reason: `The provided scope was missing a required scope (${missing})` };
  }
  return { ok: true, principal, expiresAtMs: Math.round(exp * 1000) };
}

/** RFC 7628 section 3.2.2's error, in Kafka's JSON layout (`{"status":"invalid_token"}`). */
export function oauthBearerErrorJson(refused: RefusedToken): string {
  return refused.scope === undefined ? `{"status":"${refused.status}"}` : `{"status":"${refused.status}", "scope":"${refused.scope}"}`;
}

/** The outcome of one OAUTHBEARER message. */
export type OAuthBearerStep =
  | { readonly outcome: 'authenticated'; readonly principal: string; readonly expiresAtMs: number }
  /** The token was refused: send `challenge`, expect the client's `\x01`, then fail with it. */
  | { readonly outcome: 'challenge'; readonly challenge: string; readonly reason: string }
  | { readonly outcome: 'failed'; readonly message: string; readonly reason: string };

/**
 * Evaluate a client message. `pendingError` is the JSON challenge sent last, if
 * any: a lone `\x01` answering it ends the exchange with that error (any other
 * message starts over, as Kafka's server does).
 */
export function evaluateOAuthBearer(message: Buffer, options: OAuthBearerValidatorOptions, pendingError: string | null, nowMs: number): OAuthBearerStep {
  if (pendingError !== null && message.length === 1 && message[0] === 1) return { outcome: 'failed', message: pendingError, reason: `the client gave up after ${pendingError}` };
  const parsed = parseOAuthBearerInitialResponse(message);
  if (typeof parsed === 'string') {
    // Kafka answers a SaslException with a generic message, never the parser's detail.
    return { outcome: 'failed', message: 'Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER', reason: parsed };
  }
  const token = validateUnsecuredJws(parsed.token, options, nowMs);
  if (!token.ok) return { outcome: 'challenge', challenge: oauthBearerErrorJson(token), reason: token.reason };
  if (parsed.authorizationId !== '' && parsed.authorizationId !== token.principal) {
    const message = `Authentication failed: Client requested an authorization id (${parsed.authorizationId}) that is different from the token's principal name (${token.principal})`;
    return { outcome: 'failed', message, reason: message };
  }
  return { outcome: 'authenticated', principal: token.principal, expiresAtMs: token.expiresAtMs };
}
