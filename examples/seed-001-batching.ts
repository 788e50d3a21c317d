/**
 * Seed 001, `src/02-batching.ts`: 50 messages sent one `send` at a time, then
 * 50 in one `send`, timed. The tutorial's code with the import changed to
 * tskafka and the broker address read from KAFKA_BROKERS (default
 * localhost:9092). `batchSize` and `lingerMs`, which KafkaJS ignores, are real
 * here.
 *
 * Sends 100 records to `test-topic`: "Message 0" ... "Message 99", in order.
 */
import { Kafka } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'batching-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092']
});

const producer = kafka.producer({
  batchSize: 16384,
  lingerMs: 10
});

// ❌ 不好：逐條發送
async function sendOneByOne(messages: any[]) {
  const startTime = Date.now();

  for (const msg of messages) {
    await producer.send({
      topic: 'test-topic',
      messages: [{ value: msg }]
    });
  }

  const duration = Date.now() - startTime;
  console.log(`逐條發送 ${messages.length} 條消息耗時: ${duration}ms`);
}

// ✅ 好：批量發送
async function sendInBatch(messages: any[]) {
  const startTime = Date.now();

  await producer.send({
    topic: 'test-topic',
    messages: messages.map(msg => ({ value: msg }))
  });

  const duration = Date.now() - startTime;
  console.log(`批量發送 ${messages.length} 條消息耗時: ${duration}ms`);
}

async function run() {
  try {
    await producer.connect();

    const testMessages = Array.from({ length: 100 }, (_, i) => 
      `Message ${i}`
    );

    console.log('=== 性能比較 ===\n');
    await sendOneByOne(testMessages.slice(0, 50));
    await sendInBatch(testMessages.slice(50));

  } catch (error) {
    console.error('❌ 錯誤:', error);
  } finally {
    await producer.disconnect();
  }
}

run();
