/**
 * The logger in KafkaJS's shape: levels as numbers, a logCreator receiving
 * `{ namespace, level, label, log }`, namespaces, and nothing built for
 * messages below the level.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LogEntry, createLogger, logLevel } from '../../src/client/logger.js';

describe('logger', () => {
  const capture = (level: number) => {
    const entries: LogEntry[] = [];
    let createdWith: number | undefined;
    const logger = createLogger({
      level: level as (typeof logLevel)[keyof typeof logLevel],
      logCreator: (l) => {
        createdWith = l;
        return (entry) => entries.push(entry);
      },
    });
    return { logger, entries, createdWith: () => createdWith };
  };

  it("uses KafkaJS's level numbers", () => {
    assert.deepEqual({ ...logLevel }, { NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 });
  });

  it('writes entries at or above the level, in KafkaJS’s entry shape', () => {
    const { logger, entries, createdWith } = capture(logLevel.WARN);
    assert.equal(createdWith(), logLevel.WARN);
    const cluster = logger.namespace('Cluster');
    cluster.error('broken', { broker: 'b:1' });
    cluster.warn('careful');
    cluster.info('hidden');
    cluster.debug('hidden');
    assert.equal(entries.length, 2);
    const [first] = entries;
    assert.equal(first!.namespace, 'Cluster');
    assert.equal(first!.level, logLevel.ERROR);
    assert.equal(first!.label, 'ERROR');
    assert.equal(first!.log.message, 'broken');
    assert.equal(first!.log.broker, 'b:1');
    assert.equal(first!.log.logger, 'tskafka');
    assert.ok(!Number.isNaN(Date.parse(first!.log.timestamp)));
  });

  it('lets the level change at run time, and a namespace keep its own', () => {
    const { logger, entries } = capture(logLevel.NOTHING);
    const quiet = logger.namespace('Quiet', logLevel.ERROR);
    const loud = logger.namespace('Loud');
    loud.info('before');
    logger.setLogLevel(logLevel.DEBUG);
    loud.debug('after');
    quiet.warn('filtered by its own level');
    assert.deepEqual(entries.map((e) => e.log.message), ['after']);
  });
});
