/**
 * `tskafka`'s usage contract, which scripts rely on: `--help` on every verb and
 * sub-verb names its options and exits 0; usage errors (unknown verb or option,
 * a missing argument, no brokers) exit 2; a broker that cannot be reached exits 1
 * with one clear line, no stack trace.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { ACLS } from '../../src/cli/acls.js';
import { CONFIGS } from '../../src/cli/configs.js';
import { GROUPS } from '../../src/cli/groups.js';
import { main } from '../../src/cli/index.js';
import { PERF } from '../../src/cli/perf.js';
import { TOPICS } from '../../src/cli/topics.js';
import { runCli, runNode } from './cli-process.js';

/** Run `main` in this process with stderr captured (usage errors are reported there, before any I/O). */
async function captured(argv: string[]): Promise<{ code: number; err: string }> {
  const write = process.stderr.write;
  let err = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(argv), err };
  } finally {
    process.stderr.write = write;
  }
}

/**
 * `tskafka <verb> --help` for each verb, in one child process (one start-up for
 * them all): each verb's stdout and exit code.
 */
async function helpTexts(verbs: readonly string[][]): Promise<Map<string, { code: number; out: string }>> {
  const script = `
    import { main } from './src/cli/index.ts';
    for (const verb of ${JSON.stringify(verbs)}) {
      process.stdout.write('\\u0000' + verb.join(' ') + '\\n');
      const code = await main([...verb, '--help']);
      process.stdout.write('\\u0000exit ' + code + '\\n');
    }`;
  const run = await runNode(['--import', 'tsx', '--input-type=module', '-e', script]);
  assert.equal(run.code, 0, run.stderr);
  const texts = new Map<string, { code: number; out: string }>();
  for (const m of run.stdout.matchAll(/\u0000([^\n]*)\n([^]*?)\u0000exit (\d+)\n/g)) texts.set(m[1]!, { code: Number(m[3]), out: m[2]! });
  return texts;
}

/** Options each sub-verb's help must name. */
const EXPECTED_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  'topics create': ['--partitions', '--replication-factor', '--config'],
  'topics alter': ['--partitions', '--config', '--delete-config'],
  'groups reset-offsets': ['--to-earliest', '--to-latest', '--to-offset', '--to-datetime', '--shift-by', '--topic', '--execute'],
  produce: ['-K, --key-separator', '--headers', '--json', '--acks', '--compression', '--partition', '--file'],
  consume: ['--from-beginning', '--offset', '--from-timestamp', '--group', '--partition', '--format', '--json', '-e, --exit', '-c, --count'],
  'acls create': ['--principal', '--host', '--operation', '--permission', '--resource-type', '--resource-name', '--pattern-type'],
  'configs alter': ['--topic', '--broker', '--set', '--delete'],
  'perf produce': ['--count', '--size', '--acks', '--compression', '--batch-size', '--linger-ms', '--chart'],
  'perf consume': ['--count', '--group', '--chart'],
};

describe('tskafka usage', () => {
  it('prints usage naming the options, the connection flags and the exit codes for --help on every verb and sub-verb', async () => {
    const verbs: string[][] = [[], ['produce'], ['consume']];
    for (const table of [TOPICS, GROUPS, ACLS, CONFIGS, PERF]) verbs.push([table.command], ...Object.keys(table.subcommands).map((sub) => [table.command, sub]));
    const texts = await helpTexts(verbs);
    const top = texts.get('')!;
    assert.equal(top.code, 0);
    for (const verb of ['topics', 'groups', 'produce', 'consume', 'acls', 'configs', 'perf', 'broker']) assert.match(top.out, new RegExp(`^  ${verb} `, 'm'));
    for (const table of [TOPICS, GROUPS, ACLS, CONFIGS, PERF]) {
      const { code, out } = texts.get(table.command)!;
      assert.equal(code, 0, table.command);
      for (const sub of Object.keys(table.subcommands)) assert.match(out, new RegExp(`^  ${sub} `, 'm'), `${table.command} --help lists ${sub}`);
    }
    for (const verb of verbs.filter((v) => v.length === 2 || v[0] === 'produce' || v[0] === 'consume')) {
      const name = verb.join(' ');
      const { code, out } = texts.get(name)!;
      assert.equal(code, 0, name);
      assert.ok(out.startsWith(`usage: tskafka ${name} `), `${name}: ${out}`);
      for (const option of ['--brokers', '--client-id', '--ssl', '--sasl-mechanism', '--username', '--password-env', ...(EXPECTED_OPTIONS[name] ?? [])]) {
        assert.ok(out.includes(option), `${name} --help names ${option}`);
      }
      assert.match(out, /exit codes: 0 ok, 1 runtime failure .*, 2 usage error/);
    }
  });

  it('exits 2 with a pointer to --help for an unknown verb, an unknown option, a missing argument and missing brokers', async () => {
    const unknownVerb = await captured(['frobnicate']);
    assert.equal(unknownVerb.code, 2, unknownVerb.err);
    assert.match(unknownVerb.err, /unknown command "frobnicate"/);
    const unknownSub = await captured(['topics', 'frobnicate']);
    assert.equal(unknownSub.code, 2, unknownSub.err);
    assert.match(unknownSub.err, /unknown command "topics frobnicate"; commands: list, create, describe, alter, delete/);
    const missing = await captured(['topics', 'create', '--brokers', '127.0.0.1:9']);
    assert.equal(missing.code, 2, missing.err);
    assert.match(missing.err, /missing the topic to create/);
    const saved = process.env.KAFKA_BROKERS;
    delete process.env.KAFKA_BROKERS;
    try {
      const noBrokers = await captured(['topics', 'list']);
      assert.equal(noBrokers.code, 2, noBrokers.err);
      assert.match(noBrokers.err, /no brokers: give --brokers host:port\[,host:port\.\.\.\] or set KAFKA_BROKERS/);
    } finally {
      if (saved !== undefined) process.env.KAFKA_BROKERS = saved;
    }
    const badNumber = await captured(['topics', 'create', 'orders', '--partitions', 'three', '--brokers', '127.0.0.1:9']);
    assert.equal(badNumber.code, 2, badNumber.err);
    assert.match(badNumber.err, /--partitions must be an integer >= 1, got "three"/);
    const both = await captured(['consume', 'orders', '--from-beginning', '--offset', '3', '--brokers', '127.0.0.1:9']);
    assert.equal(both.code, 2, both.err);
    assert.match(both.err, /--from-beginning and --offset cannot be used together/);
    // And as a process: the exit code itself.
    const child = await runCli(['topics', 'create', 'orders', '--partitons', '3', '--brokers', '127.0.0.1:9']);
    assert.equal(child.code, 2, child.stderr);
    assert.equal(child.stderr, 'tskafka topics create: unknown option --partitons\n(see "tskafka topics create --help")\n');
  });

  it('exits 1 with one clear line and no stack trace when no broker answers', async () => {
    // A port that was just free: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const run = await runCli(['groups', 'list'], { env: { KAFKA_BROKERS: `127.0.0.1:${port}` } });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, new RegExp(`^tskafka: error: .*127\\.0\\.0\\.1:${port}.*ECONNREFUSED.*\\n$`));
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  });
});
