/**
 * Every example in README.md is run, as written, by this file: each fenced block
 * is matched to one entry below by a phrase it contains, and a block no entry
 * matches fails the test, so an example added to the README without a test
 * cannot pass unnoticed.
 *
 * A TypeScript block runs in its own Node process against an embedded broker,
 * with only these changes: `from 'tskafka'` (and its subpaths) points at the
 * sources, and `localhost:9092` at the test's broker. A block that is a fragment
 * of a larger program (it uses a `consumer` or `kafka` made earlier in the
 * README) gets the smallest prelude that makes it a program; what the block
 * itself says is not changed. Its effect is then checked through a peer nobody
 * here wrote (kcat or KafkaJS), not only through its own output.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Kafka as KafkaJS, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { eventually } from '../support/eventually.js';
import { runKcat, skipWithoutKcat } from '../support/kcat.js';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** One fenced block of the README. */
interface Block {
  readonly lang: string;
  readonly code: string;
  readonly line: number;
}

/** The README's fenced blocks, dedented (blocks inside list items are indented). */
function readmeBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const fence = /^( *)```(\w*)\n([\s\S]*?)^\1```/gm;
  for (let m = fence.exec(text); m !== null; m = fence.exec(text)) {
    const indent = m[1]!.length;
    const code = m[3]!
      .split('\n')
      .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
      .join('\n');
    blocks.push({ lang: m[2]!, code, line: text.slice(0, m.index).split('\n').length });
  }
  return blocks;
}

/** Where a README import resolves when the package is not installed: the sources. */
const SOURCES: Record<string, string> = {
  tskafka: join(root, 'src', 'index.ts'),
  'tskafka/broker': join(root, 'src', 'broker', 'index.ts'),
  'tskafka/protocol': join(root, 'src', 'protocol', 'index.ts'),
};

interface ProcessRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A spawned example: its output so far, a way to signal it, and its end. */
interface RunningExample {
  output(): string;
  /** True once the process has ended. */
  exited(): boolean;
  kill(signal: NodeJS.Signals): void;
  readonly done: Promise<ProcessRun>;
}

const scratch = mkdtempSync(join(tmpdir(), 'tskafka-readme-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let fileCount = 0;

/** Run a TypeScript example (with a prelude and an epilogue of our own) in a Node process. */
function startTs(code: string, bootstrap: string, parts: { prelude?: string; epilogue?: string } = {}): RunningExample {
  const rewrite = (text: string) =>
    text
      .replace(/from '(tskafka(?:\/\w+)?)'/g, (whole, name: string) => {
        const target = SOURCES[name];
        assert.ok(target !== undefined && existsSync(target), `README imports '${name}', which the package does not export (${target ?? 'no entry'})`);
        return `from '${pathToFileURL(target).href}'`;
      })
      .replace(/(['"])localhost:9092\1/g, JSON.stringify(bootstrap));
  const file = join(scratch, `example-${++fileCount}.mts`);
  writeFileSync(file, [rewrite(parts.prelude ?? ''), rewrite(code), rewrite(parts.epilogue ?? '')].join('\n'));
  return startProcess(process.execPath, ['--import', 'tsx', file], { cwd: root });
}

/** The `tskafka` command, from the sources, in `cwd`. */
function startCli(args: readonly string[], cwd: string): RunningExample {
  const entry = join(scratch, 'tskafka-cli.mts');
  writeFileSync(entry, `import { main } from '${pathToFileURL(join(root, 'src', 'cli', 'index.ts')).href}';\nprocess.exitCode = await main(process.argv.slice(2));\n`);
  return startProcess(process.execPath, ['--import', pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href, entry, ...args], { cwd });
}

function startProcess(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): RunningExample {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, killSignal: 'SIGKILL' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let ended = false;
  const done = new Promise<ProcessRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      ended = true;
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { output: () => stdout + stderr, exited: () => ended, kill: (signal) => child.kill(signal), done };
}

async function runTs(code: string, bootstrap: string, parts: { prelude?: string; epilogue?: string } = {}): Promise<ProcessRun> {
  const run = await startTs(code, bootstrap, parts).done;
  assert.equal(run.code, 0, `example failed (exit ${run.code} ${run.signal ?? ''}):\n${run.stdout}\n${run.stderr}`);
  return run;
}

/** KafkaJS's admin against `bootstrap`: the peer that checks what an example did. */
async function withKafkaJsAdmin<T>(bootstrap: string, use: (admin: ReturnType<InstanceType<typeof KafkaJS>['admin']>) => Promise<T>): Promise<T> {
  const admin = new KafkaJS({ clientId: 'readme-check', brokers: [bootstrap], logLevel: kafkaJsLogLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

async function produceWithKcat(bootstrap: string, topic: string, lines: string): Promise<void> {
  const run = await runKcat(['-P', '-b', bootstrap, '-t', topic, '-K', ':'], { input: lines });
  assert.equal(run.code, 0, run.stderr);
}

/** One README example: the phrase that identifies its block, and how it is run and checked. */
interface Example {
  readonly name: string;
  readonly phrase: string;
  readonly run: (block: Block) => Promise<void>;
}

let broker: RunningBroker;

async function freshBroker(): Promise<RunningBroker> {
  return startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 } });
}

async function withBroker(use: (bootstrap: string) => Promise<void>): Promise<void> {
  const running = await freshBroker();
  try {
    await use(running.bootstrap);
  } finally {
    await running.close();
  }
}

const CONSUMER_PRELUDE = `
let handledCount = 0;
async function handle(value: unknown): Promise<void> {
  console.log('handled ' + JSON.stringify(value));
  if (++handledCount === 1) setTimeout(() => void consumer.disconnect(), 0);
}
`;

const EXAMPLES: readonly Example[] = [
  {
    name: 'set-up: the two commands are what CI runs',
    phrase: 'npm install && npm start',
    run: async (block) => {
      const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
      for (const command of ['npm install', 'npm start', 'npm test']) {
        assert.ok(block.code.includes(command), `the set-up block names ${command}`);
        assert.match(ci, new RegExp(`^${command}$`, 'm'), `.ci/run runs ${command} as the README says`);
      }
    },
  },
  {
    name: 'the producer: the record arrives with its key and headers (read by kcat)',
    phrase: 'const producer = kafka.producer({',
    run: (block) =>
      withBroker(async (bootstrap) => {
        await runTs(block.code, bootstrap);
        const read = await runKcat(['-C', '-b', bootstrap, '-t', 'orders', '-o', 'beginning', '-e', '-q', '-f', '%k|%s|%h\n']);
        assert.equal(read.code, 0, read.stderr);
        assert.equal(read.stdout.trim(), 'user-1|{"amount":12}|source=web');
      }),
  },
  {
    name: 'the consumer: reads what kcat wrote and its group commits it (checked by KafkaJS)',
    phrase: 'partitionAssigners: [PartitionAssigners.cooperativeSticky]',
    run: (block) =>
      withBroker(async (bootstrap) => {
        await produceWithKcat(bootstrap, 'orders', 'user-1:{"amount":12}\n');
        const run = await runTs(block.code, bootstrap, { prelude: CONSUMER_PRELUDE });
        assert.match(run.stdout, /^handled \{"amount":12\}$/m);
        const offsets = await withKafkaJsAdmin(bootstrap, (admin) => admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] }));
        assert.deepEqual(offsets[0]!.partitions.map((p) => p.offset), ['1']);
      }),
  },
  {
    name: 'the async iterator: the loop reads a record and the signal ends it',
    phrase: 'consumer.messages({ signal: controller.signal })',
    run: (block) =>
      withBroker(async (bootstrap) => {
        await produceWithKcat(bootstrap, 'orders', 'k:{"amount":3}\n');
        const run = await runTs(block.code, bootstrap, {
          prelude: `
import { Kafka } from 'tskafka';
const kafka = new Kafka({ clientId: 'readme', brokers: ['localhost:9092'] });
const consumer = kafka.consumer({ groupId: 'iterator' });
await consumer.connect();
await consumer.subscribe({ topics: ['orders'], fromBeginning: true });
async function handle(message: { value: Buffer | null }): Promise<void> {
  console.log('handled ' + message.value?.toString());
  controller.abort();
}
`,
          epilogue: `await consumer.disconnect(); console.log('loop ended');`,
        });
        assert.match(run.stdout, /^handled \{"amount":3\}$/m);
        assert.match(run.stdout, /^loop ended$/m);
      }),
  },
  {
    name: 'graceful shutdown: SIGTERM commits and exits 0 (offset checked by KafkaJS)',
    phrase: "for (const signal of ['SIGINT', 'SIGTERM'] as const)",
    run: (block) =>
      withBroker(async (bootstrap) => {
        await produceWithKcat(bootstrap, 'orders', 'a:1\nb:2\n');
        const example = startTs(block.code, bootstrap, {
          prelude: `
import { Kafka } from 'tskafka';
const kafka = new Kafka({ clientId: 'readme', brokers: ['localhost:9092'] });
const consumer = kafka.consumer({ groupId: 'shutdown' });
await consumer.connect();
await consumer.subscribe({ topics: ['orders'], fromBeginning: true });
let seen = 0;
await consumer.run({ eachMessage: async () => { if (++seen === 2) console.log('processed 2'); } });
`,
        });
        await eventually('both records processed', () => {
          if (example.exited()) assert.fail(`the example ended early:\n${example.output()}`);
          return /processed 2/.test(example.output()) ? true : undefined;
        }, 60_000);
        example.kill('SIGTERM');
        const run = await example.done;
        assert.equal(run.code, 0, run.stdout + run.stderr);
        const offsets = await withKafkaJsAdmin(bootstrap, (admin) => admin.fetchOffsets({ groupId: 'shutdown', topics: ['orders'] }));
        assert.deepEqual(offsets[0]!.partitions.map((p) => p.offset), ['2']);
      }),
  },
  {
    name: 'the admin client: the topic exists with its config (checked by KafkaJS)',
    phrase: 'const admin = kafka.admin();',
    run: (block) =>
      withBroker(async (bootstrap) => {
        await runTs(block.code, bootstrap, {
          prelude: `import { Kafka } from 'tskafka';\nconst kafka = new Kafka({ clientId: 'readme', brokers: ['localhost:9092'] });`,
          epilogue: `console.log('offsets ' + JSON.stringify(offsets));`,
        });
        const seen = await withKafkaJsAdmin(bootstrap, async (admin) => ({
          metadata: await admin.fetchTopicMetadata({ topics: ['orders'] }),
          configs: await admin.describeConfigs({ resources: [{ type: 2, name: 'orders', configNames: ['retention.ms'] }], includeSynonyms: false }),
        }));
        assert.equal(seen.metadata.topics[0]!.partitions.length, 6);
        assert.equal(seen.configs.resources[0]!.configEntries[0]!.configValue, '86400000');
      }),
  },
  {
    name: 'the broker from code: startBroker serves a client and closes',
    phrase: 'const broker = await startBroker(',
    run: async (block) => {
      const run = await runTs(block.code, 'unused:0', { epilogue: `console.log('closed');` });
      assert.match(run.stdout, /^closed$/m);
    },
  },
  {
    name: 'the protocol layer: codecs and murmur2 agree with KafkaJS',
    phrase: 'ApiVersionsRequest.encode(3',
    run: async (block) => {
      const run = await runTs(block.code, 'unused:0', {
        prelude: `import { MetadataResponse as ReadmeMetadata } from 'tskafka/protocol';\nconst responseBody = ReadmeMetadata.encode(12, { brokers: [], topics: [{ name: 'orders', topicId: undefined as never, partitions: [{ partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] }] } as never);`,
          epilogue: `console.log(JSON.stringify({ leader: metadata.topics[0]!.partitions[0]!.leaderId, records: decoded.records?.length ?? null, partition: murmur2Partition(Buffer.from('user-1'), 6), bytes: bytes.length }));`,
      });
      const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { leader: number; partition: number; bytes: number };
      assert.equal(result.leader, 1);
      assert.ok(result.bytes > 0);
      const { Partitioners } = await import('kafkajs');
      const kafkaJsPartition = Partitioners.DefaultPartitioner()({ topic: 'orders', partitionMetadata: [0, 1, 2, 3, 4, 5].map((partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] })), message: { key: Buffer.from('user-1'), value: null } });
      assert.equal(result.partition, kafkaJsPartition, 'the Java partition of key user-1, as KafkaJS computes it');
    },
  },
  {
    name: 'the broker command: each line starts a broker that serves clients',
    phrase: 'npx tskafka broker --in-memory',
    run: async (block) => {
      const lines = block.code.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
      const dir = mkdtempSync(join(scratch, 'broker-'));
      // server.properties is the README's own example of a broker config (the properties block).
      writeFileSync(join(dir, 'server.properties'), readmeBlocks(readme).find((b) => b.lang === 'properties')!.code);
      for (const line of lines) {
        const args = line.split(/\s+/);
        assert.deepEqual(args.slice(0, 2), ['npx', 'tskafka'], line);
        // The example's own port (9092) may be taken on a shared machine: a free port instead.
        const port0 = line.includes(':0') ? [] : ['--override', `listeners=${line.includes('server.properties') ? 'SASL_PLAINTEXT' : 'PLAINTEXT'}://127.0.0.1:0`];
        const cli = startCli([...args.slice(2), ...port0], dir);
        const bootstrap = await eventually(`"${line}" to listen`, () => {
          const listening = /listening on \w+:\/\/([\d.]+:\d+)/.exec(cli.output())?.[1];
          if (listening === undefined && cli.exited()) assert.fail(`"${line}" ended before listening:\n${cli.output()}`);
          return listening;
        }, 60_000);
        const kcatAuth = line.includes('server.properties') ? ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', 'sasl.username=admin', '-X', 'sasl.password=change-me'] : [];
        const metadata = await runKcat(['-L', '-b', bootstrap, ...kcatAuth]);
        cli.kill('SIGTERM');
        const run = await cli.done;
        assert.equal(metadata.code, 0, `kcat -L against "${line}": ${metadata.stderr}\n${run.stdout}${run.stderr}`);
        assert.match(metadata.stdout, /1 brokers:/);
        if (kcatAuth.length > 0) {
          const refused = await runKcat(['-L', '-b', bootstrap, ...kcatAuth.slice(0, -1), 'sasl.password=wrong', '-m', '5'], { timeoutMs: 20_000 });
          assert.notEqual(refused.code, 0, 'a wrong password is refused');
        }
      }
    },
  },
  {
    name: 'the safe broker config: used as server.properties by the broker command example',
    phrase: 'sasl.users=admin:change-me',
    run: async (block) => {
      const brokerLines = readmeBlocks(readme).find((b) => b.code.includes('npx tskafka broker --in-memory'))!;
      assert.match(brokerLines.code, /server\.properties/, 'the broker command example runs this config');
      assert.match(block.code, /^listeners=SASL_PLAINTEXT:/m);
    },
  },
  {
    name: 'the command line: each line runs as written (records checked by kcat, the chart is an SVG)',
    phrase: 'npx tskafka topics create orders',
    run: (block) =>
      withBroker(async (bootstrap) => {
        const dir = mkdtempSync(join(scratch, 'cli-'));
        const tsx = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href;
        // `npx tskafka` runs the installed build; here the same command runs from the sources.
        const script = [
          'set -e',
          `npx() { [ "$1" = tskafka ] || exit 99; shift; node --import '${tsx}' '${join(root, 'src', 'cli', 'main-entry.ts')}' "$@"; }`,
          block.code.replace(/(['"]?)localhost:9092\1/g, bootstrap),
          'echo README-CLI-DONE',
        ].join('\n');
        const run = await startProcess('bash', ['-c', script], { cwd: dir }).done;
        assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
        assert.match(run.stdout, /README-CLI-DONE/);
        assert.match(run.stdout, /^\d:0 user-1=\{"total":42\} \[source=cli\]$/m, 'consume prints the record in the format asked');
        const read = await runKcat(['-C', '-b', bootstrap, '-t', 'orders', '-o', 'beginning', '-e', '-q', '-f', '%k|%s|%h\n']);
        assert.equal(read.stdout.trim(), 'user-1|{"total":42}|source=cli');
        const metadata = await runKcat(['-L', '-b', bootstrap, '-t', 'orders']);
        assert.match(metadata.stdout, /topic "orders" with 3 partitions/);
        const chart = readFileSync(join(dir, 'produce.svg'), 'utf8');
        assert.match(chart, /^<\?xml[^>]*>\s*<svg[\s\S]*<\/svg>\s*$|^<svg[\s\S]*<\/svg>\s*$/);
      }),
  },
];

describe('README examples', () => {
  before(async () => {
    broker = await freshBroker();
  });
  after(async () => {
    await broker?.close();
  });

  const blocks = readmeBlocks(readme);

  it('every fenced block of the README is run by one entry here', () => {
    const unmatched = blocks.filter((b) => EXAMPLES.filter((e) => b.code.includes(e.phrase)).length !== 1);
    assert.deepEqual(
      unmatched.map((b) => `README.md:${b.line} (${b.lang}): ${b.code.split('\n')[0]}`),
      [],
      'each README block must contain exactly one example phrase of test/examples/readme.test.ts',
    );
  });

  for (const example of EXAMPLES) {
    it(example.name, { skip: skipWithoutKcat }, async () => {
      const block = blocks.find((b) => b.code.includes(example.phrase));
      assert.ok(block, `README.md has no block containing ${JSON.stringify(example.phrase)}`);
      await example.run(block);
    });
  }
});
