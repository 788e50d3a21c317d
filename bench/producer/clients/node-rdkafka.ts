/**
 * node-rdkafka (librdkafka, Debian's build) in the producer benchmark (see ../workload.ts).
 *
 * Loaded from bench/producer/.competitors/ only (setup.sh builds it with
 * BUILD_LIBRDKAFKA=0 against librdkafka-dev). A HighLevelProducer with delivery
 * reports: an awaited send is `produce` of each record, resolved when every delivery
 * callback has fired. librdkafka batches by itself: `linger.ms` per case (0 in every
 * case, as tskafka's lingerMs: see workload.ts). The partitioner is murmur2_random, the Java client's
 * hash, so keys land on the same partitions as with the other clients (librdkafka's
 * default is CRC32).
 */
import { loadNodeRdkafka } from '../../shared/competitors.js';
import { type ClientArgs, KEY_BUFFERS, VALUES, libraryVersion, measure, runClient } from '../workload.js';

type DeliveryCallback = (err: Error | null, offset?: number | null) => void;
interface HighLevelProducer {
  connect(options: Record<string, never>, callback: (err: Error | null) => void): void;
  produce(topic: string, partition: number | null, value: Buffer, key: Buffer, timestamp: number | null, callback: DeliveryCallback): void;
  flush(timeoutMs: number, callback: (err: Error | null) => void): void;
  disconnect(callback: (err: Error | null) => void): void;
  on(event: 'event.error', listener: (err: Error) => void): void;
}
interface NodeRdkafka {
  HighLevelProducer: new (config: Record<string, string | number | boolean>, topicConfig: Record<string, string | number>) => HighLevelProducer;
  librdkafkaVersion: string;
}

runClient(async (args: ClientArgs, rss) => {
  const { spec, topic } = args;
  const { module: kafka, packageJson } = loadNodeRdkafka<NodeRdkafka>();
  const config: Record<string, string | number | boolean> = {
    'client.id': 'bench-node-rdkafka',
    'metadata.broker.list': args.brokers.join(','),
    'enable.idempotence': spec.idempotent,
    'compression.codec': spec.compression,
    dr_cb: true,
  };
  if (spec.lingerMs !== undefined) config['linger.ms'] = spec.lingerMs;
  const producer = new kafka.HighLevelProducer(config, { acks: spec.acks, partitioner: 'murmur2_random' });
  producer.on('event.error', (err) => console.error(`node-rdkafka: ${err.message}`));
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));

  // One promise per send, settled by the last of its records' delivery reports.
  const send = (first: number, count: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let outstanding = count;
      const delivered: DeliveryCallback = (err) => {
        if (err) reject(err);
        else if (--outstanding === 0) resolve();
      };
      for (let i = 0; i < count; i++) {
        const k = (first + i) % KEY_BUFFERS.length;
        producer.produce(topic, null, VALUES[k]!, KEY_BUFFERS[k]!, null, delivered);
      }
    });

  const library = `${await libraryVersion(packageJson)} (librdkafka ${kafka.librdkafkaVersion})`;
  const result = await measure('node-rdkafka', library, args, rss, send);
  await new Promise<void>((resolve, reject) => producer.flush(10_000, (err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  return result;
});
