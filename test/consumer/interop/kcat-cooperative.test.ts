/**
 * A kcat member (librdkafka's KafkaConsumer, `kcat -G`, with
 * partition.assignment.strategy=cooperative-sticky) in a group with tskafka
 * consumers using `PartitionAssigners.cooperativeSticky`: both speak
 * 'cooperative-sticky' (KIP-429), so either may lead. While kcat joins and
 * later leaves, records keep flowing; at the end every record was consumed
 * (at least once), no partition was owned by two members at any moment (by
 * the rebalance callbacks of ours and kcat's own rebalance lines), tskafka
 * consumed a partition only while it owned it, and the rebalances were
 * incremental: joining, kcat took only partitions ours gave up (nothing else
 * was revoked); leaving, ours revoked nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logLevel } from '../../../src/client/logger.js';
import { PartitionAssigners } from '../../../src/index.js';
import { Kafka } from '../../../src/kafka.js';
import { eventually } from '../../support/eventually.js';
import { produceSpread, stableAssignment, useGroupBroker } from '../../support/group-fixture.js';
import { skipWithoutKcat } from '../../support/kcat.js';
import { type KcatMember, startKcatMember } from '../../support/kcat-member.js';
import { OwnershipLog, describeOverlap } from '../../support/partition-ownership.js';
import { within } from '../../support/within.js';

const PARTITIONS = 6;
/** Records per phase: before kcat joins, while it is in the group, after it left. Multiples of 6. */
const PHASE_RECORDS = 3000;

describe('a kcat (librdkafka) member with cooperative-sticky in a group of tskafka consumers', { skip: skipWithoutKcat }, () => {
  const fixture = useGroupBroker({ admin: true });

  for (const leader of ['tskafka', 'kcat'] as const) {
    it(`with a ${leader} leader: ownership stays disjoint while kcat joins and leaves, only moved partitions are revoked, and every record is consumed`, { timeout: 150_000 }, async (t) => {
      const topic = `coop-${leader}`;
      const groupId = `coop-${leader}-group`;
      await fixture.running.broker.topics.create(topic, PARTITIONS, new Map());
      const ownership = new OwnershipLog();
      const processed = Array.from({ length: PARTITIONS }, () => new Set<number>());
      const ours: { name: string; disconnect: () => Promise<void> }[] = [];
      let kcat: KcatMember | undefined;

      const startOurs = async (name: string): Promise<void> => {
        const consumer = new Kafka({ clientId: `tskafka-${name}`, brokers: [fixture.running.bootstrap], logLevel: logLevel.NOTHING }).consumer({
          groupId,
          partitionAssigners: [PartitionAssigners.cooperativeSticky],
          heartbeatInterval: 500,
          sessionTimeout: 10_000,
          rebalanceTimeout: 30_000,
          maxWaitTimeInMs: 100,
          ...ownership.callbacks(name, 20),
        });
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ partition, message }) =>
            ownership.processing(name, { topic, partition }, async () => void processed[partition]!.add(Number(message.offset))),
        });
        ours.push({ name, disconnect: () => consumer.disconnect() });
      };
      const startKcat = (): KcatMember =>
        startKcatMember({
          bootstrap: fixture.running.bootstrap,
          groupId,
          topics: [topic],
          properties: {
            'partition.assignment.strategy': 'cooperative-sticky',
            'auto.offset.reset': 'earliest',
            'auto.commit.interval.ms': '200',
            'heartbeat.interval.ms': '500',
            'session.timeout.ms': '10000',
            'client.id': 'kcat-member',
          },
          onRecord: (r) => void processed[r.partition]!.add(r.offset),
          onRebalance: (kind, partitions) => (kind === 'assigned' ? ownership.assigned('kcat', partitions) : ownership.released('kcat', partitions, kind)),
        });
      const allConsumed = async (perPartition: number, what: string): Promise<void> => {
        await eventually(
          what,
          () => (processed.every((s) => Array.from({ length: perPartition }, (_, o) => o).every((o) => s.has(o))) ? true : undefined),
          60_000,
        ).catch((e: Error) => {
          const missing = processed.map((s, p) => `${p}: ${Array.from({ length: perPartition }, (_, o) => o).filter((o) => !s.has(o)).slice(0, 5).join(' ')}`);
          const committed = fixture.running.broker.groups.fetchOffsets(groupId, null).flatMap((x) => x.partitions.map((q) => `${q.partition}=${q.offset}`));
          const holders = ['a', 'b', 'kcat'].map((m) => `${m}: ${ownership.heldBy(m).join(' ')}`);
          throw new Error(`${e.message}: missing offsets ${missing.join('; ')}; committed ${committed.join(' ')}; held ${holders.join('; ')}\n${ownership.tail()}\n${kcat?.stderr() ?? ''}`);
        });
      };
      /** Wait until the group is stable with `count` members and each holds, by its callbacks, what the coordinator assigned it. */
      const settled = async (count: number): Promise<void> => {
        const described = await stableAssignment(fixture.admin, groupId, topic, { members: count, partitions: PARTITIONS });
        const nameOf = (clientId: string): string => (clientId === 'kcat-member' ? 'kcat' : clientId.replace('tskafka-', ''));
        await eventually(
          'every member to apply the stable assignment',
          () => (described.every((d) => ownership.heldBy(nameOf(d.clientId)).sort().join() === d.partitions.map((p) => `${topic}/${p}`).sort().join()) ? true : undefined),
          30_000,
        ).catch((e: Error) => {
          throw new Error(`${e.message}: assigned ${JSON.stringify(described)}\n${ownership.tail()}`);
        });
      };
      const revokedBy = (member: string, since: number): string[] =>
        ownership.ownership.filter((i) => i.member === member && i.endedBy === 'revoked' && i.end >= since).map((i) => i.key);

      try {
        if (leader === 'tskafka') {
          await startOurs('a');
          await startOurs('b');
          await settled(2);
          await produceSpread(fixture.running.bootstrap, topic, { partitions: PARTITIONS, count: PHASE_RECORDS, prefix: 'one', chunk: 300, pauseMs: 20 });
          await allConsumed(PHASE_RECORDS / PARTITIONS, 'the first records');

          // kcat joins while records flow: it may take only what ours give up.
          const joinedAt = ownership.now();
          kcat = startKcat();
          const flowing = produceSpread(fixture.running.bootstrap, topic, { partitions: PARTITIONS, count: PHASE_RECORDS, prefix: 'two', chunk: 300, pauseMs: 50 });
          await settled(3);
          await flowing;
          await allConsumed((2 * PHASE_RECORDS) / PARTITIONS, 'the records produced while kcat joined');
          assert.deepEqual(
            [...revokedBy('a', joinedAt), ...revokedBy('b', joinedAt)].sort(),
            ownership.heldBy('kcat').sort(),
            `joining, kcat took exactly the partitions ours revoked (incremental):\n${ownership.tail()}`,
          );

          // kcat leaves (SIGTERM: it revokes, commits and sends LeaveGroup). Not while records flow: a
          // record kcat fetched after the signal is stored for commit but never printed.
          const leftAt = ownership.now();
          const exit = await kcat.stop();
          assert.equal(exit.code, 0, `kcat exited cleanly: ${kcat.stderr()}`);
          await settled(2);
          await produceSpread(fixture.running.bootstrap, topic, { partitions: PARTITIONS, count: PHASE_RECORDS, prefix: 'three', chunk: 300, pauseMs: 20 });
          await allConsumed((3 * PHASE_RECORDS) / PARTITIONS, 'every record');
          assert.deepEqual([...revokedBy('a', leftAt), ...revokedBy('b', leftAt)], [], `kcat leaving made ours revoke nothing:\n${ownership.tail()}`);
        } else {
          // kcat joins an empty group first and leads it: librdkafka's cooperative-sticky assigns to ours.
          kcat = startKcat();
          await eventually('kcat to hold every partition', () => (ownership.heldBy('kcat').length === PARTITIONS ? true : undefined), 30_000);
          await produceSpread(fixture.running.bootstrap, topic, { partitions: PARTITIONS, count: PHASE_RECORDS, prefix: 'one', chunk: 300, pauseMs: 20 });
          await allConsumed(PHASE_RECORDS / PARTITIONS, 'the first records');

          // Two of ours join while records flow: kcat gives up only what they get.
          const joinedAt = ownership.now();
          const flowing = produceSpread(fixture.running.bootstrap, topic, { partitions: PARTITIONS, count: PHASE_RECORDS, prefix: 'two', chunk: 300, pauseMs: 50 });
          await startOurs('a');
          await startOurs('b');
          await settled(3);
          await flowing;
          await allConsumed((2 * PHASE_RECORDS) / PARTITIONS, 'the records produced while ours joined');
          assert.deepEqual(
            revokedBy('kcat', joinedAt).sort(),
            [...ownership.heldBy('a'), ...ownership.heldBy('b')].sort(),
            `kcat revoked exactly the partitions ours were given (incremental):\n${ownership.tail()}`,
          );

          // One of ours leaves while records flow: the others only gain partitions.
          const leftAt = ownership.now();
          const flowingAgain = produceSpread(fixture.running.bootstrap, topic, { partitions: PARTITIONS, count: PHASE_RECORDS, prefix: 'three', chunk: 300, pauseMs: 50 });
          const a = ours.shift()!;
          await within('disconnect a', a.disconnect(), 30_000);
          ownership.left('a');
          await settled(2);
          await flowingAgain;
          await allConsumed((3 * PHASE_RECORDS) / PARTITIONS, 'every record');
          assert.deepEqual([...revokedBy('kcat', leftAt), ...revokedBy('b', leftAt)], [], `a leaving made the others revoke nothing:\n${ownership.tail()}`);
        }
        const protocol = (await fixture.admin.describeGroups([groupId])).groups[0]!.protocol;
        assert.equal(protocol, 'cooperative-sticky');
      } finally {
        await kcat?.stop();
        for (const m of ours) {
          await within(`disconnect ${m.name}`, m.disconnect(), 30_000).catch(() => undefined);
          ownership.left(m.name);
        }
      }
      const overlaps = ownership.ownershipOverlaps();
      assert.deepEqual(overlaps.map((o) => describeOverlap(o, ownership.origin)), [], `no partition owned by two members at once:\n${ownership.tail(80)}`);
      assert.deepEqual(ownership.processingOutsideOwnership().slice(0, 5), [], 'tskafka consumed a partition only while it owned it');
      assert.equal(ownership.lostCount, 0, 'no member lost its partitions');
      t.diagnostic(`kcat consumed ${kcat?.records.length ?? 0} records; rebalance events: ${ownership.events.slice(-30).join(" | ")}`);
    });
  }
});
