/**
 * The heartbeat's own timer (Java's HeartbeatThread, franz-go's heartbeat
 * loop): a Heartbeat every `heartbeatInterval` while the member belongs to a
 * generation, whatever the application is doing. KafkaJS heartbeats from its
 * processing loop, so a slow `eachMessage` starves it and the group
 * rebalances (KafkaJS #1527); here nothing the application does delays a beat.
 *
 * One Heartbeat in flight at a time. After a failed one (coordinator moved or
 * unreachable) the next goes after `retryBackoff`, not a whole interval. When
 * no Heartbeat has succeeded for the session timeout, the coordinator has
 * surely removed the member: `onSessionExpired` is called (Java's heartbeat
 * thread marks the coordinator unknown; its members' partitions are lost).
 * The timer is unref'd: it never keeps the process alive by itself.
 */

/** What the timer calls. */
export interface HeartbeatTimerOptions {
  readonly heartbeatInterval: number;
  readonly sessionTimeout: number;
  /** The wait after a failed Heartbeat, ms. */
  readonly retryBackoff: number;
  /** Send one Heartbeat; resolves true when it succeeded (whatever it asked of the member), false when it could not reach the coordinator. */
  readonly send: () => Promise<boolean>;
  /** No Heartbeat succeeded for the session timeout. */
  readonly onSessionExpired: () => void;
}

/** Heartbeats on a timer, independent of processing. */
export class HeartbeatTimer {
  readonly #options: HeartbeatTimerOptions;
  #timer: NodeJS.Timeout | undefined;
  /** Fires a session timeout after the last successful Heartbeat, even while one hangs in flight. */
  #watchdog: NodeJS.Timeout | undefined;
  #running = false;
  #inFlight: Promise<boolean> | undefined;
  #lastSent = 0;

  constructor(options: HeartbeatTimerOptions) {
    this.#options = options;
  }

  /** Whether the timer runs. */
  get running(): boolean {
    return this.#running;
  }

  /** Start beating (the member joined a generation); the session counts from now. Idempotent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#succeeded();
    this.#schedule(this.#options.heartbeatInterval);
  }

  /** Stop beating. A Heartbeat in flight completes, and its outcome is ignored by the timer. */
  stop(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.#timer = undefined;
    this.#watchdog = undefined;
  }

  /**
   * Beat now unless one was sent within the interval (eachBatch's `heartbeat()`);
   * resolves when that Heartbeat (or the one in flight) is answered.
   */
  async beatNow(): Promise<void> {
    if (!this.#running) return;
    if (this.#inFlight) {
      await this.#inFlight;
      return;
    }
    if (Date.now() - this.#lastSent < this.#options.heartbeatInterval) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#beat();
  }

  #succeeded(): void {
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(() => {
      this.#watchdog = undefined;
      if (!this.#running) return;
      this.stop();
      this.#options.onSessionExpired();
    }, this.#options.sessionTimeout);
    this.#watchdog.unref();
  }

  #schedule(ms: number): void {
    if (!this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#beat();
    }, ms);
    this.#timer.unref();
  }

  async #beat(): Promise<void> {
    if (!this.#running || this.#inFlight) return;
    this.#lastSent = Date.now();
    const inFlight = this.#options.send().catch(() => false);
    this.#inFlight = inFlight;
    const ok = await inFlight;
    this.#inFlight = undefined;
    if (!this.#running) return;
    if (ok) this.#succeeded();
    // A failed beat is retried after the retry backoff, not a whole interval; the watchdog still ends the session on time.
    this.#schedule(ok ? this.#options.heartbeatInterval : Math.min(this.#options.retryBackoff, this.#options.heartbeatInterval));
  }
}
