/**
 * The consume loop of the two clients with KafkaJS's consumer API, tskafka and KafkaJS
 * itself: the same code drives both, so any difference is the library's.
 *
 * Every consumer of the case joins one group, subscribes from the beginning and runs
 * `eachMessage` or `eachBatch` (eachBatchAutoResolve, as KafkaJS defaults) with each
 * library's default fetch sizes and auto-commit (off with BENCH_AUTOCOMMIT=0). The
 * handler reads each record's value as a real handler would: eachMessage adds
 * `message.value.length` to a byte count, eachBatch iterates `batch.messages` and does
 * the same (a client that decodes lazily pays for what a handler reads).
 */
import { AUTO_COMMIT, type ClientArgs, Progress, sleep1ms } from '../workload.js';

/** The part of KafkaJS's consumer both libraries share, as the benchmark uses it. */
export interface KafkaJSShapedConsumer {
  connect(): Promise<void>;
  subscribe(subscription: { topics: string[]; fromBeginning: boolean }): Promise<void>;
  run(config: {
    autoCommit?: boolean;
    eachMessage?: (payload: { partition: number; message: { offset: string; value: Buffer | null } }) => Promise<void>;
    eachBatch?: (payload: { batch: { partition: number; messages: { value: Buffer | null }[]; lastOffset(): string } }) => Promise<void>;
  }): Promise<void>;
  disconnect(): Promise<void>;
}

/** Consume the case with `createConsumer()` consumers in one group; resolves once progress is done and every consumer disconnected. */
export async function consumeKafkaJSShaped(args: ClientArgs, createConsumer: () => KafkaJSShapedConsumer): Promise<Progress> {
  const { spec, topic } = args;
  const progress = new Progress(args.ends, args.maxSeconds);
  const consumers = Array.from({ length: spec.consumers }, createConsumer);
  let sinceSleep = 0;
  await Promise.all(
    consumers.map(async (consumer) => {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      if (spec.api === 'message') {
        await consumer.run({
          autoCommit: AUTO_COMMIT,
          eachMessage: async ({ partition, message }) => {
            const value = message.value;
            progress.processed(partition, Number(message.offset), 1, value === null ? 0 : value.length);
            if (spec.slowEvery > 0 && ++sinceSleep >= spec.slowEvery) {
              sinceSleep = 0;
              await sleep1ms();
            }
          },
        });
      } else {
        await consumer.run({
          autoCommit: AUTO_COMMIT,
          eachBatch: async ({ batch }) => {
            const messages = batch.messages;
            if (messages.length === 0) return;
            let bytes = 0;
            for (const message of messages) {
              const value = message.value;
              if (value !== null) bytes += value.length;
            }
            progress.processed(batch.partition, Number(batch.lastOffset()), messages.length, bytes);
          },
        });
      }
    }),
  );
  await progress.done;
  await Promise.all(consumers.map((c) => c.disconnect()));
  return progress;
}
