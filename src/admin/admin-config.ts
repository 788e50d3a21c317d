/**
 * The admin client's options: KafkaJS's `AdminConfig` (`retry`, merged over the
 * client's own retry options, as `kafka.admin({ retry })` does in KafkaJS), plus
 * `metadataMaxAge`. Validated once; unknown options are refused, as the producer's.
 */
import { refuseUnknownOptions } from '../client/unknown-options.js';
import { KafkaJSConfigurationError } from '../errors/errors.js';
import { type ResolvedRetryOptions, type RetryOptions, resolveRetryOptions } from '../retry/retrier.js';

/** The options of `kafka.admin(config)`. */
export interface AdminConfig {
  /** Retries of admin operations; each field defaults to the client's `retry`. */
  readonly retry?: RetryOptions | undefined;
  /** Refresh cluster metadata older than this, ms. Default 300000. */
  readonly metadataMaxAge?: number | undefined;
}

/** {@link AdminConfig} validated, with defaults filled in. */
export interface ResolvedAdminConfig {
  readonly retry: ResolvedRetryOptions;
  readonly metadataMaxAge: number;
}

/** The defaults of {@link AdminConfig} (the retry defaults are the client's). */
export const ADMIN_DEFAULTS = Object.freeze({ metadataMaxAge: 300_000 } as const);

const KNOWN: ReadonlySet<string> = new Set(['retry', 'metadataMaxAge']);

/**
 * Validate `config`, filling in defaults; `clientRetry` is the client's retry options,
 * which the admin's `retry` fields override one by one. The user's object is not changed.
 *
 * @throws KafkaJSConfigurationError naming the invalid option and what it accepts
 */
export function resolveAdminConfig(config: AdminConfig = {}, clientRetry: RetryOptions = {}): ResolvedAdminConfig {
  if (typeof config !== 'object' || config === null) throw new KafkaJSConfigurationError({ option: 'admin', value: config, accepted: 'an options object' });
  refuseUnknownOptions(config, [...KNOWN], 'admin', 'admin.');
  if (config.retry !== undefined && (typeof config.retry !== 'object' || config.retry === null)) {
    throw new KafkaJSConfigurationError({ option: 'admin.retry', value: config.retry, accepted: 'an object of retry options' });
  }
  const metadataMaxAge = config.metadataMaxAge ?? ADMIN_DEFAULTS.metadataMaxAge;
  if (typeof metadataMaxAge !== 'number' || !(metadataMaxAge >= 0)) {
    throw new KafkaJSConfigurationError({ option: 'admin.metadataMaxAge', value: metadataMaxAge, accepted: 'a number of milliseconds >= 0' });
  }
  return Object.freeze({ retry: resolveRetryOptions({ ...clientRetry, ...config.retry }), metadataMaxAge });
}
