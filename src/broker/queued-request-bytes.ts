/**
 * `queued.max.request.bytes`: the bytes of requests the broker has read and not
 * yet answered, over all connections. Past the limit every connection stops
 * being read until answers bring the total back under it, as Kafka's memory
 * pool mutes every channel while it is out of memory. One request is always
 * read whole, however large (Kafka's pool also hands out its last bytes to a
 * request bigger than them), so a limit below the largest request slows
 * clients down but never deadlocks them. -1 (Kafka's default): no limit.
 *
 * Bytes count from the moment a request frame is complete; a frame still
 * arriving is bounded by `socket.request.max.bytes` per connection.
 */

/** A connection the pool mutes and unmutes. */
export interface MutableChannel {
  /** Stop reading: the pool is over its limit. */
  mute(): void;
  /** Reading may resume: the pool is back under its limit. */
  unmute(): void;
}

/** The broker-wide count of queued request bytes, muting every channel past the limit. */
export class QueuedRequestBytes {
  #used = 0;
  readonly #channels = new Set<MutableChannel>();

  /** @param limit - `queued.max.request.bytes`; negative: unlimited */
  constructor(readonly limit: number) {}

  /** Bytes read and not yet answered. */
  get used(): number {
    return this.#used;
  }

  /** Whether connections must not be read now. */
  get exhausted(): boolean {
    return this.limit >= 0 && this.#used > this.limit;
  }

  /** Track a connection; it is muted at once if the pool is over its limit. */
  add(channel: MutableChannel): void {
    this.#channels.add(channel);
    if (this.exhausted) channel.mute();
  }

  remove(channel: MutableChannel): void {
    this.#channels.delete(channel);
  }

  /** A request of `bytes` was read. */
  take(bytes: number): void {
    const was = this.exhausted;
    this.#used += bytes;
    if (!was && this.exhausted) for (const c of this.#channels) c.mute();
  }

  /** A request of `bytes` was answered (or dropped with its connection). */
  release(bytes: number): void {
    const was = this.exhausted;
    this.#used -= bytes;
    if (was && !this.exhausted) for (const c of this.#channels) c.unmute();
  }
}
