/**
 * Seed 000, `src/05-custom-partitioner.ts`: a partitioner with the KafkaJS
 * signature routing by business rules: VIP keys to partition 0, user ids below
 * 1000 to 0, below 10000 to 1, the rest to 2. The tutorial's code with the
 * import changed to tskafka and the broker address read from KAFKA_BROKERS
 * (default localhost:9092); characters lost to the seed's damaged encoding are
 * restored.
 *
 * Needs topic `users` with at least 3 partitions (as the tutorial assumes).
 * Sends 4 records to `users`: vip-user-1 and user-500 to partition 0,
 * user-5000 to 1, user-50000 to 2.
 *
 * As in KafkaJS, `send` answers one entry per partition written, not per
 * message, so the tutorial's `users[i]` labels below pair entries with the
 * wrong users when two messages share a partition.
 */
import { Kafka, Partitioners, PartitionerArgs } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'custom-partitioner',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092']
});

// 自定義分區器：根據業務邏輯分區
const customPartitioner = () => {
  return ({ topic, partitionMetadata, message }: PartitionerArgs) => {
    const numPartitions = partitionMetadata.length;

    // 業務邏輯 1：VIP 用戶發送到特定分區
    if (message.key) {
      const key = message.key.toString();
      
      if (key.startsWith('vip-')) {
        // VIP 用戶都發送到分區 0（可能配置更多資源）
        return 0;
      }

      // 業務邏輯 2：根據用戶 ID 範圍分區
      const userId = parseInt(key.replace('user-', ''));
      
      if (userId < 1000) {
        return 0;  // 新用戶
      } else if (userId < 10000) {
        return 1;  // 普通用戶
      } else {
        return 2;  // 高級用戶
      }
    }

    // 無 Key：輪詢
    return Math.floor(Math.random() * numPartitions);
  };
};

const producer = kafka.producer({
  createPartitioner: customPartitioner
});

async function run() {
  try {
    await producer.connect();
    console.log('✅ 已連接（使用自定義分區器）');

    const users = [
      { key: 'vip-user-1', value: { type: 'vip', action: 'purchase' } },
      { key: 'user-500', value: { type: 'new', action: 'register' } },
      { key: 'user-5000', value: { type: 'regular', action: 'login' } },
      { key: 'user-50000', value: { type: 'senior', action: 'upgrade' } }
    ];

    const results = await producer.send({
      topic: 'users',
      messages: users.map(u => ({
        key: u.key,
        value: JSON.stringify(u.value)
      }))
    });

    results.forEach((r, i) => {
      console.log(`${users[i].key} → 分區 ${r.partition}`);
    });

  } catch (error) {
    console.error('❌ 錯誤:', error);
  } finally {
    await producer.disconnect();
  }
}

run();
