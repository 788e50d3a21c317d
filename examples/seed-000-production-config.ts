/**
 * Seed 000, `src/06-production-config.ts`: the recommended production producer
 * (idempotent, 5 in flight, batchSize 16 KB, lingerMs 10, zstd, Java-compatible
 * partitioner, unlimited retries) sending one order event with headers. The
 * tutorial's code with the import changed to tskafka and the broker address
 * read from KAFKA_BROKERS (default localhost:9092); characters lost to the
 * seed's damaged encoding are restored.
 *
 * Sends 1 record to `orders`: key "user-12345", the order as JSON, headers
 * event-type, version, source, timestamp.
 */
import { Kafka, CompressionTypes, Partitioners, logLevel } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'production-app',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092'],
  logLevel: logLevel.INFO,
  
  // 連接配置
  connectionTimeout: 10000,
  requestTimeout: 30000,
  
  // 重試配置
  retry: {
    initialRetryTime: 100,
    retries: 8
  }
});

// 生產環境推薦配置
const producer = kafka.producer({
  // 冪等性（防止重複）
  idempotent: true,
  
  // 最大未確認請求數
  maxInFlightRequests: 5,
  
  // 批次配置
  batchSize: 16384,        // 16KB
  lingerMs: 10,            // 等待 10ms
  
  // 壓縮
  compression: CompressionTypes.ZSTD,
  
  // 分區器
  createPartitioner: Partitioners.DefaultPartitioner,
  
  // 重試
  retry: {
    maxRetryTime: 30000,
    initialRetryTime: 100,
    retries: Number.MAX_SAFE_INTEGER  // 配合冪等性
  },
  
  // 超時
  transactionTimeout: 30000
});

interface OrderEvent {
  orderId: string;
  userId: string;
  amount: number;
  items: any[];
  timestamp: number;
}

async function sendOrder(order: OrderEvent) {
  await producer.send({
    topic: 'orders',
    acks: -1,  // 等待所有 ISR 確認
    messages: [
      {
        key: order.userId,  // 使用 userId 作為 Key
        value: JSON.stringify(order),
        headers: {
          'event-type': 'order-created',
          'version': '1.0',
          'source': 'order-service',
          'timestamp': Date.now().toString()
        }
      }
    ]
  });
}

async function run() {
  try {
    await producer.connect();
    console.log('✅ Producer 已連接（生產環境配置）');

    // 模擬訂單
    const order: OrderEvent = {
      orderId: `order-${Date.now()}`,
      userId: 'user-12345',
      amount: 299.99,
      items: [
        { productId: 'prod-A', quantity: 2, price: 149.99 }
      ],
      timestamp: Date.now()
    };

    await sendOrder(order);
    console.log('✅ 訂單已發送:', order.orderId);

  } catch (error) {
    console.error('❌ 錯誤:', error);
  } finally {
    await producer.disconnect();
  }
}

run();
