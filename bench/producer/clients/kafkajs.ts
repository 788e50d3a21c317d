/**
 * KafkaJS in the producer benchmark (see ../workload.ts for the arguments and output).
 *
 * KafkaJS is loaded from bench/producer/.competitors/ (setup.sh), else from the repo's
 * own devDependency. It has no linger and no accumulator: every `send` is its own
 * Produce request, so `lingerMs` has nothing to map to. zstd (case d2) needs a codec
 * KafkaJS lacks: @kafkajs/zstd, used only if it is installed in .competitors/.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { COMPETITORS_DIR, type ClientArgs, KEYS, SkipCase, VALUES, libraryVersion, measure, runClient } from '../workload.js';

interface KafkaJSMessage {
  key: string;
  value: Buffer;
}
interface KafkaJSProducer {
  connect(): Promise<void>;
  send(record: { topic: string; acks: number; compression?: number; messages: KafkaJSMessage[] }): Promise<unknown>;
  disconnect(): Promise<void>;
}
interface KafkaJSModule {
  Kafka: new (config: { clientId: string; brokers: string[]; logLevel: number }) => {
    producer(config: { idempotent: boolean; maxInFlightRequests?: number; createPartitioner: unknown }): KafkaJSProducer;
  };
  Partitioners: { DefaultPartitioner: unknown };
  CompressionTypes: { None: number; ZSTD: number };
  CompressionCodecs: Record<number, unknown>;
  logLevel: { ERROR: number };
}

/** `require` from .competitors/ first, then from the repo. */
function load(name: string): { module: unknown; packageJson: string } {
  for (const from of [join(COMPETITORS_DIR, 'package.json'), import.meta.url]) {
    const require = createRequire(from);
    try {
      return { module: require(name), packageJson: require.resolve(`${name}/package.json`) };
    } catch {
      // not installed there; try the next place
    }
  }
  throw new Error(`${name} is not installed: run bash bench/producer/setup.sh`);
}

/** @kafkajs/zstd from .competitors/ only, or undefined. */
function loadZstdCodec(): (() => unknown) | undefined {
  try {
    return createRequire(join(COMPETITORS_DIR, 'package.json'))('@kafkajs/zstd') as () => unknown;
  } catch {
    return undefined;
  }
}

runClient(async (args: ClientArgs, rss) => {
  const { spec } = args;
  const { module, packageJson } = load('kafkajs');
  const kafkajs = module as KafkaJSModule;
  let compression = kafkajs.CompressionTypes.None;
  if (spec.compression === 'zstd') {
    const zstd = loadZstdCodec();
    if (!zstd) throw new SkipCase('KafkaJS has no zstd codec of its own and @kafkajs/zstd is not installed in bench/producer/.competitors');
    kafkajs.CompressionCodecs[kafkajs.CompressionTypes.ZSTD] = zstd;
    compression = kafkajs.CompressionTypes.ZSTD;
  }
  const kafka = new kafkajs.Kafka({ clientId: 'bench-kafkajs', brokers: args.brokers, logLevel: kafkajs.logLevel.ERROR });
  // DefaultPartitioner is the Java-compatible murmur2 one, as the other clients use.
  const producer = kafka.producer({ idempotent: spec.idempotent, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await producer.connect();
  const { topic } = args;
  const acks = spec.acks;
  const result = await measure('kafkajs', await libraryVersion(packageJson), args, rss, (first, count) => {
    const messages = new Array<KafkaJSMessage>(count);
    for (let i = 0; i < count; i++) {
      const k = (first + i) % KEYS.length;
      messages[i] = { key: KEYS[k]!, value: VALUES[k]! };
    }
    return producer.send({ topic, acks, compression, messages });
  });
  await producer.disconnect();
  return result;
});
