/**
 * `tskafka consume` against our broker, on records kcat (librdkafka) wrote: the
 * kcat-style format prints exactly what kcat prints with the same format; JSON
 * output; start at an offset or a time; a partition without a group; and a group
 * whose committed offsets KafkaJS 2.2.4's admin then finds.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { runKcat, skipWithoutKcat } from '../support/kcat.js';
import { CliBroker, ENTRY, ROOT, runCli } from './cli-process.js';

const FORMAT = '%t %p %o [%k] [%s] [%h] %T %K %S\\n';

describe('tskafka consume', { skip: skipWithoutKcat }, () => {
  const cli = new CliBroker('cli-consume-test');
  before(async () => {
    await cli.f.peer.createTopics({ topics: [{ topic: 'cli-read', numPartitions: 2 }] });
    const kcatProduce = async (partition: number, input: string, headers: string[]): Promise<void> => {
      const run = await runKcat(['-b', cli.f.broker.bootstrap, '-P', '-t', 'cli-read', '-p', String(partition), '-K', ':', ...headers.flatMap((h) => ['-H', h])], { input });
      assert.equal(run.code, 0, run.stderr);
    };
    await kcatProduce(0, 'k0:zero\n:empty-key\nno key\n', ['trace=1', 'from=kcat']);
    await kcatProduce(1, 'k1:one\nk2:two\n', []);
  });

  const sorted = (text: string): string[] => text.split('\n').filter((l) => l !== '').sort();

  it('prints with -e and a kcat format exactly what kcat prints, then exits 0', async () => {
    const [ours, kcat] = [await runCli(['consume', 'cli-read', '--from-beginning', '-e', '-f', FORMAT, ...cli.brokers]), await runKcat(['-b', cli.f.broker.bootstrap, '-C', '-t', 'cli-read', '-e', '-q', '-f', FORMAT])];
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(kcat.code, 0, kcat.stderr);
    assert.equal(sorted(ours.stdout).length, 5);
    assert.deepEqual(sorted(ours.stdout), sorted(kcat.stdout));
    assert.match(ours.stdout, /^cli-read 0 0 \[k0\] \[zero\] \[trace=1,from=kcat\] \d+ 2 4$/m);
    assert.match(ours.stdout, /^cli-read 0 2 \[\] \[no key\] \[trace=1,from=kcat\] \d+ -1 6$/m);
  });

  it('prints JSON from an offset of one partition, and from a time, without a group', async () => {
    const fromOffset = await runCli(['consume', 'cli-read', '--partition', '0', '--offset', '1', '-e', '--json', ...cli.brokers]);
    assert.equal(fromOffset.code, 0, fromOffset.stderr);
    const records = fromOffset.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      records.map(({ timestamp: _t, ...r }) => r),
      [
        { topic: 'cli-read', partition: 0, offset: 1, key: '', value: 'empty-key', headers: { trace: '1', from: 'kcat' } },
        { topic: 'cli-read', partition: 0, offset: 2, key: null, value: 'no key', headers: { trace: '1', from: 'kcat' } },
      ],
    );
    // Every record is older than a minute from now: starting at now + 1 min prints nothing; at the epoch, everything (-c stops at 3).
    const future = await runCli(['consume', 'cli-read', '--from-timestamp', new Date(Date.now() + 60_000).toISOString(), '-e', ...cli.brokers]);
    assert.equal(future.code, 0, future.stderr);
    assert.equal(future.stdout, '');
    const counted = await runCli(['consume', 'cli-read', '--from-timestamp', '0', '-c', '3', '-f', '%s\\n', ...cli.brokers]);
    assert.equal(counted.code, 0, counted.stderr);
    assert.equal(sorted(counted.stdout).length, 3);
    const groups = (await cli.f.peer.listGroups()).groups.map((g) => g.groupId);
    assert.deepEqual(groups, [], 'the throwaway groups are gone');
  });

  it('consumes in a group and commits what it printed, which KafkaJS fetchOffsets finds', async () => {
    const run = await runCli(['consume', 'cli-read', '--group', 'cli-readers', '--from-beginning', '-e', '-f', '%p:%o\\n', ...cli.brokers]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(sorted(run.stdout), ['0:0', '0:1', '0:2', '1:0', '1:1']);
    const offsets = await cli.f.peer.fetchOffsets({ groupId: 'cli-readers', topics: ['cli-read'] });
    assert.deepEqual(
      offsets[0]!.partitions.map((p) => [p.partition, p.offset]).sort(),
      [
        [0, '3'],
        [1, '2'],
      ],
    );
    const again = await runCli(['consume', 'cli-read', '--group', 'cli-readers', '-e', ...cli.brokers]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, '', 'nothing left past the committed offsets');
  });

  it('exits 0 on its own when the reader of its output goes away (EPIPE), like `| head -1`', async () => {
    // More than a pipe buffer of output, so the command is blocked writing when the reader leaves.
    const producer = await cli.f.producer();
    const value = 'x'.repeat(200);
    for (let i = 0; i < 4; i++) await producer.send({ topic: 'cli-many', messages: Array.from({ length: 2500 }, () => ({ value })) });
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'consume', 'cli-many', '--from-beginning', ...cli.brokers], { cwd: ROOT, timeout: 60_000, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'ignore'] });
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('error', reject);
      child.on('close', (exit) => resolve(exit));
    });
    assert.equal(code, 0, 'not killed by the 60 s deadline: it noticed the reader left');
  });
});
