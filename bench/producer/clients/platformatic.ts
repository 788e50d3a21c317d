/**
 * @platformatic/kafka in the producer benchmark (see ../workload.ts). Needs Node >= 22:
 * run.ts starts it on the Node 24 binary setup.sh installs.
 *
 * Loaded from bench/producer/.competitors/platformatic/ only. Its `Producer.send` is one
 * Produce request per call (no linger, no accumulator), so `lingerMs` has nothing to
 * map to; acks, idempotence and zstd (Node's zlib zstd) are its own producer options.
 * Keys and values are Buffers, which its default (no-op) serializers pass through.
 */
import { join } from 'node:path';
import { PLATFORMATIC_DIR, importPlatformatic } from '../../shared/competitors.js';
import { type ClientArgs, KEY_BUFFERS, VALUES, libraryVersion, measure, runClient } from '../workload.js';

interface PlatformaticMessage {
  topic: string;
  key: Buffer;
  value: Buffer;
}
interface PlatformaticProducer {
  send(options: { messages: PlatformaticMessage[] }): Promise<unknown>;
  close(): Promise<void>;
}
interface PlatformaticModule {
  Producer: new (options: {
    clientId: string;
    bootstrapBrokers: string[];
    acks: number;
    idempotent: boolean;
    compression?: string;
    autocreateTopics: boolean;
  }) => PlatformaticProducer;
}

runClient(async (args: ClientArgs, rss) => {
  const { spec, topic } = args;
  const kafka = await importPlatformatic<PlatformaticModule>();
  const producer = new kafka.Producer({
    clientId: 'bench-platformatic',
    bootstrapBrokers: args.brokers,
    acks: spec.acks,
    idempotent: spec.idempotent,
    ...(spec.compression === 'zstd' ? { compression: 'zstd' } : {}),
    autocreateTopics: false,
  });
  const result = await measure('platformatic', await libraryVersion(join(PLATFORMATIC_DIR, 'package.json')), args, rss, (first, count) => {
    const messages = new Array<PlatformaticMessage>(count);
    for (let i = 0; i < count; i++) {
      const k = (first + i) % KEY_BUFFERS.length;
      messages[i] = { topic, key: KEY_BUFFERS[k]!, value: VALUES[k]! };
    }
    return producer.send({ messages });
  });
  await producer.close();
  return result;
});
