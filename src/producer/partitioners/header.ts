/**
 * Header-driven routing (seed 002's region and priority partitioners): a header's value
 * picks a partition or a range of partitions, e.g. `region: north` to partitions 0-1,
 * or `priority: high` to a partition of its own, so consumers can serve one region or
 * one priority by reading only its partitions.
 */
import { KafkaJSConfigurationError, KafkaJSStaleTopicMetadataAssignment } from '../../errors/errors.js';
import { murmur2, toPositive } from '../../protocol/murmur2.js';
import { createDefaultPartitioner } from './default.js';
import { randomIndex } from './sticky.js';
import { explicitPartition, hasKey, partitionCount } from './topic-partitions.js';
import { type Partitioner, type PartitionerArgs, type PartitionerFactory, type RandomSource } from './types.js';

/**
 * A partition, or an inclusive range of partitions: `{ from: 1 }` is partition 1 to the
 * topic's last, `{ from: 0, to: 1 }` partitions 0 and 1.
 */
export type PartitionRange = number | { readonly from: number; readonly to?: number | undefined };

/** Options of {@link createHeaderPartitioner}; read once, never kept or changed. */
export interface HeaderPartitionerOptions {
  /** The header whose value picks the route, e.g. `region` (header keys are case-sensitive). */
  readonly header: string;
  /** Header value (compared as UTF-8 text) to its partition or range. */
  readonly routes: Readonly<Record<string, PartitionRange>>;
  /**
   * Where records go whose header is missing or has a value without a route: a range, or
   * a partitioner factory over the whole topic. Default: {@link DefaultPartitioner}.
   */
  readonly otherwise?: PartitionRange | PartitionerFactory | undefined;
  /** Random source for keyless records inside a range; default `Math.random`. */
  readonly random?: RandomSource | undefined;
}

interface Range {
  readonly from: number;
  /** Inclusive; undefined means the topic's last partition. */
  readonly to: number | undefined;
}

function toRange(option: string, range: PartitionRange): Range {
  const { from, to } = typeof range === 'number' ? { from: range, to: range } : range;
  const valid = Number.isInteger(from) && from >= 0 && (to === undefined || (Number.isInteger(to) && to >= from));
  if (!valid) {
    throw new KafkaJSConfigurationError({ option, value: range, accepted: 'a partition (integer >= 0) or { from, to? } with from <= to' });
  }
  return { from, to };
}

/** The header's value as text: the first one when KafkaJS headers carry an array. */
function headerText(args: PartitionerArgs, header: string): string | undefined {
  const headers = args.message.headers;
  if (headers === undefined || headers === null || !Object.hasOwn(headers, header)) return undefined;
  let value = headers[header];
  if (Array.isArray(value)) value = value[0] as unknown;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  return undefined;
}

/**
 * Creates a partitioner that routes by a header. An explicit partition wins; otherwise
 * the header's value selects a range: a keyed record goes to
 * `from + toPositive(murmur2(key)) % rangeSize`, so a key stays on one partition of its
 * range (and keeps its order) while the range does not change; a keyless record goes to a
 * random partition of the range. Records without a route go to `otherwise`.
 *
 * @example
 * ```ts
 * // Seed 002: regions to their own partitions, the rest by the default partitioner.
 * const byRegion = () => createHeaderPartitioner({ header: 'region', routes: { north: 0, south: 1, east: 2, west: 3 } });
 * // Seed 002: high priority alone on partition 0, everything else on partitions 1..last.
 * const byPriority = () => createHeaderPartitioner({ header: 'priority', routes: { high: 0 }, otherwise: { from: 1 } });
 * kafka.producer({ createPartitioner: byRegion });
 * ```
 *
 * Trades: a busy route makes hot partitions (load follows the header, not the
 * partition count); a key's records split across ranges if its header value changes;
 * and adding partitions changes nothing until the routes are edited, which then moves
 * keys as any change of partition count does. Other clients must route the same way for
 * consumers to rely on the layout.
 *
 * @param options - `header`, `routes`, `otherwise`, `random`
 * @returns a partitioner; call once per producer
 * @throws KafkaJSConfigurationError when a route or `otherwise` is not a partition or range
 * @throws KafkaJSStaleTopicMetadataAssignment (retriable), from the partitioner, when a
 *   route names partitions the topic does not have
 */
export function createHeaderPartitioner(options: HeaderPartitionerOptions): Partitioner {
  const { header } = options;
  if (typeof header !== 'string' || header.length === 0) {
    throw new KafkaJSConfigurationError({ option: 'header', value: header, accepted: 'a non-empty header key' });
  }
  const routes = new Map<string, Range>();
  for (const [value, range] of Object.entries(options.routes)) routes.set(value, toRange(`routes.${value}`, range));
  const otherwise = options.otherwise ?? (() => createDefaultPartitioner());
  const fallback: Range | Partitioner = typeof otherwise === 'function' ? otherwise() : toRange('otherwise', otherwise);
  const random = options.random ?? Math.random;

  const inRange = (args: PartitionerArgs, { from, to }: Range, route: string): number => {
    const count = partitionCount(args);
    const last = to ?? count - 1;
    if (last >= count || from > last) {
      throw new KafkaJSStaleTopicMetadataAssignment(
        `Cannot route ${route} of topic "${args.topic}" to partitions ${from}-${to ?? 'last'}: the topic has ${count} partition${count === 1 ? '' : 's'}`,
        { topic: args.topic, unknownPartitions: [last >= count ? last : from] },
      );
    }
    const size = last - from + 1;
    if (hasKey(args.message)) return from + (toPositive(murmur2(args.message.key)) % size);
    return from + randomIndex(random, size);
  };

  return (args) => {
    const explicit = explicitPartition(args);
    if (explicit !== undefined) return explicit;
    const value = headerText(args, header);
    const range = value === undefined ? undefined : routes.get(value);
    if (range !== undefined) return inRange(args, range, `${header}=${value}`);
    if (typeof fallback === 'function') return fallback(args);
    return inRange(args, fallback, `records without a ${header} route`);
  };
}
