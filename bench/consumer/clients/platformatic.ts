/**
 * @platformatic/kafka's consumer in the consumer benchmark (see ../workload.ts). Needs
 * Node >= 22: run.ts starts it on the Node 24 binary bench/producer/setup.sh installs.
 *
 * Its consumer is a Node Readable per `consume()` (objectMode, one record per chunk),
 * mode 'earliest', its defaults otherwise (autocommit on, off with BENCH_AUTOCOMMIT=0). It has no batch callback: per
 * message is the 'data' event; "per batch" is the Readable's own batch form, a
 * 'readable' event draining every buffered record with `read()`. Keys and values stay
 * Buffers (its default no-op deserializers). The handler reads each record's value as a
 * real handler would: it adds `message.value.length` to a byte count.
 */
import { join } from 'node:path';
import { PLATFORMATIC_DIR, importPlatformatic } from '../../shared/competitors.js';
import { AUTO_COMMIT, Progress, libraryVersion, runClient, sleep1ms } from '../workload.js';

interface PlatformaticMessage {
  partition: number;
  offset: bigint;
  value: Buffer | null;
}
interface MessagesStream {
  on(event: 'data', listener: (message: PlatformaticMessage) => void): this;
  on(event: 'readable' | 'end', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  read(): PlatformaticMessage | null;
  pause(): this;
  resume(): this;
  close(): Promise<void>;
}
interface PlatformaticConsumer {
  consume(options: { topics: string[]; mode: 'earliest'; autocommit?: boolean }): Promise<MessagesStream>;
  close(force?: boolean): Promise<void>;
}
interface PlatformaticModule {
  Consumer: new (options: { clientId: string; bootstrapBrokers: string[]; groupId: string }) => PlatformaticConsumer;
}

/** What the handler reads of a record: its value's length, 0 for a tombstone. */
const valueLength = (message: PlatformaticMessage): number => (message.value === null ? 0 : message.value.length);

runClient(async (args) => {
  const { spec, topic } = args;
  const kafka = await importPlatformatic<PlatformaticModule>();
  const progress = new Progress(args.ends, args.maxSeconds);
  const consumers = Array.from({ length: spec.consumers }, (_, i) => new kafka.Consumer({ clientId: `bench-platformatic-${i}`, bootstrapBrokers: args.brokers, groupId: args.groupId }));
  const streams = await Promise.all(consumers.map((c) => c.consume({ topics: [topic], mode: 'earliest', ...(AUTO_COMMIT ? {} : { autocommit: false }) })));
  let sinceSleep = 0;
  for (const stream of streams) {
    stream.on('error', (err) => console.error(`platformatic: ${err.message}`));
    if (spec.api === 'message') {
      stream.on('data', (message) => {
        progress.processed(message.partition, Number(message.offset), 1, valueLength(message));
        if (spec.slowEvery > 0 && ++sinceSleep >= spec.slowEvery) {
          sinceSleep = 0;
          stream.pause();
          void sleep1ms().then(() => stream.resume());
        }
      });
    } else {
      stream.on('readable', () => {
        for (let message = stream.read(); message !== null; message = stream.read()) {
          progress.processed(message.partition, Number(message.offset), 1, valueLength(message));
        }
      });
    }
  }
  await progress.done;
  await Promise.all(streams.map((s) => s.close()));
  await Promise.all(consumers.map((c) => c.close(true)));
  return progress.result('platformatic', await libraryVersion(join(PLATFORMATIC_DIR, 'package.json')), spec);
});
