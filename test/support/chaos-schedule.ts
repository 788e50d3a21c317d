/**
 * The decisions of the fault proxy's chaos mode, drawn from a seed: for each
 * request the proxy forwards, whether to cut the connection (and at which
 * byte); for each response, whether to drop it with its connection, swallow
 * it, delay it, or deliver it. The same seed and the same sequence of frames
 * give the same decisions; across real runs the sequence of frames itself
 * depends on timing, so a seed replays the fault schedule, not the run.
 */
import { seededRandom } from './seeded-random.js';

/** Chaos settings: each rate is a chance per matching frame, from 0 to 1. */
export interface ChaosOptions {
  /** Seed of the schedule (see seeded-random.ts). */
  readonly seed: number;
  /** Only frames of this API key (every API when absent). */
  readonly apiKey?: number | undefined;
  /** Per response: discard it and cut its connection; the broker did the work, the client sees a disconnect. */
  readonly dropOnResponseRate?: number | undefined;
  /** Per response: discard it; the client's request times out. */
  readonly swallowRate?: number | undefined;
  /** Per response: deliver it 1..`maxDelayMs` ms late, the connection's order kept (past the request timeout, it times out). */
  readonly delayRate?: number | undefined;
  /** Longest chaos delay, ms. Default 500. */
  readonly maxDelayMs?: number | undefined;
  /**
   * Per request: cut the connection when this request's last bytes arrive,
   * after forwarding a random prefix (0 to all) of the bytes read with them,
   * so the request, and others read at once, may or may not reach the broker.
   */
  readonly dropConnectionRate?: number | undefined;
}

/** Faults injected, by kind. */
export interface ChaosCounts {
  /** Connections cut as a request arrived. */
  readonly droppedConnections: number;
  /** Responses discarded together with their connection. */
  readonly droppedOnResponse: number;
  /** Responses discarded, the connection left open. */
  readonly swallowed: number;
  /** Responses delivered late. */
  readonly delayed: number;
}

/** What to do with one response. */
export type ResponseFault = { readonly kind: 'deliver' } | { readonly kind: 'dropOnResponse' } | { readonly kind: 'swallow' } | { readonly kind: 'delay'; readonly ms: number };

const DELIVER: ResponseFault = Object.freeze({ kind: 'deliver' });
const DROP: ResponseFault = Object.freeze({ kind: 'dropOnResponse' });
const SWALLOW: ResponseFault = Object.freeze({ kind: 'swallow' });

function rate(options: ChaosOptions, name: keyof ChaosOptions & `${string}Rate`): number {
  const value = options[name] ?? 0;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new RangeError(`chaos ${name} must be a number from 0 to 1, got ${String(value)}`);
  return value;
}

/** A seeded fault schedule; the proxy asks it once per matching frame. */
export class ChaosSchedule {
  readonly #random: () => number;
  readonly #apiKey: number | undefined;
  readonly #dropOnResponse: number;
  readonly #swallow: number;
  readonly #delay: number;
  readonly #maxDelayMs: number;
  readonly #dropConnection: number;

  /** @throws RangeError naming the option when a rate is outside 0..1, the response rates sum past 1, or `maxDelayMs` is not a positive integer */
  constructor(options: ChaosOptions) {
    if (!Number.isInteger(options.seed)) throw new RangeError(`chaos seed must be an integer, got ${String(options.seed)}`);
    this.#random = seededRandom(options.seed);
    this.#apiKey = options.apiKey;
    this.#dropOnResponse = rate(options, 'dropOnResponseRate');
    this.#swallow = rate(options, 'swallowRate');
    this.#delay = rate(options, 'delayRate');
    this.#dropConnection = rate(options, 'dropConnectionRate');
    if (this.#dropOnResponse + this.#swallow + this.#delay > 1) {
      throw new RangeError('chaos dropOnResponseRate + swallowRate + delayRate must be at most 1: one response gets one fault');
    }
    this.#maxDelayMs = options.maxDelayMs ?? 500;
    if (!Number.isInteger(this.#maxDelayMs) || this.#maxDelayMs < 1) throw new RangeError(`chaos maxDelayMs must be a positive integer, got ${String(options.maxDelayMs)}`);
  }

  #applies(apiKey: number | undefined): boolean {
    return this.#apiKey === undefined || this.#apiKey === apiKey;
  }

  /**
   * A request of `apiKey` completed in a chunk of `chunkBytes` bytes: how many
   * of those bytes to forward before cutting the connection, or undefined to
   * forward the chunk and keep the connection.
   */
  cutOnRequest(apiKey: number | undefined, chunkBytes: number): number | undefined {
    if (this.#dropConnection === 0 || !this.#applies(apiKey)) return undefined;
    if (this.#random() >= this.#dropConnection) return undefined;
    return Math.floor(this.#random() * (chunkBytes + 1));
  }

  /** What to do with a response to a request of `apiKey`. */
  onResponse(apiKey: number | undefined): ResponseFault {
    if (!this.#applies(apiKey)) return DELIVER;
    const r = this.#random();
    if (r < this.#dropOnResponse) return DROP;
    if (r < this.#dropOnResponse + this.#swallow) return SWALLOW;
    if (r < this.#dropOnResponse + this.#swallow + this.#delay) return { kind: 'delay', ms: 1 + Math.floor(this.#random() * this.#maxDelayMs) };
    return DELIVER;
  }
}
