/**
 * Seed 000, `src/01-acks-comparison.ts`: the same 100 messages sent with acks 0,
 * 1 and all (-1), timed. The tutorial's code with the import changed to tskafka
 * and the broker address read from KAFKA_BROKERS (default localhost:9092);
 * characters lost to the seed's damaged encoding are restored.
 *
 * Sends 300 records to `test-acks`: "Message 0" ... "Message 99", three times.
 */
import { Kafka, CompressionTypes, logLevel } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'acks-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092'],
  logLevel: logLevel.ERROR
});

// acks = 0：最快，可能丟失
async function sendWithAcks0() {
  const producer = kafka.producer({
    allowAutoTopicCreation: true,
    transactionTimeout: 30000
  });

  await producer.connect();
  console.log('\n=== acks = 0 (不等待確認) ===');

  const startTime = Date.now();

  await producer.send({
    topic: 'test-acks',
    acks: 0,  // 不等待確認
    messages: Array.from({ length: 100 }, (_, i) => ({
      value: `Message ${i}`
    }))
  });

  const duration = Date.now() - startTime;
  console.log(`✅ 發送 100 條消息耗時: ${duration}ms`);
  console.log('⚠️  風險：可能丟失消息');

  await producer.disconnect();
}

// acks = 1：平衡
async function sendWithAcks1() {
  const producer = kafka.producer();

  await producer.connect();
  console.log('\n=== acks = 1 (等待 Leader 確認) ===');

  const startTime = Date.now();

  await producer.send({
    topic: 'test-acks',
    acks: 1,  // 等待 Leader 確認
    messages: Array.from({ length: 100 }, (_, i) => ({
      value: `Message ${i}`
    }))
  });

  const duration = Date.now() - startTime;
  console.log(`✅ 發送 100 條消息耗時: ${duration}ms`);
  console.log('✓ 適合大多數場景');

  await producer.disconnect();
}

// acks = all：最可靠
async function sendWithAcksAll() {
  const producer = kafka.producer();

  await producer.connect();
  console.log('\n=== acks = all (等待所有 ISR 確認) ===');

  const startTime = Date.now();

  await producer.send({
    topic: 'test-acks',
    acks: -1,  // 等待所有 ISR 確認 (等同於 'all')
    messages: Array.from({ length: 100 }, (_, i) => ({
      value: `Message ${i}`
    }))
  });

  const duration = Date.now() - startTime;
  console.log(`✅ 發送 100 條消息耗時: ${duration}ms`);
  console.log('✓ 最可靠，但延遲最高');

  await producer.disconnect();
}

async function run() {
  try {
    await sendWithAcks0();
    await sendWithAcks1();
    await sendWithAcksAll();
  } catch (error) {
    console.error('❌ 錯誤:', error);
  }
}

run();
