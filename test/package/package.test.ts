/**
 * The package as users get it: `tskafka` (the client), `tskafka/protocol` (the
 * wire protocol) and `tskafka/broker` (the embedded broker) load by name from ES
 * modules and from CommonJS, with their types, out of a build made by
 * scripts/build.mjs; the root exports no protocol codec and no broker; the
 * `tskafka` command runs. (`npm install` builds dist/ through `prepare`; this file
 * builds a scratch copy of the package, installed under node_modules/tskafka of a
 * scratch directory, so it never rewrites the dist/ other tests run.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Node with `args` in `cwd`; its stdout, or a failure carrying everything it printed. */
const run = (args: string[], cwd: string): string => {
  try {
    return execFileSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    assert.fail(`node ${args.join(' ').slice(0, 200)} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
};

it('dist/ is built (npm install runs the build)', () => {
  assert.ok(existsSync(join(root, 'dist/esm/index.js')), 'dist/esm/index.js is missing: run `npm install` or `npm run build`');
  assert.ok(existsSync(join(root, 'dist/cjs/index.js')), 'dist/cjs/index.js is missing: run `npm install` or `npm run build`');
});

it('the tskafka command runs and lists its commands', () => {
  const out = run(['bin/tskafka.js', 'help'], root);
  assert.match(out, /usage: tskafka <command>/);
  assert.match(out, /selfcheck/);
});

describe('the built package, installed', () => {
  let scratch: string;
  /** A directory whose node_modules/tskafka is the package as npm would install it. */
  let app: string;

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'tskafka-package-'));
    app = join(scratch, 'app');
    const installed = join(app, 'node_modules', 'tskafka');
    mkdirSync(installed, { recursive: true });
    run([join(root, 'scripts', 'build.mjs'), '--out', join(installed, 'dist')], root);
    copyFileSync(join(root, 'package.json'), join(installed, 'package.json'));
    // The package's dependency, and Node's types for the type check, as npm would place them.
    symlinkSync(join(root, 'node_modules', '@mongodb-js'), join(app, 'node_modules', '@mongodb-js'), 'dir');
    mkdirSync(join(app, 'node_modules', '@types'));
    symlinkSync(join(root, 'node_modules', '@types', 'node'), join(app, 'node_modules', '@types', 'node'), 'dir');
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("import('tskafka'), 'tskafka/protocol' and 'tskafka/broker' load from ES modules: a broker started through one, a client of the other", () => {
    const out = run(
      [
        '--input-type=module',
        '-e',
        `
        const { Kafka, CompressionTypes, logLevel } = await import('tskafka');
        const protocol = await import('tskafka/protocol');
        const { startBroker } = await import('tskafka/broker');
        console.log(protocol.ApiVersionsRequest.encode(3, { clientSoftwareName: 'a', clientSoftwareVersion: 'b' }).toString('hex'), typeof protocol.encodeRecordBatch, protocol.murmur2Partition('21', 7), CompressionTypes.ZSTD);
        const broker = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
        const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
        await admin.connect();
        await admin.createTopics({ topics: [{ topic: 'installed', numPartitions: 2 }] });
        console.log((await admin.listTopics()).join(','));
        await admin.disconnect();
        await broker.close();
        `,
      ],
      app,
    );
    // v3 body: compact "a", compact "b", empty tagged fields; murmur2("21") = -973932308 (Kafka's UtilsTest) -> partition 3 of 7.
    assert.equal(out, '0261026200 function 3 4\ninstalled\n');
  });

  it("require('tskafka'), 'tskafka/protocol' and 'tskafka/broker' load from CommonJS", () => {
    const out = run(
      [
        '-e',
        `
        const root = require('tskafka');
        const protocol = require('tskafka/protocol');
        const broker = require('tskafka/broker');
        console.log(typeof root.Kafka, typeof root.KafkaJSError, typeof protocol.ProduceRequest.decode, protocol.ErrorCode.NOT_LEADER_OR_FOLLOWER, protocol.crc32c(Buffer.from('123456789')).toString(16), typeof broker.startBroker);
        `,
      ],
      app,
    );
    assert.equal(out, 'function function function 6 e3069283 function\n');
  });

  it('the root exports the client only: no protocol codec, no Reader/Writer, no broker', () => {
    const out = run(
      [
        '--input-type=module',
        '-e',
        `
        const root = Object.keys(await import('tskafka'));
        const protocol = Object.keys(await import('tskafka/protocol'));
        const broker = Object.keys(await import('tskafka/broker'));
        console.log(JSON.stringify({ root, protocol, broker }));
        `,
      ],
      app,
    );
    const names = JSON.parse(out) as { root: string[]; protocol: string[]; broker: string[] };
    const root = new Set(names.root);
    for (const name of ['ProduceRequest', 'FetchResponse', 'ApiKey', 'Reader', 'Writer', 'encodeRecordBatch', 'crc32c', 'murmur2', 'ErrorCode', 'startBroker', 'consoleLogger']) {
      assert.ok(!root.has(name), `the root exports ${name}`);
    }
    assert.deepEqual(names.protocol.filter((n) => root.has(n)), [], 'names exported both by the root and tskafka/protocol');
    assert.deepEqual(names.broker.filter((n) => root.has(n)), [], 'names exported both by the root and tskafka/broker');
    assert.ok(names.protocol.includes('ProduceRequest') && names.protocol.includes('Reader') && names.protocol.includes('ErrorCode'));
    assert.ok(root.has('Kafka') && root.has('CompressionCodecs') && root.has('PartitionAssigners'));
  });

  it('each entry point has types, for ES modules and for CommonJS', () => {
    const program = `
      import { Kafka, type Producer, type KafkaConfig, type ProducerRecord } from 'tskafka';
      import { ProduceRequest, Writer, type MessageCodec } from 'tskafka/protocol';
      import { startBroker, type RunningBroker } from 'tskafka/broker';
      // @ts-expect-error the root exports no protocol codec
      import { ProduceRequest as NotAtRoot } from 'tskafka';
      void NotAtRoot;
      const config: KafkaConfig = { brokers: ['localhost:9092'], clientId: 'typed' };
      const producer: Producer = new Kafka(config).producer();
      const record: ProducerRecord = { topic: 't', messages: [{ value: 'v' }] };
      const codec: MessageCodec<unknown> = ProduceRequest;
      const writer: Writer = new Writer();
      const started: Promise<RunningBroker> = startBroker({ inMemory: true, port: 0 });
      // @ts-expect-error types are checked, not any
      const wrong: number = producer;
      export { record, codec, writer, started, wrong };
    `;
    writeFileSync(join(app, 'esm.mts'), program);
    writeFileSync(join(app, 'cjs.cts'), program.replace('export { record, codec, writer, started, wrong };', 'export = { record, codec, writer, started, wrong };'));
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'ES2022', strict: true, noEmit: true, types: ['node'] }, files: ['esm.mts', 'cjs.cts'] }),
    );
    run([join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(app, 'tsconfig.json')], app);
  });
});
