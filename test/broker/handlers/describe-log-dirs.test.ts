/**
 * DescribeLogDirs v0-v4 on the wire, decoded with the generated codecs at each
 * version: the one log directory (the data directory as an absolute path, or
 * `:memory:`), each partition's size as the sum of its segment files on disk
 * after kcat writes to it, the volume's sizes at v4, the filter by topic and
 * partition, and DESCRIBE on the CLUSTER.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { DescribeLogDirsRequest } from '../../../src/protocol/generated/describe-log-dirs-request.js';
import { DescribeLogDirsResponse } from '../../../src/protocol/generated/describe-log-dirs-response.js';
import { eventually } from '../../support/eventually.js';
import { runKcat, skipWithoutKcat } from '../../support/kcat.js';
import { type WireClient } from '../../support/wire-client.js';
import { WireBrokers } from './wire-fixture.js';


type Wanted = Record<string, number[]> | null;
const describeLogDirs = (c: WireClient, version: number, topics: Wanted) =>
  c.request(DescribeLogDirsRequest, DescribeLogDirsResponse, version, { topics: topics === null ? null : Object.entries(topics).map(([topic, partitions]) => ({ topic, partitions })) });

/** `topic/partition: size` for every partition of the one log directory. */
const sizes = (r: DescribeLogDirsResponse): string[] => r.results.flatMap((d) => d.topics.flatMap((t) => t.partitions.map((p) => `${t.name}/${p.partitionIndex}: ${p.partitionSize}`)));

/** Bytes of a partition's segment files (`*.log`) on disk. */
const segmentBytes = (logDir: string, topic: string, partition: number): bigint => {
  const dir = join(logDir, `${topic}-${partition}`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .reduce((sum, f) => sum + BigInt(statSync(join(dir, f)).size), 0n);
};

describe('DescribeLogDirs', () => {
  const brokers = new WireBrokers('describe-log-dirs-test');
  after(() => brokers.close());

  it('reports one directory in memory, every partition at size 0, at every version', async () => {
    const { wire, admin } = await brokers.start();
    await admin.createTopics({ topics: [{ topic: 'a', numPartitions: 2 }, { topic: 'b' }] });
    for (const version of [0, 1, 2, 3, 4]) {
      const r = await describeLogDirs(wire, version, null);
      assert.equal(r.errorCode, ErrorCode.NONE);
      assert.equal(r.results.length, 1, `v${version}: one log directory`);
      const dir = r.results[0]!;
      assert.deepEqual([dir.errorCode, dir.logDir], [ErrorCode.NONE, ':memory:'], `v${version}`);
      assert.deepEqual(sizes(r).sort(), ['a/0: 0', 'a/1: 0', 'b/0: 0'], `v${version}`);
      assert.ok(dir.topics.every((t) => t.partitions.every((p) => p.offsetLag === 0n && !p.isFutureKey)));
      // Volume sizes exist from v4; the decoder's default (-1) before, and -1 in memory.
      assert.deepEqual([dir.totalBytes, dir.usableBytes], [-1n, -1n], `v${version}`);
    }
  });

  it('answers only the named partitions that exist, and leaves out topics with none', async () => {
    const { wire, admin } = await brokers.start();
    await admin.createTopics({ topics: [{ topic: 'a', numPartitions: 3 }, { topic: 'b' }] });
    const r = await describeLogDirs(wire, 4, { a: [2, 0, 9], b: [5], missing: [0] });
    assert.deepEqual(sizes(r), ['a/2: 0', 'a/0: 0']);
    assert.deepEqual(sizes(await describeLogDirs(wire, 2, { a: [] })), [], 'no partitions named: none answered');
  });

  it('reports the data directory with its volume, and partition sizes equal to the segment files kcat wrote', { skip: skipWithoutKcat }, async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'tskafka-log-dirs-'));
    brokers.defer(() => rmSync(logDir, { recursive: true, force: true }));
    const { broker, wire } = await brokers.start({ 'log.dirs': logDir, 'num.partitions': 2 }, false);
    const produce = async (lines: number) => {
      const input = Array.from({ length: lines }, (_, i) => `key-${i}:value-${i}-${'x'.repeat(100)}`).join('\n') + '\n';
      const run = await runKcat(['-b', broker.bootstrap, '-P', '-t', 'sized', '-p', '1', '-K:', '-X', 'acks=all'], { input });
      assert.equal(run.code, 0, run.stderr);
    };
    await produce(50);
    const first = await eventually('the partition to have data', async () => {
      const r = await describeLogDirs(wire, 4, { sized: [0, 1] });
      const size = r.results[0]?.topics[0]?.partitions.find((p) => p.partitionIndex === 1)?.partitionSize ?? 0n;
      return size > 0n ? r : undefined;
    });
    const dir = first.results[0]!;
    assert.equal(dir.logDir, logDir, 'the absolute path of log.dirs');
    assert.ok(dir.totalBytes > 0n && dir.usableBytes >= 0n && dir.usableBytes <= dir.totalBytes, `volume ${dir.usableBytes} of ${dir.totalBytes}`);
    const reported = (r: DescribeLogDirsResponse, p: number) => r.results[0]!.topics[0]!.partitions.find((x) => x.partitionIndex === p)!.partitionSize;
    assert.equal(reported(first, 0), 0n);
    assert.equal(reported(first, 1), segmentBytes(logDir, 'sized', 1));

    await produce(50);
    const second = await eventually('the size to grow', async () => {
      const r = await describeLogDirs(wire, 3, { sized: [1] });
      return reported(r, 1) > reported(first, 1) ? r : undefined;
    });
    assert.equal(reported(second, 1), segmentBytes(logDir, 'sized', 1));
  });

  it('answers CLUSTER_AUTHORIZATION_FAILED with no directories to a principal without DESCRIBE on the CLUSTER', async () => {
    const { wire } = await brokers.start({ 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' });
    const r = await describeLogDirs(wire, 3, null);
    assert.deepEqual([r.errorCode, r.results], [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, []]);
    const old = await describeLogDirs(wire, 1, null);
    assert.deepEqual(old.results, [], 'before v3 the refusal is an empty answer');
  });
});
