/**
 * Seed 002, "性能调优建议 / Consumer 调优": sarama's fetch settings in
 * tskafka's (KafkaJS's) names: `Fetch.Min = 1024` is `minBytes: 1024`,
 * `Fetch.Default = 1048576` (per partition) is `maxBytesPerPartition: 1048576`,
 * `Fetch.Max = 52428800` is `maxBytes: 52428800`, `MaxWaitTime = 500ms` is
 * `maxWaitTimeInMs: 500`; and "在消费逻辑中使用 goroutine 池" is
 * `partitionsConsumedConcurrently: 3` (partitions processed in parallel, each
 * still in order). `consumer.metrics()` shows what the settings did.
 *
 * Sends 3,000 records to `fetch-tuning` (3 partitions; keys user-0 ... user-99)
 * and consumes them in group `fetch-tuning-group`: offsets summing to 3,000
 * committed. The broker address comes from KAFKA_BROKERS (default localhost:9092).
 */
import { Kafka, logLevel } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'fetch-tuning-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092'],
  logLevel: logLevel.ERROR
});

const topic = 'fetch-tuning';
const total = 3000;

async function main() {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: total }, (_, i) => ({ key: `user-${i % 100}`, value: JSON.stringify({ seq: i }) }))
  });
  await producer.disconnect();

  const consumer = kafka.consumer({
    groupId: 'fetch-tuning-group',
    // 1. 批量拉取
    minBytes: 1024, // 1 KB：broker 至少攒够这么多才返回
    maxBytesPerPartition: 1048576, // 1 MB
    maxBytes: 52428800, // 50 MB
    // 2. 等待时间：不够 minBytes 时最多等 500 ms
    maxWaitTimeInMs: 500
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });

  let consumed = 0;
  const perPartition = new Map<number, number>();
  const done = new Promise<void>((resolve) => {
    consumer.run({
      // 3. 并发处理：最多 3 个分区同时处理，每个分区内仍然有序
      partitionsConsumedConcurrently: 3,
      eachMessage: async ({ partition }) => {
        perPartition.set(partition, (perPartition.get(partition) ?? 0) + 1);
        if (++consumed === total) resolve();
      }
    }).catch((error) => console.error('❌ run 失败:', error));
  });
  await done;

  const m = consumer.metrics();
  console.log(`已消费 ${consumed} 条消息`);
  for (const [partition, count] of [...perPartition].sort((x, y) => x[0] - y[0])) console.log(`  分区 ${partition}: ${count} 条`);
  console.log(`Fetch 请求 ${m.fetches} 次，平均每次 ${(consumed / Math.max(1, m.fetches)).toFixed(0)} 条；fetch 延迟 p50 ${m.fetchLatencyP50.toFixed(1)} ms`);
  await consumer.disconnect();
}

main().catch((error) => {
  console.error('❌ 错误:', error);
  process.exitCode = 1;
});
