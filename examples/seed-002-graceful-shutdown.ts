/**
 * Seed 002, "优雅关闭": on SIGINT or SIGTERM, close the consumer
 * (`signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)` then
 * `consumer.Close()`). In tskafka `consumer.disconnect()` stops fetching, lets
 * the message in progress finish, commits what was processed, leaves the group
 * (the partitions move to the other members at once, no session timeout to
 * wait for) and closes the connections; then nothing keeps Node running and
 * the process exits by itself, with code 0.
 *
 * Sends 100 records to `graceful-shutdown` (1 partition), consumes them in group
 * `graceful-shutdown-group`, then waits for a signal; after it, offset 100 is
 * committed. The broker address comes from KAFKA_BROKERS (default localhost:9092).
 */
import { Kafka, logLevel } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'graceful-shutdown-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092'],
  logLevel: logLevel.ERROR
});

const topic = 'graceful-shutdown';
const total = 100;
const consumer = kafka.consumer({ groupId: 'graceful-shutdown-group' });

// 监听信号
let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    if (closing) return;
    closing = true;
    console.log(`收到 ${signal}，正在关闭消费者...`);
    try {
      // 优雅关闭消费者：处理完当前消息、提交 offset、离开消费组
      await consumer.disconnect();
      console.log('✅ 消费者已优雅关闭');
    } catch (error) {
      console.error('❌ 关闭消费者时出错:', error);
      process.exitCode = 1;
    }
  });
}

async function main() {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: total }, (_, i) => ({ value: `Message ${i}` })) });
  await producer.disconnect();

  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let processed = 0;
  await consumer.run({
    eachMessage: async () => {
      // 模拟处理耗时
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (++processed === total) console.log(`已处理 ${processed} 条消息，按 Ctrl+C 或发送 SIGTERM 退出`);
    }
  });
  console.log('消费者已启动');
}

main().catch((error) => {
  console.error('❌ 错误:', error);
  process.exitCode = 1;
});
