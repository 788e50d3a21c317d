/**
 * kafka.consumer(config): KafkaJS's defaults, validation naming the option,
 * the user's object never changed; run()'s options.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionAssigners } from '../../src/consumer/assignors/index.js';
import { CONSUMER_DEFAULTS, resolveConsumerConfig } from '../../src/consumer/consumer-config.js';
import { resolveRunConfig } from '../../src/consumer/handlers.js';
import { KafkaJSConfigurationError, KafkaJSNonRetriableError } from '../../src/errors/errors.js';
import { Kafka } from '../../src/kafka.js';
import { logLevel } from '../../src/client/logger.js';

describe('Consumer options', () => {
  it("has KafkaJS's defaults, read committed, and roundRobin as the only default assigner", () => {
    const c = resolveConsumerConfig({ groupId: 'g' });
    assert.equal(c.sessionTimeout, 30_000);
    assert.equal(c.rebalanceTimeout, 60_000);
    assert.equal(c.heartbeatInterval, 3_000);
    assert.equal(c.metadataMaxAge, 300_000);
    assert.equal(c.allowAutoTopicCreation, true);
    assert.equal(c.maxBytesPerPartition, 1_048_576);
    assert.equal(c.minBytes, 1);
    assert.equal(c.maxBytes, 10_485_760);
    assert.equal(c.maxWaitTimeInMs, 5_000);
    assert.equal(c.readUncommitted, false);
    assert.equal(c.isolationLevel, 1);
    assert.equal(c.maxInFlightRequests, null);
    assert.equal(c.rackId, null);
    assert.equal(c.groupInstanceId, null);
    assert.equal(c.autoOffsetReset, 'latest');
    assert.equal(c.shutdownTimeout, c.rebalanceTimeout);
    assert.deepEqual(c.partitionAssigners, [PartitionAssigners.roundRobin]);
    assert.equal(resolveConsumerConfig({ groupId: 'g', readUncommitted: true }).isolationLevel, 0);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(CONSUMER_DEFAULTS));
  });

  it('rejects a missing groupId with KafkaJS error, and bad options naming them', () => {
    assert.throws(() => resolveConsumerConfig({} as never), (e: Error) => e instanceof KafkaJSNonRetriableError && /groupId must be a non-empty string/.test(e.message));
    const cases: [Record<string, unknown>, string][] = [
      [{ sessionTimeout: 0 }, 'consumer.sessionTimeout'],
      [{ heartbeatInterval: 30_000 }, 'consumer.heartbeatInterval'],
      [{ maxBytes: 'big' }, 'consumer.maxBytes'],
      [{ partitionAssigners: [] }, 'consumer.partitionAssigners'],
      [{ autoOffsetReset: 'smallest' }, 'consumer.autoOffsetReset'],
      [{ readUncommitted: 'yes' }, 'consumer.readUncommitted'],
      [{ onPartitionsRevoked: 1 }, 'consumer.onPartitionsRevoked'],
      [{ groupInstanceId: '' }, 'consumer.groupInstanceId'],
      [{ maxInFlightRequests: 0 }, 'consumer.maxInFlightRequests'],
      [{ fetchMaxBytes: 1 }, 'consumer.fetchMaxBytes'],
    ];
    for (const [extra, option] of cases) {
      assert.throws(
        () => resolveConsumerConfig({ groupId: 'g', ...extra } as never),
        (e: Error) => e instanceof KafkaJSConfigurationError && e.option === option,
        option,
      );
    }
  });

  it("never changes the user's object", () => {
    const config = Object.freeze({ groupId: 'g', retry: Object.freeze({ retries: 2 }) });
    const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });
    kafka.consumer(config);
    assert.deepEqual(config, { groupId: 'g', retry: { retries: 2 } });
  });

  it("validates run()'s options: KafkaJS's defaults, a handler required", () => {
    const r = resolveRunConfig({ eachMessage: async () => undefined });
    assert.equal(r.autoCommit, true);
    assert.equal(r.autoCommitInterval, null);
    assert.equal(r.autoCommitThreshold, null);
    assert.equal(r.eachBatchAutoResolve, true);
    assert.equal(r.partitionsConsumedConcurrently, 1);
    assert.throws(() => resolveRunConfig({}), KafkaJSNonRetriableError);
    assert.throws(() => resolveRunConfig({ eachMessage: async () => undefined, partitionsConsumedConcurrently: 0 }), (e: Error) => e instanceof KafkaJSConfigurationError && e.option === 'run.partitionsConsumedConcurrently');
    assert.throws(() => resolveRunConfig({ eachMessage: async () => undefined, autoCommitInterval: -1 }), (e: Error) => e instanceof KafkaJSConfigurationError && e.option === 'run.autoCommitInterval');
  });
});
