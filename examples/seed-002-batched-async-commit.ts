/**
 * Seed 002, "Offset 提交策略 / 3. 手动异步提交": collect messages into a batch
 * of 100, process the batch, mark its last message and go on without waiting
 * for the commit. In tskafka: `autoCommit: false`, the batch collected in
 * `eachMessage`, and `consumer.commitOffsets` of the last offset + 1 not
 * awaited (its failure is logged: the next batch's commit covers it). At
 * shutdown the partial batch is processed and committed synchronously, the
 * "需要处理失败场景" part. The broker address comes from KAFKA_BROKERS (default
 * localhost:9092).
 *
 * Sends 250 records to `batched-async-commit` (1 partition); group
 * `batched-async-commit-group` commits offsets 100 and 200 asynchronously, then
 * 250 at shutdown.
 */
import { Kafka, logLevel, type KafkaMessage } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'batched-async-commit-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092'],
  logLevel: logLevel.ERROR
});

const topic = 'batched-async-commit';
const total = 250;
const batchSize = 100;

function processBatch(batch: KafkaMessage[]) {
  console.log(`批量处理 ${batch.length} 条消息: offset ${batch[0]!.offset} - ${batch[batch.length - 1]!.offset}`);
}

async function main() {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: total }, (_, i) => ({ value: `Message ${i}` })) });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'batched-async-commit-group' });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });

  // 批量处理后异步提交
  let batch: KafkaMessage[] = [];
  let seen = 0;
  let lastPartition = 0;
  const pending: Promise<void>[] = [];
  const done = new Promise<void>((resolve) => {
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        batch.push(message);
        lastPartition = partition;
        if (batch.length >= batchSize) {
          // 批量处理
          processBatch(batch);

          // 标记最后一条消息：异步提交，不等待结果
          const offset = (Number(batch[batch.length - 1]!.offset) + 1).toString();
          const commit = consumer.commitOffsets([{ topic, partition, offset }]).then(
            () => console.log(`异步提交完成: offset ${offset}`),
            (error) => console.error(`异步提交失败 (下一次提交会覆盖): offset ${offset}`, error)
          );
          pending.push(commit);

          batch = [];
        }
        if (++seen === total) resolve();
      }
    }).catch((error) => console.error('❌ run 失败:', error));
  });
  await done;

  // 关闭前：处理剩下不满一批的消息，并同步提交
  if (batch.length > 0) {
    processBatch(batch);
    const offset = (Number(batch[batch.length - 1]!.offset) + 1).toString();
    await consumer.commitOffsets([{ topic, partition: lastPartition, offset }]);
    console.log(`关闭前同步提交: offset ${offset}`);
  }
  await Promise.all(pending);

  // 优点：平衡性能和可靠性，减少提交次数
  // 缺点：复杂度较高；崩溃时最多重复处理一批（未提交的部分）
  await consumer.disconnect();
}

main().catch((error) => {
  console.error('❌ 错误:', error);
  process.exitCode = 1;
});
