/**
 * A point in time given on the command line (`--to-datetime`, `--from-timestamp`):
 * ISO 8601 text (`2026-01-31T12:00:00Z`) or milliseconds since the epoch, as
 * kafka-consumer-groups.sh and kcat take them.
 */
import { type ParsedArgs } from './args.js';

/**
 * Ms since the epoch of `text`.
 *
 * @throws UsageError when it is neither ISO 8601 nor a non-negative integer
 */
export function parseTime(args: ParsedArgs, option: string, text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(ms) || ms < 0) throw args.usage(`--${option} takes an ISO 8601 time or ms since the epoch, got ${JSON.stringify(text)}`);
  return ms;
}
