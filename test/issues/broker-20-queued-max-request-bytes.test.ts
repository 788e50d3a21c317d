/**
 * Regression (issue 11, items 7 and 9's follow-up): `queued.max.request.bytes`
 * was not implemented; back-pressure was per connection only, so many
 * connections together could hold any amount of requests read and not answered.
 * As Kafka's memory pool does, once the bytes of requests read and not yet
 * answered, over all connections, exceed the limit, no connection is read until
 * answers bring them back under it.
 *
 * A large Produce is held at its fdatasync (a topic with `flush.messages=1`,
 * io-faults.ts), keeping its bytes queued over the limit; an ApiVersions on
 * another, idle connection is then not answered until the Produce is released.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { parseBrokerConfig } from '../../src/broker/config.js';
import { storageFaults } from '../../src/broker/log/io-faults.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../src/protocol/generated/index.js';
import { parseResponse } from '../../src/protocol/framing.js';
import { DataDirBroker, captureLogger } from '../support/broker-faults.js';
import { within } from '../support/within.js';
import { WireClient } from '../support/wire-client.js';

describe('queued.max.request.bytes', () => {
  const brokers: DataDirBroker[] = [];
  const clients: WireClient[] = [];
  afterEach(async () => {
    storageFaults.clearAll();
    for (const c of clients.splice(0)) c.destroy();
    for (const b of brokers.splice(0)) await b.dispose();
  });

  it('defaults to -1 (unlimited) and accepts a byte count', () => {
    assert.equal(parseBrokerConfig(new Map()).queuedMaxRequestBytes, -1);
    assert.equal(parseBrokerConfig(new Map([['queued.max.request.bytes', '1000']])).queuedMaxRequestBytes, 1000);
  });

  it('stops reading every connection while the requests read and not answered exceed it', async () => {
    const b = new DataDirBroker(captureLogger(), { 'queued.max.request.bytes': 1_000 });
    brokers.push(b);
    await b.start();
    const idle = await WireClient.connect(b.running.port, 'idle');
    clients.push(idle);
    const kafka = new Kafka({ clientId: 'broker-20-queued', brokers: [b.running.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect()]);
    let release: () => void = () => undefined;
    try {
      await admin.createTopics({ topics: [{ topic: 'held', numPartitions: 1, configEntries: [{ name: 'flush.messages', value: '1' }] }] });
      const held = storageFaults.inject({ path: join(b.logDir, 'held-0'), operations: ['sync'], hold: new Promise<void>((resolve) => (release = resolve)) });
      const send = producer.send({ topic: 'held', acks: -1, messages: [{ value: 'x'.repeat(4_000) }] });
      send.catch(() => undefined); // awaited below
      await within('the Produce reaching its fdatasync', held.hit, 30_000);
      assert.ok(b.running.broker.queuedRequests.used > 1_000, `queued: ${b.running.broker.queuedRequests.used} bytes`);

      const correlationId = idle.send(ApiVersionsRequest, 3, { clientSoftwareName: 'broker-20', clientSoftwareVersion: '1' });
      // Not a timing assertion: on a slow machine this only makes the check weaker, never failing it.
      await assert.rejects(idle.next(1_000), /no frame/, 'an ApiVersions is answered while the queued requests exceed the limit');

      release();
      held.clear();
      const frame = await idle.next(30_000);
      assert.ok(frame, 'answered once the Produce was');
      const answer = parseResponse(frame, ApiVersionsRequest.apiKey, 3, ApiVersionsResponse);
      assert.equal(answer.correlationId, correlationId);
      assert.equal(answer.body.errorCode, 0);
      await within('the Produce', send, 30_000);
      assert.equal(b.running.broker.queuedRequests.used, 0);
    } finally {
      release();
      await Promise.all([admin.disconnect(), producer.disconnect()]);
    }
  });
});
