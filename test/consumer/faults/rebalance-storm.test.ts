/**
 * Rebalance storms: tskafka members join and leave a group every few seconds
 * (drawn from a seed) while 100,000 records flow into 6 partitions, once with
 * the eager round-robin protocol and once with cooperative-sticky (KIP-429).
 * At the end:
 *
 * - each record was processed (at least once);
 * - no record skipped: no member processed an offset more than one past the
 *   highest processed on its partition;
 * - committed offsets, sampled at the coordinator every few ms, only moved
 *   forward and never past the highest offset processed + 1;
 * - no partition was owned by two members at once: ownership intervals from
 *   onPartitionsAssigned to the return of onPartitionsRevoked (which sleeps a
 *   little, so a consumer that does not wait for it is caught) or
 *   onPartitionsLost never overlap across members, and neither do eachBatch
 *   calls; and every batch of a partition ran inside its member's ownership.
 *
 * `CONSUMER_STORM_RECORDS` and `CONSUMER_STORM_PRODUCE_MS` make a longer run;
 * `FAULT_SEED=<seed>` replays a membership schedule.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningBroker } from '../../../src/broker/server.js';
import { logLevel } from '../../../src/client/logger.js';
import { PartitionAssigners } from '../../../src/index.js';
import { Kafka } from '../../../src/kafka.js';
import { watchCommittedOffsets } from '../../support/committed-offsets.js';
import { eventually } from '../../support/eventually.js';
import { produceSpread, startGroupBroker } from '../../support/group-fixture.js';
import { OwnershipLog, describeOverlap } from '../../support/partition-ownership.js';
import { ProcessedRecords } from '../../support/processed-records.js';
import { faultSeed, seededRandom } from '../../support/seeded-random.js';
import { within } from '../../support/within.js';

const PARTITIONS = 6;
const RECORDS = Number(process.env['CONSUMER_STORM_RECORDS'] ?? 100_002); // a multiple of 6
const PER_PARTITION = Math.floor(RECORDS / PARTITIONS);
/** How long production is spread over; the storm lasts as long. */
const PRODUCE_MS = Number(process.env['CONSUMER_STORM_PRODUCE_MS'] ?? 30_000);
const CHUNK = 2_000;
const MIN_MEMBERS = 1;
const MAX_MEMBERS = 4;

interface StormMember {
  readonly name: string;
  disconnect(): Promise<void>;
}

describe('rebalance storms while records flow', () => {
  let running: RunningBroker;

  before(async () => {
    running = await startGroupBroker();
  });
  after(async () => {
    await running.close();
  });

  const protocols = [
    { label: 'eager round robin', assigner: PartitionAssigners.roundRobin, name: 'roundrobin' },
    { label: 'cooperative sticky', assigner: PartitionAssigners.cooperativeSticky, name: 'cooperative' },
  ];
  for (const protocol of protocols) {
    it(`${protocol.label}: members join and leave every few seconds; each record processed, commits monotone and never past processing, no partition owned twice`, { timeout: 240_000 }, async (t) => {
      const seed = faultSeed();
      const random = seededRandom(seed);
      t.diagnostic(`FAULT_SEED=${seed}`);
      const topic = `storm-${protocol.name}`;
      const groupId = `storm-${protocol.name}-group`;
      await running.broker.topics.create(topic, PARTITIONS, new Map());
      const ownership = new OwnershipLog();
      const processed = new ProcessedRecords(PARTITIONS, PER_PARTITION);
      const crashes: string[] = [];
      const watch = watchCommittedOffsets(running, groupId, topic, PARTITIONS, { intervalMs: 10, maxProcessed: (p) => processed.maxProcessed[p]! });
      const members: StormMember[] = [];
      let serial = 0;
      let joins = 0;
      let leaves = 0;

      const join = async (): Promise<void> => {
        const name = `m${serial++}`;
        const consumer = new Kafka({ clientId: `storm-${name}`, brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).consumer({
          groupId,
          partitionAssigners: [protocol.assigner],
          sessionTimeout: 20_000,
          rebalanceTimeout: 30_000,
          heartbeatInterval: 500,
          maxWaitTimeInMs: 100,
          ...ownership.callbacks(name, 10),
        });
        consumer.on(consumer.events.CRASH, (e) => void crashes.push(`${name}: ${String(e.payload.error)}`));
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({
          autoCommitInterval: 250,
          eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) =>
            ownership.processing(name, { topic, partition: batch.partition }, async () => {
              const p = batch.partition;
              for (const message of batch.messages) {
                if (!isRunning() || isStale()) break;
                processed.record(name, p, Number(message.offset));
                resolveOffset(message.offset);
              }
              await heartbeat();
            }),
        });
        members.push({ name, disconnect: () => consumer.disconnect() });
        joins++;
      };
      const leave = async (): Promise<void> => {
        const member = members.splice(Math.floor(random() * members.length), 1)[0]!;
        await within(`${member.name} leaving`, member.disconnect(), 60_000);
        // Whatever the member still held (its revoke callback did not run) ends now.
        ownership.left(member.name);
        leaves++;
      };

      let producing = true;
      const production = produceSpread(running.bootstrap, topic, { partitions: PARTITIONS, count: PER_PARTITION * PARTITIONS, chunk: CHUNK, pauseMs: Math.max(0, PRODUCE_MS / ((PER_PARTITION * PARTITIONS) / CHUNK)) }).finally(() => {
        producing = false;
      });
      try {
        await join();
        await join();
        // The storm: every 2-4 s a member joins or leaves, between MIN_MEMBERS and MAX_MEMBERS.
        while (producing) {
          await sleep(2000 + random() * 2000);
          const grow = members.length <= MIN_MEMBERS || (members.length < MAX_MEMBERS && random() < 0.5);
          if (grow) await join();
          else await leave();
        }
        await production;
        await eventually(
          'every record processed',
          () => (processed.count === PER_PARTITION * PARTITIONS ? true : undefined),
          90_000,
          100,
        ).catch((e: Error) => {
          throw new Error(`${e.message}: ${processed.count} processed, highest per partition ${processed.maxProcessed.join(',')}; crashes: ${crashes.join('; ')}; members ${members.map((m) => m.name).join(',')}\n${ownership.tail()} (FAULT_SEED=${seed})`);
        });
        await eventually('everything committed', () => ([...watch.current().values()].every((o) => o === PER_PARTITION) ? true : undefined), 60_000).catch((e: Error) => {
          throw new Error(`${e.message}: committed ${JSON.stringify([...watch.current()])} (FAULT_SEED=${seed})`);
        });
      } finally {
        producing = false;
        await production.catch(() => undefined);
        watch.sample();
        watch.stop();
        for (const m of members) {
          await within(`disconnect ${m.name}`, m.disconnect(), 60_000).catch(() => undefined);
          ownership.left(m.name);
        }
      }

      const endedBy = ownership.ownership.reduce<Record<string, number>>((acc, i) => ({ ...acc, [i.endedBy]: (acc[i.endedBy] ?? 0) + 1 }), {});
      t.diagnostic(`joins ${joins}, leaves ${leaves}, duplicates ${processed.duplicates}, ownership intervals ended by ${JSON.stringify(endedBy)}, commit samples ${watch.samples}, crashes ${crashes.length}`);
      assert.ok(joins + leaves >= 6, `the storm changed membership several times (${joins} joins, ${leaves} leaves)`);
      assert.deepEqual(processed.skips, [], `no record skipped (FAULT_SEED=${seed})`);
      assert.deepEqual(watch.problems.slice(0, 10), [], `committed offsets monotone and never past processing (FAULT_SEED=${seed})`);
      assert.deepEqual(
        ownership.ownershipOverlaps().slice(0, 10).map((o) => describeOverlap(o, ownership.origin)),
        [],
        `no partition owned by two members at once (FAULT_SEED=${seed})\n${ownership.tail(60)}`,
      );
      assert.deepEqual(
        ownership.processingOverlaps().slice(0, 10).map((o) => describeOverlap(o, ownership.origin)),
        [],
        `no partition processed by two members at once (FAULT_SEED=${seed})`,
      );
      assert.deepEqual(ownership.processingOutsideOwnership().slice(0, 10), [], `every batch ran while its member owned the partition (FAULT_SEED=${seed})`);
      assert.equal(ownership.lostCount, 0, `no member lost its partitions: every leave was graceful (FAULT_SEED=${seed})`);
    });
  }
});
