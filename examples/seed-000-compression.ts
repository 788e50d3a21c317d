/**
 * Seed 000, `src/04-compression.ts`: one large, repetitive JSON message sent
 * with each compression codec. The tutorial's code with the import changed to
 * tskafka and the broker address read from KAFKA_BROKERS (default
 * localhost:9092); characters lost to the seed's damaged encoding are restored.
 * (In KafkaJS, Snappy, LZ4 and ZSTD need codec packages; here they are built in.)
 *
 * Sends 5 records to `test-compression`: the same 1000-user JSON document, once
 * per codec (None, GZIP, Snappy, LZ4, ZSTD).
 */
import { Kafka, CompressionTypes } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'compression-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092']
});

async function testCompression(
  compressionType: CompressionTypes,
  name: string
) {
  const producer = kafka.producer({
    compression: compressionType
  });

  await producer.connect();
  console.log(`\n=== 測試 ${name} 壓縮 ===`);

  // 創建重複性高的數據（易於壓縮）
  const largeMessage = JSON.stringify({
    data: Array.from({ length: 1000 }, (_, i) => ({
      id: i,
      name: `User ${i}`,
      email: `user${i}@example.com`,
      status: 'active'
    }))
  });

  const messageSizeKB = (Buffer.byteLength(largeMessage) / 1024).toFixed(2);
  console.log(`原始消息大小: ${messageSizeKB} KB`);

  const startTime = Date.now();

  await producer.send({
    topic: 'test-compression',
    messages: [{ value: largeMessage }]
  });

  const duration = Date.now() - startTime;
  console.log(`發送耗時: ${duration}ms`);

  await producer.disconnect();
}

async function run() {
  try {
    await testCompression(CompressionTypes.None, '無壓縮');
    await testCompression(CompressionTypes.GZIP, 'GZIP');
    await testCompression(CompressionTypes.Snappy, 'Snappy');
    await testCompression(CompressionTypes.LZ4, 'LZ4');
    await testCompression(CompressionTypes.ZSTD, 'ZSTD');
  } catch (error) {
    console.error('❌ 錯誤:', error);
  }
}

run();
