/**
 * Seeded randomness for fault tests: a schedule of faults drawn from a seed
 * can be drawn again, so a failing run is replayed with `FAULT_SEED=<seed>`.
 */

/** mulberry32: a small, fast PRNG with a 32-bit state; returns numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed for this run: `FAULT_SEED` from the environment when set (to replay
 * a run), else a fresh one. Print it with any failure.
 *
 * @throws RangeError when `FAULT_SEED` is not an unsigned 32-bit integer
 */
export function faultSeed(): number {
  const fromEnv = process.env['FAULT_SEED'];
  if (fromEnv === undefined || fromEnv === '') return Math.floor(Math.random() * 0x1_0000_0000);
  const seed = Number(fromEnv);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new RangeError(`FAULT_SEED must be an integer from 0 to 4294967295, got ${JSON.stringify(fromEnv)}`);
  return seed;
}
