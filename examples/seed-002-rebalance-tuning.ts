/**
 * Seed 002, "分区重平衡优化 / 减少 Rebalance 影响": the seed's sarama settings
 * in tskafka's (KafkaJS's) names: `Session.Timeout = 20s` is `sessionTimeout:
 * 20000`, `Heartbeat.Interval = 6s` is `heartbeatInterval: 6000`,
 * `MaxProcessingTime = 10min` is `rebalanceTimeout: 600000` (how long a member
 * may take to give its partitions back), and `BalanceStrategySticky` is
 * `partitionAssigners: [PartitionAssigners.sticky]`. Heartbeats run on their
 * own timer, so a slow handler never misses one.
 *
 * Consumer A takes all 6 partitions of `rebalance-tuning`; consumer B joins and
 * the sticky assignor moves only half of them (A keeps 3 of its own); B leaves
 * and A gets them back. Needs `rebalance-tuning` with 6 partitions. The broker
 * address comes from KAFKA_BROKERS (default localhost:9092).
 */
import { Kafka, PartitionAssigners, logLevel, type Consumer } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'rebalance-tuning-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092'],
  logLevel: logLevel.ERROR
});

const topic = 'rebalance-tuning';

function createConsumer() {
  return kafka.consumer({
    groupId: 'rebalance-tuning-group',
    // 1. 增加会话超时时间
    sessionTimeout: 20000,
    // 2. 增加心跳间隔
    heartbeatInterval: 6000,
    // 3. 增加处理时间限制
    rebalanceTimeout: 600000,
    // 4. 使用 Sticky 分配策略
    partitionAssigners: [PartitionAssigners.sticky]
  });
}

async function start(consumer: Consumer) {
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async () => {} });
}

const partitionsOf = (consumer: Consumer) => consumer.assignment().map((p) => p.partition).sort((a, b) => a - b);

/** Wait (up to a minute: a rejoin waits for the next heartbeat) until `condition` holds. */
async function until(what: string, condition: () => boolean) {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`等待超时: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main() {
  const a = createConsumer();
  await start(a);
  await until('A 分配到 6 个分区', () => a.assignment().length === 6);
  const before = partitionsOf(a);
  console.log(`A 加入: A = [${before}]`);

  const b = createConsumer();
  await start(b);
  await until('A 和 B 各 3 个分区', () => a.assignment().length === 3 && b.assignment().length === 3);
  const kept = partitionsOf(a);
  console.log(`B 加入: A = [${kept}]，B = [${partitionsOf(b)}]`);
  console.log(`Sticky: A 保留了原有的 ${kept.filter((p) => before.includes(p)).length} 个分区，只移动了 ${partitionsOf(b).length} 个`);

  await b.disconnect();
  await until('A 重新分配到 6 个分区', () => a.assignment().length === 6);
  console.log(`B 离开: A = [${partitionsOf(a)}]`);

  await a.disconnect();
}

main().catch((error) => {
  console.error('❌ 错误:', error);
  process.exitCode = 1;
});
