/**
 * The coordinator's delayed operations (Kafka parks them in purgatories keyed
 * by group or member): at most one timer per key, rescheduling replaces it,
 * every timer is unref'd so a forgotten group never keeps the process alive,
 * and `clearAll` on close stops them all.
 */
export class KeyedTimers {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #closed = false;

  /** Run `fn` after `ms`, replacing any timer under `key`. Ignored once closed. */
  set(key: string, ms: number, fn: () => void): void {
    this.clear(key);
    if (this.#closed) return;
    const t = setTimeout(() => {
      this.#timers.delete(key);
      fn();
    }, Math.max(0, ms));
    t.unref();
    this.#timers.set(key, t);
  }

  has(key: string): boolean {
    return this.#timers.has(key);
  }

  clear(key: string): void {
    const t = this.#timers.get(key);
    if (t === undefined) return;
    clearTimeout(t);
    this.#timers.delete(key);
  }

  /** Stop every timer and refuse new ones. */
  clearAll(): void {
    this.#closed = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}
