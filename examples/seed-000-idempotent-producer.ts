/**
 * Seed 000, `src/03-idempotent-producer.ts`: an idempotent producer, retrying
 * without limit (safe: the broker stores a retried batch once). The tutorial's
 * code with the import changed to tskafka and the broker address read from
 * KAFKA_BROKERS (default localhost:9092); characters lost to the seed's damaged
 * encoding are restored.
 *
 * Sends 1 record to `orders`: key "order-123", a JSON order.
 */
import { Kafka } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'idempotent-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092']
});

const producer = kafka.producer({
  idempotent: true,  // 啟用冪等性
  maxInFlightRequests: 5,  // 允許 5 個未確認的請求
  retry: {
    retries: Number.MAX_SAFE_INTEGER  // 無限重試（安全，因為有冪等性）
  }
});

async function run() {
  try {
    await producer.connect();
    console.log('✅ 冪等性 Producer 已連接');

    // 發送消息
    await producer.send({
      topic: 'orders',
      acks: -1,  // 必須冪等性使用
      messages: [
        {
          key: 'order-123',
          value: JSON.stringify({
            orderId: 'order-123',
            amount: 99.99,
            status: 'pending'
          })
        }
      ]
    });

    console.log('✅ 消息已發送（保證不重複）');

  } catch (error) {
    console.error('❌ 錯誤:', error);
  } finally {
    await producer.disconnect();
  }
}

run();
