/**
 * tskafka's producer in the producer benchmark (see ../workload.ts), from the repo's src/
 * through its public entry point, as a user imports it.
 *
 * Options per case (workload.ts): lingerMs 0 in every case; (d1) idempotent with acks -1;
 * (d2) as d1 with zstd. Idempotence is off explicitly in (a)-(c): with acks 1 it would
 * be turned off anyway.
 */
import { Kafka, type Message, logLevel } from '../../../src/index.js';
import { type ClientArgs, KEYS, VALUES, measure, runClient } from '../workload.js';

runClient(async (args: ClientArgs, rss) => {
  const { spec, topic } = args;
  const kafka = new Kafka({ clientId: 'bench-tskafka', brokers: args.brokers, logLevel: logLevel.ERROR });
  const producer = kafka.producer({
    acks: spec.acks,
    idempotent: spec.idempotent,
    compression: spec.compression,
    ...(spec.lingerMs === undefined ? {} : { lingerMs: spec.lingerMs }),
  });
  await producer.connect();
  const acks = spec.acks;
  const result = await measure('tskafka', 'tskafka (this repo)', args, rss, (first, count) => {
    const messages = new Array<Message>(count);
    for (let i = 0; i < count; i++) {
      const k = (first + i) % KEYS.length;
      messages[i] = { key: KEYS[k]!, value: VALUES[k]! };
    }
    return producer.send({ topic, acks, messages });
  });
  await producer.disconnect();
  return result;
});
