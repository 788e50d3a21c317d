/**
 * Regression (issue 11's gaps): when auto-creating a topic failed (a full disk),
 * the whole Metadata request failed and every topic in it, the existing ones
 * too, came back KAFKA_STORAGE_ERROR.
 *
 * As Kafka answers a topic it is auto-creating: LEADER_NOT_AVAILABLE for that
 * topic alone, the other topics described as usual, the failure logged; once
 * the disk has room, the next Metadata request creates the topic. KafkaJS's
 * producer is the peer that must ride it out.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { storageFaults } from '../../src/broker/log/io-faults.js';
import { Connection } from '../../src/network/connection.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { MetadataRequest } from '../../src/protocol/generated/metadata-request.js';
import { MetadataResponse } from '../../src/protocol/generated/metadata-response.js';
import { DataDirBroker, captureLogger } from '../support/broker-faults.js';

describe('auto-creating a topic when the disk refuses it', () => {
  const brokers: DataDirBroker[] = [];
  afterEach(async () => {
    storageFaults.clearAll();
    for (const b of brokers.splice(0)) await b.dispose();
  });

  it('answers LEADER_NOT_AVAILABLE for that topic only, logs the failure, and creates it once the disk has room', async () => {
    const logger = captureLogger();
    const b = new DataDirBroker(logger, { 'auto.create.topics.enable': 'true', 'num.partitions': 1 });
    brokers.push(b);
    await b.start();
    await b.running.broker.topics.create('existing', 1, new Map());
    const [host, port] = b.running.bootstrap.split(':') as [string, string];
    const connection = new Connection({ host, port: Number(port), clientId: 'auto-create-failure' });
    try {
      await connection.connect();
      const metadata = () =>
        connection.send(MetadataRequest, MetadataResponse, { topics: [{ name: 'existing' }, { name: 'wanted' }], allowAutoTopicCreation: true }, { version: 9, versions: { min: 9, max: 9 } });

      const full = storageFaults.inject({ path: (p) => p.startsWith(join(b.logDir, 'wanted')), operations: ['mkdir', 'open', 'write'], code: 'ENOSPC' });
      const refused = await metadata();
      const byName = new Map(refused.topics.map((t) => [t.name, t]));
      assert.equal(byName.get('wanted')?.errorCode, ErrorCode.LEADER_NOT_AVAILABLE);
      assert.equal(byName.get('existing')?.errorCode, ErrorCode.NONE, 'the other topic is described as usual');
      assert.equal(byName.get('existing')?.partitions.length, 1);
      assert.match(logger.text('error'), /Auto-creating topic wanted failed/);

      full.clear();
      const created = await metadata();
      const wanted = created.topics.find((t) => t.name === 'wanted');
      assert.equal(wanted?.errorCode, ErrorCode.NONE);
      assert.equal(wanted?.partitions.length, 1);
    } finally {
      await connection.disconnect();
    }

    // A KafkaJS producer sending to a new topic rides out the same failure: it retries LEADER_NOT_AVAILABLE.
    const again = storageFaults.inject({ path: (p) => p.startsWith(join(b.logDir, 'later')), operations: ['mkdir', 'open', 'write'], code: 'ENOSPC', times: 1 });
    const producer = new Kafka({ clientId: 'auto-create-failure', brokers: [b.running.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      const [result] = await producer.send({ topic: 'later', messages: [{ value: 'v' }] });
      assert.equal(result?.errorCode, 0);
      assert.ok(again.hits >= 1, 'the fault was hit');
    } finally {
      await producer.disconnect();
    }
  });
});
