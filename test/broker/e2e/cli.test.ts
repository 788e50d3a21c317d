/**
 * `tskafka broker` as an operator runs it: a server.properties file plus
 * `--override`, in its own process. It reports its start time, applies the override over
 * the file, auto-creates topics with the configured partition count, and shuts
 * down cleanly (exit 0, logs closed cleanly) on SIGTERM.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerChild, startBrokerChild } from '../../support/broker-child.js';

describe('tskafka broker on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tskafka-cli-'));
  const dataDir = join(dir, 'data');
  const propertiesFile = join(dir, 'server.properties');
  const children: BrokerChild[] = [];
  after(async () => {
    for (const c of children) await c.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts from server.properties with an override, auto-creates topics with num.partitions, and exits 0 on SIGTERM', async () => {
    writeFileSync(
      propertiesFile,
      [
        '# written by cli.test.ts',
        'node.id=7',
        'listeners=PLAINTEXT://127.0.0.1:0',
        `log.dirs=${dataDir}`,
        'num.partitions=1',
        'auto.create.topics.enable=true',
        '',
      ].join('\n'),
    );
    const broker = await startBrokerChild([propertiesFile, '--override', 'num.partitions=4']);
    children.push(broker);
    // The banner reports a start time; how long a start takes on a loaded machine is not asserted.
    assert.ok(Number.isInteger(broker.startedInMs) && broker.startedInMs >= 0, `started in ${broker.startedInMs} ms`);
    assert.match(broker.output(), new RegExp(`tskafka broker 7 started in \\d+ ms, listening on PLAINTEXT://127\\.0\\.0\\.1:${broker.port} \\(data: ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));

    const kafka = new Kafka({ clientId: 'e2e-cli', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    const admin = kafka.admin();
    await producer.connect();
    await admin.connect();
    try {
      await producer.send({ topic: 'auto-created', acks: -1, messages: [{ key: 'k', value: 'v' }] });
      const metadata = await admin.fetchTopicMetadata({ topics: ['auto-created'] });
      assert.deepEqual(
        metadata.topics[0]!.partitions.map((p) => [p.partitionId, p.leader]).sort(),
        [0, 1, 2, 3].map((p) => [p, 7]),
        'four partitions (the override beats the file’s num.partitions=1), led by node.id 7',
      );
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }

    const exit = await broker.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, broker.output());
    assert.match(broker.output(), /shutting down/);
    for (let p = 0; p < 4; p++) assert.ok(existsSync(join(dataDir, `auto-created-${p}`, '.kafka_cleanshutdown')), `auto-created-${p} was closed cleanly`);
  });

  it('refuses an unknown argument with the usage and a non-zero exit', async () => {
    await assert.rejects(startBrokerChild(['--no-such-flag'], 10_000), (e: Error) => /exited \(code 1/.test(e.message) && /unknown argument "--no-such-flag"/.test(e.message) && /usage: tskafka broker/.test(e.message));
  });
});
