/**
 * Deadlines for tests that must fail rather than hang: a regression that leaves a
 * promise pending fails the test naming what never settled.
 */
import { type Producer } from '../../src/producer/producer.js';

/** Settle within `ms` or fail naming `what`. */
export async function within<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not settled after ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Disconnect, giving up after a few seconds: cleanup must end even when the producer is stuck. */
export async function disconnectQuietly(producer: Producer, timeout = 3_000): Promise<void> {
  await within('disconnect', producer.disconnect({ timeout }), 10_000).catch(() => undefined);
}
