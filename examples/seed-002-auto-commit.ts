/**
 * Seed 002, "Offset 提交策略 / 1. 自动提交": the seed's sarama configuration
 * (`AutoCommit.Enable = true`, `AutoCommit.Interval = 1 * time.Second`) as a
 * tskafka consumer: `autoCommit: true` with `autoCommitInterval: 1000` (and
 * KafkaJS's `autoCommitThreshold`, commit after this many records as well).
 * The broker address comes from KAFKA_BROKERS (default localhost:9092).
 *
 * Sends 300 records to `auto-commit` (1 partition), consumes them in group
 * `auto-commit-group`; every commit is printed; disconnect commits the rest:
 * offset 300 at the end.
 */
import { Kafka, logLevel } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'auto-commit-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092'],
  logLevel: logLevel.ERROR
});

const topic = 'auto-commit';
const total = 300;

async function main() {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: total }, (_, i) => ({ value: `Message ${i}` })) });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'auto-commit-group' });
  consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
    for (const t of payload.topics) {
      for (const p of t.partitions) console.log(`自动提交: ${t.topic}-${p.partition} offset ${p.offset}`);
    }
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });

  let processed = 0;
  const done = new Promise<void>((resolve) => {
    consumer.run({
      // 自动提交：每 1 秒（或每 100 条）提交一次已处理的 offset
      autoCommit: true,
      autoCommitInterval: 1000,
      autoCommitThreshold: 100,
      eachMessage: async () => {
        // 处理消息...
        if (++processed === total) resolve();
      }
    }).catch((error) => console.error('❌ run 失败:', error));
  });
  await done;
  console.log(`已处理 ${processed} 条消息`);

  // 优点：使用简单，无需手动管理
  // 缺点：
  // - 可能导致消息丢失（先提交后处理：tskafka 和 KafkaJS 只提交已处理完的 offset，不会这样）
  // - 可能导致重复消费（处理完但还没到下一次提交就崩溃：最多重复一个提交间隔的消息）
  await consumer.disconnect(); // 断开前提交剩余的 offset
}

main().catch((error) => {
  console.error('❌ 错误:', error);
  process.exitCode = 1;
});
