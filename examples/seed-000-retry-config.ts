/**
 * Seed 000, `src/02-retry-config.ts`: retry options at client level, overridden
 * per producer. The tutorial's code with the import changed to tskafka and the
 * broker address read from KAFKA_BROKERS (default localhost:9092); characters
 * lost to the seed's damaged encoding are restored.
 *
 * Sends 1 record to `test-retry`: "Test message with retry".
 */
import { Kafka } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'retry-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092'],
  // 全局重試配置
  retry: {
    initialRetryTime: 300,
    retries: 5
  }
});

const producer = kafka.producer({
  // Producer 級別重試配置（會覆蓋全局配置）
  retry: {
    maxRetryTime: 30000,
    initialRetryTime: 100,
    retries: 8,
    multiplier: 2
  }
});

async function run() {
  try {
    await producer.connect();
    console.log('✅ Producer 已連接（已配置重試機制）');

    // 發送消息
    // 如果失敗，會自動重試
    await producer.send({
      topic: 'test-retry',
      messages: [
        { value: 'Test message with retry' }
      ]
    });

    console.log('✅ 消息已發送（可能經過重試）');

  } catch (error) {
    console.error('❌ 發送失敗（重試次數已用盡）:', error);
  } finally {
    await producer.disconnect();
  }
}

run();
