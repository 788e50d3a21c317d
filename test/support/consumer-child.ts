/**
 * A tskafka consumer group member in a child process, for tests that kill -9
 * a consumer mid-batch. Run as
 *
 *   node --import tsx test/support/consumer-child.ts '<json ConsumerChildOptions>'
 *
 * It consumes with eachBatch, and for each record: appends `R <partition> <offset>`
 * to `out` and fsyncs it, sleeps `delayPerRecordMs` (so a kill lands inside a
 * batch), resolves the offset and (unless `commitInHandler` is false) calls
 * commitOffsetsIfNecessary, which commits when the auto-commit interval says so. Around each batch it writes `S <partition> <first> <last>` and
 * `E <partition>`; after each commit the consumer reports, `C <partition>
 * <offset>`; its rebalance callbacks write `A`, `V` (revoked) and `L` (lost)
 * with the partitions. So the file says what was processed before any commit covering
 * it was sent, and a test reading it after a SIGKILL knows the uncommitted
 * window. It prints `joined` on stdout once it has an assignment.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';

/** What the child is told, as JSON in argv[2]. */
export interface ConsumerChildOptions {
  readonly bootstrap: string;
  readonly groupId: string;
  readonly topic: string;
  /** File the child appends its log to. */
  readonly out: string;
  readonly sessionTimeout: number;
  readonly rebalanceTimeout: number;
  readonly heartbeatInterval: number;
  readonly autoCommitInterval: number;
  readonly delayPerRecordMs: number;
  /** Small fetches make the child move between partitions often. */
  readonly maxBytesPerPartition: number;
  /** Call commitOffsetsIfNecessary after each record (KafkaJS's eachBatch pattern); else commits are left to the runner. Default true. */
  readonly commitInHandler?: boolean;
}

async function main(options: ConsumerChildOptions): Promise<void> {
  const fd = openSync(options.out, 'a');
  const log = (line: string): void => {
    writeSync(fd, `${line}\n`);
    fsyncSync(fd);
  };
  // CONSUMER_CHILD_DEBUG=1 prints the client's debug log on stderr, for investigating a failure.
  const level = process.env['CONSUMER_CHILD_DEBUG'] ? logLevel.DEBUG : logLevel.NOTHING;
  const kafka = new Kafka({ clientId: 'consumer-child', brokers: [options.bootstrap], logLevel: level });
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeout,
    rebalanceTimeout: options.rebalanceTimeout,
    heartbeatInterval: options.heartbeatInterval,
    maxBytesPerPartition: options.maxBytesPerPartition,
    maxWaitTimeInMs: 100,
    onPartitionsAssigned: (partitions) => log(`A ${partitions.map((p) => p.partition).join(',')}`),
    onPartitionsRevoked: (partitions) => log(`V ${partitions.map((p) => p.partition).join(',')}`),
    onPartitionsLost: (partitions) => log(`L ${partitions.map((p) => p.partition).join(',')}`),
  });
  consumer.on(consumer.events.COMMIT_OFFSETS, (event) => {
    for (const t of event.payload.topics) for (const p of t.partitions) log(`C ${p.partition} ${p.offset}`);
  });
  consumer.on(consumer.events.GROUP_JOIN, () => void process.stdout.write('joined\n'));
  consumer.on(consumer.events.CRASH, (event) => log(`X restart=${String(event.payload.restart)} ${String(event.payload.error).replace(/\n/g, ' ')}`));
  await consumer.connect();
  await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    autoCommitInterval: options.autoCommitInterval,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale }) => {
      if (batch.messages.length === 0) return;
      log(`S ${batch.partition} ${batch.messages[0]!.offset} ${batch.messages.at(-1)!.offset}`);
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        log(`R ${batch.partition} ${message.offset}`);
        if (options.delayPerRecordMs > 0) await sleep(options.delayPerRecordMs);
        resolveOffset(message.offset);
        if (options.commitInHandler !== false) await commitOffsetsIfNecessary();
      }
      log(`E ${batch.partition}`);
    },
  });
  const stop = async (): Promise<void> => {
    await consumer.disconnect();
    closeSync(fd);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
}

main(JSON.parse(process.argv[2] ?? '{}') as ConsumerChildOptions).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
