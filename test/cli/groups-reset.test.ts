/**
 * `tskafka groups reset-offsets` against our broker, checked with KafkaJS 2.2.4's
 * admin.fetchOffsets: the plan alone changes nothing; with --execute each target
 * (offset, shift, time, latest, earliest) commits what kafka-consumer-groups.sh
 * would, kept within the log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CliBroker, runCli } from './cli-process.js';

const GROUP = 'cli-reset';
const TOPIC = 'cli-reset-topic';
/** Record timestamps: partition 0 gets 5 records at T0, T0+1s, ...; partition 1 three. */
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('tskafka groups reset-offsets', () => {
  const cli = new CliBroker('cli-groups-reset-test');
  before(async () => {
    await cli.f.peer.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
    const producer = await cli.f.producer();
    const at = (partition: number, i: number) => ({ partition, value: `${partition}-${i}`, timestamp: String(T0 + i * 1000) });
    await producer.send({ topic: TOPIC, messages: [0, 1, 2, 3, 4].map((i) => at(0, i)) });
    await producer.send({ topic: TOPIC, messages: [0, 1, 2].map((i) => at(1, i)) });
    await cli.f.peer.setOffsets({ groupId: GROUP, topic: TOPIC, partitions: [{ partition: 0, offset: '4' }, { partition: 1, offset: '1' }] });
  });

  const committed = async (): Promise<[number, string][]> => {
    const [topic] = await cli.f.peer.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    return topic!.partitions.map((p): [number, string] => [p.partition, p.offset]).sort((a, b) => a[0] - b[0]);
  };
  const reset = async (...args: string[]): Promise<string> => {
    const run = await runCli(['groups', 'reset-offsets', GROUP, '--topic', TOPIC, ...args, ...cli.brokers]);
    assert.equal(run.code, 0, run.stderr);
    return run.stdout;
  };

  it('prints the plan and changes nothing without --execute', async () => {
    const run = await runCli(['groups', 'reset-offsets', GROUP, '--topic', TOPIC, '--to-earliest', ...cli.brokers]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trimEnd().split('\n'), [
      'TOPIC            PARTITION  CURRENT-OFFSET  NEW-OFFSET',
      `${TOPIC}  0          4               0`,
      `${TOPIC}  1          1               0`,
    ]);
    assert.match(run.stderr, /dry run: nothing changed; add --execute to apply/);
    assert.deepEqual(await committed(), [
      [0, '4'],
      [1, '1'],
    ]);
  });

  it('applies --to-offset, --shift-by, --to-datetime and --to-latest with --execute, within the log', async () => {
    await reset('--to-offset', '2', '--execute');
    assert.deepEqual(await committed(), [
      [0, '2'],
      [1, '2'],
    ]);
    await reset('--shift-by', '-5', '--execute');
    assert.deepEqual(await committed(), [
      [0, '0'],
      [1, '0'],
    ], 'shifted below the log start: the log start');
    // The first record at or after T0 + 1.5 s: offset 2 in both partitions.
    await reset('--to-datetime', new Date(T0 + 1500).toISOString(), '--execute');
    assert.deepEqual(await committed(), [
      [0, '2'],
      [1, '2'],
    ]);
    const out = await runCli(['groups', 'reset-offsets', GROUP, '--topic', `${TOPIC}:1`, '--to-latest', '--execute', ...cli.brokers]);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(await committed(), [
      [0, '2'],
      [1, '3'],
    ], 'only the partition named');
  });
});
