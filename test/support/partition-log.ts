/**
 * Reading what a producer put on the wire, straight from the embedded broker's
 * partition logs: every batch, decoded, from the log start to the LEO.
 */
import { type RunningBroker } from '../../src/broker/server.js';
import { type KafkaRecord, type RecordBatch, decodeRecordBatches } from '../../src/protocol/records/record-batch.js';

/** The partition's log; throws if the topic or partition does not exist. */
function logOf(running: RunningBroker, topic: string, partition: number) {
  const p = running.broker.topics.get(topic)?.partitions[partition];
  if (!p) throw new Error(`no partition ${topic}-${partition} on the broker`);
  return p.log;
}

/** The log end offset of one partition. */
export function logEnd(running: RunningBroker, topic: string, partition: number): number {
  return logOf(running, topic, partition).logEndOffset;
}

/** Every batch in a partition's log, decoded, from its log start offset. */
export async function batchesOf(running: RunningBroker, topic: string, partition: number): Promise<RecordBatch[]> {
  const log = logOf(running, topic, partition);
  const out: RecordBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const batches = await decodeRecordBatches(log.read(offset, 64 * 1024 * 1024, log.logEndOffset).records);
    if (batches.length === 0) throw new Error(`no batch readable at ${topic}-${partition} offset ${offset}`);
    out.push(...batches);
    const last = batches.at(-1)!;
    offset = last.baseOffset + last.lastOffsetDelta + 1;
  }
  return out;
}

/** Every record of a partition at or after its log start offset, in offset order. */
export async function recordsOf(running: RunningBroker, topic: string, partition: number): Promise<KafkaRecord[]> {
  const start = logOf(running, topic, partition).logStartOffset;
  return (await batchesOf(running, topic, partition)).flatMap((b) => b.records.filter((r) => r.offset >= start));
}
