/**
 * Seed 002, "Offset 提交策略 / 2. 手动同步提交": `AutoCommit.Enable = false`,
 * then for every message: process it, mark it, commit and wait
 * (`session.MarkMessage` + `session.Commit()`). In tskafka: `autoCommit: false`
 * and an awaited `consumer.commitOffsets` of the message's offset + 1 (the next
 * offset to read) after processing. The broker address comes from KAFKA_BROKERS
 * (default localhost:9092).
 *
 * Sends 20 records to `manual-sync-commit` (1 partition); group
 * `manual-sync-commit-group` commits 20 times, offset 20 at the end.
 */
import { Kafka, logLevel } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'manual-sync-commit-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092'],
  logLevel: logLevel.ERROR
});

const topic = 'manual-sync-commit';
const total = 20;

function processMessage(value: string) {
  console.log(`处理消息: ${value}`);
}

async function main() {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: total }, (_, i) => ({ value: `Message ${i}` })) });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'manual-sync-commit-group' });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });

  let commits = 0;
  const done = new Promise<void>((resolve) => {
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        // 处理消息
        processMessage(message.value!.toString());

        // 同步提交：提交"下一条要读的 offset"，等待 broker 确认后才处理下一条
        const next = (Number(message.offset) + 1).toString();
        await consumer.commitOffsets([{ topic, partition, offset: next }]);
        commits++;
        if (Number(next) === total) resolve();
      }
    }).catch((error) => console.error('❌ run 失败:', error));
  });
  await done;
  console.log(`同步提交 ${commits} 次，最后提交的 offset: ${total}`);

  // 优点：精确控制提交时机，确保消息被处理后才提交
  // 缺点：性能较差（每条消息都同步等待）
  await consumer.disconnect();
}

main().catch((error) => {
  console.error('❌ 错误:', error);
  process.exitCode = 1;
});
