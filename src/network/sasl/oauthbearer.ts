/**
 * SASL/OAUTHBEARER, client side (RFC 7628, KIP-255), with KafkaJS's option:
 * `sasl: { mechanism: 'oauthbearer', oauthBearerProvider }`, an async function
 * returning `{ value, extensions? }`. It is called for every authentication,
 * re-authentications included (KIP-368), so a provider that caches its token
 * must refresh it before it expires.
 *
 * ```
 * client  n,,\x01auth=Bearer <token>\x01[key=value\x01...]\x01
 * server  (empty)                     accepted
 *    or   {"status":"invalid_token"}  refused: the client answers \x01 and the
 *                                     broker fails the exchange with that JSON
 * ```
 */
import { KafkaJSSASLAuthenticationError } from '../../errors/errors.js';
import { type SaslMechanismClient } from './mechanism.js';

/** What `oauthBearerProvider` resolves with (KafkaJS's `OauthbearerProviderResponse`). */
export interface OauthbearerProviderResponse {
  /** The bearer token (a JWS for Kafka's validators). */
  readonly value: string;
  /** SASL extensions sent with the token (KIP-342): letters-only keys, printable ASCII values. */
  readonly extensions?: Readonly<Record<string, string>> | undefined;
}

/** RFC 7628's separator between key/value pairs. */
const KVSEP = '\u0001';
// RFC 6750's b64token, and Kafka's grammar for extension keys and values.
const TOKEN = /^[-_~+/.a-zA-Z0-9]+=*$/;
const EXTENSION_KEY = /^[A-Za-z]+$/;
const EXTENSION_VALUE = /^[\x21-\x7e \t\r\n]+$/;

function fail(reason: string): never {
  throw new KafkaJSSASLAuthenticationError(`SASL OAUTHBEARER: ${reason}`);
}

/** The client's first message for `token` (RFC 7628 section 3.1), after checking it is one Kafka can parse. */
export function oauthBearerInitialResponse(token: OauthbearerProviderResponse): Buffer {
  if (typeof token !== 'object' || token === null || typeof token.value !== 'string' || !TOKEN.test(token.value)) {
    fail('Invalid OAuth bearer token: oauthBearerProvider must resolve with { value: string } holding a bearer token (RFC 6750 characters)');
  }
  let extensions = '';
  for (const [key, value] of Object.entries(token.extensions ?? {})) {
    if (!EXTENSION_KEY.test(key) || key === 'auth') fail(`invalid SASL extension name ${JSON.stringify(key)}: letters only, and not "auth"`);
    if (typeof value !== 'string' || !EXTENSION_VALUE.test(value)) fail(`invalid value for SASL extension ${key}: printable ASCII expected`);
    extensions += `${KVSEP}${key}=${value}`;
  }
  return Buffer.from(`n,,${KVSEP}auth=Bearer ${token.value}${extensions}${KVSEP}${KVSEP}`, 'utf8');
}

/** The OAUTHBEARER exchange: the provider's token out; an error challenge answered with `\x01` so the broker ends it with its reason. */
export function oauthBearerMechanism(provider: () => Promise<OauthbearerProviderResponse>): SaslMechanismClient {
  let step: 'initial' | 'sent' | 'error-acknowledged' = 'initial';
  return {
    name: 'OAUTHBEARER',
    async start() {
      step = 'sent';
      let token: OauthbearerProviderResponse;
      try {
        token = await provider();
      } catch (e) {
        throw new KafkaJSSASLAuthenticationError(`SASL OAUTHBEARER: oauthBearerProvider failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      return oauthBearerInitialResponse(token);
    },
    async next(serverToken) {
      if (step === 'sent' && serverToken.length === 0) return null;
      if (step === 'sent') {
        // RFC 7628 section 3.2.3: acknowledge the error; the broker answers with the failure.
        step = 'error-acknowledged';
        return Buffer.from(KVSEP);
      }
      return fail(`the broker accepted the exchange after refusing the token: ${serverToken.toString('utf8')}`);
    },
  };
}
