/**
 * Alert hooks: `onAlert` hears of sends that finally failed, once at the first
 * failure of an error class and then once per `alertIntervalMs` with the count of
 * what failed in between, so an outage pages once, not once per record. Failures
 * come from the embedded broker (a topic whose max.message.bytes refuses the
 * records) and from the producer's own size check; a hook that throws changes
 * nothing else, and disconnect() raises what is still counted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ProducerAlert } from '../../src/producer/alerts.js';
import { eventually } from '../support/eventually.js';
import { useProducerFixture } from '../support/producer-fixture.js';

describe('producer alert hooks', () => {
  const fx = useProducerFixture('alerts');

  it('alerts at the first failure of an error class, then once per interval with the count of the failures in between', async () => {
    const topic = await fx.newTopic(1, [['max.message.bytes', '300']]);
    const alerts: ProducerAlert[] = [];
    const producer = await fx.connected({ lingerMs: 20, alertIntervalMs: 400, onAlert: (a) => void alerts.push(a) });
    const big = 'x'.repeat(1000);
    // Five sends sharing one batch, which the broker refuses (MESSAGE_TOO_LARGE): five failed sends.
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => producer.send({ topic, messages: [{ key: `k${i}`, value: big }] })));
    assert.ok(outcomes.every((o) => o.status === 'rejected'));
    assert.equal(alerts.length, 1, 'one alert at once, not five');
    assert.equal(alerts[0]!.errorName, 'KafkaJSProtocolError');
    assert.equal(alerts[0]!.failures, 1);
    assert.match(alerts[0]!.error.message, /MESSAGE_TOO_LARGE|too large/i);

    // Another error class within the interval alerts at once: the client's own size check.
    await assert.rejects(producer.send({ topic, messages: [{ value: Buffer.alloc(2 * 1024 * 1024) }] }));
    assert.equal(alerts.length, 2);
    assert.equal(alerts[1]!.errorName, 'KafkaJSMessageTooLargeError');

    // When the interval ends, the four counted failures come as one alert (late on a loaded machine).
    await eventually('the alert at the end of the interval', () => (alerts.length >= 3 ? true : undefined), 30_000);
    assert.equal(alerts.length, 3);
    assert.equal(alerts[2]!.errorName, 'KafkaJSProtocolError');
    assert.equal(alerts[2]!.failures, 4);
    assert.ok(alerts[2]!.since <= alerts[2]!.timestamp - 300, 'since: when the first counted failure happened');

    // A successful send alerts nothing.
    const ok = await fx.newTopic(1);
    await producer.send({ topic: ok, messages: [{ value: 'fine' }] });
    await sleep(500);
    assert.equal(alerts.length, 3);
  });

  it('a hook that throws is logged and changes nothing; disconnect() raises what is still counted', async () => {
    const topic = await fx.newTopic(1, [['max.message.bytes', '300']]);
    const alerts: ProducerAlert[] = [];
    const producer = await fx.connected({
      lingerMs: 20,
      alertIntervalMs: 60_000,
      onAlert: (a) => {
        alerts.push(a);
        throw new Error('the pager is down');
      },
    });
    const big = 'x'.repeat(1000);
    const outcomes = await Promise.allSettled(Array.from({ length: 3 }, () => producer.send({ topic, messages: [{ value: big }] })));
    assert.ok(outcomes.every((o) => o.status === 'rejected' && (o.reason as Error).name === 'KafkaJSProtocolError'), 'each send fails with its own error, not the hook\'s');
    assert.equal(alerts.length, 1);
    const ok = await fx.newTopic(1);
    const [result] = await producer.send({ topic: ok, messages: [{ value: 'still works' }] });
    assert.equal(result!.errorCode, 0);
    await producer.disconnect();
    assert.equal(alerts.length, 2, 'the two failures counted in the 60 s interval are raised at disconnect');
    assert.equal(alerts[1]!.failures, 2);
  });

  it('refuses an onAlert that is not a function, naming the option', () => {
    assert.throws(() => fx.producer({ onAlert: 'page me' as never }), /producer\.onAlert/);
  });
});
