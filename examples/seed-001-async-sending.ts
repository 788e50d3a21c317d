/**
 * Seed 001, optimization 3: three ways to send many messages with one
 * long-lived producer: awaiting each send, parallel sends awaited together
 * (`Promise.all`, when order does not matter), and fire-and-forget (`.catch`
 * only). The seed gives these as snippets; they are assembled here into one
 * program, with the import changed to tskafka and the broker address read from
 * KAFKA_BROKERS (default localhost:9092). `disconnect()` sends what
 * fire-and-forget left pending before it closes: no "sleep one second" needed.
 *
 * Sends 300 records to `test`: "sequential i", "parallel i" and
 * "fire-and-forget i" for i in 0..99.
 */
import { Kafka } from '../src/index.js';

const kafka = new Kafka({
  clientId: 'async-demo',
  brokers: process.env.KAFKA_BROKERS?.split(',') ?? ['localhost:9092']
});

const producer = kafka.producer();

const makeMessages = (label: string) =>
  Array.from({ length: 100 }, (_, i) => ({ value: `${label} ${i}` }));

async function run() {
  try {
    await producer.connect();

    // ❌ 同步等待每條消息
    let startTime = Date.now();
    let messages = makeMessages('sequential');
    for (const msg of messages) {
      await producer.send({ topic: 'test', messages: [msg] });
    }
    console.log(`逐條等待發送 ${messages.length} 條消息耗時: ${Date.now() - startTime}ms`);

    // ✅ 並行發送（無順序要求時）
    startTime = Date.now();
    messages = makeMessages('parallel');
    const promises = messages.map(msg => 
      producer.send({ topic: 'test', messages: [msg] })
    );
    await Promise.all(promises);
    console.log(`並行發送 ${messages.length} 條消息耗時: ${Date.now() - startTime}ms`);

    // ✅ 火忘模式（Fire and Forget）- 不等待結果
    messages = makeMessages('fire-and-forget');
    producer.send({ topic: 'test', messages })
      .catch(error => console.error('異步發送失敗:', error));
    console.log('火忘模式：已交給 Producer，不等待結果');

  } catch (error) {
    console.error('❌ 錯誤:', error);
  } finally {
    // disconnect() 先送完未完成的消息再關閉連接
    await producer.disconnect();
  }
}

run();
