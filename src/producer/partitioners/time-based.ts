/**
 * Time-based partitioning (seed 002's `TimeBasedPartitioner`: the hour modulo the
 * partition count): all records of one time window go to one partition, the next window
 * to the next partition, so a consumer can read "the records of hour h" from one
 * partition, e.g. for time-series data processed window by window.
 */
import { KafkaJSConfigurationError } from '../../errors/errors.js';
import { explicitPartition, partitionCount } from './topic-partitions.js';
import { type Partitioner, type PartitionerArgs } from './types.js';

/** One hour, the seed's window. */
export const DEFAULT_TIME_WINDOW_MS = 3_600_000;

/** Options of {@link createTimeBasedPartitioner}. */
export interface TimeBasedPartitionerOptions {
  /** The window length in milliseconds; windows are aligned to the Unix epoch (UTC). Default one hour. */
  readonly windowMs?: number | undefined;
  /** The clock for records without a timestamp; default `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/** The record's timestamp (KafkaJS sends it as a decimal string), or the clock's time. */
function recordTime(args: PartitionerArgs, now: () => number): number {
  const { timestamp } = args.message;
  if (timestamp === undefined || timestamp === null || timestamp === '') return now();
  const ms = Number(timestamp);
  // A malformed timestamp is the record encoder's to reject, with the record in hand.
  return Number.isFinite(ms) ? ms : now();
}

/**
 * Creates a time-based partitioner: an explicit partition wins; otherwise
 * `floor(timestamp / windowMs) % numPartitions`, using the record's own timestamp when it
 * has one (so a replayed record lands where it first did), else the clock. With hourly
 * windows and 24 partitions, partition = UTC hour of the day.
 *
 * Trades: one window writes to one partition only, so a topic's write throughput is one
 * partition's and its consumers work one at a time; keys are ignored, so a key's records
 * scatter across windows; partitions without a leader are not avoided (the window
 * decides), so records wait for the leader. Suits modest, time-ordered streams, not
 * high-throughput topics.
 *
 * @param options - `windowMs`, `now`
 * @returns a partitioner
 * @throws KafkaJSConfigurationError when `windowMs` is not a positive integer
 */
export function createTimeBasedPartitioner(options: TimeBasedPartitionerOptions = {}): Partitioner {
  const windowMs = options.windowMs ?? DEFAULT_TIME_WINDOW_MS;
  if (!Number.isSafeInteger(windowMs) || windowMs < 1) {
    throw new KafkaJSConfigurationError({ option: 'windowMs', value: windowMs, accepted: 'a positive integer number of milliseconds' });
  }
  const now = options.now ?? Date.now;
  return (args) => {
    const explicit = explicitPartition(args);
    if (explicit !== undefined) return explicit;
    const count = partitionCount(args);
    const window = Math.floor(recordTime(args, now) / windowMs);
    return ((window % count) + count) % count; // timestamps before 1970 too
  };
}
