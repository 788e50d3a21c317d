/**
 * File names in a partition directory, as Kafka names them (Java
 * `LogFileUtils`): segment files are the segment's base offset as 20 decimal
 * digits plus a suffix, so they sort by offset.
 */

/** Raw record batches, back to back. */
export const LOG_SUFFIX = '.log';
/** Sparse offset index: int32 relative offset, int32 file position. */
export const INDEX_SUFFIX = '.index';
/** Time index: int64 timestamp, int32 relative offset. */
export const TIME_INDEX_SUFFIX = '.timeindex';
/** A segment being written by the cleaner; deleted on recovery. */
export const CLEANED_SUFFIX = '.cleaned';
/** A cleaned segment ready to replace the segments it covers; the swap is completed on recovery. */
export const SWAP_SUFFIX = '.swap';
/** A segment removed from the log whose files are being deleted; deleted on recovery. */
export const DELETED_SUFFIX = '.deleted';
/** Written last by a clean close; its absence on open means the log must be recovered. */
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
/** The recovery point and log start offset (Kafka keeps these in per-log-dir checkpoint files). */
export const CHECKPOINT_FILE = 'log.checkpoint';
/** Suffix of a file being replaced atomically (write, sync, rename). */
export const TEMP_SUFFIX = '.tmp';

/**
 * The name of a segment file.
 *
 * @param baseOffset - the segment's base offset
 * @param suffix - {@link LOG_SUFFIX}, {@link INDEX_SUFFIX}, ... optionally followed by `.cleaned` etc.
 * @returns e.g. `00000000000000000042.log`
 */
export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

/**
 * Parses a segment file name.
 *
 * @param name - a file name in the partition directory
 * @returns the base offset and the suffix after the digits (e.g. `.log.swap`), or null when the name is not a segment file
 */
export function parseSegmentFileName(name: string): { baseOffset: number; suffix: string } | null {
  const m = /^(\d{20})(\..+)$/.exec(name);
  if (!m) return null;
  const baseOffset = Number(m[1]);
  if (!Number.isSafeInteger(baseOffset)) return null;
  return { baseOffset, suffix: m[2]! };
}
