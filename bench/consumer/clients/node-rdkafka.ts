/**
 * node-rdkafka (librdkafka, Debian's build) in the consumer benchmark (see ../workload.ts).
 * Loaded from bench/producer/.competitors/ only (bench/producer/setup.sh builds it).
 *
 * Per message: the flowing mode (`consume()` then a 'data' event per record). Per batch:
 * the non-flowing mode, `consume(1000, callback)` in a loop, as its README shows. The
 * memory case (a slow handler) pulls with `consume(100, callback)`, its only back-pressure. A
 * KafkaConsumer per group member, `auto.offset.reset` earliest, librdkafka's other
 * defaults (auto-commit every 5 s, prefetch up to queued.max.messages.kbytes). The handler
 * reads each record's value as a real handler would: it adds `message.value.length` to a
 * byte count, per message or iterating the batch.
 */
import { loadNodeRdkafka } from '../../shared/competitors.js';
import { AUTO_COMMIT, Progress, libraryVersion, runClient, sleep1ms } from '../workload.js';

interface RdMessage {
  partition: number;
  offset: number;
  value: Buffer | null;
}

/** What the handler reads of a record: its value's length, 0 for a tombstone. */
const valueLength = (message: RdMessage): number => (message.value === null ? 0 : message.value.length);
interface KafkaConsumer {
  connect(options: Record<string, never>, callback: (err: Error | null) => void): void;
  subscribe(topics: string[]): void;
  consume(): void;
  consume(count: number, callback: (err: Error | null, messages: RdMessage[]) => void): void;
  on(event: 'data', listener: (message: RdMessage) => void): void;
  on(event: 'event.error', listener: (err: Error) => void): void;
  disconnect(callback: (err: Error | null) => void): void;
}
interface NodeRdkafka {
  KafkaConsumer: new (config: Record<string, string | number | boolean>, topicConfig: Record<string, string | number>) => KafkaConsumer;
  librdkafkaVersion: string;
}

runClient(async (args) => {
  const { spec, topic } = args;
  const { module: kafka, packageJson } = loadNodeRdkafka<NodeRdkafka>();
  const progress = new Progress(args.ends, args.maxSeconds);
  const consumers: KafkaConsumer[] = [];
  for (let i = 0; i < spec.consumers; i++) {
    const consumer = new kafka.KafkaConsumer(
      { 'client.id': `bench-node-rdkafka-${i}`, 'group.id': args.groupId, 'metadata.broker.list': args.brokers.join(','), 'enable.auto.commit': AUTO_COMMIT },
      { 'auto.offset.reset': 'earliest' },
    );
    consumer.on('event.error', (err) => console.error(`node-rdkafka: ${err.message}`));
    consumers.push(consumer);
  }
  await Promise.all(consumers.map((c) => new Promise<void>((resolve, reject) => c.connect({}, (err) => (err ? reject(err) : resolve())))));
  let sinceSleep = 0;
  for (const consumer of consumers) {
    consumer.subscribe([topic]);
    if (spec.api === 'message' && spec.slowEvery > 0) {
      // The memory case: a handler slower than the fetcher. 'data' events cannot wait for
      // a promise (pausing and resuming the assignment from them crashed librdkafka), so
      // the slow handler pulls: consume(100) in a loop, awaiting the timer as it goes.
      const pull = (): void => {
        if (progress.finished) return;
        consumer.consume(100, async (err, messages) => {
          if (err) console.error(`node-rdkafka: ${err.message}`);
          for (const message of messages) {
            progress.processed(message.partition, message.offset, 1, valueLength(message));
            if (++sinceSleep >= spec.slowEvery) {
              sinceSleep = 0;
              await sleep1ms();
            }
          }
          setImmediate(pull);
        });
      };
      pull();
    } else if (spec.api === 'message') {
      consumer.on('data', (message) => progress.processed(message.partition, message.offset, 1, valueLength(message)));
      consumer.consume();
    } else {
      const loop = (): void => {
        if (progress.finished) return;
        consumer.consume(1000, (err, messages) => {
          if (err) console.error(`node-rdkafka: ${err.message}`);
          // One callback can carry several partitions: count each run of one partition.
          let from = 0;
          let bytes = 0;
          for (let i = 1; i <= messages.length; i++) {
            bytes += valueLength(messages[i - 1]!);
            if (i === messages.length || messages[i]!.partition !== messages[from]!.partition) {
              progress.processed(messages[from]!.partition, messages[i - 1]!.offset, i - from, bytes);
              from = i;
              bytes = 0;
            }
          }
          setImmediate(loop);
        });
      };
      loop();
    }
  }
  await progress.done;
  await Promise.all(consumers.map((c) => new Promise<void>((resolve) => c.disconnect(() => resolve()))));
  const library = `${await libraryVersion(packageJson)} (librdkafka ${kafka.librdkafkaVersion})`;
  return progress.result('node-rdkafka', library, spec);
});
