/**
 * A KafkaJS program's imports resolve against tskafka: every value and type name
 * KafkaJS 2.2.4's types/index.d.ts exports (read from the file at test time, so a
 * name missing here fails) is imported from tskafka's root and used in a type
 * position, and kafkajs-program.ts (the API used the way KafkaJS's docs use it)
 * compiles with 'kafkajs' mapped to tskafka, with no error. Every value name exists
 * at run time too, and assigning a codec to CompressionCodecs, as KafkaJS programs
 * do to register one, changes nothing: the built-in codecs compress.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../../src/broker/server.js';
import * as tskafka from '../../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KAFKAJS_TYPES = join(root, 'node_modules', 'kafkajs', 'types', 'index.d.ts');

/**
 * KafkaJS names tskafka does not export, on purpose. Each is a type only; a
 * program naming one fails to compile, which is better than compiling and then
 * failing at run time.
 */
const NOT_PROVIDED: Readonly<Record<string, string>> = {
  Mechanism: 'custom SASL mechanisms (`sasl: { mechanism, authenticationProvider }`) are not supported; sasl takes the built-in mechanisms',
  Authenticator: 'part of the custom SASL mechanism interface (see Mechanism)',
  AuthenticationProviderArgs: 'part of the custom SASL mechanism interface (see Mechanism)',
  SaslAuthenticateArgs: 'part of the custom SASL mechanism interface (see Mechanism)',
  ISocketFactory: 'the `socketFactory` option is not supported: connections (TCP or TLS) are made by the client',
  ISocketFactoryArgs: 'the `socketFactory` option is not supported (see ISocketFactory)',
  Broker: "KafkaJS's internal per-broker connection object; no public method returns one",
  ApiVersions: "the return type of KafkaJS's internal Broker.apiVersions()",
  BrokerMetadata: "the return type of KafkaJS's internal Cluster.metadata() and Broker.metadata()",
  CoordinatorMetadata: "the return type of KafkaJS's internal Cluster.findGroupCoordinatorMetadata()",
  ConsumerGroup: "KafkaJS's internal consumer group object (it holds a Broker); no public method returns one",
  Transaction: 'transactions are not supported yet: producer.transaction() throws, and transactionalId is refused',
};

interface ExportedName {
  readonly name: string;
  /** Declared as a value (class, enum, const, var), as well as or instead of a type. */
  readonly value: boolean;
  /** Declared as a type (class, enum, interface, type alias). */
  readonly type: boolean;
  /** The number of type parameters, for use in a type position. */
  readonly typeParameters: number;
}

/** The names `export`ed at the top level of KafkaJS's index.d.ts. */
function kafkaJsExports(): ExportedName[] {
  const text = readFileSync(KAFKAJS_TYPES, 'utf8');
  const names = new Map<string, ExportedName>();
  for (const m of text.matchAll(/^export (?:declare )?(class|enum|const|var|let|function|type|interface)\s+([A-Za-z_$][\w$]*)(<[^>=]*>)?/gm)) {
    const [, kind, name, params] = m as unknown as [string, string, string, string | undefined];
    const value = ['class', 'enum', 'const', 'var', 'let', 'function'].includes(kind);
    const type = ['class', 'enum', 'type', 'interface'].includes(kind);
    const typeParameters = params === undefined ? 0 : params.split(',').length;
    const seen = names.get(name);
    names.set(name, { name, value: value || (seen?.value ?? false), type: type || (seen?.type ?? false), typeParameters: Math.max(typeParameters, seen?.typeParameters ?? 0) });
  }
  return [...names.values()];
}

/** Compile `files` in `dir` with 'kafkajs' mapped to `kafkajs`; the diagnostics about those files. */
function compile(dir: string, files: readonly string[], kafkajs: string): string[] {
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
        paths: { kafkajs: [kafkajs] },
      },
      files,
    }),
  );
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: dir, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return [];
  } catch (e) {
    const output = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
    // Only what is said about the programs: the sources have their own typecheck.
    const about = output.split('\n').filter((line) => files.some((f) => line.includes(f)));
    assert.ok(about.length > 0 || output.trim() === '' || !/error TS/.test(output), `tsc failed on tskafka's sources, not on the program:\n${output}`);
    return about;
  }
}

describe("KafkaJS's public surface", () => {
  const names = kafkaJsExports();
  const provided = names.filter((n) => !(n.name in NOT_PROVIDED));
  const scratch = mkdtempSync(join(tmpdir(), 'tskafka-surface-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("reads KafkaJS's export list", () => {
    assert.ok(names.length > 150, `only ${names.length} names found in ${KAFKAJS_TYPES}`);
    for (const name of ['Kafka', 'CompressionCodecs', 'ProducerRecord', 'EachBatchPayload', 'KafkaJSError', 'logCreator']) {
      assert.ok(names.some((n) => n.name === name), `${name} not found: the extraction is broken`);
    }
    for (const name of Object.keys(NOT_PROVIDED)) {
      assert.ok(names.some((n) => n.name === name), `${name} is listed as not provided but KafkaJS does not export it`);
    }
  });

  it('every KafkaJS name imports from the root and is usable where KafkaJS declares it (a value, a type or both)', () => {
    const values = provided.filter((n) => n.value).map((n) => n.name);
    const types = provided.filter((n) => n.type && !n.value).map((n) => n.name);
    const asTypes = provided.filter((n) => n.type).map((n) => (n.typeParameters === 0 ? n.name : `${n.name}<${Array(n.typeParameters).fill('any').join(', ')}>`));
    const program = [
      `import { ${values.join(', ')} } from 'kafkajs';`,
      `import type { ${types.join(', ')} } from 'kafkajs';`,
      `export const everyValue = [${values.join(', ')}];`,
      `export type EveryType = [\n  ${asTypes.join(',\n  ')},\n];`,
    ].join('\n');
    writeFileSync(join(scratch, 'every-name.ts'), program);
    // The check checks: against KafkaJS's own types the same file compiles.
    assert.deepEqual(compile(scratch, ['every-name.ts'], KAFKAJS_TYPES), [], 'against KafkaJS');
    assert.deepEqual(compile(scratch, ['every-name.ts'], join(root, 'src', 'index.ts')), [], 'against tskafka');
  });

  it("a program using the API the way KafkaJS's docs do compiles against tskafka", () => {
    copyFileSync(join(root, 'test', 'package', 'kafkajs-program.ts'), join(scratch, 'kafkajs-program.ts'));
    assert.deepEqual(compile(scratch, ['kafkajs-program.ts'], join(root, 'src', 'index.ts')), []);
  });

  it('every KafkaJS value name exists at run time', () => {
    const exported = tskafka as unknown as Record<string, unknown>;
    const missing = provided.filter((n) => n.value && exported[n.name] === undefined).map((n) => n.name);
    assert.deepEqual(missing, []);
    for (const name of Object.keys(NOT_PROVIDED)) assert.equal(exported[name], undefined, `${name} is exported now: remove it from NOT_PROVIDED`);
  });

  it('a codec assigned to CompressionCodecs is accepted and not used: the built-in codecs compress', async () => {
    const { CompressionCodecs, CompressionTypes, Kafka, logLevel } = tskafka;
    const original = CompressionCodecs[CompressionTypes.Snappy];
    const running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 } });
    let called = false;
    try {
      // What `CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec` does in a KafkaJS program.
      CompressionCodecs[CompressionTypes.Snappy] = () => {
        called = true;
        throw new Error('a registered codec must not be used');
      };
      const builtIn = (await import('../../src/producer/compression-codecs.js')).CompressionCodecs;
      assert.equal(builtIn, CompressionCodecs, 'one registry');
      const producer = new Kafka({ brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: true });
      await producer.connect();
      try {
        const [result] = await producer.send({ topic: 'codecs', compression: CompressionTypes.Snappy, messages: [{ value: 'x'.repeat(1000) }] });
        assert.equal(result!.errorCode, 0);
      } finally {
        await producer.disconnect();
      }
      assert.equal(called, false);
      assert.equal(running.broker.topics.get('codecs')!.partitions[0]!.log.logEndOffset, 1);
      // The factories it starts with are KafkaJS-shaped codecs backed by the built-in ones.
      const gzip = CompressionCodecs[CompressionTypes.GZIP]();
      const data = Buffer.from('hello '.repeat(50));
      assert.deepEqual(await gzip.decompress(await gzip.compress({ buffer: data })), data);
    } finally {
      CompressionCodecs[CompressionTypes.Snappy] = original;
      await running.close();
    }
  });
});
