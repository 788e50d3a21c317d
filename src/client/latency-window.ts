/**
 * A fixed-size ring of recent timings (ms) with percentiles on demand, for the
 * producer's and the consumer's metrics: adding a sample costs one store, the
 * sort happens only when a snapshot asks.
 */

/** The last `capacity` samples; older ones are overwritten. */
export class LatencyWindow {
  readonly #samples: Float64Array;
  #count = 0;

  constructor(capacity: number) {
    this.#samples = new Float64Array(capacity);
  }

  /** Record one sample. */
  add(ms: number): void {
    this.#samples[this.#count++ % this.#samples.length] = ms;
  }

  /** The `p`th percentile (0-100) of the samples held; 0 when there are none. */
  percentile(p: number): number {
    const n = Math.min(this.#count, this.#samples.length);
    if (n === 0) return 0;
    const sorted = this.#samples.slice(0, n).sort();
    return sorted[Math.min(n - 1, Math.floor((p / 100) * n))]!;
  }
}
