/**
 * Which version of each API to speak with one broker (KIP-35): the highest
 * version in both the broker's advertised range and ours.
 *
 * Ours is the range of our generated codecs, minus a top version the spec marks
 * unstable (brokers hide those unless `unstable.api.versions.enable` is set).
 * Ranges are intersected, never assumed: Kafka 4.0 removed versions older
 * brokers needed (KIP-896, e.g. Metadata v0-v3, Produce v0-v2), and Kafka 2.1
 * lacks versions 4.x brokers prefer, so one client spans 2.1 to 4.x only by
 * asking each broker.
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

/** The name of an API key for messages, e.g. `Metadata`, or `API key 99`. */
export function apiName(apiKey: number): string {
  return apis.get(apiKey)?.name ?? `API key ${apiKey}`;
}

/** The versions this client can encode and decode for `apiKey`, or undefined for an API it lacks. */
export function clientVersions(apiKey: number): VersionRange | undefined {
  const api = apis.get(apiKey);
  if (!api) return undefined;
  const max = api.latestVersionUnstable ? api.maxVersion - 1 : api.maxVersion;
  return max >= api.minVersion ? { min: api.minVersion, max } : undefined;
}

/** A broker's advertised API versions, as negotiated on one connection. */
export class BrokerApiVersions {
  readonly #ranges: ReadonlyMap<number, VersionRange>;
  /** Uncapped answers of versionFor, which every request asks: computed once per API. */
  readonly #chosen = new Map<number, number>();

  /** @param ranges - the `apiKeys` of the broker's ApiVersions response */
  constructor(ranges: readonly ApiVersionRange[]) {
    this.#ranges = new Map(ranges.map((r) => [r.apiKey, { min: r.minVersion, max: r.maxVersion }]));
  }

  /** The broker's range for `apiKey`, or undefined when it does not offer the API. */
  brokerRange(apiKey: number): VersionRange | undefined {
    return this.#ranges.get(apiKey);
  }

  /** Every API the broker offers, with its range. */
  entries(): IterableIterator<[number, VersionRange]> {
    return this.#ranges.entries();
  }

  /** Whether some version of `apiKey` (at most `maxVersion`) is spoken by both sides. */
  supports(apiKey: number, maxVersion = Infinity): boolean {
    return this.#highestCommon(apiKey, maxVersion) !== undefined;
  }

  /**
   * The highest version of `apiKey` both sides support, capped at `maxVersion`
   * when a caller cannot handle newer versions' semantics yet.
   * Throws `KafkaJSServerDoesNotSupportApiKey` (not retriable) naming both
   * ranges when there is none: retrying cannot make an old broker newer.
   */
  versionFor(apiKey: number, maxVersion = Infinity): number {
    if (maxVersion === Infinity) {
      const chosen = this.#chosen.get(apiKey);
      if (chosen !== undefined) return chosen;
    }
    const version = this.#highestCommon(apiKey, maxVersion);
    if (version !== undefined) {
      if (maxVersion === Infinity) this.#chosen.set(apiKey, version);
      return version;
    }
    const name = apiName(apiKey);
    const broker = this.#ranges.get(apiKey);
    const ours = clientVersions(apiKey);
    const cap = maxVersion === Infinity ? '' : ` (capped at v${maxVersion} by the caller)`;
    const message =
      broker === undefined
        ? `The broker does not support ${name} (API key ${apiKey})`
        : ours === undefined
          ? `This client does not support ${name} (API key ${apiKey})`
          : `No common version of ${name}: the broker supports v${broker.min}-v${broker.max}, this client v${ours.min}-v${ours.max}${cap}`;
    throw new KafkaJSServerDoesNotSupportApiKey(message, { apiKey, apiName: name });
  }

  #highestCommon(apiKey: number, maxVersion: number): number | undefined {
    const broker = this.#ranges.get(apiKey);
    const ours = clientVersions(apiKey);
    if (!broker || !ours) return undefined;
    const high = Math.min(broker.max, ours.max, maxVersion);
    const low = Math.max(broker.min, ours.min);
    return high >= low ? high : undefined;
  }
}
