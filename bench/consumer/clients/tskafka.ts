/**
 * tskafka's consumer in the consumer benchmark (see ../workload.ts), from the repo's src/
 * through its public entry point, as a user imports it; driven by the same loop as
 * KafkaJS (kafkajs-shaped.ts), with tskafka's defaults.
 */
import { Kafka, logLevel } from '../../../src/index.js';
import { runClient } from '../workload.js';
import { type KafkaJSShapedConsumer, consumeKafkaJSShaped } from './kafkajs-shaped.js';

runClient(async (args) => {
  const kafka = new Kafka({ clientId: 'bench-tskafka', brokers: args.brokers, logLevel: logLevel.ERROR });
  const progress = await consumeKafkaJSShaped(args, () => kafka.consumer({ groupId: args.groupId }) as unknown as KafkaJSShapedConsumer);
  return progress.result('tskafka', 'tskafka (this repo)', args.spec);
});
