/**
 * A consumer group behind the fault proxy: every connection of two tskafka
 * consumers to the broker (Metadata, FindCoordinator, JoinGroup, SyncGroup,
 * Heartbeat, Fetch, ListOffsets, OffsetCommit, OffsetFetch) passes through a
 * proxy that, from a seed, cuts connections as requests arrive, drops
 * responses with their connection, swallows responses (the request times out)
 * and delays them. 20,000 records over 4 partitions; at the end:
 *
 * - no record skipped: every offset of every partition was processed, and no
 *   member ever processed an offset more than one past the highest processed
 *   on that partition (a jump forward is a skip, whatever comes later);
 * - no commit of an unprocessed offset: every committed offset sampled at the
 *   coordinator during the run is at most one past the highest offset
 *   processed, and committed offsets never move back;
 * - once the faults stop, the group commits everything it processed.
 *
 * The seed is printed; `FAULT_SEED=<seed>` replays the fault schedule.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker } from '../../../src/broker/server.js';
import { logLevel } from '../../../src/client/logger.js';
import { Kafka } from '../../../src/kafka.js';
import { watchCommittedOffsets } from '../../support/committed-offsets.js';
import { eventually } from '../../support/eventually.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import { produceSpread, startGroupBroker } from '../../support/group-fixture.js';
import { ProcessedRecords } from '../../support/processed-records.js';
import { faultSeed } from '../../support/seeded-random.js';
import { within } from '../../support/within.js';

const PARTITIONS = 4;
const RECORDS = Number(process.env['CONSUMER_FAULT_RECORDS'] ?? 20_000);
const PER_PARTITION = RECORDS / PARTITIONS;
const TOPIC = 'consumer-faults';
const GROUP = 'consumer-faults-group';

describe('a consumer group through network faults', () => {
  let running: RunningBroker | undefined;
  let proxy: FaultProxy;

  before(async () => {
    // The broker advertises the proxy, so every connection the clients open after bootstrap goes through it too.
    proxy = await startFaultProxy(() => `127.0.0.1:${running!.port}`);
    running = await startGroupBroker({ 'advertised.listeners': `PLAINTEXT://${proxy.address}` });
    await running.broker.topics.create(TOPIC, PARTITIONS, new Map());
    // Small batches (25 records per partition per send), so fetches are many and small too.
    await produceSpread(running.bootstrap, TOPIC, { partitions: PARTITIONS, count: RECORDS, chunk: 100 });
  });
  after(async () => {
    await proxy.close();
    await running?.close();
  });

  it('20,000 records through drops, delays, lost responses and cut connections: none skipped, no commit past what was processed', { timeout: 240_000 }, async (t) => {
    const broker = running!;
    const seed = faultSeed();
    t.diagnostic(`FAULT_SEED=${seed}`);
    const processed = new ProcessedRecords(PARTITIONS, PER_PARTITION);
    const crashes: string[] = [];
    const watch = watchCommittedOffsets(broker, GROUP, TOPIC, PARTITIONS, { intervalMs: 10, maxProcessed: (p) => processed.maxProcessed[p]! });
    const members: { name: string; disconnect: () => Promise<void> }[] = [];

    const start = async (name: string): Promise<void> => {
      const kafka = new Kafka({ clientId: `faults-${name}`, brokers: [proxy.address], logLevel: logLevel.NOTHING, requestTimeout: 3000, connectionTimeout: 1000, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 2000 } });
      // Small fetches: many requests, so many faults.
      const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 15_000, rebalanceTimeout: 20_000, heartbeatInterval: 300, maxWaitTimeInMs: 200, maxBytesPerPartition: 4096, maxBytes: 16_384 });
      consumer.on(consumer.events.CRASH, (e) => void crashes.push(`${name}: ${String(e.payload.error)} (restart: ${String(e.payload.restart)})`));
      await consumer.connect();
      await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
      await consumer.run({
        autoCommitInterval: 200,
        eachMessage: async ({ partition, message }) => {
          const offset = Number(message.offset);
          processed.record(name, partition, offset);
          // A little work now and then, so the run spans many requests of every kind.
          if (offset % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        },
      });
      members.push({ name, disconnect: () => consumer.disconnect() });
    };

    try {
      proxy.chaos({ seed, dropConnectionRate: 0.02, dropOnResponseRate: 0.03, swallowRate: 0.03, delayRate: 0.1, maxDelayMs: 1500 });
      await start('a');
      await start('b');
      await eventually(
        'every record processed',
        () => (processed.count === RECORDS ? true : undefined),
        180_000,
        100,
      ).catch((e: Error) => {
        throw new Error(`${e.message}: ${processed.count} of ${RECORDS} processed, highest per partition ${processed.maxProcessed.join(',')}; crashes: ${crashes.join('; ')}; faults ${JSON.stringify(proxy.stats.chaos)} (FAULT_SEED=${seed})`);
      });
      proxy.stopChaos();
      await eventually(
        'the group to commit everything once the faults stop',
        () => ([...watch.current().values()].every((o) => o === PER_PARTITION) ? true : undefined),
        60_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}: committed ${JSON.stringify([...watch.current()])} (FAULT_SEED=${seed})`);
      });
    } finally {
      watch.sample();
      watch.stop();
      proxy.reset();
      for (const m of members) await within(`disconnect ${m.name}`, m.disconnect(), 30_000).catch(() => undefined);
    }
    t.diagnostic(`faults ${JSON.stringify(proxy.stats.chaos)}; duplicates ${processed.duplicates}; commit samples ${watch.samples}; crashes ${crashes.length}`);
    assert.deepEqual(processed.skips, [], `no record skipped (FAULT_SEED=${seed})`);
    assert.deepEqual(watch.problems, [], `no commit of an unprocessed offset, none backwards (FAULT_SEED=${seed})`);
    const { droppedConnections, droppedOnResponse, swallowed, delayed } = proxy.stats.chaos;
    assert.ok(droppedConnections > 0 && droppedOnResponse > 0 && swallowed > 0 && delayed > 0, `every kind of fault was injected: ${JSON.stringify(proxy.stats.chaos)}`);
    for (let p = 0; p < PARTITIONS; p++) assert.ok((watch.history.get(`${TOPIC}/${p}`)?.length ?? 0) > 1, `partition ${p} was committed more than once during the run`);
  });
});
