/**
 * Alert hooks (seed 001's `sendAlert`): the producer calls `onAlert` when sends
 * finally fail, throttled so an outage pages once, not once per record.
 *
 * ```ts
 * kafka.producer({
 *   onAlert: ({ errorName, failures, error }) => pager.send(`Kafka: ${failures} sends failed (${errorName}): ${error.message}`),
 *   alertIntervalMs: 60_000,
 * });
 * ```
 *
 * Failures are grouped by error class (`KafkaJSConnectionError`,
 * `KafkaJSDeliveryTimeoutError`, `KafkaJSMessageTooLargeError`, ...). The first
 * failure of a group alerts at once; later ones within `alertIntervalMs` are
 * counted, and when the interval ends one more alert carries their count and the
 * last error. A hook that throws or rejects is logged and changes nothing else.
 * Only final failures alert: what the producer retried and then delivered does not.
 */

/** What `onAlert` is given. */
export interface ProducerAlert {
  /** The error class of the failures this alert is about, e.g. `KafkaJSConnectionError`. */
  readonly errorName: string;
  /** Send calls that failed with it since the previous alert for it (this one included). */
  readonly failures: number;
  /** The latest of those errors. */
  readonly error: Error;
  /** When the first of those failures happened, ms since the epoch. */
  readonly since: number;
  /** When this alert was raised, ms since the epoch. */
  readonly timestamp: number;
}

/** The hook; may be async (its promise is not awaited by the producer). */
export type AlertHook = (alert: ProducerAlert) => void | Promise<void>;

interface Group {
  /** Failures counted since the last alert of this group. */
  pending: number;
  since: number;
  last: Error | null;
  timer: NodeJS.Timeout | null;
}

export class Alerts {
  readonly #groups = new Map<string, Group>();

  constructor(
    readonly hook: AlertHook | undefined,
    readonly intervalMs: number,
    readonly onHookError: (error: unknown) => void,
  ) {}

  /** A send call finally failed with `error`. */
  failed(error: Error, now = Date.now()): void {
    if (!this.hook) return;
    const name = error.name || error.constructor.name;
    let group = this.#groups.get(name);
    if (!group) this.#groups.set(name, (group = { pending: 0, since: now, last: null, timer: null }));
    if (group.pending === 0) group.since = now;
    group.pending++;
    group.last = error;
    // Quiet group: alert now, and count what follows for the next interval.
    if (group.timer === null) this.#raise(name, group, now);
  }

  /** Raise what is still counted, now (the producer disconnects). */
  flush(): void {
    for (const [name, group] of this.#groups) {
      if (group.timer) clearTimeout(group.timer);
      group.timer = null;
      if (group.pending > 0) this.#raise(name, group, Date.now(), false);
    }
  }

  #raise(name: string, group: Group, now: number, rearm = true): void {
    const alert: ProducerAlert = Object.freeze({ errorName: name, failures: group.pending, error: group.last!, since: group.since, timestamp: now });
    group.pending = 0;
    group.last = null;
    if (rearm) {
      group.timer = setTimeout(() => {
        group.timer = null;
        if (group.pending > 0) this.#raise(name, group, Date.now());
      }, this.intervalMs);
      group.timer.unref();
    }
    try {
      const result = this.hook!(alert);
      if (result && typeof (result as Promise<void>).then === 'function') (result as Promise<void>).then(undefined, this.onHookError);
    } catch (e) {
      this.onHookError(e);
    }
  }
}
