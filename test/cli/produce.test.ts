/**
 * `tskafka produce` against our broker, read back by kcat (librdkafka): keys split
 * off with -K, headers, an explicit partition, JSON lines, a file; and the exit
 * code 1 with a summary when a record is not acknowledged.
 */
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runKcat, skipWithoutKcat } from '../support/kcat.js';
import { CliBroker, runCli } from './cli-process.js';

const FORMAT = '%p|%o|%k|%s|%h\\n';

describe('tskafka produce', { skip: skipWithoutKcat }, () => {
  const cli = new CliBroker('cli-produce-test');
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tskafka-cli-produce-'));
    await cli.f.peer.createTopics({ topics: [{ topic: 'cli-lines', numPartitions: 3 }, { topic: 'cli-json', numPartitions: 3 }, { topic: 'cli-file' }] });
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const kcatRead = async (topic: string): Promise<string[]> => {
    const read = await runKcat(['-b', cli.f.broker.bootstrap, '-C', '-t', topic, '-e', '-q', '-f', FORMAT]);
    assert.equal(read.code, 0, read.stderr);
    return read.stdout.split('\n').filter((l) => l !== '').sort();
  };

  it('produces stdin lines with keys (-K), headers and a partition that kcat reads back', async () => {
    const run = await runCli(['produce', 'cli-lines', '-K', ':', '--headers', 'source=cli,trace=7', '-H', 'env=test', '--partition', '2', ...cli.brokers], { input: 'user-1:hello\nuser-2:wor:ld\n\nno-key-here\n' });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, 'produced 3 records to cli-lines\n');
    assert.deepEqual(await kcatRead('cli-lines'), [
      '2|0|user-1|hello|source=cli,trace=7,env=test',
      '2|1|user-2|wor:ld|source=cli,trace=7,env=test',
      '2|2||no-key-here|source=cli,trace=7,env=test',
    ]);
  });

  it('produces JSON lines (key, value, headers, partition) and lines from --file', async () => {
    const lines = [
      JSON.stringify({ key: 'k1', value: 'plain', headers: { h: 'x' }, partition: 1 }),
      JSON.stringify({ key: 'k2', value: { nested: true }, partition: 0 }),
      JSON.stringify({ value: 'no key', partition: 1 }),
    ];
    const json = await runCli(['produce', 'cli-json', '--json', '--acks', '1', '--compression', 'gzip', ...cli.brokers], { input: `${lines.join('\n')}\n` });
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(await kcatRead('cli-json'), ['0|0|k2|{"nested":true}|', '1|0|k1|plain|h=x', '1|1||no key|']);

    const file = join(dir, 'records.txt');
    writeFileSync(file, 'a=1\nb=2\n');
    const fromFile = await runCli(['produce', 'cli-file', '--file', file, '-K', '=', ...cli.brokers]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.deepEqual(await kcatRead('cli-file'), ['0|0|a|1|', '0|1|b|2|']);
  });

  it('exits 1 with a summary naming the failure when a record is not acknowledged or a line is not JSON', async () => {
    const noPartition = await runCli(['produce', 'cli-file', '--partition', '9', ...cli.brokers], { input: 'x\n' });
    assert.equal(noPartition.code, 1);
    assert.match(noPartition.stderr, /^produced 0 of 1 records to cli-file; 1 failed: .*partition 9/);
    const badJson = await runCli(['produce', 'cli-json', '--json', ...cli.brokers], { input: `${JSON.stringify({ value: 'ok', partition: 2 })}\nnot json\n` });
    assert.equal(badJson.code, 1);
    assert.match(badJson.stderr, /^produced 1 of 2 records to cli-json; 1 failed: line 2: /);
    assert.ok((await kcatRead('cli-json')).includes('2|0||ok|'), 'the good line was produced');
  });
});
