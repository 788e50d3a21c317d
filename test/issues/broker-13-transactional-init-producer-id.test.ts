/**
 * Regression ("the embedded broker holds under attack, faults and load", item 13):
 * Until transactions are served, InitProducerId with a transactional id is
 * refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which every client takes
 * as fatal: a transactional producer fails at once instead of hanging. (It was
 * INVALID_REQUEST, which librdkafka retries until init_transactions() times
 * out: 120 s by default in confluent-kafka-python.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Kafka as KafkaJS, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { type BrokerLogger } from '../../src/broker/logger.js';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { InitProducerIdRequest } from '../../src/protocol/generated/init-producer-id-request.js';
import { InitProducerIdResponse } from '../../src/protocol/generated/init-producer-id-response.js';
import { within } from '../support/within.js';
import { RawClient } from '../broker/groups/raw-client.js';

const run = promisify(execFile);

/** A Python with confluent-kafka (librdkafka's binding, e.g. Debian's python3-confluent-kafka), or null. */
async function pythonWithLibrdkafka(): Promise<string | null> {
  for (const python of ['python3', '/usr/bin/python3']) {
    const found = await run(python, ['-c', 'import confluent_kafka'], { timeout: 30_000 }).then(
      () => true,
      () => false,
    );
    if (found) return python;
  }
  return null;
}

/** init_transactions() with a 20 s timeout; prints the outcome as JSON. */
const INIT_TRANSACTIONS = `
import json, sys
from confluent_kafka import KafkaException, Producer
p = Producer({'bootstrap.servers': sys.argv[1], 'transactional.id': 'librdkafka-txn', 'log_level': 0})
try:
    p.init_transactions(20)
    print(json.dumps({'ok': True}))
except KafkaException as e:
    err = e.args[0]
    print(json.dumps({'ok': False, 'code': err.code(), 'name': err.name(), 'fatal': err.fatal()}))
`;

describe('InitProducerId for a transactional id, while transactions are not served', () => {
  let running: RunningBroker;
  const warnings: string[] = [];
  const logger: BrokerLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message, fields) => warnings.push(`${message} ${JSON.stringify(fields ?? {})}`),
    error: () => undefined,
  };

  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logger });
  });
  after(async () => {
    await running.close();
  });

  it('is answered TRANSACTIONAL_ID_AUTHORIZATION_FAILED, at every version, and logged', async () => {
    const client = await RawClient.connect(running.port);
    try {
      for (let version = 0; version <= 5; version++) {
        const answer = await client.send(InitProducerIdRequest, InitProducerIdResponse, version, { transactionalId: 'raw-txn', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
        assert.deepEqual([answer.errorCode, answer.producerId, answer.producerEpoch], [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, -1n, -1], `v${version}`);
      }
      const idempotent = await client.send(InitProducerIdRequest, InitProducerIdResponse, 4, { transactionalId: null, transactionTimeoutMs: -1, producerId: -1n, producerEpoch: -1 });
      assert.equal(idempotent.errorCode, ErrorCode.NONE, 'an idempotent producer still gets an id');
    } finally {
      client.close();
    }
    assert.ok(
      warnings.some((w) => w.includes('raw-txn') && w.includes('TRANSACTIONAL_ID_AUTHORIZATION_FAILED')),
      `the refusal is logged with the transactional id: ${warnings.join('\n')}`,
    );
  });

  it('fails a KafkaJS transactional producer at once, with a non-retriable error', async () => {
    const kafka = new KafkaJS({ clientId: 'txn-kafkajs', brokers: [running.bootstrap], logLevel: kafkaJsLogLevel.NOTHING });
    const producer = kafka.producer({ transactionalId: 'kafkajs-txn', idempotent: true, maxInFlightRequests: 1 });
    try {
      const error = await within(
        'KafkaJS transaction()',
        (async () => {
          await producer.connect();
          await producer.transaction();
        })().then(
          () => assert.fail('a transaction began on a broker that serves none'),
          (e: unknown) => e as Error & { type?: string; retriable?: boolean },
        ),
        60_000,
      );
      assert.equal(error.type, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', String(error));
      assert.equal(error.retriable, false);
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  });

  it('fails librdkafka init_transactions() at once with a fatal error, instead of retrying until its timeout', async (t) => {
    const python = await pythonWithLibrdkafka();
    if (python === null) {
      t.skip('needs Python with confluent-kafka (apt-get install python3-confluent-kafka)');
      return;
    }
    // Async: the broker runs in this process, so a synchronous spawn would stall it.
    const { stdout } = await run(python, ['-c', INIT_TRANSACTIONS, running.bootstrap], { timeout: 120_000 });
    const outcome = JSON.parse(stdout.trim().split('\n').pop()!) as { ok: boolean; code?: number; name?: string; fatal?: boolean };
    assert.deepEqual(outcome, { ok: false, code: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, name: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', fatal: true });
  });
});
