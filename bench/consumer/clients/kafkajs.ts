/**
 * KafkaJS's consumer in the consumer benchmark (see ../workload.ts), with its defaults
 * (maxBytesPerPartition 1 MB, maxBytes 10 MB, auto-commit every 5 s); driven by the same
 * loop as tskafka (kafkajs-shaped.ts). Loaded from bench/producer/.competitors/ when
 * setup.sh installed it there, else from the repo's devDependency.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { COMPETITORS_DIR } from '../../shared/competitors.js';
import { libraryVersion, runClient } from '../workload.js';
import { type KafkaJSShapedConsumer, consumeKafkaJSShaped } from './kafkajs-shaped.js';

interface KafkaJSModule {
  Kafka: new (config: { clientId: string; brokers: string[]; logLevel: number }) => { consumer(config: { groupId: string }): KafkaJSShapedConsumer };
  logLevel: { ERROR: number };
}

runClient(async (args) => {
  let require = createRequire(join(COMPETITORS_DIR, 'package.json'));
  try {
    require.resolve('kafkajs');
  } catch {
    require = createRequire(import.meta.url);
  }
  const kafkajs = require('kafkajs') as KafkaJSModule;
  const kafka = new kafkajs.Kafka({ clientId: 'bench-kafkajs', brokers: args.brokers, logLevel: kafkajs.logLevel.ERROR });
  const progress = await consumeKafkaJSShaped(args, () => kafka.consumer({ groupId: args.groupId }));
  return progress.result('kafkajs', await libraryVersion(require.resolve('kafkajs/package.json')), args.spec);
});
