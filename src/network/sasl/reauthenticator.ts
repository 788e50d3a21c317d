/**
 * SASL re-authentication on the client (KIP-368): when the broker grants a
 * session lifetime, the connection authenticates again, on the same socket,
 * before the session ends; a broker closes a connection whose session expired
 * on its next request.
 *
 * When: `reauthenticationThreshold` ms before the end (KafkaJS's option,
 * default 10000); when the lifetime is not longer than the threshold, at 85% of
 * it (the earliest point Java's client picks). Never sooner than one second
 * after this session began, since Kafka refuses a re-authentication started
 * within a second of the last one. An idle connection is not woken: it
 * re-authenticates with its next request (Kafka accepts a re-authentication
 * that starts after expiry).
 *
 * How, without losing or reordering requests: requests made from then on are
 * held, in order; the requests in flight are given time to be answered; the
 * SASL exchange runs (the mechanism anew: SCRAM's fresh nonce, a fresh
 * OAUTHBEARER token from the provider); then the held requests are sent in the
 * order they were made. If the exchange fails, the connection is broken and the
 * held requests fail with that error, unsent, so none can overtake a request
 * that failed with the connection.
 */

/** Kafka's minimum interval between re-authentications (KafkaChannel.MIN_REAUTH_INTERVAL_ONE_SECOND). */
const MIN_REAUTHENTICATION_INTERVAL_MS = 1000;
/** Java's SaslClientAuthenticator re-authenticates between 85% and 95% of the session lifetime. */
const EARLIEST_FRACTION = 0.85;
const LATEST_FRACTION = 0.95;

/** What the re-authenticator needs from its connection. */
export interface ReauthenticationHost {
  /** Whether requests were sent or are pending since `sinceMs` (an idle connection is left alone). */
  busySince(sinceMs: number): boolean;
  /** The request sent last, if it may still be in flight: the broker answers in order, so when it settles the others have. */
  lastRequest(): Promise<unknown> | undefined;
  /** Run the SASL exchange again on the open socket; resolves with the new lifetime. */
  reauthenticate(): Promise<number>;
  /** The re-authentication failed: break the connection with `error`. */
  fail(error: Error): void;
}

/** A request made during a re-authentication, sent (or failed) once it ends. */
interface HeldRequest {
  readonly send: () => void;
  readonly fail: (error: Error) => void;
}

/** One connection's re-authentication schedule and the requests it holds. */
export class Reauthenticator {
  readonly #threshold: number;
  readonly #host: ReauthenticationHost;
  #timer: NodeJS.Timeout | undefined;
  /** When the session began and when it expires (Date.now() ms); expiresAt is Infinity without a lifetime. */
  #startedAt = 0;
  #expiresAt = Infinity;
  /** When a re-authentication is due; Infinity when none is. */
  #dueAt = Infinity;
  #running = false;
  /** Bumped when the socket goes: the outcome of a re-authentication begun on an older socket is ignored. */
  #epoch = 0;
  #held: HeldRequest[] = [];
  /** Re-authentications completed on this connection. */
  completed = 0;

  constructor(thresholdMs: number, host: ReauthenticationHost) {
    this.#threshold = thresholdMs;
    this.#host = host;
  }

  /** An authentication (first or again) succeeded at `now`, granting `lifetimeMs` (0: no expiry). */
  sessionStarted(lifetimeMs: number, now = Date.now()): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#startedAt = now;
    if (lifetimeMs <= 0) {
      this.#expiresAt = this.#dueAt = Infinity;
      return;
    }
    this.#expiresAt = now + lifetimeMs;
    let delay = lifetimeMs > this.#threshold ? lifetimeMs - this.#threshold : lifetimeMs * EARLIEST_FRACTION;
    if (delay < MIN_REAUTHENTICATION_INTERVAL_MS) delay = Math.min(MIN_REAUTHENTICATION_INTERVAL_MS, lifetimeMs * LATEST_FRACTION);
    this.#dueAt = now + delay;
    this.#timer = setTimeout(this.#onDue, delay);
    // The connection's socket keeps the process alive while it is in use; the schedule need not.
    this.#timer.unref();
  }

  /**
   * Whether a request made at `now` must be held (see {@link hold}): a
   * re-authentication is running, or is due and starts now.
   */
  mustHold(now: number): boolean {
    if (this.#running) return true;
    if (now < this.#dueAt) return false;
    this.#start();
    return true;
  }

  /** Hold a request until the re-authentication ends: `send` then runs in order with the others held. */
  hold<T>(send: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#held.push({ send: () => void send().then(resolve, reject), fail: reject });
    });
  }

  /** The socket is gone (broken or disconnected): no schedule, and held requests fail with `error`. */
  stop(error: Error): void {
    this.#epoch++;
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dueAt = this.#expiresAt = Infinity;
    for (const held of this.#held.splice(0)) held.fail(error);
  }

  readonly #onDue = (): void => {
    this.#timer = undefined;
    if (this.#running || this.#dueAt === Infinity) return;
    if (this.#host.busySince(this.#startedAt)) this.#start();
  };

  #start(): void {
    this.#running = true;
    this.#dueAt = Infinity;
    void this.#run(this.#epoch);
  }

  async #run(epoch: number): Promise<void> {
    try {
      // Half the time left for the answers in flight (a long poll may hold one); after that
      // the exchange goes anyway, queued behind them, since the broker answers in order.
      const maxWaitMs = Number.isFinite(this.#expiresAt) ? Math.max(0, (this.#expiresAt - Date.now()) / 2) : 0;
      await settledWithin(this.#host.lastRequest(), maxWaitMs);
      if (epoch !== this.#epoch) return;
      const lifetimeMs = await this.#host.reauthenticate();
      if (epoch !== this.#epoch) return;
      this.#running = false;
      this.completed++;
      this.sessionStarted(lifetimeMs);
      // Synchronously and in order: a request made meanwhile cannot slip between them.
      for (const held of this.#held.splice(0)) held.send();
    } catch (error) {
      if (epoch !== this.#epoch) return;
      const e = error instanceof Error ? error : new Error(String(error));
      this.stop(e);
      this.#host.fail(e);
    }
  }
}

/** Resolves once `request` settles, either way, or after `ms`, whichever is first. */
async function settledWithin(request: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (request === undefined || ms <= 0) return;
  let timer: NodeJS.Timeout | undefined;
  const settled = request.then(
    () => undefined,
    () => undefined,
  );
  await Promise.race([settled, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
