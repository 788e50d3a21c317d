/**
 * A rate over sampled windows, as Kafka's metrics measure quotas (`Rate` over
 * a `SampledStat`): `samples` windows of `windowMs` each; a value goes to the
 * current window, a new window starts once the current one is `windowMs` old,
 * windows older than `samples * windowMs` are forgotten. The rate is the sum
 * over the elapsed time since the oldest window began, but never over less than
 * `samples - 1` whole windows, so a short burst is spread over that much time.
 */
export class RateSensor {
  /** Oldest first; at most `samples`. */
  readonly #windows: Array<{ start: number; value: number }> = [];
  lastRecordMs = 0;

  constructor(
    readonly samples: number,
    readonly windowMs: number,
  ) {}

  /** Add `value` (negative to take back a value recorded, as Kafka's unrecord). */
  record(value: number, nowMs: number): void {
    this.#purge(nowMs);
    let current = this.#windows[this.#windows.length - 1];
    if (current === undefined || nowMs - current.start >= this.windowMs) {
      current = { start: nowMs, value: 0 };
      this.#windows.push(current);
      if (this.#windows.length > this.samples) this.#windows.shift();
    }
    current.value += value;
    this.lastRecordMs = nowMs;
  }

  /** Per second. */
  rate(nowMs: number): number {
    const elapsed = this.windowSizeMs(nowMs);
    const total = this.#windows.reduce((sum, w) => sum + w.value, 0);
    return total / (elapsed / 1000);
  }

  /** The time the rate is measured over (Kafka's `Rate.windowSize`). */
  windowSizeMs(nowMs: number): number {
    this.#purge(nowMs);
    let elapsed = nowMs - (this.#windows[0]?.start ?? nowMs);
    const fullWindows = Math.floor(elapsed / this.windowMs);
    const minFullWindows = this.samples - 1;
    if (fullWindows < minFullWindows) elapsed += (minFullWindows - fullWindows) * this.windowMs;
    // One window at least, so that a single sample still spreads over time.
    return Math.max(elapsed, this.windowMs);
  }

  #purge(nowMs: number): void {
    const expireAge = this.samples * this.windowMs;
    while (this.#windows.length > 0 && nowMs - this.#windows[0]!.start >= expireAge) this.#windows.shift();
  }
}
