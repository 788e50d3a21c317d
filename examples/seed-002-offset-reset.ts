/**
 * Seed 002, "Offset 重置": where a consumer starts. sarama's
 * `Offsets.Initial = OffsetOldest` is `fromBeginning: true`,
 * `OffsetNewest` is `fromBeginning: false` (a new group starts at the end, as
 * KafkaJS), and `consumer.Seek(partition, offset)` is `consumer.seek()`. Each
 * uses its own group, so none has a committed offset that would win over the
 * reset policy. The broker address comes from KAFKA_BROKERS (default
 * localhost:9092).
 *
 * Sends 10 records to `offset-reset` (1 partition), then "Message 10" once the
 * "latest" consumer is positioned. Reads: earliest from offset 0, latest only
 * offset 10, seek from offset 5, and seek by time (the seed's "根据时间戳查找
 * Offset", which sarama does with the admin API): from the first record at or
 * after the moment before "Message 10" was sent, offset 10.
 */
import { Kafka, logLevel, type Consumer } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'offset-reset-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092'],
  logLevel: logLevel.ERROR
});

const topic = 'offset-reset';
const producer = kafka.producer();

/** Run `consumer` until `count` messages arrived; returns their offsets. */
async function consumeOffsets(consumer: Consumer, count: number, afterStart?: () => Promise<void>): Promise<string[]> {
  const offsets: string[] = [];
  const done = new Promise<void>((resolve) => {
    consumer.run({
      eachMessage: async ({ message }) => {
        offsets.push(message.offset);
        if (offsets.length === count) resolve();
      }
    }).catch((error) => console.error('❌ run 失败:', error));
  });
  await afterStart?.();
  await done;
  return offsets;
}

/** Wait until every assigned partition has a known position (the reset is done). */
async function positioned(consumer: Consumer) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const partitions = consumer.metrics().partitions;
    if (partitions.length > 0 && partitions.every((p) => p.position !== null)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('消费者没有在 30 秒内定位');
}

async function main() {
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `Message ${i}` })) });

  // 从最早位置开始消费 (sarama.OffsetOldest)
  const earliest = kafka.consumer({ groupId: 'offset-reset-earliest' });
  await earliest.connect();
  await earliest.subscribe({ topics: [topic], fromBeginning: true });
  const fromOldest = await consumeOffsets(earliest, 10);
  console.log(`earliest: 第一条 offset ${fromOldest[0]}，共 ${fromOldest.length} 条`);
  await earliest.disconnect();

  // 从最新位置开始消费 (sarama.OffsetNewest)：只收到启动之后写入的消息
  const latest = kafka.consumer({ groupId: 'offset-reset-latest' });
  await latest.connect();
  await latest.subscribe({ topics: [topic], fromBeginning: false });
  let beforeMessage10 = 0;
  const fromNewest = await consumeOffsets(latest, 1, async () => {
    await positioned(latest);
    await new Promise((resolve) => setTimeout(resolve, 5)); // Message 10's timestamp is later than those before it
    beforeMessage10 = Date.now();
    await producer.send({ topic, messages: [{ value: 'Message 10' }] });
  });
  console.log(`latest: 收到 offset ${fromNewest.join(', ')}`);
  await latest.disconnect();

  // 手动设置 Offset (consumer.Seek(partition, offset))
  const seeking = kafka.consumer({ groupId: 'offset-reset-seek' });
  await seeking.connect();
  await seeking.subscribe({ topics: [topic], fromBeginning: true });
  const fromSeek = await consumeOffsets(seeking, 6, async () => {
    // run() 之后调用；分区还没分配时，分配后生效
    seeking.seek({ topic, partition: 0, offset: '5' });
  });
  console.log(`seek: 第一条 offset ${fromSeek[0]}，共 ${fromSeek.length} 条`);
  await seeking.disconnect();

  // 根据时间戳查找 Offset：seek 到某一时刻之后的第一条消息 (ListOffsets)
  const byTime = kafka.consumer({ groupId: 'offset-reset-time' });
  await byTime.connect();
  await byTime.subscribe({ topics: [topic], fromBeginning: true });
  const fromTime = await consumeOffsets(byTime, 1, async () => {
    byTime.seek({ topic, partition: 0, timestamp: beforeMessage10 });
  });
  console.log(`by time: 第一条 offset ${fromTime[0]}`);
  await byTime.disconnect();

  await producer.disconnect();
}

main().catch((error) => {
  console.error('❌ 错误:', error);
  process.exitCode = 1;
});
