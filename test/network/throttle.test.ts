/**
 * Quota throttling (KIP-219): a broker over a client's quota answers at once with
 * `throttleTimeMs` and then reads nothing from that connection for that long, so
 * the client holds its next requests until the throttle ends, with their request
 * timeout not yet started. Against a capture broker that puts a throttle in its
 * Produce answers; what is checked is when the next request reached it.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { clientThrottleMs } from '../../src/network/throttle.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import { ADVERTISED_API_VERSIONS, type CaptureBroker, type CaptureBrokerOptions, startCaptureBroker } from '../support/capture-broker.js';

/**
 * The throttle the first Produce answer carries, and a request timeout half as long: far apart, so neither
 * a loaded machine's delays nor a request timing out while the client is well-behaved can blur them.
 */
const THROTTLE_MS = 4000;
const REQUEST_TIMEOUT_MS = THROTTLE_MS / 2;

describe('quota throttling (KIP-219)', () => {
  const brokers: CaptureBroker[] = [];
  after(async () => {
    await Promise.all(brokers.map((b) => b.close()));
  });

  /** Two awaited sends; the first answer carries a THROTTLE_MS throttle. Returns the ms between the two Produce requests' arrivals. */
  const twoSends = async (options: Omit<CaptureBrokerOptions, 'partitions'>): Promise<{ gap: number; versions: number[]; retries: number }> => {
    const broker = await startCaptureBroker({ partitions: 1, produceThrottleMs: (n) => (n === 0 ? THROTTLE_MS : 0), ...options });
    brokers.push(broker);
    // A request timeout shorter than the throttle: a request held by the client has not started its clock.
    const kafka = new Kafka({ clientId: 'throttle-test', brokers: [broker.bootstrap], requestTimeout: REQUEST_TIMEOUT_MS, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: false, acks: 1, lingerMs: 0 });
    await producer.connect();
    let retries: number;
    try {
      await producer.send({ topic: 'quota', messages: [{ value: 'one' }] });
      await producer.send({ topic: 'quota', messages: [{ value: 'two' }] });
      retries = producer.metrics().retries;
    } finally {
      await producer.disconnect();
    }
    assert.deepEqual(broker.errors, []);
    const produces = broker.frames.filter((f) => f.header.apiKey === ApiKey.Produce);
    assert.equal(produces.length, 2);
    return { gap: produces[1]!.at - produces[0]!.at, versions: produces.map((f) => f.header.apiVersion), retries };
  };

  it('after an answer carrying a throttle, the next request waits it out, and its request timeout starts only when it is written', async () => {
    const { gap, versions, retries } = await twoSends({});
    assert.deepEqual(versions, [10, 10]);
    assert.equal(retries, 0, 'no request timed out');
    assert.ok(gap >= THROTTLE_MS - 10, `the second Produce arrived ${gap} ms after the first; the throttle was ${THROTTLE_MS} ms`);
  });

  it('a broker before KIP-219 (Produce below v6) served the throttle before answering: the client does not wait again', async () => {
    const advertised = ADVERTISED_API_VERSIONS.map((r) => (r.apiKey === ApiKey.Produce ? { ...r, maxVersion: 5 } : r));
    const { gap, versions } = await twoSends({ advertised });
    assert.deepEqual(versions, [5, 5]);
    // Waiting the throttle out would take THROTTLE_MS; half of it is far more than two sends take on a loaded machine.
    assert.ok(gap < THROTTLE_MS / 2, `the second Produce arrived ${gap} ms after the first; the throttle was ${THROTTLE_MS} ms`);
  });

  it('reads the throttle only where the broker answers before throttling', () => {
    assert.equal(clientThrottleMs(ApiKey.Produce, 6, { throttleTimeMs: 120 }), 120);
    assert.equal(clientThrottleMs(ApiKey.Produce, 5, { throttleTimeMs: 120 }), 0);
    assert.equal(clientThrottleMs(ApiKey.Fetch, 7, { throttleTimeMs: 120 }), 0);
    assert.equal(clientThrottleMs(ApiKey.Fetch, 8, { throttleTimeMs: 120 }), 120);
    // An API newer than KIP-219 always answers first.
    assert.equal(clientThrottleMs(ApiKey.DescribeCluster, 0, { throttleTimeMs: 7 }), 7);
    assert.equal(clientThrottleMs(ApiKey.Metadata, 12, { throttleTimeMs: 0 }), 0);
    assert.equal(clientThrottleMs(ApiKey.SaslHandshake, 1, { errorCode: 0 }), 0);
  });
});
