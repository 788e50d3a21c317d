/**
 * Seed 002, "Offset 类型": the four offsets of a partition, as a tskafka consumer
 * sees them. The seed names them (Current Offset, Committed Offset, Log End
 * Offset, High Water Mark) without code; this example produces 10 messages,
 * consumes all of them while committing only up to offset 6, and prints each
 * offset from `consumer.metrics()`. The broker address comes from KAFKA_BROKERS
 * (default localhost:9092).
 *
 * Sends 10 records to `offset-types` (1 partition); group `offset-types-group`
 * commits offset 6 (the next offset to read: messages 0-5 are confirmed).
 */
import { Kafka, logLevel } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'offset-types-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092'],
  logLevel: logLevel.ERROR
});

const topic = 'offset-types';

async function main() {
  // 先写入 10 条消息
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: 10 }, (_, i) => ({ key: `key-${i}`, value: `Message ${i}` }))
  });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'offset-types-group' });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });

  let processed = 0;
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      processed++;
      // 只确认 offset 0-5：提交的是"下一条要读的 offset"，即 6
      if (message.offset === '5') {
        await consumer.commitOffsets([{ topic, partition, offset: '6' }]);
      }
    }
  });

  // 等到 10 条都处理完，当前偏移量走到 10
  const deadline = Date.now() + 30_000;
  let p = consumer.metrics().partitions.find((m) => m.topic === topic);
  while (Date.now() < deadline && !(processed === 10 && p?.position === 10 && p.committed === 6)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    p = consumer.metrics().partitions.find((m) => m.topic === topic);
  }
  if (!p) throw new Error('没有分配到分区');

  console.log(`分区 ${topic}-${p.partition}，已处理 ${processed} 条消息`);
  // 1. Current Offset：消费者当前读取到的位置（下一条交给应用的 offset）
  console.log(`Current Offset (当前偏移量): ${p.position}`);
  // 2. Committed Offset：消费者已确认处理完成的位置，存储在 __consumer_offsets
  console.log(`Committed Offset (已提交偏移量): ${p.committed}`);
  // 4. High Water Mark：ISR 中所有副本都已同步到的位置；消费者只能读取到 HWM 之前的消息
  console.log(`High Water Mark (HWM): ${p.highWatermark}`);
  // 3. Log End Offset：下一条消息将写入的位置（当前最大 offset + 1）。
  //    消费者看不到 LEO；单副本时 ISR 只有 leader，LEO = HWM
  console.log(`Log End Offset (LEO): ${p.highWatermark} (单副本: LEO = HWM)`);
  console.log(`Log Start Offset: ${p.logStartOffset}`);
  console.log(`Lag (未处理): ${p.lag}`);

  await consumer.disconnect();
}

main().catch((error) => {
  console.error('❌ 错误:', error);
  process.exitCode = 1;
});
