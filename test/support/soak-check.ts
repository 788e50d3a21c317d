/**
 * The exactly-once check of the producer soak (soak.ts), record by record,
 * against a partition's log as the broker stored it: every record sent to the
 * partition is there once, in the order its send was called, and where its
 * send said it is (and a rejected send's record is not there). On failure it names the first duplicate, the first gap and
 * the first record out of order, with offsets and the producer id, epoch and
 * sequence of the batches that hold them (an epoch bump that re-sequenced a
 * batch already stored shows as the same records under two epochs).
 */
import { type RecordBatch } from '../../src/protocol/records/record-batch.js';

/** What became of one send, as the workload saw it. */
export const SendOutcome = {
  /** Never called (the soak stopped at its deadline first). */
  NotSent: 0,
  /** Called, not settled (yet). */
  Pending: 1,
  Acknowledged: 2,
  Rejected: 3,
} as const;
export type SendOutcome = (typeof SendOutcome)[keyof typeof SendOutcome];

/** The record values the soak sends: `<producer>/<partition>/<k>/`, padded with dots. */
export function soakValue(producer: number, partition: number, k: number, valueBytes: number): string {
  const head = `${producer}/${partition}/${k}/`;
  return valueBytes > head.length ? head + '.'.repeat(valueBytes - head.length) : head;
}

/** Decode a soak value; undefined for anything else. */
export function parseSoakValue(value: Buffer | null): { producer: number; partition: number; k: number } | undefined {
  if (value === null) return undefined;
  const parts = value.toString('latin1').split('/', 3);
  if (parts.length !== 3) return undefined;
  const [producer, partition, k] = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN)) as [number, number, number];
  if (Number.isNaN(producer) || Number.isNaN(partition) || Number.isNaN(k)) return undefined;
  return { producer, partition, k };
}

/** What one partition should hold, and what its sends were told. */
export interface PartitionExpectation {
  readonly producer: number;
  readonly partition: number;
  /** Records sent to the partition: k = 0..count-1, sends called in that order. */
  readonly count: number;
  /** Per k: the send's outcome. */
  readonly outcome: Uint8Array;
  /** Per k: the offset the send was told (NaN until acknowledged). */
  readonly ackedOffset: Float64Array;
  /**
   * Sends are expected to fail by their delivery timeout (a short one): a record whose
   * send was rejected may then be stored (once) or not, as in every Kafka client: the
   * timeout says its fate is unknown. Duplicates and reordering are still failures.
   */
  readonly rejectedMayBeStored?: boolean;
}

/** The verdict on one partition. */
export interface PartitionCheck {
  readonly producer: number;
  readonly partition: number;
  readonly expected: number;
  /** Records in the log. */
  readonly stored: number;
  /** Records stored again after their first copy. */
  readonly duplicates: number;
  /** Records never sent: the soak stopped first (not a failure of the producer; the soak reports it). */
  readonly notSent: number;
  /** Records sent and not in the log, and how many of those were acknowledged, rejected, never settled. */
  readonly missing: number;
  readonly missingAcknowledged: number;
  readonly missingRejected: number;
  readonly missingPending: number;
  /** Runs of consecutive missing k. */
  readonly gaps: number;
  /** First copies stored after a record with a higher k. */
  readonly outOfOrder: number;
  /** Records that are not this partition's soak values. */
  readonly foreign: number;
  /** Acknowledged sends told an offset that does not hold their record. */
  readonly wrongOffset: number;
  /** Records stored although their send was rejected (the caller was told they were not). */
  readonly storedRejected: number;
  /** Batches in the log per `producerId/epoch`. */
  readonly batchesByEpoch: Readonly<Record<string, number>>;
  /** One line per kind of failure, naming its first instance; empty when exactly once and in order. */
  readonly problems: readonly string[];
}

/**
 * Check one partition's batches (batchesOf in partition-log.ts) against what
 * was sent to it.
 */
export function checkPartition(batches: readonly RecordBatch[], expect: PartitionExpectation): PartitionCheck {
  const { producer, partition, count } = expect;
  const name = `producer ${producer} partition ${partition}`;
  // Per k: where its first copy is, and whether any copy sits where the send was told.
  const firstOffset = new Float64Array(count).fill(NaN);
  const firstAt = new Array<string | undefined>(count);
  const ackMatched = new Uint8Array(count);
  const batchesByEpoch: Record<string, number> = {};
  let stored = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  let foreign = 0;
  let highest: { k: number; at: string } | undefined;
  let firstDuplicate: string | undefined;
  let duplicateRun: { fromK: number; toK: number; fromOffset: number; toOffset: number; open: boolean } | undefined;
  let firstOutOfOrder: string | undefined;
  let firstForeign: string | undefined;

  for (const batch of batches) {
    const epochKey = `${batch.producerId}/${batch.producerEpoch}`;
    batchesByEpoch[epochKey] = (batchesByEpoch[epochKey] ?? 0) + 1;
    for (const record of batch.records) {
      stored++;
      const delta = record.offset - batch.baseOffset;
      const sequence = batch.baseSequence < 0 ? -1 : batch.baseSequence + delta;
      const at = `offset ${record.offset} (batch at ${batch.baseOffset}, producer id ${batch.producerId} epoch ${batch.producerEpoch} sequence ${sequence})`;
      const value = parseSoakValue(record.value);
      if (!value || value.producer !== producer || value.partition !== partition || value.k >= count) {
        foreign++;
        firstForeign ??= `${JSON.stringify(record.value?.toString('latin1').slice(0, 40) ?? null)} at ${at}`;
        continue;
      }
      const { k } = value;
      if (expect.ackedOffset[k] === record.offset) ackMatched[k] = 1;
      if (!Number.isNaN(firstOffset[k]!)) {
        duplicates++;
        firstDuplicate ??= `k ${k} first at ${firstAt[k]}, again at ${at}`;
        if (!duplicateRun) duplicateRun = { fromK: k, toK: k, fromOffset: record.offset, toOffset: record.offset, open: true };
        else if (duplicateRun.open && k === duplicateRun.toK + 1 && record.offset === duplicateRun.toOffset + 1) {
          duplicateRun.toK = k;
          duplicateRun.toOffset = record.offset;
        } else duplicateRun.open = false;
        continue;
      }
      if (duplicateRun) duplicateRun.open = false;
      firstOffset[k] = record.offset;
      firstAt[k] = at;
      if (highest && k < highest.k) {
        outOfOrder++;
        firstOutOfOrder ??= `k ${k} at ${at} is stored after k ${highest.k} at ${highest.at}`;
      } else highest = { k, at };
    }
  }

  let missing = 0;
  let missingAcknowledged = 0;
  let missingRejected = 0;
  let missingPending = 0;
  let notSent = 0;
  let gaps = 0;
  let firstGap: string | undefined;
  let wrongOffset = 0;
  let firstWrongOffset: string | undefined;
  let storedRejected = 0;
  let firstStoredRejected: string | undefined;
  for (let k = 0; k < count; k++) {
    const outcome = expect.outcome[k];
    if (outcome === SendOutcome.NotSent) {
      // The soak stopped at its deadline before this send: reported by the soak, not here.
      notSent++;
      continue;
    }
    if (Number.isNaN(firstOffset[k]!)) {
      missing++;
      if (outcome === SendOutcome.Acknowledged) missingAcknowledged++;
      else if (outcome === SendOutcome.Rejected) missingRejected++;
      else missingPending++;
      if (k === 0 || !Number.isNaN(firstOffset[k - 1]!)) {
        gaps++;
        if (firstGap === undefined) {
          let end = k;
          while (end + 1 < count && Number.isNaN(firstOffset[end + 1]!) && expect.outcome[end + 1] !== SendOutcome.NotSent) end++;
          const after = k === 0 ? 'at the start of the log' : `after k ${k - 1} at offset ${firstOffset[k - 1]}`;
          firstGap = `k ${k}..${end} (${end - k + 1} records) missing, ${after}; the send of k ${k} was ${outcomeName(outcome)}`;
        }
      }
    } else if (outcome === SendOutcome.Acknowledged && ackMatched[k] === 0) {
      wrongOffset++;
      firstWrongOffset ??= `k ${k}: its send was told offset ${expect.ackedOffset[k]}, the record is at ${firstAt[k]}`;
    } else if (outcome === SendOutcome.Rejected) {
      storedRejected++;
      firstStoredRejected ??= `k ${k} at ${firstAt[k]}`;
    }
  }

  const problems: string[] = [];
  if (duplicates > 0) {
    const run = duplicateRun!;
    problems.push(
      `${name}: ${duplicates} records stored twice; first duplicate: ${firstDuplicate}; first run of copies: k ${run.fromK}..${run.toK} at offsets ${run.fromOffset}..${run.toOffset}`,
    );
  }
  if (missing - (expect.rejectedMayBeStored === true ? missingRejected : 0) > 0) {
    problems.push(
      `${name}: ${missing} records missing in ${gaps} gaps (${missingAcknowledged} acknowledged, ${missingRejected} rejected, ${missingPending} never settled); first gap: ${firstGap}`,
    );
  }
  if (outOfOrder > 0) problems.push(`${name}: ${outOfOrder} records out of send order; first: ${firstOutOfOrder}`);
  if (foreign > 0) problems.push(`${name}: ${foreign} records that are not this partition's; first: ${firstForeign}`);
  if (wrongOffset > 0) problems.push(`${name}: ${wrongOffset} sends told a wrong offset; first: ${firstWrongOffset}`);
  if (storedRejected > 0 && expect.rejectedMayBeStored !== true) problems.push(`${name}: ${storedRejected} records stored although their send was rejected; first: ${firstStoredRejected}`);
  return {
    producer,
    partition,
    expected: count,
    stored,
    duplicates,
    missing,
    missingAcknowledged,
    missingRejected,
    missingPending,
    notSent,
    gaps,
    outOfOrder,
    foreign,
    wrongOffset,
    storedRejected,
    batchesByEpoch,
    problems,
  };
}

function outcomeName(outcome: number | undefined): string {
  if (outcome === SendOutcome.Acknowledged) return 'acknowledged';
  if (outcome === SendOutcome.Rejected) return 'rejected';
  return 'never settled';
}
