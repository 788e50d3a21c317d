import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it, mock } from 'node:test';
import {
  KafkaJSConfigurationError,
  KafkaJSConnectionError,
  KafkaJSDeliveryTimeoutError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
} from '../../src/errors/errors.js';
import { createErrorFromCode } from '../../src/errors/protocol-errors.js';
import { DEFAULT_RETRY_OPTIONS, createRetrier, isRetriable, type Bail, type RetryOptions } from '../../src/retry/retrier.js';

const require = createRequire(import.meta.url);
type KafkaJSRetry = (options: object) => <T>(fn: (bail: Bail, retryCount: number, retryTime: number) => Promise<T>) => Promise<T>;
// KafkaJS 2.2.4's retrier, the formula ours must match.
const kafkajsRetry = require('kafkajs/src/retry/index.js') as KafkaJSRetry;
const kafkajsDefaults = require('kafkajs/src/retry/defaults.js') as object;

/** A deterministic PRNG in [0, 1), so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fake clock: `sleep` records the wait and moves the clock; nothing waits for real. */
function fakeRuntime(random: () => number = () => 0.5) {
  const state = { clock: 0, sleeps: [] as number[] };
  const runtime = {
    now: () => state.clock,
    random,
    sleep: async (ms: number) => {
      state.sleeps.push(ms);
      state.clock += ms;
    },
  };
  return { state, runtime };
}

/** An operation failing with `makeError()` on every attempt, recording its arguments. */
function alwaysFailing(makeError: (attempt: number) => Error) {
  const calls: { retryCount: number; retryTime: number }[] = [];
  const errors: Error[] = [];
  const fn = async (_bail: Bail, retryCount: number, retryTime: number): Promise<never> => {
    calls.push({ retryCount, retryTime });
    const error = makeError(calls.length);
    errors.push(error);
    throw error;
  };
  return { fn, calls, errors };
}

const retriable = (attempt: number) => new KafkaJSConnectionError(`connect ECONNREFUSED (attempt ${attempt})`, { broker: 'localhost:9092' });

describe('createRetrier', () => {
  it("has KafkaJS's defaults", () => {
    assert.deepEqual({ ...DEFAULT_RETRY_OPTIONS }, { ...kafkajsDefaults });
    assert.ok(Object.isFrozen(DEFAULT_RETRY_OPTIONS));
  });

  it('resolves with the first successful attempt, without waiting', async () => {
    const { state, runtime } = fakeRuntime();
    const value = await createRetrier({}, runtime)(async () => 42);
    assert.equal(value, 42);
    assert.deepEqual(state.sleeps, []);
  });

  it('retries a retriable error until an attempt succeeds, passing retryCount 0, 1, 2', async () => {
    const { state, runtime } = fakeRuntime();
    const seen: number[] = [];
    const value = await createRetrier({}, runtime)(async (_bail, retryCount) => {
      seen.push(retryCount);
      if (retryCount < 2) throw createErrorFromCode(6);
      return 'written';
    });
    assert.equal(value, 'written');
    assert.deepEqual(seen, [0, 1, 2]);
    assert.equal(state.sleeps.length, 2);
  });

  it('doubles the wait with multiplier 2 and caps it at maxRetryTime (no jitter at the midpoint)', async () => {
    const { state, runtime } = fakeRuntime(() => 0.5);
    const { fn, calls } = alwaysFailing(retriable);
    await assert.rejects(createRetrier({ retries: 10 }, runtime)(fn), KafkaJSNumberOfRetriesExceeded);
    assert.deepEqual(state.sleeps, [300, 600, 1200, 2400, 4800, 9600, 19200, 30000, 30000, 30000]);
    assert.deepEqual(
      calls.map((c) => c.retryTime),
      [300, 600, 1200, 2400, 4800, 9600, 19200, 30000, 30000, 30000, 30000],
      'each attempt is told the wait that follows it',
    );
  });

  it('keeps every wait within ±factor of the previous wait times multiplier', async () => {
    for (const random of [() => 0, () => 0.999999, prng(1), prng(2)]) {
      const { state, runtime } = fakeRuntime(random);
      const { fn } = alwaysFailing(retriable);
      const options = { retries: 12, initialRetryTime: 100, maxRetryTime: 20_000, factor: 0.2, multiplier: 1.5 };
      await assert.rejects(createRetrier(options, runtime)(fn));
      const [first, ...rest] = state.sleeps;
      assert.ok(first !== undefined && first >= 80 && first <= 120, `first wait ${first} within 100 ± 20%`);
      let previous = first;
      for (const wait of rest) {
        const low = Math.min(Math.ceil(previous * 0.8) * 1.5, 20_000);
        const high = Math.min(Math.ceil(previous * 1.2) * 1.5, 20_000);
        assert.ok(wait >= low && wait <= high, `wait ${wait} after ${previous} within [${low}, ${high}]`);
        previous = wait;
      }
      assert.equal(Math.max(...state.sleeps) <= 20_000, true, 'never above maxRetryTime');
    }
  });

  it("computes the same waits as KafkaJS's retrier for the same random numbers", async () => {
    const options = { retries: 8, initialRetryTime: 250, maxRetryTime: 10_000, factor: 0.3, multiplier: 1.7 };

    const theirs: number[] = [];
    const theirRandom = prng(42);
    const randomMock = mock.method(Math, 'random', theirRandom);
    // KafkaJS schedules its waits with the global setTimeout: run them at once, recording none.
    const timeoutMock = mock.method(globalThis, 'setTimeout', ((callback: () => void) => setImmediate(callback)) as unknown as typeof setTimeout);
    let theirError: unknown;
    try {
      await kafkajsRetry(options)(async (_bail, _retryCount, retryTime) => {
        theirs.push(retryTime);
        throw new KafkaJSConnectionError('refused');
      });
    } catch (error) {
      theirError = error;
    } finally {
      timeoutMock.mock.restore();
      randomMock.mock.restore();
    }

    const { runtime } = fakeRuntime(prng(42));
    const { fn, calls } = alwaysFailing(retriable);
    const ourError = await createRetrier(options, runtime)(fn).catch((error: unknown) => error);

    assert.deepEqual(
      calls.map((c) => c.retryTime),
      theirs,
    );
    assert.equal((theirError as Error).name, 'KafkaJSNumberOfRetriesExceeded');
    assert.ok(ourError instanceof KafkaJSNumberOfRetriesExceeded);
    assert.equal(ourError.retryCount, (theirError as KafkaJSNumberOfRetriesExceeded).retryCount);
    assert.equal(ourError.retryTime, (theirError as KafkaJSNumberOfRetriesExceeded).retryTime);
  });

  it('caps the first wait at maxRetryTime too', async () => {
    const { state, runtime } = fakeRuntime();
    const { fn } = alwaysFailing(retriable);
    await assert.rejects(createRetrier({ retries: 2, initialRetryTime: 5000, maxRetryTime: 1000 }, runtime)(fn));
    assert.deepEqual(state.sleeps, [1000, 1000]);
  });

  it('throws KafkaJSNumberOfRetriesExceeded after `retries` retries, with the last error as cause', async () => {
    const { state, runtime } = fakeRuntime();
    const { fn, calls, errors } = alwaysFailing(retriable);
    const error = await createRetrier({ retries: 3 }, runtime)(fn).catch((e: unknown) => e);
    assert.ok(error instanceof KafkaJSNumberOfRetriesExceeded);
    assert.equal(calls.length, 4, 'the first attempt and 3 retries');
    assert.equal(state.sleeps.length, 3);
    assert.equal(error.cause, errors[3]);
    assert.equal(error.originalError, errors[3]);
    assert.equal(error.retryCount, 3);
    assert.equal(error.retryTime, 2400);
    assert.equal(error.retriable, false);
    assert.match(error.message, /after 3 retries: connect ECONNREFUSED \(attempt 4\)/);
  });

  it('makes one attempt with retries 0', async () => {
    const { runtime } = fakeRuntime();
    const { fn, calls } = alwaysFailing(retriable);
    await assert.rejects(createRetrier({ retries: 0 }, runtime)(fn), KafkaJSNumberOfRetriesExceeded);
    assert.equal(calls.length, 1);
  });

  it('rethrows a TypeError at once, unwrapped, even one marked retriable', async () => {
    for (const typeError of [new TypeError('x.map is not a function'), Object.assign(new TypeError('y'), { retriable: true })]) {
      const { state, runtime } = fakeRuntime();
      const { fn, calls } = alwaysFailing(() => typeError);
      const error = await createRetrier({}, runtime)(fn).catch((e: unknown) => e);
      assert.equal(error, typeError);
      assert.equal(calls.length, 1);
      assert.deepEqual(state.sleeps, []);
    }
  });

  it('rethrows a non-retriable KafkaJS error at once, unwrapped', async () => {
    const { runtime } = fakeRuntime();
    const denied = createErrorFromCode(29);
    const { fn, calls } = alwaysFailing(() => denied);
    const error = await createRetrier({}, runtime)(fn).catch((e: unknown) => e);
    assert.equal(error, denied);
    assert.equal(calls.length, 1);
  });

  it('does not retry a plain Error without retriable: true', async () => {
    const { runtime } = fakeRuntime();
    const plain = new Error('bug in user code');
    const { fn, calls } = alwaysFailing(() => plain);
    assert.equal(await createRetrier({}, runtime)(fn).catch((e: unknown) => e), plain);
    assert.equal(calls.length, 1);
  });

  it('catches an operation that throws synchronously', async () => {
    const { runtime } = fakeRuntime();
    const boom = new KafkaJSNonRetriableError('sync');
    const fn = (() => {
      throw boom;
    }) as unknown as () => Promise<void>;
    assert.equal(await createRetrier({}, runtime)(fn).catch((e: unknown) => e), boom);
  });

  it('stops at bail(error) and rejects with that error', async () => {
    const { state, runtime } = fakeRuntime();
    const reason = new Error('topic was deleted');
    let attempts = 0;
    const error = await createRetrier({}, runtime)(async (bail, retryCount) => {
      attempts++;
      if (retryCount === 1) {
        bail(reason);
        throw new KafkaJSError('retriable, but bail came first');
      }
      throw new KafkaJSError('retriable');
    }).catch((e: unknown) => e);
    assert.equal(error, reason);
    assert.equal(attempts, 2);
    assert.equal(state.sleeps.length, 1);
  });

  it('rejects with a non-retriable "aborted" error when bail is called without one', async () => {
    const { runtime } = fakeRuntime();
    const error = await createRetrier({}, runtime)(async (bail) => {
      bail();
      return 'ignored';
    }).catch((e: unknown) => e);
    assert.ok(error instanceof KafkaJSNonRetriableError);
    assert.match(error.message, /aborted/);
  });

  it('makes no further attempt when bail is called during a wait', async () => {
    let savedBail: Bail | undefined;
    const reason = new Error('producer disconnected');
    const runtime = { now: () => 0, random: () => 0.5, sleep: async () => savedBail?.(reason) };
    let attempts = 0;
    const error = await createRetrier({}, runtime)(async (bail) => {
      savedBail = bail;
      attempts++;
      throw new KafkaJSError('retriable');
    }).catch((e: unknown) => e);
    assert.equal(error, reason);
    assert.equal(attempts, 1);
  });

  it('stops at deadlineMs when the next wait would pass it, with the last error as cause', async () => {
    const { state, runtime } = fakeRuntime();
    const { fn, calls, errors } = alwaysFailing(retriable);
    const error = await createRetrier({ retries: Infinity, deadlineMs: 1000 }, runtime)(fn).catch((e: unknown) => e);
    assert.ok(error instanceof KafkaJSDeliveryTimeoutError);
    assert.deepEqual(state.sleeps, [300, 600], 'at 900 ms, a 1200 ms wait would end past 1000 ms');
    assert.equal(calls.length, 3);
    assert.equal(error.deliveryTimeoutMs, 1000);
    assert.equal(error.retryCount, 2);
    assert.equal(error.cause, errors[2]);
    assert.equal(error.retriable, false);
    assert.match(error.message, /deliveryTimeoutMs \(1000 ms\)/);
  });

  it('counts the time attempts take against the deadline', async () => {
    const { state, runtime } = fakeRuntime();
    const error = await createRetrier({ retries: Infinity, deadlineMs: 1000 }, runtime)(async () => {
      state.clock += 400; // each attempt waits 400 ms for its response
      throw createErrorFromCode(7);
    }).catch((e: unknown) => e);
    assert.ok(error instanceof KafkaJSDeliveryTimeoutError);
    assert.deepEqual(state.sleeps, [300], '400 + 300 + 400 = 1100: the second wait (600) would end past 1000');
  });

  it('makes no attempt when the deadline counted from startedAt has already passed', async () => {
    const { state, runtime } = fakeRuntime();
    state.clock = 5000;
    let attempts = 0;
    const error = await createRetrier({ deadlineMs: 1000 }, runtime)(
      async () => {
        attempts++;
      },
      { startedAt: 3000 },
    ).catch((e: unknown) => e);
    assert.ok(error instanceof KafkaJSDeliveryTimeoutError);
    assert.equal(attempts, 0);
  });

  it('still throws KafkaJSNumberOfRetriesExceeded when retries run out before the deadline', async () => {
    const { runtime } = fakeRuntime();
    const { fn } = alwaysFailing(retriable);
    await assert.rejects(createRetrier({ retries: 2, deadlineMs: 60_000 }, runtime)(fn), KafkaJSNumberOfRetriesExceeded);
  });

  describe('option validation', () => {
    const invalid: [keyof RetryOptions, unknown][] = [
      ['retries', -1],
      ['retries', 1.5],
      ['retries', '5'],
      ['retries', Number.NaN],
      ['initialRetryTime', -1],
      ['maxRetryTime', Infinity],
      ['factor', -0.1],
      ['factor', 1.5],
      ['multiplier', 0.5],
      ['multiplier', Number.NaN],
      ['deadlineMs', 0],
      ['restartOnFailure', true],
    ];
    for (const [option, value] of invalid) {
      it(`rejects ${option} = ${String(value)} at construction, naming the option`, () => {
        assert.throws(
          () => createRetrier({ [option]: value } as RetryOptions),
          (error: unknown) =>
            error instanceof KafkaJSConfigurationError &&
            error.option === `retry.${option}` &&
            Object.is(error.value, value) &&
            error.retriable === false &&
            error.message.startsWith(`Invalid retry.${option}: `) &&
            error.message.includes('Accepted: '),
        );
      });
    }

    it('accepts the edges: retries 0 and Infinity, factor 0 and 1, multiplier 1', () => {
      createRetrier({ retries: 0, factor: 0, multiplier: 1 });
      createRetrier({ retries: Infinity, factor: 1 });
    });

    it("does not change the user's options object", () => {
      const options = Object.freeze({ retries: 2 });
      createRetrier(options);
      assert.deepEqual(options, { retries: 2 });
    });
  });
});

describe('isRetriable', () => {
  it('is true only for errors whose retriable is true, never for programmer errors', () => {
    assert.equal(isRetriable(new KafkaJSConnectionError('x')), true);
    assert.equal(isRetriable(createErrorFromCode(6)), true);
    assert.equal(isRetriable(createErrorFromCode(36)), false);
    assert.equal(isRetriable(new Error('x')), false);
    assert.equal(isRetriable(Object.assign(new RangeError('x'), { retriable: true })), false);
    assert.equal(isRetriable({ retriable: true }), false, 'not an Error');
    assert.equal(isRetriable(undefined), false);
  });
});
