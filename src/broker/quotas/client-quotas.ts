/**
 * Client quotas enforced, as Kafka's ClientQuotaManager and
 * ClientRequestQuotaManager do (KIP-13, KIP-55, KIP-124, KIP-219):
 *
 * - `producer_byte_rate`: a Produce request's size is recorded;
 *   `consumer_byte_rate`: a Fetch response's size; `request_percentage`: the
 *   time the broker spent handling a request, as a percentage of one second
 *   (ApiVersions and SASL requests are exempt, as Kafka exempts them). Kafka
 *   counts the request's thread time; this broker runs on one thread, so it
 *   counts the event loop's busy time while the request was handled: a
 *   long-poll Fetch waiting for data costs nothing, but requests handled at
 *   the same time share each other's busy time.
 * - Each is measured per (user, client-id) over `quota.window.num` windows of
 *   `quota.window.size.seconds` (rate-sensor.ts), grouped as the quota that
 *   applies groups them (a client-id quota is shared by all users of that id).
 * - Over a quota, the throttle time is the time that brings the rate back to
 *   the quota: (rate - quota) / quota * window; for `request_percentage` at
 *   most one window. The response says so in `throttle_time_ms`, and the
 *   connection (connection.ts) reads nothing more for that long: after the
 *   answer for versions that answer first (KIP-219: Produce v6+, Fetch v8+,
 *   every other API), before it for older Produce and Fetch versions.
 * - A throttled Fetch is answered empty (its bytes are taken back from the
 *   sensor), as Kafka does, so a consumer over its quota gets no data until the
 *   throttle ends; and a Fetch under a quota asks for at most what one window
 *   lets through ({@link ClientQuotas.limitRequest}), as Kafka caps it.
 */
import { type RequestHeaderFields } from '../../protocol/framing.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { type BrokerConfig } from '../config.js';
import { NO_RESPONSE } from '../handlers/handler.js';
import { type Session } from '../session.js';
import { type QuotaEntity, type QuotaKey, QuotaConfig } from './quota-config.js';
import { RateSensor } from './rate-sensor.js';

/** APIs never throttled by `request_percentage` (Kafka's exempt requests). */
const REQUEST_QUOTA_EXEMPT: ReadonlySet<number> = new Set([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);

/** The first versions at which Produce and Fetch answer before throttling (KIP-219); older ones delay the answer. */
const ANSWER_FIRST_SINCE: ReadonlyMap<number, number> = new Map([
  [ApiKey.Produce, 6],
  [ApiKey.Fetch, 8],
]);

/** What the connection does with one answered request. */
export interface ResponseThrottle {
  /** The response to send (throttle time set; an empty Fetch when throttled). */
  readonly response: unknown;
  /** Wait this long before answering (old Produce and Fetch versions). */
  readonly beforeAnswerMs: number;
  /** Read nothing from the connection for this long after answering (KIP-219). */
  readonly afterAnswerMs: number;
}

/** One answered request, as the connection sees it. */
export interface AnsweredRequest {
  readonly session: Session;
  readonly header: RequestHeaderFields;
  readonly request: unknown;
  readonly requestSize: number;
  /** The event loop's busy time while the request was handled, ms. */
  readonly handledMs: number;
  readonly response: unknown;
  /** The encoded size of a response body (asked only when a Fetch quota applies). */
  readonly responseSize: (response: unknown) => number;
}

/** The applicable quota of one key and the sensor that measures against it. */
interface AppliedQuota {
  readonly bound: number;
  readonly sensor: RateSensor;
}

export class ClientQuotas {
  readonly #sensors = new Map<string, RateSensor>();
  #lastSweepMs = 0;

  private constructor(
    readonly config: QuotaConfig,
    readonly window: BrokerConfig['quotaWindow'],
  ) {}

  static async open(config: Pick<BrokerConfig, 'logDir' | 'quotaWindow'>): Promise<ClientQuotas> {
    return new ClientQuotas(QuotaConfig.open(config.logDir), config.quotaWindow);
  }

  /** Whether any client quota is set: with none, a connection skips measuring its requests. */
  get active(): boolean {
    return !this.config.empty;
  }

  /**
   * Record an answered request against the quotas that apply to its client and
   * say how to throttle it; no quota of the kind set, nothing is measured.
   */
  throttle(a: AnsweredRequest, nowMs = Date.now()): ResponseThrottle {
    const { apiKey, apiVersion, clientId } = a.header;
    const user = a.session.principal;
    const client = clientId ?? '';
    let bandwidthMs = 0;
    let fetchQuota: { applied: AppliedQuota; size: number } | undefined;
    if (apiKey === ApiKey.Produce) {
      const applied = this.#applied('producer_byte_rate', user, client, nowMs);
      if (applied) bandwidthMs = recordAndThrottleMs(applied, a.requestSize, nowMs, Infinity);
    } else if (apiKey === ApiKey.Fetch && a.response !== NO_RESPONSE) {
      const applied = this.#applied('consumer_byte_rate', user, client, nowMs);
      if (applied) {
        const size = a.responseSize(a.response);
        fetchQuota = { applied, size };
        bandwidthMs = recordAndThrottleMs(applied, size, nowMs, Infinity);
      }
    }
    let requestMs = 0;
    if (!REQUEST_QUOTA_EXEMPT.has(apiKey)) {
      const applied = this.#applied('request_percentage', user, client, nowMs);
      // Percent of one second: 1 ms of handling is 0.1 %.
      if (applied) requestMs = recordAndThrottleMs(applied, a.handledMs / 10, nowMs, this.window.sizeMs);
    }
    const ms = Math.max(bandwidthMs, requestMs);
    if (ms <= 0) return { response: a.response, beforeAnswerMs: 0, afterAnswerMs: 0 };
    let response = a.response;
    if (typeof response === 'object' && response !== null) response = { ...response, throttleTimeMs: ms };
    if (fetchQuota !== undefined && typeof response === 'object' && response !== null) {
      // Kafka answers a throttled Fetch empty and takes its bytes back from the sensor.
      fetchQuota.applied.sensor.record(-fetchQuota.size, nowMs);
      const fullFetch = ((a.request as { sessionEpoch?: number }).sessionEpoch ?? -1) <= 0;
      response = { ...response, responses: [], ...(fullFetch && { sessionId: 0 }) };
    }
    const answersFirst = apiVersion >= (ANSWER_FIRST_SINCE.get(apiKey) ?? 0);
    return { response, beforeAnswerMs: answersFirst ? 0 : ms, afterAnswerMs: answersFirst ? ms : 0 };
  }

  /**
   * A Fetch asks for at most what its quota lets through in one window
   * (quota x (samples - 1) x window, Kafka's `getMaxValueInQuotaWindow`): an
   * answer larger than that would be throttled and answered empty every time.
   */
  limitRequest(session: Session, header: RequestHeaderFields, request: unknown, nowMs = Date.now()): unknown {
    if (header.apiKey !== ApiKey.Fetch) return request;
    const applied = this.#applied('consumer_byte_rate', session.principal, header.clientId ?? '', nowMs);
    if (!applied) return request;
    const fetch = request as { maxBytes: number; minBytes: number };
    const maxBytes = Math.min(fetch.maxBytes, Math.max(1, Math.floor((applied.bound * (this.window.samples - 1) * this.window.sizeMs) / 1000)));
    return { ...fetch, maxBytes, minBytes: Math.min(fetch.minBytes, maxBytes) };
  }

  /** The quota of `key` that applies to (user, client-id), by Kafka's precedence, and its sensor. */
  #applied(key: QuotaKey, user: string, clientId: string, nowMs: number): AppliedQuota | undefined {
    if (!this.config.has(key)) return undefined;
    // Each candidate: the entity whose value applies and the (user, client-id) tags its sensor is shared by.
    const candidates: Array<[QuotaEntity, string, string]> = [
      [{ user, clientId }, user, clientId],
      [{ user, clientId: null }, user, clientId],
      [{ user }, user, ''],
      [{ user: null, clientId }, user, clientId],
      [{ user: null, clientId: null }, user, clientId],
      [{ user: null }, user, ''],
      [{ clientId }, '', clientId],
      [{ clientId: null }, '', clientId],
    ];
    for (const [entity, userTag, clientTag] of candidates) {
      const bound = this.config.value(entity, key);
      if (bound === undefined) continue;
      const sensorKey = JSON.stringify([key, userTag, clientTag]);
      let sensor = this.#sensors.get(sensorKey);
      if (!sensor) this.#sensors.set(sensorKey, (sensor = new RateSensor(this.window.samples, this.window.sizeMs)));
      this.#sweep(nowMs);
      return { bound, sensor };
    }
    return undefined;
  }

  /** Forget sensors unused for an hour (Kafka's inactive sensor expiration), checked at most once a minute. */
  #sweep(nowMs: number): void {
    if (nowMs - this.#lastSweepMs < 60_000) return;
    this.#lastSweepMs = nowMs;
    for (const [key, sensor] of this.#sensors) if (nowMs - sensor.lastRecordMs > 3_600_000) this.#sensors.delete(key);
  }
}

/** Record, then the throttle time if the rate is over the quota (Kafka's QuotaUtils.throttleTime), capped at `maxMs`. */
function recordAndThrottleMs(q: AppliedQuota, value: number, nowMs: number, maxMs: number): number {
  q.sensor.record(value, nowMs);
  const rate = q.sensor.rate(nowMs);
  if (rate <= q.bound) return 0;
  return Math.min(Math.round(((rate - q.bound) / q.bound) * q.sensor.windowSizeMs(nowMs)), maxMs);
}
