/**
 * Poll until a condition holds, for tests that wait on asynchronous effects
 * (a group to stabilise, a consumer to catch up).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Call `check` every `intervalMs` until it returns something other than undefined.
 *
 * @throws naming `what` after `ms` without success
 */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 15_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
