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
import { pathToFileURL } from 'node:url';
import { COMPETITORS_DIR, type ClientArgs, KEY_BUFFERS, VALUES, libraryVersion, measure, runClient } from '../workload.js';

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

const PACKAGE_DIR = join(COMPETITORS_DIR, 'platformatic', 'node_modules', '@platformatic', 'kafka');

runClient(async (args: ClientArgs, rss) => {
  const { spec, topic } = args;
  let kafka: PlatformaticModule;
  try {
    // Its package.json exports only ./dist/index.js, as ESM.
    kafka = (await import(pathToFileURL(join(PACKAGE_DIR, 'dist', 'index.js')).href)) as PlatformaticModule;
  } catch (e) {
    throw new Error(`@platformatic/kafka is not installed: run bash bench/producer/setup.sh (${e instanceof Error ? e.message : String(e)})`);
  }
  const producer = new kafka.Producer({
    clientId: 'bench-platformatic',
    bootstrapBrokers: args.brokers,
    acks: spec.acks,
    idempotent: spec.idempotent,
    ...(spec.compression === 'zstd' ? { compression: 'zstd' } : {}),
    autocreateTopics: false,
  });
  const result = await measure('platformatic', await libraryVersion(join(PACKAGE_DIR, 'package.json')), args, rss, (first, count) => {
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
