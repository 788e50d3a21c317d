/**
 * The quota arithmetic and precedence, as Kafka's: the sampled rate spreads a
 * burst over (samples - 1) windows; the throttle time brings the rate back to
 * the quota; the most specific entity wins (user + client-id over client-id,
 * a name over the default); `request_percentage` throttles at most one window;
 * quotas set in a broker with a log directory survive a restart.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startBroker } from '../../../src/broker/server.js';
import { ClientQuotas } from '../../../src/broker/quotas/client-quotas.js';
import { RateSensor } from '../../../src/broker/quotas/rate-sensor.js';
import { type Session } from '../../../src/broker/session.js';
import { logLevel } from '../../../src/client/logger.js';
import { Kafka } from '../../../src/kafka.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { MetadataRequest } from '../../../src/protocol/generated/metadata-request.js';
import { MetadataResponse } from '../../../src/protocol/generated/metadata-response.js';
import { WireClient } from '../../support/wire-client.js';

describe('RateSensor', () => {
  it('spreads a burst over samples - 1 windows, and forgets windows older than samples x window', () => {
    const s = new RateSensor(11, 1000);
    s.record(100_000, 0);
    assert.equal(s.windowSizeMs(0), 10_000);
    assert.equal(s.rate(0), 10_000);
    s.record(100_000, 5_500);
    // 5.5 s elapsed: 5 whole windows, topped up to 10, plus the partial half.
    assert.equal(s.windowSizeMs(5_500), 10_500);
    assert.equal(s.rate(5_500), 200_000 / 10.5);
    // At 11 s the first window is forgotten.
    assert.equal(s.rate(11_000), 100_000 / 10.5);
  });
});

describe('ClientQuotas', () => {
  const session = (principal: string) => ({ principal }) as Session;
  const produce = (clientId: string, version = 7) => ({ apiKey: ApiKey.Produce, apiVersion: version, correlationId: 1, clientId });
  const answered = (principal: string, clientId: string, requestSize: number, version = 7) => ({
    session: session(principal), header: produce(clientId, version), request: {}, requestSize, handledMs: 0, response: { throttleTimeMs: 0 }, responseSize: () => 0,
  });

  it('throttles for (rate - quota) / quota x window, after the answer from Produce v6 on, before it below', async () => {
    const quotas = await ClientQuotas.open({ logDir: null, quotaWindow: { samples: 11, sizeMs: 1000 } });
    await quotas.config.alter([{ entity: { clientId: 'app' }, ops: [{ key: 'producer_byte_rate', value: 1000 }] }]);
    // 20 000 bytes over the 10 s minimum window: 2000 B/s, twice the quota: 10 s more.
    const t = quotas.throttle(answered('ANONYMOUS', 'app', 20_000), 0);
    assert.equal(t.afterAnswerMs, 10_000);
    assert.equal(t.beforeAnswerMs, 0);
    assert.deepEqual(t.response, { throttleTimeMs: 10_000 });
    const old = quotas.throttle(answered('ANONYMOUS', 'app', 1, 5), 0);
    assert.ok(old.beforeAnswerMs > 0 && old.afterAnswerMs === 0);
    assert.equal(quotas.throttle(answered('ANONYMOUS', 'other', 1_000_000), 0).afterAnswerMs, 0);
  });

  it('the most specific entity wins; a default client-id quota gives each client id its own sensor', async () => {
    const quotas = await ClientQuotas.open({ logDir: null, quotaWindow: { samples: 2, sizeMs: 1000 } });
    await quotas.config.alter([
      { entity: { clientId: null }, ops: [{ key: 'producer_byte_rate', value: 1000 }] },
      { entity: { user: 'alice', clientId: 'app' }, ops: [{ key: 'producer_byte_rate', value: 1_000_000 }] },
    ]);
    assert.equal(quotas.throttle(answered('alice', 'app', 500_000), 0).afterAnswerMs, 0);
    assert.ok(quotas.throttle(answered('bob', 'app', 1500), 0).afterAnswerMs > 0);
    // Another client id has a sensor of its own under the default.
    assert.equal(quotas.throttle(answered('bob', 'app2', 900), 0).afterAnswerMs, 0);
  });

  it('request_percentage throttles any API but ApiVersions, at most one window', async () => {
    const running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
    const admin = new Kafka({ clientId: 'a', brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).admin();
    const wire = await WireClient.connect(running.port, 'busy');
    try {
      await admin.connect();
      await admin.alterClientQuotas({ entries: [{ entity: [{ entityType: 'client-id', entityName: 'busy' }], ops: [{ key: 'request_percentage', value: 0.0001 }] }] });
      const throttles: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await wire.request(MetadataRequest, MetadataResponse, 9, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
        throttles.push(r.throttleTimeMs);
      }
      assert.ok(throttles.some((t) => t > 0), `throttle times: ${throttles.join(', ')}`);
      assert.ok(throttles.every((t) => t <= 1000), `throttle times: ${throttles.join(', ')}`);
    } finally {
      wire.destroy();
      await admin.disconnect();
      await running.close();
    }
  });

  it('quotas in a log directory survive a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tskafka-quotas-'));
    try {
      const properties = { 'log.dirs': dir };
      for (const step of ['set', 'check']) {
        const running = await startBroker({ port: 0, logLevel: 'nothing', properties });
        const admin = new Kafka({ clientId: 'a', brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).admin();
        try {
          await admin.connect();
          if (step === 'set') await admin.alterClientQuotas({ entries: [{ entity: [{ entityType: 'user', entityName: null }, { entityType: 'client-id', entityName: 'c' }], ops: [{ key: 'consumer_byte_rate', value: 777 }] }] });
          else {
            assert.deepEqual(await admin.describeClientQuotas({ components: [] }), [
              { entity: [{ entityType: 'user', entityName: null }, { entityType: 'client-id', entityName: 'c' }], values: { consumer_byte_rate: 777 } },
            ]);
          }
        } finally {
          await admin.disconnect();
          await running.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
