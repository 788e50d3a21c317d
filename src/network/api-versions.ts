/**
 * Which version of each API to speak with one broker (KIP-35): the highest
 * version in the broker's advertised range, ours, and the range the request
 * site declares it implements.
 *
 * Ours is the range of our generated codecs, minus a top version the spec marks
 * unstable (brokers hide those unless `unstable.api.versions.enable` is set).
 * Ranges are intersected, never assumed: Kafka 4.0 removed versions older
 * brokers needed (KIP-896, e.g. Metadata v0-v3, Produce v0-v2), and Kafka 2.1
 * lacks versions 4.x brokers prefer, so one client spans 2.1 to 4.x only by
 * asking each broker.
 *
 * The declared range ({@link RequestVersions}) is what keeps the wire stable:
 * the codecs are regenerated from newer Kafka specs, and a request must not move
 * to a version whose fields or error codes its caller has never been checked
 * against just because the codec now knows it.
 */
import { KafkaJSServerDoesNotSupportApiKey } from '../errors/errors.js';
import { apis } from '../protocol/generated/api-keys.js';
import { type VersionRange } from '../protocol/primitives/message.js';

/** One API's versions as an ApiVersions response lists them. */
export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/**
 * The versions of one API a request site implements, both ends inclusive: `min`
 * is the first version with the fields and semantics the site relies on, `max`
 * the last one whose fields and error codes it has been checked against.
 * Declare it as literal numbers next to the site, never from a codec's range,
 * so that regenerating the codecs changes nothing on the wire.
 */
export interface RequestVersions {
  readonly min: number;
  readonly max: number;
}

/** The name of an API key for messages, e.g. `Metadata`, or `API key 99`. */
export function apiName(apiKey: number): string {
  return apis.get(apiKey)?.name ?? `API key ${apiKey}`;
}

/** `v1-v12`, as messages show a range. */
export function formatVersions(range: VersionRange | RequestVersions): string {
  return `v${range.min}-v${range.max}`;
}

/** clientVersions' answers: the codec table never changes at run time, and every request asks. */
const clientRanges = new Map<number, VersionRange | undefined>();

/** The versions this client can encode and decode for `apiKey`, or undefined for an API it lacks. */
export function clientVersions(apiKey: number): VersionRange | undefined {
  if (!clientRanges.has(apiKey)) clientRanges.set(apiKey, codecVersions(apiKey));
  return clientRanges.get(apiKey);
}

function codecVersions(apiKey: number): VersionRange | undefined {
  const api = apis.get(apiKey);
  if (!api) return undefined;
  const max = api.latestVersionUnstable ? api.maxVersion - 1 : api.maxVersion;
  return max >= api.minVersion ? Object.freeze({ min: api.minVersion, max }) : undefined;
}

/** A broker's advertised API versions, as negotiated on one connection. */
export class BrokerApiVersions {
  readonly #ranges: ReadonlyMap<number, VersionRange>;
  /** Who advertised the ranges, for messages: `broker host:port`. */
  readonly #broker: string;
  /** Answers of versionFor without a declared range: computed once per API. */
  readonly #chosen = new Map<number, number>();

  /**
   * @param ranges - the `apiKeys` of the broker's ApiVersions response
   * @param broker - the broker's `host:port`, named in errors
   */
  constructor(ranges: readonly ApiVersionRange[], broker?: string) {
    this.#ranges = new Map(ranges.map((r) => [r.apiKey, { min: r.minVersion, max: r.maxVersion }]));
    this.#broker = broker === undefined ? 'broker' : `broker ${broker}`;
  }

  /** The broker's range for `apiKey`, or undefined when it does not offer the API. */
  brokerRange(apiKey: number): VersionRange | undefined {
    return this.#ranges.get(apiKey);
  }

  /** Every API the broker offers, with its range. */
  entries(): IterableIterator<[number, VersionRange]> {
    return this.#ranges.entries();
  }

  /** Whether some version of `apiKey` (within `declared`, when given) is spoken by both sides. */
  supports(apiKey: number, declared?: RequestVersions): boolean {
    return this.#highestCommon(apiKey, declared) !== undefined;
  }

  /**
   * The highest version of `apiKey` in the broker's range, the codecs' range
   * and, when given, the range the request site `declared` it implements.
   * Throws `KafkaJSServerDoesNotSupportApiKey` (not retriable) naming the
   * ranges when there is none: retrying cannot make an old broker newer.
   */
  versionFor(apiKey: number, declared?: RequestVersions): number {
    if (declared === undefined) {
      const chosen = this.#chosen.get(apiKey);
      if (chosen !== undefined) return chosen;
    }
    const version = this.#highestCommon(apiKey, declared);
    if (version !== undefined) {
      if (declared === undefined) this.#chosen.set(apiKey, version);
      return version;
    }
    throw new KafkaJSServerDoesNotSupportApiKey(this.#noCommonVersion(apiKey, declared), { apiKey, apiName: apiName(apiKey) });
  }

  #highestCommon(apiKey: number, declared: RequestVersions | undefined): number | undefined {
    const broker = this.#ranges.get(apiKey);
    const ours = clientVersions(apiKey);
    if (!broker || !ours) return undefined;
    const high = Math.min(broker.max, ours.max, declared?.max ?? Infinity);
    const low = Math.max(broker.min, ours.min, declared?.min ?? 0);
    return high >= low ? high : undefined;
  }

  #noCommonVersion(apiKey: number, declared: RequestVersions | undefined): string {
    const name = apiName(apiKey);
    const broker = this.#ranges.get(apiKey);
    const ours = clientVersions(apiKey);
    const needs = declared ? `; this request implements ${formatVersions(declared)}` : '';
    if (broker === undefined) return `The ${this.#broker} does not support ${name} (API key ${apiKey})${needs}`;
    if (ours === undefined) return `This client does not support ${name} (API key ${apiKey})`;
    if (declared === undefined) return `No common version of ${name}: the ${this.#broker} supports ${formatVersions(broker)}, this client ${formatVersions(ours)}`;
    // The codecs matter only when they, not the broker, cut the declared range: codecs regenerated from older specs.
    const codecs = ours.min > declared.min || ours.max < declared.max ? `, this client's codecs ${formatVersions(ours)}` : '';
    return `No common version of ${name}: this request implements ${formatVersions(declared)}, the ${this.#broker} supports ${formatVersions(broker)}${codecs}`;
  }
}
