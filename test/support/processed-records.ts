/**
 * What a consumer group's handlers processed, per partition, for the fault
 * tests: how many records were processed at least once, how many again, and
 * each skip (a record processed while an earlier one of its partition never
 * was). The highest offset processed per partition feeds
 * watchCommittedOffsets' "nothing unprocessed is committed" check.
 */

/** Records processed by a group, offsets 0..perPartition-1 of each partition. */
export class ProcessedRecords {
  readonly #seen: Uint8Array[];
  /** The highest offset processed, per partition; -1 before any. */
  readonly maxProcessed: number[];
  /** Skips seen, described (the first 20). */
  readonly skips: string[] = [];
  /** Distinct records processed. */
  count = 0;
  /** Records processed again. */
  duplicates = 0;

  constructor(partitions: number, perPartition: number) {
    this.#seen = Array.from({ length: partitions }, () => new Uint8Array(perPartition));
    this.maxProcessed = new Array<number>(partitions).fill(-1);
  }

  /** `member` processed `offset` of `partition`. */
  record(member: string, partition: number, offset: number): void {
    const highest = this.maxProcessed[partition]!;
    if (offset > highest + 1 && this.skips.length < 20) this.skips.push(`${member} processed ${partition}/${offset} while the highest processed was ${highest}`);
    const seen = this.#seen[partition]!;
    if (seen[offset]) this.duplicates++;
    else this.count++;
    seen[offset] = 1;
    if (offset > highest) this.maxProcessed[partition] = offset;
  }
}
