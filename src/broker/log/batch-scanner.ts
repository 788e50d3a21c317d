/**
 * Walks the record batches of a segment file by their headers, reading the
 * file in chunks into one reused scratch buffer: the fetch path, index
 * lookups, recovery and the cleaner all find batches this way, with one read
 * per chunk instead of one per batch, and without decoding records.
 */
import { LOG_OVERHEAD, RECORD_BATCH_MAGIC, RECORD_BATCH_OVERHEAD, RecordBatchField } from '../../protocol/records/record-batch.js';
import { type LogFile } from './storage.js';

/** Chunk read when only headers are needed: a few index intervals' worth. */
const HEADER_CHUNK = 16 * 1024;
/** Chunk read when whole batches are needed (recovery checks each CRC). */
const BATCH_CHUNK = 1024 * 1024;
/** Batches larger than this get a one-off buffer, so the scratch never pins a huge allocation. */
const SCRATCH_LIMIT = 2 * BATCH_CHUNK;

// Shared by every scan: scans are synchronous, so no two ever use it at once.
let scratch = Buffer.allocUnsafe(BATCH_CHUNK);

/**
 * Called per batch with the chunk holding it. `chunk` is a scratch buffer
 * reused by the next read: copy what must outlive the call.
 *
 * @param chunk - holds the batch's header (61 bytes) at `at`, and the whole batch when scanning with `wholeBatches`
 * @param at - where the batch starts in `chunk`
 * @param position - where the batch starts in the file
 * @param size - the batch's size in bytes (`LOG_OVERHEAD + batchLength`)
 * @returns false to stop the scan at this batch
 */
export type BatchVisitor = (chunk: Buffer, at: number, position: number, size: number) => boolean;

/** Where a scan ended and why. */
export interface ScanEnd {
  /** Position of the batch the visitor stopped at, or where the scan ended. */
  readonly position: number;
  /** The visitor returned false at `position`. */
  readonly stopped: boolean;
  /**
   * The bytes at `position` (before `end`) are not a whole magic-2 batch: a
   * torn write, garbage, or a length that overruns the file.
   */
  readonly torn: boolean;
}

/**
 * Visits the batches in `[position, end)` of `file` in order.
 *
 * @param file - a segment's `.log`
 * @param position - a batch boundary to start from
 * @param end - where to stop (the file's size, or less)
 * @param wholeBatches - load each whole batch into the chunk, not just its header
 * @param visit - called per batch
 */
export function scanBatches(file: LogFile, position: number, end: number, wholeBatches: boolean, visit: BatchVisitor): ScanEnd {
  const chunkSize = wholeBatches ? BATCH_CHUNK : HEADER_CHUNK;
  let chunk = scratch;
  let chunkStart = 0;
  let chunkLength = 0;
  let pos = position;
  // Makes [pos, pos + need) readable in `chunk`; false when the file ends first.
  const load = (need: number): boolean => {
    if (pos >= chunkStart && pos + need <= chunkStart + chunkLength) return true;
    if (pos + need > end) return false;
    const want = Math.min(Math.max(need, chunkSize), end - pos);
    if (want > scratch.length) {
      if (want <= SCRATCH_LIMIT) scratch = Buffer.allocUnsafe(want);
      chunk = want <= SCRATCH_LIMIT ? scratch : Buffer.allocUnsafe(want);
    } else {
      chunk = scratch;
    }
    chunkStart = pos;
    chunkLength = file.readInto(chunk, 0, want, pos);
    return chunkLength >= need;
  };
  while (pos < end) {
    if (end - pos < RECORD_BATCH_OVERHEAD || !load(RECORD_BATCH_OVERHEAD)) {
      return { position: pos, stopped: false, torn: true };
    }
    let at = pos - chunkStart;
    const size = LOG_OVERHEAD + chunk.readInt32BE(at + RecordBatchField.batchLength);
    if (size < RECORD_BATCH_OVERHEAD || chunk[at + RecordBatchField.magic] !== RECORD_BATCH_MAGIC || pos + size > end) {
      return { position: pos, stopped: false, torn: true };
    }
    if (wholeBatches) {
      if (!load(size)) return { position: pos, stopped: false, torn: true };
      at = pos - chunkStart;
    }
    if (!visit(chunk, at, pos, size)) return { position: pos, stopped: true, torn: false };
    pos += size;
  }
  return { position: pos, stopped: false, torn: false };
}
