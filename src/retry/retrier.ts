/**
 * Retries with exponential backoff and jitter, KafkaJS's shape and formula
 * (`kafkajs/src/retry/index.js`): the first wait is `initialRetryTime` randomized by
 * ±`factor`, each later wait is the previous one randomized again and multiplied by
 * `multiplier`, and no wait exceeds `maxRetryTime`.
 *
 * Where we depart from KafkaJS, on purpose:
 * - Only errors whose `retriable` is exactly `true` are retried. KafkaJS retries any error
 *   not marked `retriable: false`, so a plain `Error` from user code is retried there.
 *   Built-in programmer errors (TypeError, RangeError, ReferenceError, SyntaxError) are
 *   never retried, whatever they carry.
 * - A non-retriable error is rethrown as it is; KafkaJS wraps it in a
 *   `KafkaJSNonRetriableError`.
 * - The first wait is capped at `maxRetryTime` too (KafkaJS caps only later ones).
 * - `deadlineMs`: an overall deadline, for the producer's `deliveryTimeoutMs`.
 * - The clock, timer and random source can be injected, so tests need no wall clock.
 */

import { KafkaJSConfigurationError, KafkaJSDeliveryTimeoutError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } from '../errors/errors.js';

/** Retry options, KafkaJS's `RetryOptions` plus `deadlineMs`. */
export interface RetryOptions {
  /** Retries after the first attempt; default 5. `Infinity` retries until `deadlineMs`. */
  readonly retries?: number | undefined;
  /** The first wait in ms, before jitter; default 300. */
  readonly initialRetryTime?: number | undefined;
  /** The longest wait in ms; default 30000. */
  readonly maxRetryTime?: number | undefined;
  /** Jitter: each wait is randomized by ±factor of itself; in [0, 1], default 0.2. */
  readonly factor?: number | undefined;
  /** Each wait is the previous one times this; at least 1, default 2. */
  readonly multiplier?: number | undefined;
  /**
   * Consumer only (as in KafkaJS): whether to restart the consumer after retries are
   * exhausted. The retrier itself does not call it.
   */
  readonly restartOnFailure?: ((error: Error) => Promise<boolean>) | undefined;
  /**
   * Overall deadline in ms, counted from the start of each `retrier(fn)` call (or its
   * `startedAt`): no retry is scheduled whose wait would end past it. Unset: no deadline.
   */
  readonly deadlineMs?: number | undefined;
}

/** The defaults, KafkaJS's (`kafkajs/src/retry/defaults.js`). */
export const DEFAULT_RETRY_OPTIONS = Object.freeze({
  retries: 5,
  initialRetryTime: 300,
  maxRetryTime: 30_000,
  factor: 0.2,
  multiplier: 2,
});

/** The clock, timer and random source the retrier uses; injected by tests. */
export interface RetrierRuntime {
  /** Resolves after `ms` milliseconds; default `setTimeout`. */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  /** A number in [0, 1); default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /** Milliseconds on some monotonic-enough clock; default `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/**
 * Stops retrying: the retrier's promise rejects with `error` (or a non-retriable
 * "aborted" error) at once, and later outcomes of `fn` are ignored.
 */
export type Bail = (error?: unknown) => void;

/**
 * One attempt of the retried operation.
 *
 * @param bail - stops retrying with an error
 * @param retryCount - 0 for the first attempt, then 1, 2, ...
 * @param retryTime - the wait, in ms, before the next attempt if this one fails
 */
export type RetriedOperation<T> = (bail: Bail, retryCount: number, retryTime: number) => Promise<T>;

/** Per-call settings of a retrier. */
export interface RetryCallOptions {
  /** When the deadline starts counting, on the runtime's clock (e.g. when `send` was called); default now. */
  readonly startedAt?: number | undefined;
}

/** Runs an operation, retrying it as its options say. */
export type Retrier = <T>(fn: RetriedOperation<T>, call?: RetryCallOptions) => Promise<T>;

/** Retry options validated, with the defaults filled in. */
export interface ResolvedRetryOptions {
  readonly retries: number;
  readonly initialRetryTime: number;
  readonly maxRetryTime: number;
  readonly factor: number;
  readonly multiplier: number;
  readonly deadlineMs: number | undefined;
}

function invalid(option: string, value: unknown, accepted: string): KafkaJSConfigurationError {
  return new KafkaJSConfigurationError({ option: `retry.${option}`, value, accepted });
}

function checkNumber(option: string, value: unknown, accepted: string, ok: (n: number) => boolean): number {
  if (typeof value !== 'number' || Number.isNaN(value) || !ok(value)) throw invalid(option, value, accepted);
  return value;
}

/**
 * `options` validated, with defaults for what is unset. The user's object is not changed.
 *
 * @throws KafkaJSConfigurationError naming the first invalid option and its accepted values
 */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const d = DEFAULT_RETRY_OPTIONS;
  const retries = checkNumber(
    'retries',
    options.retries ?? d.retries,
    'an integer >= 0, or Infinity to retry until deadlineMs',
    (n) => n >= 0 && (Number.isInteger(n) || n === Infinity),
  );
  const initialRetryTime = checkNumber('initialRetryTime', options.initialRetryTime ?? d.initialRetryTime, 'a finite number of ms >= 0', (n) => Number.isFinite(n) && n >= 0);
  const maxRetryTime = checkNumber('maxRetryTime', options.maxRetryTime ?? d.maxRetryTime, 'a finite number of ms >= 0', (n) => Number.isFinite(n) && n >= 0);
  const factor = checkNumber('factor', options.factor ?? d.factor, 'a number from 0 to 1', (n) => n >= 0 && n <= 1);
  const multiplier = checkNumber('multiplier', options.multiplier ?? d.multiplier, 'a finite number >= 1', (n) => Number.isFinite(n) && n >= 1);
  const deadlineMs =
    options.deadlineMs === undefined ? undefined : checkNumber('deadlineMs', options.deadlineMs, 'a finite number of ms > 0, or unset for no deadline', (n) => Number.isFinite(n) && n > 0);
  if (options.restartOnFailure !== undefined && typeof options.restartOnFailure !== 'function') {
    throw invalid('restartOnFailure', options.restartOnFailure, 'a function (error) => Promise<boolean>');
  }
  return { retries, initialRetryTime, maxRetryTime, factor, multiplier, deadlineMs };
}

const PROGRAMMER_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError] as const;

/**
 * Whether the retrier retries `error`: an `Error` whose `retriable` is `true`, and not a
 * built-in programmer error (TypeError, RangeError, ReferenceError, SyntaxError).
 */
export function isRetriable(error: unknown): error is Error & { readonly retriable: true } {
  if (!(error instanceof Error)) return false;
  if (PROGRAMMER_ERRORS.some((type) => error instanceof type)) return false;
  return (error as { retriable?: unknown }).retriable === true;
}

/** KafkaJS's `randomFromRetryTime`: `retryTime` ± `factor`, uniformly, rounded up to whole ms. */
function randomFromRetryTime(factor: number, retryTime: number, random: () => number): number {
  const delta = factor * retryTime;
  return Math.ceil(random() * 2 * delta + retryTime - delta);
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A retrier for `options`, KafkaJS's `createRetry`. `retrier(fn)` calls
 * `fn(bail, retryCount, retryTime)` until it resolves, then resolves with its value.
 * When an attempt fails:
 * - a non-retriable error (see `isRetriable`) is rethrown at once, unwrapped;
 * - after `retries` retries, `KafkaJSNumberOfRetriesExceeded` is thrown, its `cause` the
 *   last error;
 * - when `deadlineMs` is set and the next wait would end past it,
 *   `KafkaJSDeliveryTimeoutError` is thrown, its `cause` the last error (a call whose
 *   deadline has already passed makes no attempt at all);
 * - otherwise it waits `retryTime` ms and tries again.
 *
 * @param options - KafkaJS's retry options plus `deadlineMs`; validated here, not mutated
 * @param runtime - the clock, timer and random source, for tests
 * @throws KafkaJSConfigurationError for an invalid option
 */
export function createRetrier(options: RetryOptions = {}, runtime: RetrierRuntime = {}): Retrier {
  const config = resolveRetryOptions(options);
  const sleep = runtime.sleep ?? defaultSleep;
  const random = runtime.random ?? Math.random;
  const now = runtime.now ?? Date.now;
  const { retries, initialRetryTime, maxRetryTime, factor, multiplier, deadlineMs } = config;

  // KafkaJS's calculateExponentialRetryTime: the jitter compounds, the cap does not.
  const nextRetryTime = (retryTime: number): number => Math.min(randomFromRetryTime(factor, retryTime, random) * multiplier, maxRetryTime);

  return function retrier<T>(fn: RetriedOperation<T>, call: RetryCallOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        outcome();
      };
      const bail: Bail = (error) => {
        settle(() => reject(error ?? new KafkaJSNonRetriableError('Retrying was aborted: bail() was called without an error')));
      };
      const deadline = deadlineMs === undefined ? Infinity : (call.startedAt ?? now()) + deadlineMs;

      const run = async (): Promise<void> => {
        if (now() >= deadline) {
          settle(() => reject(new KafkaJSDeliveryTimeoutError({ deliveryTimeoutMs: deadlineMs ?? Infinity, retryCount: 0 })));
          return;
        }
        let retryTime = Math.min(randomFromRetryTime(factor, initialRetryTime, random), maxRetryTime);
        for (let retryCount = 0; !settled; retryCount++) {
          try {
            const value = await fn(bail, retryCount, retryTime);
            settle(() => resolve(value));
            return;
          } catch (error) {
            if (settled) return;
            if (!isRetriable(error)) {
              settle(() => reject(error));
              return;
            }
            if (retryCount >= retries) {
              settle(() => reject(new KafkaJSNumberOfRetriesExceeded(error, { retryCount, retryTime })));
              return;
            }
            if (now() + retryTime > deadline) {
              settle(() => reject(new KafkaJSDeliveryTimeoutError({ deliveryTimeoutMs: deadlineMs ?? Infinity, retryCount, cause: error })));
              return;
            }
          }
          await sleep(retryTime);
          retryTime = nextRetryTime(retryTime);
        }
      };
      run().catch((error: unknown) => settle(() => reject(error)));
    });
  };
}

/**
 * The wait before retry number `attempt` (1 for the first retry) under these
 * options: `initialRetryTime` times `multiplier` per earlier retry, jittered by
 * ±`factor`, capped at `maxRetryTime`. For code that schedules retries itself
 * (the producer retries batches, not calls) with the retrier's backoff shape.
 */
export function retryBackoff(options: ResolvedRetryOptions, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(options.initialRetryTime * options.multiplier ** Math.max(0, attempt - 1), options.maxRetryTime);
  return Math.min(randomFromRetryTime(options.factor, base, random), options.maxRetryTime);
}
